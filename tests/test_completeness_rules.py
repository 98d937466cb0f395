"""Closed world only when it is closed: every rule that concludes from absence says "cannot tell",
naming the incomplete set, when the estate records a Gap in it (issue 10, item 4); and what is
certain without context is decided (item 5). Estates are built directly (no loader)."""

from __future__ import annotations

from netaddr import IPNetwork

from pcxguard.engine import analyse
from pcxguard.findings import Verdict
from pcxguard.model import Estate, Gap, RouteTable, Unknown
from pcxguard.rules import (
    pcx1_overlapping_cidrs, pcx2_reverse_route, pcx3_duplicate_peering, pcx5_jumbo_mtu, pcx6_peer_destination,
    pcx8_peering_acceptance, pcx9_peering_quota, pcx10_overlapping_peers, pcx11_sg_peer_reference,
    pcx12_ipv6_peering_route, pcx14_pmtud_icmp,
)
from pcxguard.settings import Settings
from model_estates import only, pair_estate, peer, pmtud_estate, ref_rule, route, sg, table, vpc

WHAT = "aws_route.x: count is not known from the source"


def gap(estate: Estate, kind: str, vpc_key: str | None) -> None:
    estate.gaps.append(Gap(kind, vpc_key, WHAT, "give it a value"))
    estate.reindex()


def assert_cannot_tell(finding, kind_words: str, vpc_name: str | None = None) -> None:
    assert finding.verdict is Verdict.UNKNOWN, finding
    line = next(m for m in finding.missing if WHAT in m)
    assert line.startswith(kind_words), line
    assert "(give it a value)" in line
    if vpc_name:
        assert f" of {vpc_name} may be incomplete" in line


# ---------------------------------------------------------------- CKV2_PCX_2: no route back
def reverse_estate() -> Estate:
    e = pair_estate()
    route(e, "a_to_b", table(e, "a", "a"), "10.1.0.0/16", "aws_vpc_peering_connection.ab")
    table(e, "b", "b")
    return e


def test_pcx2_no_route_back_is_cannot_tell_when_the_peers_routes_have_a_gap():
    e = reverse_estate()
    assert only(pcx2_reverse_route.evaluate(e, Settings())).verdict is Verdict.FAILED
    gap(e, "routes", "aws_vpc.c")  # another VPC's gap changes nothing
    assert only(pcx2_reverse_route.evaluate(e, Settings())).verdict is Verdict.FAILED
    gap(e, "routes", "aws_vpc.b")
    f = only(pcx2_reverse_route.evaluate(e, Settings()))
    assert_cannot_tell(f, "the routes of aws_vpc.b may be incomplete")
    assert "aws_route_table.b lacks 10.0.0.0/16 among the routes the scan sees" in f.missing


def test_pcx2_a_gap_whose_vpc_is_unknown_counts_for_every_vpc():
    e = reverse_estate()
    gap(e, "associations", None)
    assert_cannot_tell(only(pcx2_reverse_route.evaluate(e, Settings())), "the route table associations of aws_vpc.b")


def test_pcx2_a_route_back_passes_despite_a_gap_in_routes_but_not_in_associations():
    e = reverse_estate()
    route(e, "b_to_a", e.route_tables["aws_route_table.b"], "10.0.0.0/16", "aws_vpc_peering_connection.ab")
    gap(e, "routes", "aws_vpc.b")  # more routes cannot take a route back away
    assert {f.verdict for f in pcx2_reverse_route.evaluate(e, Settings())} == {Verdict.PASSED}
    gap(e, "subnets", "aws_vpc.b")  # another subnet could use a table without one
    assert {f.verdict for f in pcx2_reverse_route.evaluate(e, Settings())} == {Verdict.UNKNOWN}


