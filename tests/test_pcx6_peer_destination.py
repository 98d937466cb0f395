"""CKV2_PCX_6 (peer_destination): unit tests of rules/pcx6_peer_destination.py on hand-built estates, exact verdicts and messages."""

from __future__ import annotations


from model_estates import only, pair_estate, peer, route, table
from pcxguard.findings import Verdict
from pcxguard.model import CidrBlock, Unknown
from pcxguard.rules import pcx6_peer_destination
from pcxguard.settings import Settings


def test_pcx6_default_route_via_peering_fails_and_nat_default_route_does_not_matter():
    e = pair_estate()
    bad = table(e, "bad", "a")
    route(e, "default", bad, "0.0.0.0/0", "aws_vpc_peering_connection.ab")
    good = table(e, "good", "a")
    route(e, "nat", good, "0.0.0.0/0", "nat-123", kind="nat_gateway")
    route(e, "to_b", good, "10.1.0.0/16", "aws_vpc_peering_connection.ab")
    findings = list(pcx6_peer_destination.evaluate(e, Settings()))
    assert {f.resource.address: f.verdict for f in findings} == {
        "aws_route.default": Verdict.FAILED, "aws_route.to_b": Verdict.PASSED}
    failed = only(findings, "aws_route.default")
    assert "0.0.0.0/0" in failed.message and "aws_vpc.b owns only 10.1.0.0/16" in failed.message
    assert "default route" in failed.message and "10.1.0.0/16" in failed.fix


def test_pcx6_transitive_range_names_the_third_vpc():
    e = pair_estate()
    t = table(e, "a", "a")
    route(e, "to_c", t, "10.2.0.0/16", "aws_vpc_peering_connection.ab")
    f = only(pcx6_peer_destination.evaluate(e, Settings()))
    assert f.verdict is Verdict.FAILED
    assert "aws_vpc.c" in f.message and "transitive" in f.message


def test_pcx6_partial_overlap_fails_naming_the_outside_part():
    e = pair_estate()
    t = table(e, "a", "a")
    route(e, "wide", t, "10.0.0.0/15", "aws_vpc_peering_connection.ab")
    f = only(pcx6_peer_destination.evaluate(e, Settings()))
    assert f.verdict is Verdict.FAILED
    assert "10.0.0.0/16" in f.message  # the part outside b (a's own range)
    assert "Narrow the destination of aws_route.wide to 10.1.0.0/16" in f.fix


def test_pcx6_unknown_peer_block_is_unknown_but_default_route_still_fails():
    e = pair_estate()
    e.vpcs["aws_vpc.b"].blocks = [CidrBlock(Unknown("cidr of b", "IPAM"), "primary", e.vpcs["aws_vpc.b"].source)]
    t = table(e, "a", "a")
    route(e, "narrow", t, "10.1.0.0/24", "aws_vpc_peering_connection.ab")
    route(e, "default", t, "0.0.0.0/0", "aws_vpc_peering_connection.ab")
    findings = {f.resource.address: f for f in pcx6_peer_destination.evaluate(e, Settings())}
    assert findings["aws_route.narrow"].verdict is Verdict.UNKNOWN
    assert any("cidr of b" in m for m in findings["aws_route.narrow"].missing)
    assert findings["aws_route.default"].verdict is Verdict.FAILED


def test_pcx6_unknown_destination_and_peer_outside_scan_are_unknown():
    e = pair_estate()
    peer(e, "ax", "a", "vpc-0outside")
    t = table(e, "a", "a")
    route(e, "unknown_dest", t, Unknown("destination", "apply"), "aws_vpc_peering_connection.ab")
    route(e, "outside", t, "10.7.0.0/16", "aws_vpc_peering_connection.ax")
    findings = {f.resource.address: f for f in pcx6_peer_destination.evaluate(e, Settings())}
    assert findings["aws_route.unknown_dest"].verdict is Verdict.UNKNOWN
    assert findings["aws_route.outside"].verdict is Verdict.UNKNOWN
    assert "vpc-0outside" in findings["aws_route.outside"].missing[0]


def test_pcx6_default_route_to_an_unknown_peer_names_it_in_words():
    # found in the trust sweep (peers read from data.aws_vpc, as in QuiNovas/terraform-aws-vpc-peering): a
    # default route over a peering whose peer VPC is unknown failed, rightly, but the message printed the
    # model's debugging form "<unknown: data.aws_vpc.x.id ...>" twice and the fix pointed the route at it
    e = pair_estate()
    peer(e, "ax", "a", "x").accepter_vpc = Unknown(
        "data.aws_vpc.x.id is read from AWS when Terraform plans (a data source)", "scan the plan")
    t = table(e, "a", "a")
    route(e, "default", t, "0.0.0.0/0", "aws_vpc_peering_connection.ax")
    f = only(pcx6_peer_destination.evaluate(e, Settings()))
    assert f.verdict is Verdict.FAILED and "<unknown" not in f.message + (f.fix or "")
    assert f.message.startswith(
        "aws_route.default sends 0.0.0.0/0 over aws_vpc_peering_connection.ax to an unknown VPC (data.aws_vpc.x.id "
        "is read from AWS when Terraform plans (a data source)), but a VPC owns only blocks of at most /16 (IPv4) "
        "or /44 (IPv6); 0.0.0.0/0 is a range wider than any VPC block, so beyond the peer.")
    assert f.fix is not None and f.fix.startswith(
        "Point aws_route.default at the peer VPC's own block(s) (blocks of at most /16 (IPv4) or /44 (IPv6)) or "
        "remove it;")
