"""Issue 10: the shapes real Terraform is written in, decided from the source and from the plan with
its source; variable files; a repository scan that sees each estate once; checkov end to end."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from checkov_run import ROOT, pcx_checks, run_checkov

from pcxguard.discover import PLAN, TERRAFORM, discover
from pcxguard.engine import analyse
from pcxguard.loaders.terraform_plan import load_plan
from pcxguard.loaders.terraform_source import load_root_module

CASES = ROOT / "fixtures" / "terraform"
SHAPES = ["src_count_length", "src_index_for_each", "src_locals_peerings", "src_module_output_count",
          "src_installed_module"]


def expected(case: str) -> dict[tuple[str, str], str]:
    data = json.loads((CASES / case / "expected.json").read_text())
    return {(c, a): v for c, by in data["verdicts"].items() for a, v in by.items()}


def verdicts(analysis, wanted) -> dict[tuple[str, str], str]:
    return {key: analysis.verdict(*key).value for key in wanted}


@pytest.mark.parametrize("case", SHAPES)
def test_source_and_plan_with_source_give_the_expected_verdicts(case):
    want = expected(case)
    assert verdicts(analyse(load_root_module(CASES / case)), want) == want
    assert verdicts(analyse(load_plan(CASES / case / "plan.json")), want) == want


@pytest.mark.parametrize("case", ["src_locals_peerings", "src_module_output_count"])
def test_plan_links_come_from_the_source_named_apart_from_the_plan(tmp_path, case):
    plan = tmp_path / "plan.json"
    shutil.copy(CASES / case / "plan.json", plan)
    want = expected(case)
    # alone, the plan cannot tell which table these routes are in, and says the source would decide it
    alone = analyse(load_plan(plan))
    undecided = [k for k in want if alone.verdict(*k).value == "UNKNOWN"]
    assert undecided
    for check_id, address in undecided:
        text = " ".join(" ".join(f.missing) for f in alone.for_resource(check_id, address))
        assert "--repo-root-for-plan-enrichment" in text and "the source decides it" in text, text
    # with the repository named (checkov's --repo-root-for-plan-enrichment, pcxguard scan --source)
    assert verdicts(analyse(load_plan(plan, source_root=CASES)), want) == want


def test_plan_values_win_over_the_source(tmp_path):
    """The source is asked only for links the plan leaves unknown: a value the plan knows stays."""
    root = tmp_path / "case"
    shutil.copytree(CASES / "src_module_output_count", root)
    # the same source with the peer's block changed: the plan's 10.20.0.0/16 must stay
    main = root / "main.tf"
    main.write_text(main.read_text().replace('cidr_block = "10.20.0.0/16"', 'cidr_block = "10.99.0.0/16"'))
    estate = load_plan(root / "plan.json")
    assert [str(b.network) for b in estate.vpcs["aws_vpc.data"].blocks] == ["10.20.0.0/16"]
    assert estate.route_tables['module.app.aws_route_table.private[0]'].routes[0].key == "aws_route.app_to_data[0]"


def test_installed_module_is_read_and_without_init_it_is_an_incomplete_part(tmp_path):
    from pcxguard.loaders.terraform_tfparse import TfparseReader

    case = CASES / "src_installed_module"
    estate = load_root_module(case)
    vpc = estate.vpcs["module.app.aws_vpc.this"]
    assert (os.path.relpath(vpc.source.file, case), vpc.source.start_line) == (".terraform/modules/app/main.tf", 7)
    # the plan's findings on module resources point at the installed module's lines too
    plan = load_plan(case / "plan.json")
    table = plan.route_tables["module.app.aws_route_table.this"]
    assert (os.path.relpath(table.source.file, case), table.source.start_line) == (".terraform/modules/app/main.tf", 11)
    # before terraform init: nothing invented, the module call is reported
    bare = tmp_path / "case"
    shutil.copytree(case, bare, ignore=shutil.ignore_patterns(".terraform"))
    reader = TfparseReader(str(bare))
    assert [a for a in reader.instances if a.startswith("module.")] == []
    assert [(u.resource_type, u.address) for u in reader.unexpanded] == [("module", "module.app")]
    assert "is not installed (run terraform init)" in reader.unexpanded[0].what


# --------------------------------------------------------------------------- variable files


def _cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    env.pop("PCXGUARD_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "pcxguard.cli", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=300)


def _var_root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    root.mkdir()
    (root / "main.tf").write_text('''
variable "peer_cidr" {
  type = string
}
resource "aws_vpc" "a" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_vpc" "b" {
  cidr_block = var.peer_cidr
}
resource "aws_vpc_peering_connection" "ab" {
  vpc_id      = aws_vpc.a.id
  peer_vpc_id = aws_vpc.b.id
}
''')
    (root / "terraform.tfvars").write_text('peer_cidr = "10.1.0.0/16"\n')
    (tmp_path / "overlap.tfvars").write_text('peer_cidr = "10.0.0.0/16"\n')
    return root


def test_scan_var_file_applies_after_tfvars_and_a_missing_value_names_the_variable(tmp_path):
    root = _var_root(tmp_path)
    report = json.loads(_cli("scan", str(root), "-f", "json", "--include-passed", "--fail-on", "CRITICAL").stdout)
    ab = [f for f in report["findings"] if f["check_id"] == "CKV2_PCX_1"]
    assert [f["verdict"] for f in ab] == ["PASSED"]
    done = _cli("scan", str(root), "--var-file", str(tmp_path / "overlap.tfvars"), "-f", "json", "--fail-on", "CRITICAL")
    ab = [f for f in json.loads(done.stdout)["findings"] if f["check_id"] == "CKV2_PCX_1"]
    assert [f["verdict"] for f in ab] == ["FAILED"]
    (root / "terraform.tfvars").unlink()
    estate = load_root_module(root)
    analysis = analyse(estate)
    missing = " ".join(" ".join(f.missing) for f in analysis.for_resource("CKV2_PCX_1", "aws_vpc_peering_connection.ab"))
    assert "var.peer_cidr has no value in the source" in missing and "--var-file" in missing
    assert "until apply" not in missing
    bad = _cli("scan", str(root), "--var-file", str(tmp_path / "nope.tfvars"))
    assert bad.returncode == 2 and "--var-file" in bad.stderr


def test_checkov_var_file_is_honoured(tmp_path):
    root = _var_root(tmp_path)
    run = run_checkov("-d", str(root), "--framework", "terraform", "--check", pcx_checks(1),
                      "--var-file", str(tmp_path / "overlap.tfvars"))
    assert run.verdict("main.tf", "CKV2_PCX_1", "aws_vpc_peering_connection.ab") == "FAILED"
    run = run_checkov("-d", str(root), "--framework", "terraform", "--check", pcx_checks(1))
    assert run.verdict("main.tf", "CKV2_PCX_1", "aws_vpc_peering_connection.ab") == "PASSED"


# --------------------------------------------------------------------------- each estate once


def test_a_repository_scan_sees_each_estate_once():
    found = discover([str(ROOT / "fixtures")])
    terraform = sorted(os.path.relpath(i.path, ROOT) for i in found.inputs if i.kind == TERRAFORM)
    # the source-only roots: terraform_place's three and terraform_source's two; their local modules
    # (module_provider/modules/peer, terraform_source/modules/spoke) and every plan case's .tf are not roots
    assert terraform == ["fixtures/terraform_place/allowed_ids", "fixtures/terraform_place/assume_role",
                         "fixtures/terraform_place/module_provider",
                         "fixtures/terraform_source/envs/prod", "fixtures/terraform_source/envs/stage"]
    plans = [i for i in found.inputs if i.kind == PLAN and Path(i.path).is_relative_to(CASES)]
    assert len(plans) == len(list(CASES.glob("*/plan.json")))


def test_scan_source_option_resolves_plan_links(tmp_path):
    plan = tmp_path / "plan.json"
    shutil.copy(CASES / "src_module_output_count" / "plan.json", plan)
    alone = json.loads(_cli("scan", str(plan), "-f", "json", "--include-passed", "--fail-on", "CRITICAL").stdout)
    assert not any(f["resource"]["address"] == "aws_route.app_to_data[0]" and f["check_id"] == "CKV2_PCX_2"
                   for f in alone["findings"])
    given = json.loads(_cli("scan", str(plan), "--source", str(CASES / "src_module_output_count"), "-f", "json",
                            "--include-passed", "--fail-on", "CRITICAL").stdout)
    got = {(f["check_id"], f["resource"]["address"]): f["verdict"] for f in given["findings"]}
    assert got[("CKV2_PCX_2", "aws_route.app_to_data[0]")] == "FAILED"
    assert got[("CKV2_PCX_2", "aws_route.app_to_data[1]")] == "PASSED"


# --------------------------------------------------------------------------- checkov end to end


@pytest.mark.parametrize("case", ["src_count_length", "src_module_output_count", "src_installed_module"])
def test_checkov_raw_terraform_and_enriched_plan(tmp_path, case):
    want = {k: v for k, v in expected(case).items() if v != "UNKNOWN"}
    checks = pcx_checks(*sorted({int(c.rsplit("_", 1)[1]) for c, _ in want}))
    source = run_checkov("-d", str(CASES / case), "--framework", "terraform", "--check", checks)
    assert {k: source.verdict("main.tf", *k) for k in want} == want
    plan = tmp_path / "plan.json"
    shutil.copy(CASES / case / "plan.json", plan)
    enriched = run_checkov("-f", str(plan), "--framework", "terraform_plan", "--check", checks,
                           "--repo-root-for-plan-enrichment", str(CASES / case))
    # (checkov moves failed records of an enriched plan to the .tf file: match on the resource alone)
    assert {k: enriched.verdict("", *k) for k in want} == want