def test_pcx2_a_route_on_a_table_outside_the_scan_is_a_gap_in_both_vpcs_of_its_peering():
    """The table's VPC is unknown, but AWS accepts a route to a peering only in one of its two VPCs."""
    e = reverse_estate()
    outside = RouteTable("rtb-0outside", src_of("rtb-0outside"), vpc=Unknown("the VPC of rtb-0outside"),
                         implicit=True)
    e.route_tables[outside.key] = outside
    route(e, "b_to_a", outside, "10.0.0.0/16", "aws_vpc_peering_connection.ab")
    e.reindex()
    assert {g.vpc for g in e.link_gaps()} == {"aws_vpc.a", "aws_vpc.b"}
    findings = {f.resource.address: f for f in pcx2_reverse_route.evaluate(e, Settings())}
    assert findings["aws_route.a_to_b"].verdict is Verdict.UNKNOWN
    assert any("aws_route.b_to_a is on rtb-0outside, which the scan does not place in a VPC" in m
               for m in findings["aws_route.a_to_b"].missing)


def src_of(address):
    from model_estates import src
    return src(address, "route table")


# ---------------------------------------------------------------- CKV2_PCX_1 / 3 / 9 / 10: passes from absence
def test_pcx1_no_overlap_is_cannot_tell_with_a_gap_in_the_blocks():
    e = pair_estate()
    assert only(pcx1_overlapping_cidrs.evaluate(e, Settings())).verdict is Verdict.PASSED
    gap(e, "vpc_blocks", "aws_vpc.b")
    assert_cannot_tell(only(pcx1_overlapping_cidrs.evaluate(e, Settings())), "the CIDR blocks of aws_vpc.b")


def test_pcx1_a_peering_of_a_vpc_with_itself_fails_even_with_gaps():
    e = pair_estate()
    peer(e, "self", "a", "a")
    gap(e, "vpc_blocks", None)
    f = only(pcx1_overlapping_cidrs.evaluate(e, Settings()), "aws_vpc_peering_connection.self")
    assert f.verdict is Verdict.FAILED and "requester and accepter are the same VPC" in f.message
    e.peerings["aws_vpc_peering_connection.self"].requester_vpc = "vpc-0same"
    e.peerings["aws_vpc_peering_connection.self"].accepter_vpc = "vpc-0same"
    e.reindex()
    assert only(pcx1_overlapping_cidrs.evaluate(e, Settings()), "aws_vpc_peering_connection.self").verdict \
        is Verdict.FAILED


def test_pcx3_only_peering_is_cannot_tell_with_a_gap_in_peerings():
    e = pair_estate()
    assert only(pcx3_duplicate_peering.evaluate(e, Settings())).verdict is Verdict.PASSED
    gap(e, "peerings", "aws_vpc.a")
    assert_cannot_tell(only(pcx3_duplicate_peering.evaluate(e, Settings())), "the peering connections of aws_vpc.a")


def test_pcx9_within_quota_is_cannot_tell_with_a_gap_in_peerings():
    e = pair_estate()
    gap(e, "peerings", "aws_vpc.b")
    findings = {f.resource.address: f for f in pcx9_peering_quota.evaluate(e, Settings())}
    assert findings["aws_vpc.a"].verdict is Verdict.PASSED
    assert_cannot_tell(findings["aws_vpc.b"], "the peering connections of aws_vpc.b")


def test_pcx10_peers_apart_is_cannot_tell_with_a_gap_in_routes():
    e = Estate("t")
    vpc(e, "a", "10.0.0.0/16")
    vpc(e, "b", "10.1.0.0/16")
    vpc(e, "c", "10.1.0.0/16")
    peer(e, "ab", "a", "b")
    peer(e, "ac", "a", "c")
    route(e, "to_b", table(e, "ab", "a"), "10.1.0.0/16", "aws_vpc_peering_connection.ab")
    route(e, "to_c", table(e, "ac", "a"), "10.1.0.0/16", "aws_vpc_peering_connection.ac")
    assert only(pcx10_overlapping_peers.evaluate(e, Settings()), "aws_vpc.a").verdict is Verdict.PASSED
    gap(e, "routes", "aws_vpc.a")
    assert_cannot_tell(only(pcx10_overlapping_peers.evaluate(e, Settings()), "aws_vpc.a"), "the routes of aws_vpc.a")


