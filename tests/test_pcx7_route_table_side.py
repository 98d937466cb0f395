"""CKV2_PCX_7 (route_table_side): unit tests of rules/pcx7_route_table_side.py on hand-built estates, exact verdicts and messages."""

from __future__ import annotations


from model_estates import only, pair_estate, route, table
from pcxguard.findings import Verdict
from pcxguard.model import Unknown
from pcxguard.rules import pcx7_route_table_side
from pcxguard.settings import Settings


def test_pcx7_route_in_third_vpc_table_fails():
    e = pair_estate()
    route(e, "a_to_b", table(e, "a", "a"), "10.1.0.0/16", "aws_vpc_peering_connection.ab")
    route(e, "c_to_b", table(e, "c", "c"), "10.1.0.0/16", "aws_vpc_peering_connection.ab")
    findings = {f.resource.address: f for f in pcx7_route_table_side.evaluate(e, Settings())}
    assert findings["aws_route.a_to_b"].verdict is Verdict.PASSED
    bad = findings["aws_route.c_to_b"]
    assert bad.verdict is Verdict.FAILED
    for part in ("aws_route_table.c", "aws_vpc.c", "aws_vpc_peering_connection.ab", "aws_vpc.a", "aws_vpc.b"):
        assert part in bad.message
    assert "aws_vpc.a or aws_vpc.b" in bad.fix


def test_pcx7_unknown_sides_are_unknown():
    e = pair_estate()
    e.peerings["aws_vpc_peering_connection.ab"].accepter_vpc = Unknown("peer_vpc_id", "apply")
    route(e, "c_to_b", table(e, "c", "c"), "10.1.0.0/16", "aws_vpc_peering_connection.ab")
    f = only(pcx7_route_table_side.evaluate(e, Settings()))
    assert f.verdict is Verdict.UNKNOWN and "peer_vpc_id" in f.missing[0]
