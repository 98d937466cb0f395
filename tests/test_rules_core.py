"""Unit tests of CKV2_PCX_1..5 on hand-built estates: exact verdicts and message parts."""

from __future__ import annotations

from netaddr import IPNetwork

from estate_builder import EstateBuilder
from pcxguard.engine import analyse
from pcxguard.findings import Verdict
from pcxguard.model import RouteMtuPin, Unknown
from pcxguard.settings import Settings


def verdicts(estate, check_id, settings=None):
    analysis = analyse(estate, settings)
    return {f.resource.address: f.verdict.value for f in analysis.findings if f.check_id == check_id}


def only(estate, check_id, address, settings=None):
    found = [f for f in analyse(estate, settings).findings if f.check_id == check_id and f.resource.address == address]
    assert len(found) == 1, found
    return found[0]


# ---------------------------------------------------------------- CKV2_PCX_1
def test_overlap_primary_blocks_fails_and_names_both_blocks():
    b = EstateBuilder()
    b.vpc("aws_vpc.a", "10.0.0.0/16")
    b.vpc("aws_vpc.b", "10.0.128.0/17")
    b.peering("aws_vpc_peering_connection.ab", "aws_vpc.a", "aws_vpc.b")
    finding = only(b.done(), "CKV2_PCX_1", "aws_vpc_peering_connection.ab")
    assert finding.verdict is Verdict.FAILED
    assert "10.0.0.0/16 (primary block, declared by aws_vpc.a) overlaps 10.0.128.0/17" in finding.message
    assert "aws_vpc.b" in finding.fix


def test_overlap_through_a_secondary_block_only_fails_and_suggests_removing_it():
    b = EstateBuilder()
    b.vpc("aws_vpc.a", "10.0.0.0/16", "10.1.0.0/16")
    b.vpc("aws_vpc.b", "10.1.0.0/20")
    b.peering("aws_vpc_peering_connection.ab", "aws_vpc.a", "aws_vpc.b")
    finding = only(b.done(), "CKV2_PCX_1", "aws_vpc_peering_connection.ab")
    assert finding.verdict is Verdict.FAILED
    assert "secondary block, declared by aws_vpc.a_assoc1" in finding.message
    assert "remove the overlapping association (aws_vpc.a_assoc1)" in finding.fix


def test_ipv6_overlap_fails_but_ipv4_against_ipv6_never_compares():
    b = EstateBuilder()
    b.vpc("aws_vpc.a", "10.0.0.0/16", "2600:1f18:1000::/56")
    b.vpc("aws_vpc.b", "10.1.0.0/16", "2600:1f18:1000::/60")
    b.vpc("aws_vpc.c", "10.2.0.0/16", "2600:1f18:2000::/56")
    b.peering("aws_vpc_peering_connection.ab", "aws_vpc.a", "aws_vpc.b")
    b.peering("aws_vpc_peering_connection.ac", "aws_vpc.a", "aws_vpc.c")
    assert verdicts(b.done(), "CKV2_PCX_1") == {
        "aws_vpc_peering_connection.ab": "FAILED",
        "aws_vpc_peering_connection.ac": "PASSED",
    }


def test_identical_blocks_overlap():
    b = EstateBuilder()
    b.vpc("aws_vpc.a", "10.0.0.0/16")
    b.vpc("aws_vpc.b", "10.0.0.0/16")
    b.peering("p", "aws_vpc.a", "aws_vpc.b")
    assert verdicts(b.done(), "CKV2_PCX_1") == {"p": "FAILED"}


def test_peer_outside_the_scan_cannot_tell_and_says_how_to_supply_it():
    b = EstateBuilder()
    b.vpc("aws_vpc.a", "10.0.0.0/16")
    b.peering("p", "aws_vpc.a", "vpc-0a1b2c3d4e5f60718")
    finding = only(b.done(), "CKV2_PCX_1", "p")
    assert finding.verdict is Verdict.UNKNOWN
    assert "vpc-0a1b2c3d4e5f60718 is not declared in the scanned code" in finding.missing[0]
    assert ".pcxguard.yaml" in finding.missing[0]


