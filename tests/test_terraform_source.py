"""Raw Terraform: the HCL reader, root-module discovery, and checkov's terraform framework end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pcxguard.engine import analyse
from pcxguard.loaders.terraform_common import ResourceTarget
from pcxguard.loaders.terraform_source import (
    find_root_modules,
    load_root_module,
    load_terraform_dir,
)
from pcxguard.loaders.terraform_tfparse import TfparseReader
from pcxguard.model import Unknown

ROOT = Path(__file__).resolve().parents[1]
TREE = ROOT / "fixtures" / "terraform_source"
ROOTS = ("envs/prod", "envs/stage")
CHECKOV = Path(sys.executable).with_name("checkov")


def expected(root: str) -> dict:
    return json.loads((TREE / root / "expected.json").read_text())


def cases(root: str) -> list[tuple[str, str, str]]:
    return [(cid, address, verdict) for cid, by_address in expected(root)["verdicts"].items()
            for address, verdict in by_address.items()]


# --------------------------------------------------------------------------- discovery


def test_every_directory_not_called_as_a_local_module_is_a_root():
    assert find_root_modules(TREE) == [str(TREE / "envs/prod"), str(TREE / "envs/stage")]


def test_two_roots_reusing_names_are_two_estates():
    prod, stage = load_terraform_dir(TREE)
    assert prod.name.endswith("envs/prod") and stage.name.endswith("envs/stage")
    assert str(prod.vpcs["aws_vpc.main"].blocks[0].network) == "10.0.0.0/16"
    assert str(stage.vpcs["aws_vpc.main"].blocks[0].network) == "10.20.0.0/16"
    assert sorted(k for k in prod.vpcs if k.startswith("module.")) == [
        'module.spoke["a"].aws_vpc.this', 'module.spoke["b"].aws_vpc.this']
    assert sorted(k for k in stage.vpcs if k.startswith("module.")) == ['module.spoke["x"].aws_vpc.this']
    assert prod.problems == [] and stage.problems == []


def test_values_known_from_the_source():
    prod, stage = load_terraform_dir(TREE)
    # provider alias with a region from terraform.tfvars; v6 per-resource region from *.auto.tfvars
    assert prod.vpcs["aws_vpc.dr"].region == "us-west-2"
    assert prod.vpcs["aws_vpc.main"].region == "us-east-1"
    assert stage.vpcs["aws_vpc.main"].region == "eu-west-1"
    assert stage.vpcs["aws_vpc.dr"].region == "eu-central-1"
    # count + cidrsubnet() inside a for_each module instance
    assert [str(n) for n in prod.subnets['module.spoke["b"].aws_subnet.this[1]'].blocks] == ["10.2.1.0/24"]
    # base64encode(heredoc) decoded for the launch template
    assert prod.hosts["aws_launch_template.app"].interface_mtu == 9001
    # aws_vpc.main.main_route_table_id -> the hub's main table, shared with the module's routes
    hub_table = prod.route_tables["aws_vpc.main#main"]
    assert sorted(r.key for r in hub_table.routes) == [
        "aws_route.main_to_dr", "aws_route.main_to_shared",
        'module.spoke["a"].aws_route.from_hub', 'module.spoke["b"].aws_route.from_hub']
    # the peer known only through a data source is Unknown, never guessed
    shared = prod.peerings["aws_vpc_peering_connection.shared"]
    assert isinstance(shared.accepter_vpc, Unknown) and "data.aws_vpc.shared" in shared.accepter_vpc.what


@pytest.mark.parametrize("root", ROOTS)
def test_verdicts_and_lines_from_the_loader(root):
    estate = load_root_module(TREE / root)
    analysis = analyse(estate)
    for check_id, address, verdict in cases(root):
        assert analysis.verdict(check_id, address).value == verdict, (check_id, address)
    for address, (file, start, end) in expected(root)["lines"].items():
        sources = [s for s in estate.all_sources() if s.address == address]
        assert sources, address
        assert {(os.path.relpath(s.file, TREE), s.start_line, s.end_line) for s in sources} == {(file, start, end)}
    for check_id, by_address in expected(root).get("message_contains", {}).items():
        for address, parts in by_address.items():
            text = " ".join(f.message for f in analysis.for_resource(check_id, address))
            assert all(p in text for p in parts), (check_id, address, text)


# --------------------------------------------------------------------------- the evaluator


def _reader(tmp_path: Path, text: str, tfvars: str | None = None) -> TfparseReader:
    (tmp_path / "main.tf").write_text(text)
    if tfvars is not None:
        (tmp_path / "terraform.tfvars").write_text(tfvars)
    return TfparseReader(str(tmp_path))


def test_evaluator_reads_what_terraform_knows(tmp_path):
    reader = _reader(tmp_path, r'''
variable "n" {
  default = 3
}
variable "env" {}
locals {
  base = "10.${var.n}.0.0/16"
  names = { for k in ["a", "b"] : k => upper(k) }
}
resource "aws_vpc" "a" {
  cidr_block = var.env == "prod" ? local.base : "192.168.0.0/16"
  tags = { Name = "say \"hi\"", Up = local.names["b"] }
}
resource "aws_subnet" "s" {
  for_each   = toset(["x", "y"])
  vpc_id     = aws_vpc.a.id
  cidr_block = cidrsubnet(aws_vpc.a.cidr_block, 8, each.key == "x" ? 0 : 1)
}
resource "aws_route_table" "t" {
  vpc_id = aws_vpc.a.id
  route {
    cidr_block = "10.9.0.0/16"
    vpc_peering_connection_id = data.aws_vpc_peering_connection.p.id
  }
}
''', tfvars='env = "prod"\n')
    vpc = reader.instances["aws_vpc.a"]
    assert reader.value(vpc, ("cidr_block",)) == "10.3.0.0/16"
    assert reader.value(vpc, ("tags", "Name")) == 'say "hi"'
    assert reader.value(vpc, ("tags", "Up")) == "B"
    assert reader.value(vpc, ("id",)) is None  # computed, not configured
    subnet = reader.instances['aws_subnet.s["y"]']
    assert reader.value(subnet, ("cidr_block",)) == "10.3.1.0/24"
    assert reader.value(subnet, ("vpc_id",)) == ResourceTarget("aws_vpc.a", ("id",))
    table = reader.instances["aws_route_table.t"]
    target = reader.value(table, ("route", 0, "vpc_peering_connection_id"))
    assert isinstance(target, Unknown) and "data.aws_vpc_peering_connection.p" in target.what


def test_unreadable_input_is_a_problem_not_a_crash(tmp_path):
    (tmp_path / "main.tf").write_text('resource "aws_vpc" "a" {\n  cidr_block = \n}\n')
    (tmp_path / "ok.tf").write_text('resource "aws_vpc" "b" {\n  cidr_block = "10.0.0.0/16"\n}\n'
                                    'module "far" {\n  source = "terraform-aws-modules/vpc/aws"\n}\n')
    estate = load_root_module(tmp_path)
    assert list(estate.vpcs) == ["aws_vpc.b"]
    messages = [p.message for p in estate.problems]
    assert any(m.startswith("not valid HCL") for m in messages)
    # the broken block and the module not installed are incomplete parts, never silently absent
    assert [(u.resource_type, u.address) for u in TfparseReader(str(tmp_path)).unexpanded] == [
        ("aws_vpc", "aws_vpc.a"), ("module", "module.far")]


# --------------------------------------------------------------------------- checkov end to end


@pytest.fixture(scope="module")
def checkov_records() -> list[dict]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    result = subprocess.run(
        [str(CHECKOV), "-d", str(TREE), "--framework", "terraform", "--external-checks-dir", str(ROOT / "checks"),
         "--skip-download", "-o", "json", "--compact"],
        capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode in (0, 1), result.stderr[-2000:]
    report = json.loads(result.stdout)
    return [r for kind in ("passed_checks", "failed_checks") for r in report["results"][kind]
            if r["check_id"].startswith("CKV2_PCX_")]


def _records_for(records: list[dict], root: str, check_id: str, address: str) -> list[dict]:
    files = {f"/{root}/main.tf", "/modules/spoke/main.tf"}
    return [r for r in records if r["check_id"] == check_id and r["resource"] == address and r["file_path"] in files]


@pytest.mark.parametrize("root", ROOTS)
def test_checkov_terraform_framework_verdicts(checkov_records, root):
    for check_id, address, verdict in cases(root):
        found = [r["check_result"]["result"] for r in _records_for(checkov_records, root, check_id, address)]
        if verdict == "UNKNOWN":  # checkov drops UNKNOWN; CKV2_PCX_0 carries it
            assert found == [], (check_id, address, found)
        else:  # each address is one resource of one root (the roots' module keys differ): one record, its verdict
            assert found == [verdict], (check_id, address, found)
    for address, (file, start, end) in expected(root)["lines"].items():
        records = [r for r in checkov_records if r["resource"] == address and r["file_path"] == "/" + file]
        assert records and {tuple(r["file_line_range"]) for r in records} == {(start, end)}, address


def test_checkov_fails_exactly_the_expected_resources(checkov_records):
    failed = sorted((r["check_id"], r["resource"], r["file_path"]) for r in checkov_records
                    if r["check_result"]["result"] == "FAILED")
    assert failed == sorted([
        ("CKV2_PCX_0", "aws_route.main_to_shared", "/envs/prod/main.tf"),
        # CKV2_PCX_14 cannot tell: the template sets no groups, so the VPC's default group applies
        ("CKV2_PCX_0", "aws_launch_template.app", "/envs/prod/main.tf"),
        # CKV2_PCX_10 cannot tell: one of aws_vpc.main's peers is known only through a data source
        ("CKV2_PCX_0", "aws_vpc.main", "/envs/prod/main.tf"),
        ("CKV2_PCX_0", "aws_vpc_peering_connection.shared", "/envs/prod/main.tf"),
        ("CKV2_PCX_1", 'module.spoke["x"].aws_vpc_peering_connection.this', "/modules/spoke/main.tf"),
        ("CKV2_PCX_4", "aws_security_group_rule.app_from_dr", "/envs/prod/main.tf"),
        ("CKV2_PCX_5", "aws_launch_template.app", "/envs/prod/main.tf"),
    ])
    undecided = next(r for r in checkov_records if r["check_id"] == "CKV2_PCX_0"
                     and r["resource"] == "aws_vpc_peering_connection.shared")
    assert any("data.aws_vpc.shared" in line for line in undecided["details"])


def test_same_address_in_two_roots_gets_each_roots_verdict(checkov_records):
    by_file = {r["file_path"]: r["check_result"]["result"] for r in checkov_records
               if r["check_id"] == "CKV2_PCX_4" and r["resource"] == "aws_security_group_rule.app_from_dr"}
    assert by_file == {"/envs/prod/main.tf": "FAILED", "/envs/stage/main.tf": "PASSED"}
