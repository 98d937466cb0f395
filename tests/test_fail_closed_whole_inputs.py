"""A whole input that cannot be read fails ``pcxguard scan`` closed even beside good inputs: a plan that is
not valid JSON, a template that is not valid YAML, a file named on the command line that cannot be read.
Each exits 2 whatever ``--skip-check`` / ``--fail-on`` say; the good inputs are still judged and reported.
What is not an input at all (a source for the rain tool, a JSON document that is no plan) stays a note."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pcxguard.cli import main

ROOT = Path(__file__).resolve().parents[1]
CLEAN = ROOT / "fixtures" / "terraform" / "clean_pair" / "plan.json"
SILENCERS = ((), ("--skip-check", "CKV2_PCX_0,CKV2_PCX_1"), ("--fail-on", "CRITICAL"), ("--check", "CKV2_PCX_9"))
TEMPLATE = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.0.0.0/16
"""


def _scan(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict, str]:
    code = main(["scan", *args, "-f", "json"])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def _good(tmp_path: Path) -> Path:
    good = tmp_path / "good"
    good.mkdir()
    shutil.copy(CLEAN, good / "plan.json")
    return good


@pytest.mark.parametrize("silencer", SILENCERS, ids=lambda s: " ".join(s) or "plain")
def test_a_plan_that_is_not_valid_json_beside_a_good_one_fails_the_scan(tmp_path, capsys, silencer):
    _good(tmp_path)
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "plan.json").write_text('{"format_version": "1.2", "planned_values": {\n')
    code, data, err = _scan(capsys, str(tmp_path), *silencer)
    assert code == 2
    assert data["summary"]["input_errors"] == 1
    (problem,) = data["problems"]
    assert problem["file"].endswith("broken/plan.json") and problem["fails_closed"] is True
    assert problem["message"].startswith("not valid JSON (line 2")
    assert "broken/plan.json: not valid JSON" in err
    if not silencer:  # the good plan is still judged
        assert data["summary"]["passed"] == 16 and data["summary"]["failed"] == 0


def test_a_template_that_is_not_valid_yaml_beside_a_good_plan_fails_the_scan(tmp_path, capsys):
    _good(tmp_path)
    (tmp_path / "network.yaml").write_text(TEMPLATE + "      Tags: [\n")
    code, data, _ = _scan(capsys, str(tmp_path))
    assert code == 2 and data["summary"]["input_errors"] == 1
    (problem,) = data["problems"]
    assert problem["file"].endswith("network.yaml") and problem["fails_closed"] is True
    assert "is not a readable template" in problem["message"]


def test_an_unreadable_file_named_on_the_command_line_fails_the_scan_beside_a_good_one(tmp_path, capsys):
    good = _good(tmp_path)
    empty = tmp_path / "empty.json"
    empty.write_text("")
    code, data, _ = _scan(capsys, str(good / "plan.json"), str(empty))
    assert code == 2 and data["summary"]["input_errors"] == 1
    assert [p["file"] for p in data["problems"] if p["fails_closed"]] == [str(empty)]


def test_a_source_for_the_rain_tool_is_a_note_not_a_broken_input(tmp_path, capsys):
    _good(tmp_path)
    (tmp_path / "bucket.yaml").write_text(TEMPLATE + "  Bucket: !Rain::Module bucket.yaml\n")
    code, data, _ = _scan(capsys, str(tmp_path))
    assert code == 0 and data["summary"]["input_errors"] == 0
    (problem,) = data["problems"]
    assert problem["fails_closed"] is False and "a source for the rain tool" in problem["message"]


def test_the_functions_of_a_rules_section_are_read_in_short_form(tmp_path, capsys):
    # aws-cloudformation-templates AWSSupplyChain/SapPrivateLink: !ValueOf in Rules was "unsupported YAML tag"
    (tmp_path / "t.yaml").write_text(TEMPLATE.replace("Resources:", """Parameters:
  Subnets:
    Type: List<AWS::EC2::Subnet::Id>
  VpcId:
    Type: AWS::EC2::VPC::Id
Rules:
  SubnetsInVPC:
    Assertions:
      - Assert:
          Fn::EachMemberEquals:
            - !ValueOf [Subnets, VpcId]
            - !Ref VpcId
Resources:"""))
    code, data, _ = _scan(capsys, str(tmp_path))
    assert code == 0 and data["problems"] == [] and data["summary"]["input_errors"] == 0