def test_literal_peer_id_resolves_to_a_vpc_in_the_scan():
    b = EstateBuilder()
    b.vpc("aws_vpc.a", "10.0.0.0/16")
    b.vpc("aws_vpc.existing", "10.0.0.0/24", aws_id="vpc-0123")
    b.peering("p", "aws_vpc.a", "vpc-0123")
    assert verdicts(b.done(), "CKV2_PCX_1") == {"p": "FAILED"}


def test_unknown_block_without_known_overlap_cannot_tell_but_known_overlap_still_fails():
    b = EstateBuilder()
    b.vpc("aws_vpc.a", "10.0.0.0/16", unknown=("cidr from IPAM",))
    b.vpc("aws_vpc.b", "10.1.0.0/16")
    b.vpc("aws_vpc.c", "10.0.0.0/24")
    b.peering("ab", "aws_vpc.a", "aws_vpc.b")
    b.peering("ac", "aws_vpc.a", "aws_vpc.c")
    assert verdicts(b.done(), "CKV2_PCX_1") == {"ab": "UNKNOWN", "ac": "FAILED"}


# ---------------------------------------------------------------- CKV2_PCX_2
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


# ---------------------------------------------------------------- CKV2_PCX_3
def test_duplicate_peering_in_either_direction_fails_both_and_names_the_other():
    b = EstateBuilder()
    for key, block in (("a", "10.0.0.0/16"), ("b", "10.1.0.0/16"), ("c", "10.2.0.0/16")):
        b.vpc(key, block)
    b.peering("ab", "a", "b")
    b.peering("ba", "b", "a")
    b.peering("ac", "a", "c")
    estate = b.done()
    assert verdicts(estate, "CKV2_PCX_3") == {"ab": "FAILED", "ba": "FAILED", "ac": "PASSED"}
    assert "which ba already joins" in only(estate, "CKV2_PCX_3", "ab").message


def test_two_peerings_to_the_same_literal_outside_vpc_are_duplicates_and_unknown_side_cannot_tell():
    b = EstateBuilder()
    b.vpc("a", "10.0.0.0/16")
    b.peering("p1", "a", "vpc-0aaa")
    b.peering("p2", "a", "vpc-0aaa")
    b.peering("p3", "a", Unknown("peer_vpc_id of p3", "give it a value"))
    assert verdicts(b.done(), "CKV2_PCX_3") == {"p1": "FAILED", "p2": "FAILED", "p3": "UNKNOWN"}


# ---------------------------------------------------------------- CKV2_PCX_4
def _two_regions():
    b = EstateBuilder()
    b.vpc("east", "10.0.0.0/16", region="us-east-1")
    b.vpc("west", "10.1.0.0/16", region="us-west-2")
    b.vpc("east2", "10.2.0.0/16", region="us-east-1")
    b.peering("pcx", "east", "west", peer_region="us-west-2")
    b.group("sg_east", "east")
    b.group("sg_west", "west")
    b.group("sg_east2", "east2")
    return b


def test_cross_region_group_reference_fails_and_offers_the_peer_cidr():
    b = _two_regions()
    b.rule("rule_x", "sg_east", "sg_west")
    finding = only(b.done(), "CKV2_PCX_4", "rule_x")
    assert finding.verdict is Verdict.FAILED
    assert "west (us-west-2)" in finding.message and "east (us-east-1)" in finding.message
    assert "across pcx" in finding.message
    assert "10.1.0.0/16" in finding.fix


def test_same_region_and_self_references_pass_and_outside_group_cannot_tell():
    b = _two_regions()
    b.rule("same_region", "sg_east", "sg_east2")
    rule = b.rule("selfref", "sg_east", None)
    rule.self_reference = True
    b.rule("outside", "sg_east", "sg-0abc")
    result = verdicts(b.done(), "CKV2_PCX_4")
    assert result == {"same_region": "PASSED", "outside": "UNKNOWN"}


def test_account_prefixed_reference_resolves_the_group():
    b = _two_regions()
    b.estate.security_groups["sg_west"].aws_id = "sg-0west"
    b.rule("r", "sg_east", "222222222222/sg-0west")
    assert verdicts(b.done(), "CKV2_PCX_4") == {"r": "FAILED"}


def test_unknown_region_cannot_tell():
    b = EstateBuilder()
    b.vpc("east", "10.0.0.0/16", region="us-east-1")
    b.vpc("other", "10.1.0.0/16", region=Unknown("region of provider aws.x"))
    b.group("g1", "east")
    b.group("g2", "other")
    b.rule("r", "g1", "g2")
    assert verdicts(b.done(), "CKV2_PCX_4") == {"r": "UNKNOWN"}


