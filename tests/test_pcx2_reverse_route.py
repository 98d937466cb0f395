"""CKV2_PCX_2 (reverse_route): unit tests of rules/pcx2_reverse_route.py on hand-built estates, exact verdicts and messages."""

from __future__ import annotations


from analysed import only, verdicts
from estate_builder import EstateBuilder
from pcxguard.engine import analyse
from pcxguard.findings import Verdict
from pcxguard.model import Source, Unknown


def _two_vpcs_with_tables():
    b = EstateBuilder()
    b.vpc("aws_vpc.a", "10.0.0.0/16")
    b.vpc("aws_vpc.b", "10.1.0.0/16")
    b.peering("pcx", "aws_vpc.a", "aws_vpc.b")
    b.table("rt_a", "aws_vpc.a")
    b.table("rt_b", "aws_vpc.b")
    return b


def test_route_with_reverse_route_passes():
    b = _two_vpcs_with_tables()
    b.route("aws_route.a_to_b", "rt_a", "10.1.0.0/16", "pcx")
    b.route("aws_route.b_to_a", "rt_b", "10.0.0.0/16", "pcx")
    assert verdicts(b.done(), "CKV2_PCX_2") == {"aws_route.a_to_b": "PASSED", "aws_route.b_to_a": "PASSED"}


def test_route_without_reverse_route_fails_with_the_exact_route_to_add():
    b = _two_vpcs_with_tables()
    b.route("aws_route.a_to_b", "rt_a", "10.1.0.0/16", "pcx")
    finding = only(b.done(), "CKV2_PCX_2", "aws_route.a_to_b")
    assert finding.verdict is Verdict.FAILED
    assert "rt_b lacks 10.0.0.0/16" in finding.message
    assert finding.fix == "Add to rt_b a route to 10.0.0.0/16 with target pcx."


def test_reverse_route_over_another_peering_does_not_count():
    b = _two_vpcs_with_tables()
    b.vpc("aws_vpc.c", "10.2.0.0/16")
    b.peering("pcx_bc", "aws_vpc.b", "aws_vpc.c")
    b.route("aws_route.a_to_b", "rt_a", "10.1.0.0/16", "pcx")
    b.route("aws_route.b_to_a_wrong", "rt_b", "10.0.0.0/16", "pcx_bc")
    assert verdicts(b.done(), "CKV2_PCX_2")["aws_route.a_to_b"] == "FAILED"


def test_served_range_is_the_subnets_of_the_table_and_partial_coverage_fails():
    b = _two_vpcs_with_tables()
    b.subnet("sn_a1", "aws_vpc.a", "10.0.1.0/24", table="rt_a")
    b.subnet("sn_a2", "aws_vpc.a", "10.0.2.0/24", table="rt_a")
    b.estate.route_tables["rt_a"].subnets = ["sn_a1", "sn_a2"]
    b.route("aws_route.a_to_b", "rt_a", "10.1.0.0/16", "pcx")
    b.route("aws_route.b_to_a1", "rt_b", "10.0.1.0/24", "pcx")
    finding = only(b.done(), "CKV2_PCX_2", "aws_route.a_to_b")
    assert finding.verdict is Verdict.FAILED
    assert "rt_b lacks 10.0.2.0/24" in finding.message
    assert "the subnets using rt_a: sn_a1, sn_a2" in finding.message
    assert verdicts(b.estate, "CKV2_PCX_2")["aws_route.b_to_a1"] == "PASSED"


def test_peer_tables_are_those_of_the_peer_subnets_inside_the_destination():
    b = _two_vpcs_with_tables()
    b.table("rt_b_other", "aws_vpc.b")
    b.subnet("sn_b1", "aws_vpc.b", "10.1.1.0/24", table="rt_b")
    b.subnet("sn_b2", "aws_vpc.b", "10.1.2.0/24", table="rt_b_other")
    b.route("aws_route.a_to_b1", "rt_a", "10.1.1.0/24", "pcx")
    b.route("aws_route.b_to_a", "rt_b", "10.0.0.0/16", "pcx")
    assert verdicts(b.done(), "CKV2_PCX_2")["aws_route.a_to_b1"] == "PASSED"
    b.route("aws_route.a_to_b2", "rt_a", "10.1.2.0/24", "pcx")
    b.estate.reindex()
    assert verdicts(b.estate, "CKV2_PCX_2")["aws_route.a_to_b2"] == "FAILED"


def test_peer_with_no_tables_uses_its_implicit_main_table_and_fails():
    b = EstateBuilder()
    b.vpc("aws_vpc.a", "10.0.0.0/16")
    b.vpc("aws_vpc.b", "10.1.0.0/16")
    b.peering("pcx", "aws_vpc.a", "aws_vpc.b")
    b.table("rt_a", "aws_vpc.a")
    b.route("r", "rt_a", "10.1.0.0/16", "pcx")
    finding = only(b.done(), "CKV2_PCX_2", "r")
    assert finding.verdict is Verdict.FAILED
    assert "main route table of aws_vpc.b lacks 10.0.0.0/16" in finding.message


def test_peer_outside_scan_and_unknown_target_cannot_tell():
    b = EstateBuilder()
    b.vpc("aws_vpc.a", "10.0.0.0/16")
    b.peering("pcx", "aws_vpc.a", "vpc-0ffff")
    b.table("rt_a", "aws_vpc.a")
    b.route("r1", "rt_a", "10.9.0.0/16", "pcx")
    b.route("r2", "rt_a", "10.8.0.0/16", Unknown("vpc_peering_connection_id of r2"))
    result = verdicts(b.done(), "CKV2_PCX_2")
    assert result == {"r1": "UNKNOWN", "r2": "UNKNOWN"}


