"""Fail closed under checkov: a broken configuration, an input pcxguard cannot read, or an internal error
fails every pcxguard check at HIGH severity at least, naming the cause, and the flags that silence
"cannot tell" (``--soft-fail-on CKV2_PCX_0``, ``--skip-check CKV2_PCX_0``) do not silence it.

Each test runs checkov itself as a subprocess, the way a CI job does, and asserts its exit code.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from checkov_run import ROOT, run_checkov

PLAN = ROOT / "fixtures" / "terraform" / "pcx1_overlapping_cidrs_primary" / "plan.json"
TEMPLATE = ROOT / "fixtures" / "cloudformation" / "overlap_and_duplicates" / "network.yaml"
SILENCERS = {
    # the README's advice for "cannot tell", limited to pcxguard's checks so checkov's own don't decide the exit
    "soft-fail": ("--check", "CKV2_PCX_*", "--soft-fail-on", "CKV2_PCX_0"),
    "skip": ("--skip-check", "CKV_*,CKV2_AWS*,CKV2_PCX_0"),
    "hard-fail-on-high": ("--check", "CKV2_PCX_*", "--hard-fail-on", "HIGH"),
}
FAIL_CLOSED_NOTE = "--soft-fail-on / --skip-check CKV2_PCX_0 do not silence it"


def _pcx_failures(run) -> list[dict]:
    return [r for (_, cid, _), r in run.records.items()
            if cid.startswith("CKV2_PCX_") and r["check_result"]["result"] == "FAILED"]


def _assert_fails_closed(run, cause: str, checks_expected: set[str]) -> None:
    assert run.returncode == 1, run.stderr[-2000:]
    failures = _pcx_failures(run)
    assert {r["check_id"] for r in failures} >= checks_expected
    for record in failures:
        assert record["severity"] in ("HIGH", "CRITICAL"), record["check_id"]
        assert cause in record["details"][0], record["details"]
        assert FAIL_CLOSED_NOTE in record["details"][1]
    assert f"pcxguard: {failures[0]['details'][0]}" in run.stderr  # said once on stderr as well


def _broken_config_dir(tmp_path: Path, text: str) -> Path:
    shutil.copy(PLAN, tmp_path / "plan.json")
    (tmp_path / ".pcxguard.yaml").write_text(text)
    return tmp_path


@pytest.mark.parametrize("silencer", sorted(SILENCERS))
def test_an_invalid_severity_in_the_configuration_fails_every_check_whatever_silences_ckv2_pcx_0(tmp_path, silencer):
    directory = _broken_config_dir(tmp_path, "checks:\n  CKV2_PCX_3:\n    severity: HUGE\n")
    run = run_checkov("-f", "plan.json", *SILENCERS[silencer], cwd=directory)
    cause = ("pcxguard configuration error: .pcxguard.yaml: checks.CKV2_PCX_3.severity: 'HUGE' is not one of "
             "['INFO', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] (line 3)")
    expected = {"CKV2_PCX_1", "CKV2_PCX_3", "CKV2_PCX_8"} | (set() if silencer == "skip" else {"CKV2_PCX_0"})
    _assert_fails_closed(run, cause, expected)
    # a MEDIUM check is raised to HIGH for a fail-closed result
    pcx3 = next(r for r in _pcx_failures(run) if r["check_id"] == "CKV2_PCX_3")
    assert pcx3["severity"] == "HIGH"


def test_an_unknown_check_id_in_the_configuration_names_the_nearest_and_fails_closed(tmp_path):
    directory = _broken_config_dir(tmp_path, "inter_region_mtu: 8500\nchecks:\n  CKV2_PCX_33:\n    enabled: false\n")
    run = run_checkov("-f", "plan.json", *SILENCERS["soft-fail"], cwd=directory)
    _assert_fails_closed(run, "pcxguard configuration error: .pcxguard.yaml: checks.CKV2_PCX_33: unknown check id; "
                              "did you mean CKV2_PCX_3? (line 3)", {"CKV2_PCX_0", "CKV2_PCX_1"})


def test_a_schema_error_in_the_configuration_fails_closed(tmp_path):
    directory = _broken_config_dir(tmp_path, "inter_region_mtu: lots\n")
    run = run_checkov("-f", "plan.json", *SILENCERS["skip"], cwd=directory)
    _assert_fails_closed(run, "pcxguard configuration error: .pcxguard.yaml: inter_region_mtu: 'lots' is not of type "
                              "'integer' (line 1)", {"CKV2_PCX_1", "CKV2_PCX_3"})


def test_a_plan_pcxguard_cannot_read_fails_closed(tmp_path):
    """checkov reads a plan without format_version; pcxguard does not recognise it as a plan."""
    plan = json.loads(PLAN.read_text())
    plan.pop("format_version")
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    run = run_checkov("-f", "plan.json", *SILENCERS["soft-fail"], cwd=tmp_path)
    _assert_fails_closed(run, "pcxguard could not read this input: not a Terraform plan", {"CKV2_PCX_0", "CKV2_PCX_1"})


def test_a_template_pcxguard_cannot_read_fails_closed(tmp_path):
    """checkov reads a template with an unknown YAML tag; pcxguard's safe loader refuses it."""
    text = TEMPLATE.read_text().replace("      CidrBlock: !Ref HubCidr\n",
                                        "      CidrBlock: !Ref HubCidr\n      Ipv4IpamPoolId: !Bogus thing\n", 1)
    assert "!Bogus" in text
    (tmp_path / "tpl").mkdir()
    (tmp_path / "tpl" / "network.yaml").write_text(text)
    for silencer in ("soft-fail", "skip"):
        run = run_checkov("-d", "tpl", "--framework", "cloudformation", *SILENCERS[silencer], cwd=tmp_path,
                          json_output=True)
        assert run.returncode == 1, (silencer, run.stderr[-2000:])
        failures = _pcx_failures(run)
        assert {r["check_id"] for r in failures} >= {"CKV2_PCX_1", "CKV2_PCX_3"}
        assert all(r["severity"] in ("HIGH", "CRITICAL") for r in failures)
        # checkov's CloudFormation runner drops details: the cause is on stderr
        assert "pcxguard: pcxguard could not read this input:" in run.stderr
        assert "unsupported YAML tag '!Bogus'" in run.stderr


