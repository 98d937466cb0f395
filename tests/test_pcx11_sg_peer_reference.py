"""CKV2_PCX_11 (sg_peer_reference): unit tests of rules/pcx11_sg_peer_reference.py on hand-built estates, exact verdicts and messages."""

from __future__ import annotations


from model_estates import only, pair_estate, ref_rule, sg
from pcxguard.findings import Verdict
from pcxguard.rules import pcx11_sg_peer_reference
from pcxguard.settings import Settings


def test_pcx11_reference_without_peering_fails_with_peering_passes():
    e = pair_estate()
    for n in "abc":
        sg(e, n, n)
    ref_rule(e, "from_b", "a", "aws_security_group.b")
    ref_rule(e, "from_c", "a", "aws_security_group.c")
    ref_rule(e, "own", "a", "aws_security_group.a", self_reference=True)
    findings = {f.resource.address: f for f in pcx11_sg_peer_reference.evaluate(e, Settings())}
    assert set(findings) == {"aws_security_group_rule.from_b", "aws_security_group_rule.from_c"}
    assert findings["aws_security_group_rule.from_b"].verdict is Verdict.PASSED
    bad = findings["aws_security_group_rule.from_c"]
    assert bad.verdict is Verdict.FAILED
    assert "aws_vpc.c" in bad.message and "no peering connection" in bad.message and "Peer aws_vpc.a with aws_vpc.c" in bad.fix


def test_pcx11_cross_account_needs_account_form():
    e = pair_estate()
    e.vpcs["aws_vpc.b"].account = "222222222222"
    e.peerings["aws_vpc_peering_connection.ab"].peer_owner_id = "222222222222"
    sg(e, "a", "a")
    sg(e, "b", "b")
    ref_rule(e, "bare", "a", "aws_security_group.b")
    ref_rule(e, "with_account", "a", "222222222222/aws_security_group.b")
    ref_rule(e, "from_plan", "a", "aws_security_group.b", reference_text_known=False)
    findings = {f.resource.address: f for f in pcx11_sg_peer_reference.evaluate(e, Settings())}
    bare = findings["aws_security_group_rule.bare"]
    assert bare.verdict is Verdict.FAILED and "222222222222/sg-" in bare.message and "gives no account" in bare.message
    assert findings["aws_security_group_rule.with_account"].verdict is Verdict.PASSED
    assert findings["aws_security_group_rule.from_plan"].verdict is Verdict.UNKNOWN


def test_pcx11_group_outside_scan_is_unknown():
    e = pair_estate()
    sg(e, "a", "a")
    ref_rule(e, "outside", "a", "sg-0123456789abcdef0")
    f = only(pcx11_sg_peer_reference.evaluate(e, Settings()))
    assert f.verdict is Verdict.UNKNOWN and "sg-0123456789abcdef0" in f.missing[0]
