"""End to end: checkov runs pcxguard's checks on the CloudFormation fixtures.

Each case directory holds templates and an ``expected.json`` (check id -> logical id ->
verdict) written from the AWS facts. checkov drops UNKNOWN results, so an expected UNKNOWN
must be absent from checkov's output (CKV2_PCX_0 reports it instead).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from checkov_run import run_checkov as checkov

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "fixtures" / "cloudformation"
CFN_LINT = Path(sys.executable).with_name("cfn-lint")
CASE_NAMES = ["overlap_and_duplicates", "routes", "cross_region", "exports", "unknown_peer", "bad/mixed",
              "table_parameter", "foreach"]


def run_checkov(directory: Path) -> dict:
    run = checkov("-d", str(directory), "--framework", "cloudformation")
    assert run.returncode in (0, 1), run.stderr[-2000:]
    report = run.reports[0]
    for kind in ("passed_checks", "failed_checks"):  # pcxguard's checks only
        report["results"][kind] = [r for r in report["results"][kind] if r["check_id"].startswith("CKV2_PCX_")]
    return report


def resource_lines(template: Path, logical: str) -> tuple[int, int]:
    """The logical id's line to the last non-blank line of its body, read from the text."""
    lines = template.read_text().splitlines()
    json_style = template.suffix == ".json"
    key = re.compile(rf'^(\s*)"{logical}"\s*:' if json_style else rf"^(\s*){logical}:")
    start = next(n for n, line in enumerate(lines) if re.match(r'^\s*"?Resources"?\s*:', line))
    for number, line in enumerate(lines):
        match = key.match(line) if number > start else None
        if match:
            indent = len(match.group(1))
            end = number
            for later in range(number + 1, len(lines)):
                text = lines[later]
                if not text.strip() or text.lstrip().startswith("#"):
                    continue
                if len(text) - len(text.lstrip()) <= indent:
                    break
                end = later
            if json_style and lines[end + 1].strip().startswith("}"):
                end += 1  # the closing brace of the resource
            return number + 1, end + 1
    raise AssertionError(f"{logical} not found in {template}")


def template_of(directory: Path, logical: str) -> Path:
    found = [p for p in directory.iterdir() if p.suffix in (".yaml", ".json") and p.name != "expected.json"
             and re.search(rf'^\s*"?{logical}"?\s*:\s*(\{{|#.*)?$', p.read_text(), re.M)]
    assert len(found) == 1, (logical, found)
    return found[0]


@pytest.fixture(scope="module", params=CASE_NAMES)
def case(request: pytest.FixtureRequest) -> tuple[Path, dict, dict]:
    directory = CASES / request.param
    return directory, json.loads((directory / "expected.json").read_text()), run_checkov(directory)


def test_verdicts_are_exactly_the_expected_ones(case: tuple[Path, dict, dict]) -> None:
    directory, expected, report = case
    got: dict[str, dict[str, str]] = {}
    for kind in ("passed_checks", "failed_checks"):
        for result in report["results"][kind]:
            logical = result["resource"].rsplit(".", 1)[1]
            assert logical not in got.setdefault(result["check_id"], {}), (result["check_id"], logical)
            got[result["check_id"]][logical] = result["check_result"]["result"]
    visible = {cid: {k: v for k, v in verdicts.items() if v != "UNKNOWN"} for cid, verdicts in expected.items()}
    visible = {cid: v for cid, v in visible.items() if v}
    assert got == visible


def test_results_land_on_the_resources_own_file_and_lines(case: tuple[Path, dict, dict]) -> None:
    directory, _, report = case
    results = report["results"]["passed_checks"] + report["results"]["failed_checks"]
    assert results
    for result in results:
        logical = result["resource"].rsplit(".", 1)[1]
        template = template_of(directory, logical)
        assert Path(result["file_abs_path"]).resolve() == template.resolve()
        assert tuple(result["file_line_range"]) == resource_lines(template, logical), (logical, template)


def test_the_broken_files_do_not_hide_the_sound_ones() -> None:
    report = run_checkov(CASES / "bad" / "mixed")
    failed = {(r["check_id"], r["resource"]) for r in report["results"]["failed_checks"]}
    passed = {(r["check_id"], r["resource"]) for r in report["results"]["passed_checks"]}
    assert ("CKV2_PCX_1", "AWS::EC2::VPCPeeringConnection.PcxGoodOverlap") in failed
    assert ("CKV2_PCX_1", "AWS::EC2::VPCPeeringConnection.PcxGood") in passed
    assert ("CKV2_PCX_0", "AWS::EC2::VPC.VpcBogus") in failed  # the bogus CIDR, on its VPC
    assert not any("VpcCut" in resource for _, resource in failed | passed)  # the truncated template


def fixture_templates() -> list[Path]:
    return sorted(p for p in CASES.rglob("*") if p.suffix in (".yaml", ".json") and p.name != "expected.json"
                  and "bad" not in p.relative_to(CASES).parts and not p.name.startswith("."))


@pytest.mark.parametrize("template", fixture_templates(), ids=lambda p: str(p.relative_to(CASES)))
def test_every_fixture_passes_cfn_lint(template: Path) -> None:
    completed = subprocess.run([str(CFN_LINT), str(template)], capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stdout + completed.stderr
