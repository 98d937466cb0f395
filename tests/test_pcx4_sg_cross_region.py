"""CKV2_PCX_4 (sg_cross_region): unit tests of rules/pcx4_sg_cross_region.py on hand-built estates, exact verdicts and messages."""

from __future__ import annotations


from analysed import only, verdicts
from estate_builder import EstateBuilder
from pcxguard.findings import Verdict
from pcxguard.model import Unknown


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
