"""pcxguard's CKV2_PCX_6 against checkov's own CKV2_AWS_44, run for real on fixtures/terraform/
pcx6_peer_destination (see docs/comparison-ckv2_aws_44.md).

CKV2_AWS_44 fails a table or route whose peering route goes to 0.0.0.0/0 or ::/0, judging a table
as a whole: "some route has a peering id" and "some route is 0.0.0.0/0", not the same route."""

from __future__ import annotations

import json

import pytest

from checkov_run import ROOT, CheckovRun, run_checkov

CASE = ROOT / "fixtures" / "terraform" / "pcx6_peer_destination"


def verdicts(run: CheckovRun, check_id: str) -> dict[str, str]:
    return {res: r["check_result"]["result"] for (_, cid, res), r in run.records.items() if cid == check_id}


CHECKS = "CKV2_AWS_44,CKV2_PCX_6"  # one checkov run per input judges with both


@pytest.fixture(scope="module")
def plan_run() -> CheckovRun:
    return run_checkov("-f", str(CASE / "plan.json"), "--check", CHECKS)


@pytest.fixture(scope="module")
def source_run() -> CheckovRun:
    return run_checkov("-d", str(CASE), "--framework", "terraform", "--check", CHECKS)


@pytest.fixture(scope="module")
def on_plan(plan_run) -> dict[str, str]:
    return verdicts(plan_run, "CKV2_AWS_44")


@pytest.fixture(scope="module")
def on_source(source_run) -> dict[str, str]:
    return verdicts(source_run, "CKV2_AWS_44")


@pytest.fixture(scope="module")
def pcxguard(plan_run) -> dict[str, str]:
    """pcxguard's own verdicts, from the same checkov run on the plan (not from a file of expectations)."""
    return verdicts(plan_run, "CKV2_PCX_6")


def test_pcxguard_judges_the_plan_and_the_source_alike_and_as_the_fixture_records(plan_run, source_run, pcxguard):
    recorded = json.loads((CASE / "expected.json").read_text())["verdicts"]["CKV2_PCX_6"]
    assert pcxguard == recorded
    assert verdicts(source_run, "CKV2_PCX_6") == recorded


def test_both_fail_a_default_route_over_a_peering(on_plan, on_source, pcxguard):
    assert on_plan["aws_route.a_default_via_peer"] == "FAILED"
    assert on_source["aws_route.a_default_via_peer"] == "FAILED"
    assert pcxguard["aws_route.a_default_via_peer"] == "FAILED"


def test_checkov_fails_a_nat_default_route_beside_a_correct_peering_route(on_source, pcxguard):
    # aws_route_table.a_nat: 0.0.0.0/0 -> NAT gateway, 10.1.0.0/16 -> peering. Nothing is wrong.
    assert on_source["aws_route_table.a_nat"] == "FAILED"  # checkov on .tf: whole-table judgement
    assert pcxguard["aws_route_table.a_nat"] == "PASSED"


def test_checkov_on_the_plan_passes_that_table_only_because_the_peering_id_is_unknown(on_plan):
    # in the plan the inline route's vpc_peering_connection_id is unknown, so its condition
    # "route.*.vpc_peering_connection_id not_exists" holds: the same table passes on the plan
    assert on_plan["aws_route_table.a_nat"] == "PASSED"


def test_checkov_misses_transitive_and_on_premises_routes(on_plan, on_source, pcxguard):
    for scan in (on_plan, on_source):
        assert scan["aws_route.a_to_c_via_b"] == "PASSED"  # 10.2.0.0/16 is VPC c's, reached through b
        assert scan["aws_route_table.a_inline"] == "PASSED"  # 192.168.0.0/16 on-premises via the peer
    assert pcxguard["aws_route.a_to_c_via_b"] == "FAILED"
    assert pcxguard["aws_route_table.a_inline"] == "FAILED"


def test_both_pass_correct_routes(on_plan, on_source, pcxguard):
    for address in ("aws_route.b_to_a", "aws_route.b_to_c"):
        assert on_plan[address] == on_source[address] == pcxguard[address] == "PASSED"