# ---------------------------------------------------------------- CKV2_PCX_6: outside the peer's blocks
def test_pcx6_outside_the_peer_is_cannot_tell_with_a_gap_in_its_blocks_but_wide_still_fails():
    e = pair_estate()
    t = table(e, "a", "a")
    route(e, "to_c", t, "10.2.0.0/16", "aws_vpc_peering_connection.ab")
    route(e, "default", t, "0.0.0.0/0", "aws_vpc_peering_connection.ab")
    route(e, "wide", t, "10.0.0.0/12", "aws_vpc_peering_connection.ab")
    gap(e, "vpc_blocks", "aws_vpc.b")
    findings = {f.resource.address: f for f in pcx6_peer_destination.evaluate(e, Settings())}
    assert_cannot_tell(findings["aws_route.to_c"], "the CIDR blocks of aws_vpc.b")
    assert findings["aws_route.default"].verdict is Verdict.FAILED
    assert findings["aws_route.wide"].verdict is Verdict.FAILED


def test_pcx6_wide_routes_fail_with_the_table_or_peering_outside_the_scan():
    e = pair_estate()
    outside = RouteTable("rtb-0outside", src_of("rtb-0outside"), vpc=Unknown("the VPC of rtb-0outside"),
                         implicit=True)
    e.route_tables[outside.key] = outside
    route(e, "v4_default", outside, "0.0.0.0/0", "pcx-0outside")
    route(e, "v6_default", outside, "::/0", "pcx-0outside")
    route(e, "v4_slash15", outside, "10.0.0.0/15", Unknown("the peering id"))
    route(e, "v6_slash43", outside, "2600:1f18::/43", "pcx-0outside")
    route(e, "v4_slash16", outside, "10.0.0.0/16", "pcx-0outside")  # could be a whole VPC block
    route(e, "v6_slash44", outside, "2600:1f18::/44", "pcx-0outside")
    route(e, "nat_default", outside, "0.0.0.0/0", "nat-0abc", kind="nat_gateway")
    e.reindex()
    verdicts = {f.resource.address: f.verdict for f in pcx6_peer_destination.evaluate(e, Settings())}
    assert verdicts == {
        "aws_route.v4_default": Verdict.FAILED, "aws_route.v6_default": Verdict.FAILED,
        "aws_route.v4_slash15": Verdict.FAILED, "aws_route.v6_slash43": Verdict.FAILED,
        "aws_route.v4_slash16": Verdict.UNKNOWN, "aws_route.v6_slash44": Verdict.UNKNOWN,
    }
    f = only(pcx6_peer_destination.evaluate(e, Settings()), "aws_route.v4_default")
    assert "the default route" in f.message and "pcx-0outside" in f.message


# ---------------------------------------------------------------- CKV2_PCX_8: nothing accepts it
def test_pcx8_nothing_accepts_is_cannot_tell_with_a_gap_in_peerings():
    e = pair_estate()
    e.peerings["aws_vpc_peering_connection.ab"].auto_accept = None
    assert only(pcx8_peering_acceptance.evaluate(e, Settings())).verdict is Verdict.FAILED
    gap(e, "peerings", None)  # an accepter the loader could not place
    assert_cannot_tell(only(pcx8_peering_acceptance.evaluate(e, Settings())), "the peering connections of aws_vpc.a")


# ---------------------------------------------------------------- CKV2_PCX_11: no peering joins these VPCs
def test_pcx11_no_peering_is_cannot_tell_with_a_gap_in_peerings():
    e = pair_estate()
    for n in "ac":
        sg(e, n, n)
    ref_rule(e, "from_c", "a", "aws_security_group.c")
    e.reindex()
    assert only(pcx11_sg_peer_reference.evaluate(e, Settings())).verdict is Verdict.FAILED
    gap(e, "peerings", "aws_vpc.b")
    assert only(pcx11_sg_peer_reference.evaluate(e, Settings())).verdict is Verdict.FAILED
    gap(e, "peerings", "aws_vpc.c")
    assert_cannot_tell(only(pcx11_sg_peer_reference.evaluate(e, Settings())), "the peering connections of aws_vpc.c")


# ---------------------------------------------------------------- CKV2_PCX_12: no IPv6 block
def test_pcx12_no_ipv6_block_is_cannot_tell_with_a_gap_in_the_blocks():
    e = Estate("t")
    vpc(e, "a", "10.0.0.0/16", "2600:1f18:aa00::/56")
    vpc(e, "c", "10.2.0.0/16")
    peer(e, "ac", "a", "c")
    route(e, "v6_c", table(e, "a", "a"), "2600:1f18:cc00::/56", "aws_vpc_peering_connection.ac")
    assert only(pcx12_ipv6_peering_route.evaluate(e, Settings())).verdict is Verdict.FAILED
    gap(e, "vpc_blocks", "aws_vpc.c")
    assert_cannot_tell(only(pcx12_ipv6_peering_route.evaluate(e, Settings())), "the CIDR blocks of aws_vpc.c")


