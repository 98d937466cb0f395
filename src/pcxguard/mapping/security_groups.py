"""Security groups: facts -> ``SecurityGroup`` and ``SecurityGroupRule`` (inline or separate).

One translation for every format: a group that names no VPC lives in the region's default VPC (an
explicit Unknown, never "no VPC"); a rule's CIDR ranges are validated (``common.network``); a rule that
references its own group is a self reference; a direction other than ingress or egress is read as
ingress; every rule is added to ``Estate.sg_rules`` in the order it is mapped.
"""

from __future__ import annotations

from typing import Any, Iterable

from pcxguard.mapping.common import Origin, network
from pcxguard.model import Estate, SecurityGroup, SecurityGroupRule, Unknown


def new_group(estate: Estate, key: str, origin: Origin, *, vpc: Any, aws_id: Any = None,
              vpc_attribute: str = "vpc_id") -> SecurityGroup:
    """A security group of the estate; ``vpc_attribute`` is how the input spells its VPC (for the hint)."""
    if vpc is None:
        vpc = Unknown(f"{origin.name} sets no {vpc_attribute}, so it lives in the region's default VPC",
                      f"set {vpc_attribute}, or describe the default VPC in the inventory")
    group = SecurityGroup(key, origin.source, vpc=vpc, aws_id=aws_id)
    estate.security_groups[key] = group
    return group


def new_rule(estate: Estate, key: str, origin: Origin, *, group: Any, direction: Any, protocol: Any = "-1",
             from_port: Any = None, to_port: Any = None, referenced: Any = None, referenced_owner: Any = None,
             self_reference: bool = False, cidrs: Iterable[tuple[Any, str]] = (), reference_text_known: bool = True,
             same_group_is_self: bool = True) -> SecurityGroupRule:
    """A rule of ``group``, declared by ``origin`` (the group itself for inline rules), added to the estate.

    ``cidrs``: ``(value, attribute)`` of each range the input gives (the caller leaves out what its format
    reads as unset); ``referenced``: the group it references (a link); ``same_group_is_self``: a
    reference to ``group`` itself makes a self reference (False where the reference is added later)."""
    rule = SecurityGroupRule(
        key, origin.source, group=group,
        direction=direction if direction in ("ingress", "egress") else "ingress",
        protocol=protocol, from_port=from_port, to_port=to_port,
        referenced_group=referenced, referenced_owner=referenced_owner,
        self_reference=self_reference or (same_group_is_self and referenced is not None and referenced == group),
        cidrs=[network(origin, value, attribute) for value, attribute in cidrs],
        reference_text_known=reference_text_known,
    )
    estate.sg_rules.append(rule)
    return rule
