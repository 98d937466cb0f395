"""Which sets of the model a resource the loader could not expand or place belongs to.

A loader that cannot turn a block into instances (an unknown ``count`` / ``for_each``, an unread
module) or cannot place an element (its subnet, table, group or VPC is unknown) records a ``Gap`` in
each set the missing element would be part of, so no rule concludes from its absence.
"""

from __future__ import annotations

from typing import Any

from pcxguard.model import GAP_KINDS, Gap, Unknown

# resource type (Terraform or CloudFormation) -> the sets its instances belong to
KINDS_OF_TYPE: dict[str, tuple[str, ...]] = {
    "aws_vpc": ("vpc_blocks", "peerings", "subnets", "route_tables", "associations", "routes",
                "security_groups", "sg_rules", "acl_rules", "acl_associations"),
    "aws_vpc_ipv4_cidr_block_association": ("vpc_blocks",),
    "aws_vpc_ipv6_cidr_block_association": ("vpc_blocks",),
    "aws_vpc_peering_connection": ("peerings",),
    "aws_vpc_peering_connection_accepter": ("peerings",),
    "aws_vpc_peering_connection_options": ("peerings",),
    "aws_subnet": ("subnets", "associations"),
    "aws_route_table": ("route_tables", "routes", "associations"),
    "aws_default_route_table": ("route_tables", "routes", "associations"),
    "aws_route": ("routes",),
    "aws_route_table_association": ("associations",),
    "aws_main_route_table_association": ("associations",),
    "aws_security_group": ("security_groups", "sg_rules"),
    "aws_default_security_group": ("security_groups", "sg_rules"),
    "aws_security_group_rule": ("sg_rules",),
    "aws_vpc_security_group_ingress_rule": ("sg_rules",),
    "aws_vpc_security_group_egress_rule": ("sg_rules",),
    "aws_network_acl": ("acl_rules", "acl_associations"),
    "aws_default_network_acl": ("acl_rules", "acl_associations"),
    "aws_network_acl_rule": ("acl_rules",),
    "aws_network_acl_association": ("acl_associations",),
    "aws_instance": ("hosts",),
    "aws_launch_template": ("hosts",),
    "aws_launch_configuration": ("hosts",),
    "aws_autoscaling_group": ("hosts",),
    "module": tuple(sorted(GAP_KINDS)),
    "AWS::EC2::VPC": ("vpc_blocks", "peerings", "subnets", "route_tables", "associations", "routes",
                      "security_groups", "sg_rules", "acl_rules", "acl_associations"),
    "AWS::EC2::VPCCidrBlock": ("vpc_blocks",),
    "AWS::EC2::VPCPeeringConnection": ("peerings",),
    "AWS::EC2::Subnet": ("subnets", "associations"),
    "AWS::EC2::RouteTable": ("route_tables", "routes", "associations"),
    "AWS::EC2::Route": ("routes",),
    "AWS::EC2::SubnetRouteTableAssociation": ("associations",),
    "AWS::EC2::SecurityGroup": ("security_groups", "sg_rules"),
    "AWS::EC2::SecurityGroupIngress": ("sg_rules",),
    "AWS::EC2::SecurityGroupEgress": ("sg_rules",),
    "AWS::EC2::NetworkAcl": ("acl_rules", "acl_associations"),
    "AWS::EC2::NetworkAclEntry": ("acl_rules",),
    "AWS::EC2::SubnetNetworkAclAssociation": ("acl_associations",),
    "AWS::EC2::Instance": ("hosts",),
    "AWS::EC2::LaunchTemplate": ("hosts",),
}


def gaps_for(resource_type: str, vpc: str | None, what: str, hint: str = "", address: str | None = None,
             file: str | None = None, line: int | None = None) -> list[Gap]:
    """A Gap in every set an element of ``resource_type`` belongs to (none for types no rule reads)."""
    return [Gap(kind, vpc, what, hint, address, file, line, resource_type or None)
            for kind in KINDS_OF_TYPE.get(resource_type, ())]


def why_unplaced(ref: Any, what: str) -> str:
    """Why an element cannot be placed: its ``what`` (a table, a peering, ...) is unknown, unset or outside."""
    if isinstance(ref, Unknown):
        return f"its {what} is not known ({ref.describe()})"
    if ref is None:
        return f"its {what} is not set"
    return f"its {what} {ref} is outside the scan"