def test_peer_route_with_unknown_destination_cannot_tell_instead_of_failing():
    b = _two_vpcs_with_tables()
    b.route("a_to_b", "rt_a", "10.1.0.0/16", "pcx")
    b.route("b_to_a", "rt_b", Unknown("destination from a data source"), "pcx")
    assert verdicts(b.done(), "CKV2_PCX_2")["a_to_b"] == "UNKNOWN"


def test_ipv6_route_needs_an_ipv6_route_back():
    b = EstateBuilder()
    b.vpc("a", "10.0.0.0/16", "2600:1f18:1::/56")
    b.vpc("b", "10.1.0.0/16", "2600:1f18:2::/56")
    b.peering("pcx", "a", "b")
    b.table("rt_a", "a")
    b.table("rt_b", "b")
    b.route("a6", "rt_a", "2600:1f18:2::/56", "pcx")
    b.route("b4", "rt_b", "10.0.0.0/16", "pcx")
    finding = only(b.done(), "CKV2_PCX_2", "a6")
    assert finding.verdict is Verdict.FAILED
    assert "2600:1f18:1::/56" in finding.message


def test_route_in_a_table_outside_the_scan_cannot_tell(tmp_path):
    import json

    from pcxguard.loaders.terraform_plan import load_plan_data
    from checkov_run import ROOT

    plan = json.loads((ROOT / "fixtures/terraform/pcx2_reverse_route_missing/plan.json").read_text())
    for change in plan["resource_changes"]:
        if change["type"] == "aws_route":
            change["change"]["after"]["route_table_id"] = "rtb-0fff"
            change["change"]["after_unknown"].pop("route_table_id", None)
            address = change["address"]
    finding = [f for f in analyse(load_plan_data(plan, "p.json")).findings
               if f.check_id == "CKV2_PCX_2" and f.resource.address == address]
    assert [f.verdict for f in finding] == [Verdict.UNKNOWN]
    assert "route table rtb-0fff is not declared in the scanned code" in finding[0].missing[0]


# CKV2_PCX_2's fix names the resources as written and says how each format adds the route back: a
# CloudFormation logical id keeps its case (the fix once read "add to main route table of myvpc ... with
# target vpcpeeringconnection"), a main table that several subnets use is named once, and a route the main
# route table lacks is spelled for the format (Terraform: an aws_route on main_route_table_id; CloudFormation,
# which has no resource for the main table: a table of the subnets' own).


def _fix_estate(cloudformation: bool):
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
    assert _fix_estate(cloudformation=True).fix == (
        "Give the subnets of DevVpc that use its main route table a route table of their own (an "
        "AWS::EC2::RouteTable and an AWS::EC2::SubnetRouteTableAssociation for each) with a route to 10.0.1.0/24 "
        "and target VpcPeeringConnection: the main route table is not a resource of the template.")


def test_in_terraform_the_fix_is_an_aws_route_on_the_main_route_table_id():
    assert _fix_estate(cloudformation=False).fix == (
        'Add an aws_route with route_table_id = DevVpc.main_route_table_id, destination_cidr_block = "10.0.1.0/24" '
        "and vpc_peering_connection_id = VpcPeeringConnection.id (the main route table of DevVpc).")


def test_a_peer_that_routes_back_from_some_tables_only_is_named_by_the_tables_that_do_not():
    # found in the trust sweep: SkeltonThatcher/aws-vpc-peering-terraform and annagtaraujo/Terraform-VPC-Peering
    # route back from the peer's public tables while its private subnets use the main table, which has no
    # route back. The verdict is right (replies from those subnets are dropped) but the message said the peer
    # "has no route back", which its public table contradicts, and did not say which subnets cannot answer.
    b = _two_vpcs_with_tables()
    b.subnet("aws_subnet.a_pub", "aws_vpc.a", "10.0.1.0/24", table="rt_a")
    b.subnet("aws_subnet.b_pub", "aws_vpc.b", "10.1.1.0/24", table="rt_b")
    b.subnet("aws_subnet.b_priv", "aws_vpc.b", "10.1.3.0/24")
    b.subnet("aws_subnet.b_priv2", "aws_vpc.b", "10.1.4.0/24")
    b.route("aws_route.a_to_b", "rt_a", "10.1.0.0/16", "pcx")
    b.route("aws_route.b_to_a", "rt_b", "10.0.0.0/16", "pcx")
    finding = only(b.done(), "CKV2_PCX_2", "aws_route.a_to_b")
    assert finding.verdict is Verdict.FAILED
    assert finding.message == (
        "aws_route.a_to_b sends 10.1.0.0/16 over pcx to aws_vpc.b, but only part of aws_vpc.b routes 10.0.1.0/24 "
        "back over pcx (rt_b does; the subnets using rt_a: aws_subnet.a_pub): "
        "main route table of aws_vpc.b lacks 10.0.1.0/24 (the table of aws_subnet.b_priv, aws_subnet.b_priv2). "
        "Traffic to the subnets on those tables arrives and their replies are dropped: each VPC must route the "
        "other's range to the peering connection (VPC Peering Guide, routing).")
    # a peer with no route back anywhere keeps its wording, and names the subnets on the table that lacks it
    b = _two_vpcs_with_tables()
    b.subnet("aws_subnet.b_priv", "aws_vpc.b", "10.1.3.0/24")
    b.route("aws_route.a_to_b", "rt_a", "10.1.0.0/16", "pcx")
    assert only(b.done(), "CKV2_PCX_2", "aws_route.a_to_b").message.startswith(
        "aws_route.a_to_b sends 10.1.0.0/16 over pcx to aws_vpc.b, but aws_vpc.b has no route back over pcx to "
        "10.0.0.0/16 (")
