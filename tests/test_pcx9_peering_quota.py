"""CKV2_PCX_9 (peering_quota): unit tests of rules/pcx9_peering_quota.py on hand-built estates, exact verdicts and messages."""

from __future__ import annotations


from model_estates import only, peer, src, vpc
from pcxguard.findings import Verdict
from pcxguard.model import Estate, PeeringConnection, Unknown
from pcxguard.rules import pcx9_peering_quota
from pcxguard.settings import Settings


def test_pcx9_quota_default_and_setting():
    e = Estate("t")
    vpc(e, "hub", "10.0.0.0/16")
    for i in range(51):
        vpc(e, f"s{i}", f"10.{i + 1}.0.0/16")
        peer(e, f"p{i}", "hub", f"s{i}", auto_accept=True)
    findings = {f.resource.address: f for f in pcx9_peering_quota.evaluate(e, Settings())}
    assert findings["aws_vpc.hub"].verdict is Verdict.FAILED
    assert "51 peering connections" in findings["aws_vpc.hub"].message and "quota of 50" in findings["aws_vpc.hub"].message
    assert findings["aws_vpc.s0"].verdict is Verdict.PASSED
    raised = {f.resource.address: f for f in pcx9_peering_quota.evaluate(e, Settings(active_peerings_per_vpc=60))}
    assert raised["aws_vpc.hub"].verdict is Verdict.PASSED


def test_pcx9_unknown_peerings_could_pass_the_quota():
    e = Estate("t")
    vpc(e, "hub", "10.0.0.0/16")
    for i in range(2):
        vpc(e, f"s{i}", f"10.{i + 1}.0.0/16")
        peer(e, f"p{i}", "hub", f"s{i}")
    e.peerings["aws_vpc_peering_connection.x"] = PeeringConnection(
        "aws_vpc_peering_connection.x", src("aws_vpc_peering_connection.x"), Unknown("vpc_id"), "aws_vpc.s0")
    f = only(pcx9_peering_quota.evaluate(e, Settings(active_peerings_per_vpc=2)), "aws_vpc.hub")
    assert f.verdict is Verdict.UNKNOWN and f.missing == ("the VPCs of aws_vpc_peering_connection.x",)
