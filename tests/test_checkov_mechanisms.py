"""pcxguard's findings go through checkov's own mechanisms: skip comments, --check / --skip-check,
severity thresholds, baselines and the junitxml output (json, sarif and github_failed_only are in
test_plan_source_lines.py). Run as users run it: checkov as a subprocess on raw Terraform."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from checkov_run import run_checkov

MAIN_TF = """\
provider "aws" {
  region = "eu-west-1"
}

resource "aws_vpc" "a" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_vpc" "b" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_vpc_peering_connection" "ab" {
  vpc_id      = aws_vpc.a.id
  peer_vpc_id = aws_vpc.b.id
  auto_accept = true
}

resource "aws_vpc_peering_connection" "ba" {
  #checkov:skip=CKV2_PCX_3:kept until the migration to ab is done
  vpc_id      = aws_vpc.b.id
  peer_vpc_id = aws_vpc.a.id
  auto_accept = true
}
"""
AB, BA = "aws_vpc_peering_connection.ab", "aws_vpc_peering_connection.ba"


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    (tmp_path / "main.tf").write_text(MAIN_TF)
    return tmp_path


def _pcx(run, bucket: str = "") -> set[tuple[str, str, str]]:
    """(check id, resource, result) of every pcxguard record."""
    return {(cid, res, rec["check_result"]["result"]) for (_, cid, res), rec in run.records.items()
            if cid.startswith("CKV2_PCX_") and (not bucket or rec["check_result"]["result"] == bucket)}


def test_a_skip_comment_skips_that_check_on_that_resource_only(root):
    run = run_checkov("-d", str(root), "--framework", "terraform", cwd=root)
    assert run.verdict("main.tf", "CKV2_PCX_3", AB) == "FAILED"
    skipped = run.record("main.tf", "CKV2_PCX_3", BA)
    assert skipped["check_result"] == {"result": "SKIPPED", "suppress_comment": "kept until the migration to ab is done"}
    # the other checks still judge the skipped resource
    assert run.verdict("main.tf", "CKV2_PCX_1", BA) == "FAILED"
    assert run.verdict("main.tf", "CKV2_PCX_1", AB) == "FAILED"


def test_check_and_skip_check_select_pcxguard_checks(root):
    only = run_checkov("-d", str(root), "--framework", "terraform", "--check", "CKV2_PCX_3", cwd=root)
    assert {cid for (_, cid, _) in only.records} == {"CKV2_PCX_3"}
    assert _pcx(only) == {("CKV2_PCX_3", AB, "FAILED"), ("CKV2_PCX_3", BA, "SKIPPED")}
    without = run_checkov("-d", str(root), "--framework", "terraform", "--skip-check", "CKV2_PCX_3,CKV2_PCX_1",
                          cwd=root)
    ids = {cid for (_, cid, _) in without.records}
    assert "CKV2_PCX_3" not in ids and "CKV2_PCX_1" not in ids
    assert {"CKV2_PCX_0", "CKV2_PCX_8", "CKV2_PCX_9"} <= ids


def test_severity_selects_checks_and_sets_the_exit_code(root):
    # --check with a severity runs the checks at or above it: CKV2_PCX_1 is HIGH, CKV2_PCX_3 MEDIUM
    high = run_checkov("-d", str(root), "--framework", "terraform", "--check", "HIGH", cwd=root)
    ids = {cid for (cid, _, _) in _pcx(high)}
    assert "CKV2_PCX_1" in ids and "CKV2_PCX_3" not in ids
    assert all(rec["severity"] in ("HIGH", "CRITICAL") for rec in high.records.values())
    # --hard-fail-on: a MEDIUM failure alone does not fail the run, a HIGH one does
    medium_only = run_checkov("-d", str(root), "--framework", "terraform", "--check", "CKV2_PCX_3",
                              "--hard-fail-on", "HIGH", cwd=root)
    assert _pcx(medium_only, "FAILED") == {("CKV2_PCX_3", AB, "FAILED")} and medium_only.returncode == 0
    with_high = run_checkov("-d", str(root), "--framework", "terraform", "--check", "CKV2_PCX_1,CKV2_PCX_3",
                            "--hard-fail-on", "HIGH", cwd=root)
    assert with_high.returncode == 1


def test_a_baseline_accepts_known_failures_and_reports_new_ones(root):
    created = run_checkov("-d", str(root), "--framework", "terraform", "--check", "CKV2_PCX_1,CKV2_PCX_3",
                          "--create-baseline", cwd=root)
    baseline = root / ".checkov.baseline"
    assert created.returncode in (0, 1) and baseline.exists(), created.stderr[-2000:]
    ids = {check for entry in json.loads(baseline.read_text())["failed_checks"]
           for resource in entry["findings"] for check in resource["check_ids"]}
    assert ids == {"CKV2_PCX_1", "CKV2_PCX_3"}
    again = run_checkov("-d", str(root), "--framework", "terraform", "--check", "CKV2_PCX_1,CKV2_PCX_3",
                        "--baseline", str(baseline), cwd=root)
    assert _pcx(again, "FAILED") == set() and again.returncode == 0
    # a new mistake is still reported: a third VPC overlapping a, peered with it
    with open(root / "main.tf", "a") as handle:
        handle.write('\nresource "aws_vpc" "c" {\n  cidr_block = "10.0.0.0/20"\n}\n\n'
                     'resource "aws_vpc_peering_connection" "ac" {\n  vpc_id      = aws_vpc.a.id\n'
                     '  peer_vpc_id = aws_vpc.c.id\n  auto_accept = true\n}\n')
    new = run_checkov("-d", str(root), "--framework", "terraform", "--check", "CKV2_PCX_1,CKV2_PCX_3",
                      "--baseline", str(baseline), cwd=root)
    assert _pcx(new, "FAILED") == {("CKV2_PCX_1", "aws_vpc_peering_connection.ac", "FAILED")}
    assert new.returncode == 1


def test_junitxml_output_carries_pcxguard_failures(root, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    run_checkov("-d", str(root), "--framework", "terraform", "--check", "CKV2_PCX_3", "-o", "junitxml",
                "--output-file-path", str(out), cwd=root)
    suite = ET.parse(out / "results_junitxml.xml").getroot()
    cases = {case.get("classname"): case for case in suite.iter("testcase")}
    assert set(cases) == {f"/main.tf.{AB}", f"/main.tf.{BA}"}
    failure = cases[f"/main.tf.{AB}"].find("failure")
    assert cases[f"/main.tf.{AB}"].get("name") == "[MEDIUM][CKV2_PCX_3] Only one peering connection may join the same two VPCs"
    assert "File: /main.tf: 13-17" in failure.text and "docs/rules/CKV2_PCX_3.md" in failure.text
    skipped = cases[f"/main.tf.{BA}"].find("skipped")
    assert skipped.get("message") == "kept until the migration to ab is done"
