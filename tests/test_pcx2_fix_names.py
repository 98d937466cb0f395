"""CKV2_PCX_2's fix names the resources as written and says how each format adds the route back: a
CloudFormation logical id keeps its case (the fix once read "add to main route table of myvpc ... with
target vpcpeeringconnection"), a main table that several subnets use is named once, and a route the main
route table lacks is spelled for the format (Terraform: an aws_route on main_route_table_id; CloudFormation,
which has no resource for the main table: a table of the subnets' own)."""

from __future__ import annotations

from estate_builder import EstateBuilder

from pcxguard.engine import analyse
from pcxguard.findings import Verdict
from pcxguard.model import Source


def _estate(cloudformation: bool):
    b = EstateBuilder()
    b.vpc("SharedVpc", "10.0.0.0/16")
    b.vpc("DevVpc", "10.1.0.0/16")
    peering = b.peering("VpcPeeringConnection", "SharedVpc", "DevVpc")
    if cloudformation:
        peering.source = Source("cloudformation", "AWS::EC2::VPCPeeringConnection", "VpcPeeringConnection", "t.yaml")
    b.table("SharedRouteTable", "SharedVpc")
    b.subnet("SharedSubnet", "SharedVpc", "10.0.1.0/24", table="SharedRouteTable")
    b.subnet("DevPublicSubnet1", "DevVpc", "10.1.1.0/24")  # both on DevVpc's main table
    b.subnet("DevPublicSubnet2", "DevVpc", "10.1.2.0/24")
    b.route("SharedToDev", "SharedRouteTable", "10.1.0.0/16", "VpcPeeringConnection")
    b.estate.reindex()
    (finding,) = [f for f in analyse(b.estate).findings if f.check_id == "CKV2_PCX_2"]
    assert finding.verdict is Verdict.FAILED
    assert finding.message.count("main route table of DevVpc lacks 10.0.1.0/24") == 1
    return finding


def test_on_a_template_the_fix_gives_the_subnets_a_table_of_their_own_and_keeps_the_case_of_names():
    assert _estate(cloudformation=True).fix == (
        "Give the subnets of DevVpc that use its main route table a route table of their own (an "
        "AWS::EC2::RouteTable and an AWS::EC2::SubnetRouteTableAssociation for each) with a route to 10.0.1.0/24 "
        "and target VpcPeeringConnection: the main route table is not a resource of the template.")


def test_in_terraform_the_fix_is_an_aws_route_on_the_main_route_table_id():
    assert _estate(cloudformation=False).fix == (
        'Add an aws_route with route_table_id = DevVpc.main_route_table_id, destination_cidr_block = "10.0.1.0/24" '
        "and vpc_peering_connection_id = VpcPeeringConnection.id (the main route table of DevVpc).")