# ---------------------------------------------------------------- CKV2_PCX_5 / 14: hosts
def test_pcx5_which_table_a_subnet_uses_is_cannot_tell_with_a_gap_in_associations():
    e, host, g = pmtud_estate()
    assert pcx5_jumbo_mtu.judge(e, host, 8500).verdict is Verdict.FAILED
    gap(e, "associations", "aws_vpc.east")
    assert_cannot_tell(pcx5_jumbo_mtu.judge(e, host, 8500), "the route table associations of aws_vpc.east")


def test_pcx5_no_crossing_route_is_cannot_tell_with_a_gap_in_routes():
    e, host, g = pmtud_estate()
    e.route_tables["aws_route_table.east"].routes.clear()
    e.reindex()
    assert pcx5_jumbo_mtu.judge(e, host, 8500).verdict is Verdict.PASSED
    gap(e, "routes", "aws_vpc.east")
    f = pcx5_jumbo_mtu.judge(e, host, 8500)
    assert f.verdict is Verdict.UNKNOWN and any(WHAT in m for m in f.missing)


def test_pcx14_nothing_admits_icmp_is_cannot_tell_with_a_gap_in_the_rules():
    e, host, g = pmtud_estate()
    assert only(pcx14_pmtud_icmp.evaluate(e, Settings())).verdict is Verdict.FAILED
    gap(e, "sg_rules", None)
    f = only(pcx14_pmtud_icmp.evaluate(e, Settings()))
    assert_cannot_tell(f, "the security group rules of aws_vpc.east")
    assert "admit no ICMP" in f.message


# ---------------------------------------------------------------- the whole engine
def test_every_finding_names_the_gap_it_could_not_conclude_over():
    e = reverse_estate()
    gap(e, "routes", None)
    unknown = [f for f in analyse(e).findings if f.verdict is Verdict.UNKNOWN and f.check_id == "CKV2_PCX_2"]
    assert unknown and all(any(WHAT in m for m in f.missing) for f in unknown)
    assert IPNetwork("10.0.0.0/16")  # netaddr imported for the estates above


def test_pcx2_a_subnet_associated_with_a_table_outside_the_scan_does_not_use_the_main_table():
    from pcxguard.model import Subnet
    from model_estates import src

    e = reverse_estate()
    subnet = Subnet("aws_subnet.b", src("aws_subnet.b"), vpc="aws_vpc.b", blocks=[IPNetwork("10.1.1.0/24")],
                    route_table="rtb-0outside")
    e.subnets[subnet.key] = subnet
    e.reindex()
    f = only(pcx2_reverse_route.evaluate(e, Settings()))
    assert f.verdict is Verdict.UNKNOWN
    assert "route table of aws_subnet.b: route table rtb-0outside of aws_subnet.b is outside the scan" in f.missing[0]
    subnet.route_table = None  # no association: the main table, which lacks the route back
    e.reindex()
    assert only(pcx2_reverse_route.evaluate(e, Settings())).verdict is Verdict.FAILED


def test_pcx10_a_single_peer_is_cannot_tell_with_a_gap_in_peerings():
    e = pair_estate()
    assert list(pcx10_overlapping_peers.evaluate(e, Settings())) == []
    gap(e, "peerings", "aws_vpc.a")
    f = only(pcx10_overlapping_peers.evaluate(e, Settings()), "aws_vpc.a")
    assert_cannot_tell(f, "the peering connections of aws_vpc.a")


def test_pcx5_a_host_without_known_subnets_fails_only_if_every_table_of_its_vpc_crosses():
    e, host, g = pmtud_estate()
    host.subnets = []  # its VPC comes from its security group; its table is a guess
    e.reindex()
    assert pcx5_jumbo_mtu.judge(e, host, 8500).verdict is Verdict.FAILED  # the VPC's only table crosses
    table(e, "east_local", "east")  # another table, without the inter-region route
    e.reindex()
    f = pcx5_jumbo_mtu.judge(e, host, 8500)
    assert f.verdict is Verdict.UNKNOWN and "which one it uses is not known" in f.message


