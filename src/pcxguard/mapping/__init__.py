"""Facts about AWS resources -> elements of the model, one mapper per resource family.

A loader reads its input format (a Terraform plan or root module, CloudFormation templates, the
inventory of ``.pcxguard.yaml``) and hands each family's mapper *format-neutral facts*: values already
read (a string, an ``Unknown``, a link to another element, or None for unset), the element's
``Source``, and an ``Origin`` that says how messages name the element and where a ``LoadProblem``
goes. The mapper creates the model element or attaches it to the one it belongs to, and does every
translation that is the same whatever the format, exactly once:

- ``common``: a CIDR value as it enters the model (exact, of the attribute's family, host bits
  dropped with a note), a checked boolean or string.
- ``vpcs``: VPCs, their address blocks (IPAM-allocated and Amazon-provided IPv6 blocks are explicit
  Unknowns), DNS flags, subnets.
- ``peerings``: peering connections, the request as written, accepters, DNS options.
- ``routing``: route tables, routes (destination, prefix list, target kind), subnet associations,
  the implicit main table and the placeholder for a table outside the scan.
- ``security_groups``: groups and their rules, inline or separate.
- ``network_acls``: ACLs, their entries, the default ACL AWS creates, subnet associations.
- ``hosts``: instances, launch templates and configurations, their user data (-> interface MTU and
  route pins).

What is genuinely one format's (Terraform references and aliases, CloudFormation conditions and
stack placement, the attribute spellings) stays in its loader; a message that names an attribute is
spelled by the caller, so the mapper never knows the format.
"""
