"""Bad input gets a clear message, never a crash, and never hides other results."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from checkov_run import ROOT, pcx_checks, run_checkov
from pcxguard.engine import analyse
from pcxguard.loaders.terraform_plan import load_plan, load_plan_data

GOOD = ROOT / "fixtures" / "terraform" / "pcx1_overlapping_cidrs_primary" / "plan.json"


def test_malformed_json_is_a_problem_not_an_exception(tmp_path):
    broken = tmp_path / "plan.json"
    broken.write_text('{"format_version": "1.2", "planned_values": {')
    estate = load_plan(broken)
    assert [p.message for p in estate.problems] == ["not valid JSON (line 1, column 46: Expecting property name enclosed in double quotes)"]
    assert analyse(estate).findings == []


@pytest.mark.parametrize("document", [[], {"Resources": {}}, {"format_version": "1.2"}, "plan", 42])
def test_json_that_is_not_a_plan_is_named_as_such(document):
    estate = load_plan_data(document, "x.json")
    assert estate.problems[0].message.startswith("not a Terraform plan")


def test_unexpected_shapes_inside_a_plan_do_not_crash():
    plan = json.loads(GOOD.read_text())
    plan["configuration"] = "oops"
    assert "configuration is not an object" in load_plan_data(plan, "x.json").problems[0].message
    plan = json.loads(GOOD.read_text())
    plan["resource_changes"].append({"mode": "managed", "address": 7, "change": {"actions": ["create"], "after": {}}})
    plan["resource_changes"].append({"mode": "managed", "address": "aws_vpc.[", "change": {"actions": ["create"], "after": {}}})
    estate = load_plan_data(plan, "x.json")
    assert len(estate.problems) == 2
    assert estate.vpcs  # the rest still loads


def _with_bogus_cidr(tmp_path: Path) -> Path:
    """A real plan with one VPC's block replaced by garbage: deliberately malformed input."""
    plan = json.loads(GOOD.read_text())
    target = None
    for change in plan["resource_changes"]:
        if change["type"] == "aws_vpc":
            change["change"]["after"]["cidr_block"] = "10.0.0.300/16"
            target = change["address"]
            break
    directory = tmp_path / "bogus"
    directory.mkdir()
    (directory / "plan.json").write_text(json.dumps(plan))
    return directory, target


@pytest.mark.skipif(not GOOD.exists(), reason="fixtures not present")
def test_bogus_cidr_is_reported_on_its_resource_and_other_verdicts_survive(tmp_path):
    directory, vpc = _with_bogus_cidr(tmp_path)
    estate = load_plan(directory / "plan.json")
    assert any(p.address == vpc and "'10.0.0.300/16'" in p.message and "not a valid CIDR block" in p.message
               for p in estate.problems)
    shutil.copy(GOOD, tmp_path / "good.json")
    (tmp_path / "broken.json").write_text("{ not json")
    run = run_checkov("-d", str(tmp_path), "--framework", "terraform_plan", "--check", pcx_checks(0, 1, 2, 3))
    assert run.returncode == 1
    undecided = run.record("bogus/plan.json", "CKV2_PCX_0", vpc)
    assert undecided["check_result"]["result"] == "FAILED"
    # a broken value fails closed (issue 12): HIGH, naming file, line and resource, not a "cannot tell"
    assert undecided["severity"] == "HIGH"
    assert undecided["details"][0].startswith("pcxguard found an invalid value in this resource: ")
    assert f"plan.json:1: {vpc}: cidr_block '10.0.0.300/16' of {vpc} is not a valid CIDR block" in \
        undecided["details"][0]
    # the good plan beside it is judged in full: exactly the verdicts it gets when scanned alone
    good = {(cid, res): r["check_result"]["result"] for (path, cid, res), r in run.records.items() if path.endswith("good.json")}
    assert good == {
        ("CKV2_PCX_0", "aws_vpc.a"): "PASSED",
        ("CKV2_PCX_0", "aws_vpc.b"): "PASSED",
        ("CKV2_PCX_0", "aws_vpc.c"): "PASSED",
        ("CKV2_PCX_0", "aws_vpc_peering_connection.ab"): "PASSED",
        ("CKV2_PCX_0", "aws_vpc_peering_connection.ac"): "PASSED",
        ("CKV2_PCX_1", "aws_vpc_peering_connection.ab"): "FAILED",  # a and b share 10.0.0.0/16
        ("CKV2_PCX_1", "aws_vpc_peering_connection.ac"): "PASSED",
        ("CKV2_PCX_3", "aws_vpc_peering_connection.ab"): "PASSED",
        ("CKV2_PCX_3", "aws_vpc_peering_connection.ac"): "PASSED",
    }


def test_an_invalid_configuration_fails_every_check_not_only_ckv2_pcx_0(tmp_path):
    shutil.copy(GOOD, tmp_path / "plan.json")
    (tmp_path / ".pcxguard.yaml").write_text("inter_region_mtu: lots\n")
    run = run_checkov("-f", str(tmp_path / "plan.json"), "--check", pcx_checks(0, 1), cwd=tmp_path)
    assert run.returncode == 1
    undecided = [r for (_, cid, _), r in run.records.items() if cid == "CKV2_PCX_0"]
    assert undecided and all(r["check_result"]["result"] == "FAILED" for r in undecided)
    assert "configuration error" in undecided[0]["details"][0]
    assert "inter_region_mtu" in undecided[0]["details"][0]
    # fail closed (tests/test_fail_closed.py): the real checks fail too, so silencing CKV2_PCX_0 hides nothing
    overlap = [r for (_, cid, _), r in run.records.items() if cid == "CKV2_PCX_1"]
    assert overlap and all(r["check_result"]["result"] == "FAILED" and r["severity"] == "HIGH" for r in overlap)