def test_an_internal_error_fails_closed(tmp_path):
    """A rule that raises (injected through sitecustomize in the checkov process) fails every check."""
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(
        "import pcxguard.rules as rules\n"
        "def _boom(estate, settings):\n"
        "    raise RuntimeError('injected failure')\n"
        "rules.RULES['CKV2_PCX_3'] = _boom\n")
    shutil.copy(PLAN, tmp_path / "plan.json")
    run = run_checkov("-f", "plan.json", *SILENCERS["soft-fail"], cwd=tmp_path,
                      env={"PYTHONPATH": f"{hooks}:{ROOT / 'src'}"})
    _assert_fails_closed(run, "internal error in pcxguard (RuntimeError: injected failure); please report it",
                         {"CKV2_PCX_0", "CKV2_PCX_1", "CKV2_PCX_3"})


def test_a_valid_configuration_keeps_the_catalogue_verdicts(tmp_path):
    """The control: the same plan with a valid file and the same silencer passes nothing it should fail
    and fails nothing for configuration reasons."""
    directory = _broken_config_dir(tmp_path, "checks:\n  CKV2_PCX_3:\n    severity: HIGH\n")
    run = run_checkov("-f", "plan.json", *SILENCERS["soft-fail"], cwd=directory)
    assert run.returncode == 1  # the plan's real overlap (CKV2_PCX_1)
    assert all("configuration error" not in " ".join(r.get("details") or []) for r in run.records.values())
    assert any(r["check_id"] == "CKV2_PCX_1" for r in _pcx_failures(run))
