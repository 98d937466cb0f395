"""CKV2_PCX_6..14 end to end: checkov runs pcxguard's checks on each pcx* plan fixture, and every
verdict in the case's expected.json must come out of checkov's JSON report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CASES_DIR = REPO / "fixtures" / "terraform"
CHECKOV = Path(sys.executable).parent / "checkov"
CASES = sorted(p.name for p in CASES_DIR.glob("pcx*") if (p / "expected.json").is_file())
NEW_CHECKS = {f"CKV2_PCX_{n}" for n in range(6, 15)}


def run_checkov(*args: str) -> list[dict]:
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    proc = subprocess.run([str(CHECKOV), *args, "-o", "json", "--skip-download", "--compact"],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=600)
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    reports = report if isinstance(report, list) else [report]
    results = []
    for r in reports:
        for kind in ("passed_checks", "failed_checks"):
            for record in r.get("results", {}).get(kind, []):
                results.append(record)
    return results


def test_there_is_a_case_per_new_check():
    covered = {cid for case in CASES for cid, per in
               json.loads((CASES_DIR / case / "expected.json").read_text())["message_contains"].items()}
    assert covered == NEW_CHECKS


@pytest.mark.parametrize("case", CASES)
def test_checkov_verdicts_match_expected(case):
    expected = json.loads((CASES_DIR / case / "expected.json").read_text())
    wanted = sorted(set(expected["verdicts"]) & NEW_CHECKS)
    records = run_checkov("-f", str(CASES_DIR / case / "plan.json"), "--external-checks-dir", str(REPO / "checks"),
                          "--check", ",".join(wanted))
    got: dict[tuple[str, str], str] = {}
    details: dict[tuple[str, str], str] = {}
    for record in records:
        key = (record["check_id"], record["resource"])
        got[key] = record["check_result"]["result"]
        details[key] = "\n".join(record.get("details") or [])
    for check_id in wanted:
        for address, verdict in expected["verdicts"][check_id].items():
            if verdict == "UNKNOWN":
                # checkov drops UNKNOWN results; they reach users through CKV2_PCX_0
                assert (check_id, address) not in got, (check_id, address, got.get((check_id, address)))
            else:
                assert got.get((check_id, address)) == verdict, (case, check_id, address, got.get((check_id, address)))
    for check_id, per_resource in expected.get("message_contains", {}).items():
        for address, parts in per_resource.items():
            for part in parts:
                assert part in details[(check_id, address)], (check_id, address, part)


def test_unknown_verdicts_reach_checkov_through_ckv2_pcx_0():
    case = CASES_DIR / "pcx11_sg_references"
    records = run_checkov("-f", str(case / "plan.json"), "--external-checks-dir", str(REPO / "checks"),
                          "--check", "CKV2_PCX_0")
    by_resource = {r["resource"]: r for r in records}
    record = by_resource["aws_vpc_security_group_ingress_rule.a_from_x_bare"]
    assert record["check_result"]["result"] == "FAILED"
    assert any("CKV2_PCX_11" in line for line in record["details"])
    assert by_resource["aws_vpc_security_group_ingress_rule.a_from_b"]["check_result"]["result"] == "PASSED"
