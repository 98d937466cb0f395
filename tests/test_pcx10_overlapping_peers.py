"""CKV2_PCX_10 (overlapping_peers): unit tests of rules/pcx10_overlapping_peers.py on hand-built estates, exact verdicts and messages."""

from __future__ import annotations


from model_estates import only, peer, route, table, vpc
from pcxguard.findings import Verdict
from pcxguard.model import Estate
from pcxguard.rules import pcx10_overlapping_peers
from pcxguard.settings import Settings


def overlapping_estate() -> Estate:
    e = Estate("t")
    vpc(e, "a", "10.0.0.0/16")
    vpc(e, "b", "10.1.0.0/16")
    vpc(e, "c", "10.1.0.0/16")
    peer(e, "ab", "a", "b")
    peer(e, "ac", "a", "c")
    return e


def test_pcx10_one_table_with_overlapping_routes_to_two_peers_fails():
    e = overlapping_estate()
    t = table(e, "a", "a")
    route(e, "to_b", t, "10.1.0.0/16", "aws_vpc_peering_connection.ab")
    route(e, "to_c", t, "10.1.2.0/24", "aws_vpc_peering_connection.ac")
    f = only(pcx10_overlapping_peers.evaluate(e, Settings()), "aws_vpc.a")
    assert f.verdict is Verdict.FAILED
    for part in ("aws_vpc.b", "aws_vpc.c", "10.1.0.0/16", "10.1.2.0/24", "aws_route_table.a", "reverse-path"):
        assert part in f.message


def test_pcx10_specific_routes_or_separate_tables_pass():
    e = overlapping_estate()
    t = table(e, "a", "a")
    route(e, "to_b", t, "10.1.1.0/24", "aws_vpc_peering_connection.ab")
    route(e, "to_c", t, "10.1.2.0/24", "aws_vpc_peering_connection.ac")
    assert only(pcx10_overlapping_peers.evaluate(e, Settings()), "aws_vpc.a").verdict is Verdict.PASSED
    e2 = overlapping_estate()
    route(e2, "to_b", table(e2, "ab", "a"), "10.1.0.0/16", "aws_vpc_peering_connection.ab")
    route(e2, "to_c", table(e2, "ac", "a"), "10.1.0.0/16", "aws_vpc_peering_connection.ac")
    assert only(pcx10_overlapping_peers.evaluate(e2, Settings()), "aws_vpc.a").verdict is Verdict.PASSED


def test_pcx10_peer_outside_scan_is_unknown_and_single_peer_is_not_judged():
    e = Estate("t")
    vpc(e, "a", "10.0.0.0/16")
    vpc(e, "b", "10.1.0.0/16")
    peer(e, "ab", "a", "b")
    peer(e, "ax", "a", "vpc-0outside")
    f = only(pcx10_overlapping_peers.evaluate(e, Settings()), "aws_vpc.a")
    assert f.verdict is Verdict.UNKNOWN and "vpc-0outside" in f.missing[0]
    assert [x.resource.address for x in pcx10_overlapping_peers.evaluate(e, Settings())] == ["aws_vpc.a"]
