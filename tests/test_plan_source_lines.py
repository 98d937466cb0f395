"""A plan scanned with its Terraform source: findings land on the .tf lines, module instances included.

fixtures/terraform/plan_with_source/plan.json was made by terraform 1.11.4 (aws provider 5.100.0) from the
.tf files beside it; the peering is declared in modules/spoke/main.tf lines 28-32.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from checkov_run import CheckovRun, run_checkov
from pcxguard.checkov_adapter import plan_enrichment_root
from pcxguard.engine import analyse
from pcxguard.loaders.terraform_plan import load_plan

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "fixtures" / "terraform" / "plan_with_source"
INSIDE = 'module.spoke["inside"].aws_vpc_peering_connection.this'
OK = 'module.spoke["ok"].aws_vpc_peering_connection.this'


def _pcx1(estate):
    analysis = analyse(estate)
    return {f.resource.address: (f.verdict.value, f.resource.file, f.resource.start_line, f.resource.end_line)
            for f in analysis.findings if f.check_id == "CKV2_PCX_1"}


def test_plan_beside_its_source_points_at_the_module_lines():
    found = _pcx1(load_plan(CASE / "plan.json"))
    module_file = str(CASE / "modules" / "spoke" / "main.tf")
    assert found == {INSIDE: ("FAILED", module_file, 28, 32), OK: ("PASSED", module_file, 28, 32)}


def test_source_root_names_a_repository_holding_several_roots():
    found = _pcx1(load_plan(CASE / "plan.json", source_root=ROOT / "fixtures"))
    assert found[INSIDE][1:] == (str(ROOT / "fixtures" / "terraform" / "plan_with_source" / "modules" / "spoke" / "main.tf"), 28, 32)


def test_plan_without_source_keeps_the_plan_file(tmp_path):
    shutil.copy(CASE / "plan.json", tmp_path / "plan.json")
    found = _pcx1(load_plan(tmp_path / "plan.json"))
    assert found[INSIDE] == ("FAILED", str(tmp_path / "plan.json"), None, None)
    estate = load_plan(tmp_path / "plan.json", source_root=tmp_path / "nowhere")
    assert [p.message for p in estate.problems] == [
        f"no Terraform root module matching the plan under {tmp_path / 'nowhere'}; findings point at the plan file"]


def test_enrichment_flag_is_read_from_checkovs_arguments():
    assert plan_enrichment_root(["checkov", "-f", "p.json", "--repo-root-for-plan-enrichment", "infra"]) == "infra"
    assert plan_enrichment_root(["checkov", "--repo-root-for-plan-enrichment=infra"]) == "infra"
    assert plan_enrichment_root(["checkov", "-f", "p.json"]) is None


def _checkov(*extra: str) -> CheckovRun:
    result = run_checkov("-f", "plan.json", "--check", "CKV2_PCX_1", *extra, cwd=CASE, json_output=False)
    assert result.returncode == 1, result.stderr[-2000:]
    return result


@pytest.fixture(scope="module")
def enriched(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    result = _checkov("--repo-root-for-plan-enrichment", ".", "-o", "json", "-o", "sarif", "-o", "github_failed_only",
                      "--output-file-path", str(out))
    return out, result


def test_checkov_json_with_enrichment(enriched):
    out, _ = enriched
    report = json.loads((out / "results_json.json").read_text())
    failed = [(r["resource"], r["file_path"], r["file_line_range"]) for r in report["results"]["failed_checks"]]
    assert failed == [(INSIDE, "modules/spoke/main.tf", [28, 32])]
    # checkov moves only failed records; a passed record keeps the plan path, and pcxguard's
    # details line still names the .tf lines
    passed = report["results"]["passed_checks"]
    assert [(r["resource"], r["file_path"], r["file_line_range"]) for r in passed] == [(OK, "/plan.json", [0, 0])]
    assert passed[0]["details"] == ["declared at modules/spoke/main.tf:28-32"]


def test_checkov_sarif_and_github_with_enrichment(enriched):
    out, _ = enriched
    sarif = json.loads((out / "results_sarif.sarif").read_text())
    results = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "CKV2_PCX_1"]
    regions = [r["locations"][0]["physicalLocation"]["region"] for r in results]
    assert [(g["startLine"], g["endLine"]) for g in regions] == [(28, 32)]
    github = (out / "results_github_failed_only.md").read_text()
    # the github table names the file (checkov prints no lines there)
    row = next(line for line in github.splitlines() if line.startswith("| CKV2_PCX_1"))
    assert INSIDE in row and row.rstrip(" |").endswith("modules/spoke/main.tf")


def test_checkov_cli_without_enrichment_names_the_tf_lines_in_details():
    result = _checkov("-o", "cli", "--compact")
    text = result.stdout
    assert f'FAILED for resource: {INSIDE}' in text
    assert "declared at modules/spoke/main.tf:28-32" in text
