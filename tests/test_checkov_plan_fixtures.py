"""End to end: checkov, run as users run it, gives the exact verdict per check per resource on every
Terraform plan fixture, and the failure details name what the fixture's expected.json says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checkov_run import ROOT, pcx_checks, run_checkov

FIXTURES = ROOT / "fixtures" / "terraform"
CASES = sorted(p.parent for p in FIXTURES.glob("*/expected.json"))
CHECKS = sorted({cid for case in CASES for cid in json.loads((case / "expected.json").read_text())["verdicts"]})


@pytest.fixture(scope="module")
def checkov_on_all_plans():
    if not CASES:
        pytest.skip("no plan fixtures")
    ids = sorted({int(c.rsplit("_", 1)[1]) for c in CHECKS} | {0})
    return run_checkov("-d", str(FIXTURES), "--framework", "terraform_plan", "--check", pcx_checks(*ids))


def _expected(case: Path) -> dict:
    return json.loads((case / "expected.json").read_text())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_verdict_per_check_per_resource(checkov_on_all_plans, case):
    run = checkov_on_all_plans
    file_part = f"/{case.name}/plan.json"
    mismatches = []
    for check_id, resources in _expected(case)["verdicts"].items():
        for address, expected in resources.items():
            got = run.verdict(file_part, check_id, address)
            if expected == "UNKNOWN":
                # checkov drops UNKNOWN results; pcxguard reports them through CKV2_PCX_0
                undecided = run.record(file_part, "CKV2_PCX_0", address)
                if got is not None or undecided is None or undecided["check_result"]["result"] != "FAILED":
                    mismatches.append((check_id, address, expected, got, "CKV2_PCX_0 not FAILED"))
                elif not any(line.startswith(f"{check_id}:") for line in undecided.get("details", [])):
                    mismatches.append((check_id, address, "details of CKV2_PCX_0 name the check", undecided.get("details")))
            elif got != expected:
                mismatches.append((check_id, address, expected, got))
    assert mismatches == []


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_failure_details_name_the_resources_involved(checkov_on_all_plans, case):
    run = checkov_on_all_plans
    for check_id, resources in (_expected(case).get("message_contains") or {}).items():
        for address, parts in resources.items():
            record = run.record(f"/{case.name}/plan.json", check_id, address)
            assert record is not None, (check_id, address)
            details = "\n".join(record.get("details") or [])
            for part in parts:
                assert part in details, (check_id, address, part, details)


def test_records_carry_catalogue_severity_and_guideline(checkov_on_all_plans):
    from pcxguard.catalogue import catalogue

    seen = 0
    for (_, check_id, _), record in checkov_on_all_plans.records.items():
        if not check_id.startswith("CKV2_PCX_"):
            continue
        entry = catalogue()[check_id]
        assert record["severity"] == entry.severity
        assert record["guideline"] == entry.guideline
        assert record["check_name"] == entry.title
        seen += 1
    assert seen > 50