PARTNER_STACK = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  VpcLocal:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.70.0.0/16
  TableLocal:
    Type: AWS::EC2::RouteTable
    Properties:
      VpcId: !Ref VpcLocal
  PcxPartner:
    Type: AWS::EC2::VPCPeeringConnection
    Properties:
      VpcId: !Ref VpcLocal
      PeerVpcId: vpc-0fedcba9876543210
  RouteToPartner:
    Type: AWS::EC2::Route
    Properties:
      RouteTableId: !Ref TableLocal
      DestinationCidrBlock: 172.16.0.0/16
      VpcPeeringConnectionId: !Ref PcxPartner
  RouteBack:
    Type: AWS::EC2::Route
    Properties:
      RouteTableId: rtb-0abc123
      DestinationCidrBlock: 10.70.0.0/16
      VpcPeeringConnectionId: !Ref PcxPartner
"""


def test_a_route_on_an_inventory_table_is_kept_and_counts_as_the_route_back(tmp_path):
    """Before, the loader dropped a CloudFormation route on a table no template declares, and the
    inventory's table replaced the Terraform placeholder holding such routes: the route back vanished."""
    from pcxguard.config import load_config
    from pcxguard.inventory import merge_inventory
    from pcxguard.loaders.cloudformation import load_cloudformation

    (tmp_path / "stack.yaml").write_text(PARTNER_STACK)
    (tmp_path / ".pcxguard.yaml").write_text(
        "inventory:\n  vpcs:\n    - id: vpc-0fedcba9876543210\n      cidr_blocks: [172.16.0.0/16]\n"
        "      region: us-east-1\n      account: \"111111111111\"\n"
        "      route_tables:\n        - {id: rtb-0abc123, main: true}\n")
    estate = load_cloudformation([tmp_path])
    route = f"{tmp_path / 'stack.yaml'}#RouteToPartner"
    without = analyse(estate).verdict("CKV2_PCX_2", "RouteToPartner")
    assert without is Verdict.UNKNOWN
    merged = merge_inventory(estate, load_config(tmp_path / ".pcxguard.yaml"))
    assert [r.holder.address for r in merged.route_tables["rtb-0abc123"].routes] == ["RouteBack"]
    analysis = analyse(merged)
    assert analysis.verdict("CKV2_PCX_2", "RouteToPartner") is Verdict.PASSED, \
        [f.message for f in analysis.findings if f.subject == route]


def test_a_route_back_under_an_unknown_condition_does_not_pass_the_route(tmp_path):
    from pcxguard.loaders.cloudformation import load_cloudformation

    template = PARTNER_STACK.replace("PeerVpcId: vpc-0fedcba9876543210", "PeerVpcId: !Ref VpcPartner").replace(
        "RouteTableId: rtb-0abc123", "RouteTableId: !Ref TablePartner") + """\
  VpcPartner:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 172.16.0.0/16
  TablePartner:
    Type: AWS::EC2::RouteTable
    Properties:
      VpcId: !Ref VpcPartner
"""
    (tmp_path / "stack.yaml").write_text(template)
    assert analyse(load_cloudformation([tmp_path])).verdict("CKV2_PCX_2", "RouteToPartner") is Verdict.PASSED
    conditional = template.replace("  RouteBack:\n    Type: AWS::EC2::Route\n",
                                   "  RouteBack:\n    Type: AWS::EC2::Route\n    Condition: Back\n")
    (tmp_path / "stack.yaml").write_text(conditional.replace(
        "Resources:", "Parameters:\n  WithBack:\n    Type: String\nConditions:\n  Back: !Equals [!Ref WithBack, yes]\n"
        "Resources:", 1))
    estate = load_cloudformation([tmp_path])
    assert estate.route_tables[f"{tmp_path / 'stack.yaml'}#TablePartner"].routes[0].conditional
    assert analyse(estate).verdict("CKV2_PCX_2", "RouteToPartner") is Verdict.UNKNOWN
