"""How each input format spells what a fix text tells the user to write.

Rules never branch on the input format: a fix text names an attribute or a construct through
``attribute`` / ``phrase``, and gets it in the spelling of the resource the finding is on
(Terraform for ``aws_*`` resources, CloudFormation for ``AWS::*`` ones). This module is the one
place that knows both spellings.
"""

from __future__ import annotations

from pcxguard.model import Source

TERRAFORM = "terraform"
CLOUDFORMATION = "cloudformation"

# Terraform attribute -> CloudFormation property, for the attributes fix texts name
_CLOUDFORMATION_ATTRIBUTES = {
    "peer_region": "PeerRegion",
    "peer_owner_id": "PeerOwnerId",
}

# constructs a fix text describes, per format
_PHRASES = {
    "ipv6_block": {
        TERRAFORM: "assign_generated_ipv6_cidr_block = true or an aws_vpc_ipv6_cidr_block_association",
        CLOUDFORMATION: "an AWS::EC2::VPCCidrBlock with AmazonProvidedIpv6CidrBlock: true",
    },
    "peering_resource": {
        TERRAFORM: "an aws_vpc_peering_connection",
        CLOUDFORMATION: "an AWS::EC2::VPCPeeringConnection",
    },
    # a route that must go in a VPC's main route table, which the code does not declare
    "main_table_route": {
        TERRAFORM: "add an aws_route with route_table_id = {vpc}.main_route_table_id, {destination_attribute} = "
                   "\"{destination}\" and vpc_peering_connection_id = {target}.id (the main route table of {vpc})",
        CLOUDFORMATION: "give the subnets of {vpc} that use its main route table a route table of their own (an "
                        "AWS::EC2::RouteTable and an AWS::EC2::SubnetRouteTableAssociation for each) with a route to "
                        "{destination} and target {target}: the main route table is not a resource of the template",
    },
    "icmp_ingress": {
        TERRAFORM: "a security group ingress rule with protocol icmp, from_port 3, to_port 4 (icmpv6: from_port 2, "
                   "to_port -1) and the peer's CIDR, and a network ACL inbound rule allowing it with a lower number "
                   "than any deny",
        CLOUDFORMATION: "an AWS::EC2::SecurityGroupIngress with IpProtocol icmp, FromPort 3, ToPort 4 (icmpv6: "
                        "FromPort 2, ToPort -1) and the peer's CidrIp, and an AWS::EC2::NetworkAclEntry allowing it "
                        "inbound with a lower RuleNumber than any deny",
    },
}


def format_of(source: Source) -> str:
    """The format a resource is written in, from its type: ``AWS::...`` is CloudFormation."""
    return CLOUDFORMATION if source.resource_type.startswith("AWS::") else TERRAFORM


def attribute(source: Source, name: str) -> str:
    """The Terraform attribute ``name`` as the resource's format spells it."""
    return _CLOUDFORMATION_ATTRIBUTES[name] if format_of(source) == CLOUDFORMATION else name


def phrase(source: Source, key: str) -> str:
    """A construct a fix text describes (``_PHRASES``), in the resource's format."""
    return _PHRASES[key][format_of(source)]
