"""CKV2_PCX_0 (cannot_tell): checkov's "cannot tell". It has no rule module; every check's UNKNOWN
verdict reaches checkov through it (tests/test_checkov_plan_fixtures.py asserts that for every
UNKNOWN of every plan fixture)."""

from __future__ import annotations

from checkov_run import ROOT, run_checkov

CASES_DIR = ROOT / "fixtures" / "terraform"


def test_unknown_verdicts_reach_checkov_through_ckv2_pcx_0():
    case = CASES_DIR / "pcx11_sg_peer_reference"
    run = run_checkov("-f", str(case / "plan.json"), "--check", "CKV2_PCX_0")
    record = run.record("plan.json", "CKV2_PCX_0", "aws_vpc_security_group_ingress_rule.a_from_x_bare")
    assert record["check_result"]["result"] == "FAILED"
    assert any("CKV2_PCX_11" in line for line in record["details"])
    assert run.verdict("plan.json", "CKV2_PCX_0", "aws_vpc_security_group_ingress_rule.a_from_b") == "PASSED"