# ---------------------------------------------------------------- CKV2_PCX_5
def _mtu_estate(peer_region="us-west-2"):
    b = EstateBuilder()
    b.vpc("east", "10.0.0.0/16", region="us-east-1")
    b.vpc("west", "10.1.0.0/16", region=peer_region)
    b.peering("pcx", "east", "west", peer_region=peer_region)
    b.table("rt_east", "east")
    b.route("to_west", "rt_east", "10.1.0.0/16", "pcx")
    b.subnet("sn_east", "east", "10.0.1.0/24", table="rt_east")
    return b


def test_jumbo_mtu_across_inter_region_peering_fails():
    b = _mtu_estate()
    b.host("aws_instance.app", subnets=["sn_east"], mtu=9001)
    finding = only(b.done(), "CKV2_PCX_5", "aws_instance.app")
    assert finding.verdict is Verdict.FAILED
    assert "sets MTU 9001, above the 8500-byte inter-region peering limit" in finding.message
    assert "to_west sends 10.1.0.0/16 over pcx (us-east-1 to us-west-2)" in finding.message
    assert "ip route add 10.1.0.0/16 via <gateway> dev eth0 mtu lock 8500" in finding.fix
    # peerings first, then the routes over them, in path order: the same on every run (it was a set,
    # ordered by string hashes, so SARIF and JSON reports changed from run to run)
    assert [s.address for s in finding.related] == ["pcx", "to_west"]


def test_mtu_pinned_on_the_peer_route_passes_and_a_pin_too_high_fails():
    b = _mtu_estate()
    b.host("pinned", subnets=["sn_east"], mtu=9001, pins=[RouteMtuPin(IPNetwork("10.1.0.0/16"), 1500)])
    b.host("pinned_high", subnets=["sn_east"], mtu=9001, pins=[RouteMtuPin(IPNetwork("10.1.0.0/16"), 9001)])
    assert verdicts(b.done(), "CKV2_PCX_5") == {"pinned": "PASSED", "pinned_high": "FAILED"}


def test_same_region_peering_allows_jumbo_frames_and_limit_is_a_setting():
    b = _mtu_estate(peer_region="us-east-1")
    b.host("h", subnets=["sn_east"], mtu=9001)
    assert verdicts(b.done(), "CKV2_PCX_5") == {"h": "PASSED"}
    b2 = _mtu_estate()
    b2.host("h", subnets=["sn_east"], mtu=8500)
    estate = b2.done()
    assert verdicts(estate, "CKV2_PCX_5") == {"h": "PASSED"}
    assert verdicts(estate, "CKV2_PCX_5", Settings(inter_region_mtu=1500)) == {"h": "FAILED"}


def test_unset_mtu_passes_and_unknown_user_data_cannot_tell():
    b = _mtu_estate()
    b.host("plain", subnets=["sn_east"])
    b.host("templated", subnets=["sn_east"], mtu=Unknown("user data from templatefile"))
    assert verdicts(b.done(), "CKV2_PCX_5") == {"plain": "PASSED", "templated": "UNKNOWN"}


def test_subnet_outside_scan_cannot_tell():
    b = _mtu_estate()
    b.host("h", subnets=["subnet-0abc"], mtu=9001)
    assert verdicts(b.done(), "CKV2_PCX_5") == {"h": "UNKNOWN"}


def test_route_in_a_table_outside_the_scan_cannot_tell(tmp_path):
    import json

    from pcxguard.loaders.terraform_plan import load_plan_data
    from checkov_run import ROOT

    plan = json.loads((ROOT / "fixtures/terraform/missing_reverse_route/plan.json").read_text())
    for change in plan["resource_changes"]:
        if change["type"] == "aws_route":
            change["change"]["after"]["route_table_id"] = "rtb-0fff"
            change["change"]["after_unknown"].pop("route_table_id", None)
            address = change["address"]
    finding = [f for f in analyse(load_plan_data(plan, "p.json")).findings
               if f.check_id == "CKV2_PCX_2" and f.resource.address == address]
    assert [f.verdict for f in finding] == [Verdict.UNKNOWN]
    assert "route table rtb-0fff is not declared in the scanned code" in finding[0].missing[0]
