"""CKV2_PCX_12 (ipv6_peering_route): unit tests of rules/pcx12_ipv6_peering_route.py on hand-built estates, exact verdicts and messages."""

from __future__ import annotations


from model_estates import only, peer, route, table, vpc
from pcxguard.findings import Verdict
from pcxguard.model import Estate
from pcxguard.rules import pcx12_ipv6_peering_route
from pcxguard.settings import Settings


def test_pcx12_ipv6_route_needs_ipv6_on_both_sides():
    e = Estate("t")
    vpc(e, "a", "10.0.0.0/16", "2600:1f18:aa00::/56")
    vpc(e, "b", "10.1.0.0/16", "2600:1f18:bb00::/56")
    vpc(e, "c", "10.2.0.0/16")
    peer(e, "ab", "a", "b")
    peer(e, "ac", "a", "c")
    t = table(e, "a", "a")
    route(e, "v6_b", t, "2600:1f18:bb00::/56", "aws_vpc_peering_connection.ab")
    route(e, "v6_c", t, "2600:1f18:cc00::/56", "aws_vpc_peering_connection.ac")
    route(e, "v4_c", t, "10.2.0.0/16", "aws_vpc_peering_connection.ac")
    findings = {f.resource.address: f for f in pcx12_ipv6_peering_route.evaluate(e, Settings())}
    assert set(findings) == {"aws_route.v6_b", "aws_route.v6_c"}
    assert findings["aws_route.v6_b"].verdict is Verdict.PASSED
    bad = findings["aws_route.v6_c"]
    assert bad.verdict is Verdict.FAILED and "aws_vpc.c has no IPv6 block" in bad.message


def test_pcx12_peer_outside_scan_is_unknown():
    e = Estate("t")
    vpc(e, "a", "10.0.0.0/16", "2600:1f18:aa00::/56")
    peer(e, "ax", "a", "vpc-0outside")
    route(e, "v6", table(e, "a", "a"), "2600:1f18:cc00::/56", "aws_vpc_peering_connection.ax")
    f = only(pcx12_ipv6_peering_route.evaluate(e, Settings()))
    assert f.verdict is Verdict.UNKNOWN
