"""Inputs are classified by content; missing loaders are reported, never crash the scan."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import CLI_PLAN, ROOT
from pcxguard import discover as discovery
from pcxguard.discover import CLOUDFORMATION, PLAN, TERRAFORM, Input, discover, load_inputs

CFN_YAML = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: !Ref Cidr
"""


def test_classifies_a_checkout(tmp_path):
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "prod.json").write_text((ROOT / CLI_PLAN).read_text())
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "network.yaml").write_text(CFN_YAML)
    (tmp_path / "stacks" / "vpc.template").write_text(json.dumps({"Resources": {"V": {"Type": "AWS::EC2::VPC"}}}))
    (tmp_path / "stacks" / "config.yaml").write_text("Resources: 3\nname: not a template\n")
    (tmp_path / "package.json").write_text('{"name": "x"}')
    for root in ("envs/prod", "envs/dev", "envs/dev/.terraform/modules/m", "node_modules/x", ".git/y"):
        (tmp_path / root).mkdir(parents=True)
        (tmp_path / root / "main.tf").write_text('resource "aws_vpc" "a" {}\n')
    found = discover([str(tmp_path)])
    got = sorted((Path(i.path).relative_to(tmp_path).as_posix(), i.kind) for i in found.inputs)
    assert got == [("envs/dev", TERRAFORM), ("envs/prod", TERRAFORM), ("plans/prod.json", PLAN),
                   ("stacks/network.yaml", CLOUDFORMATION), ("stacks/vpc.template", CLOUDFORMATION)]
    assert found.problems == [] and found.missing == []


def test_explicit_unrecognised_file_is_a_problem(tmp_path):
    other = tmp_path / "package.json"
    other.write_text('{"name": "x"}')
    found = discover([str(other), str(tmp_path / "gone.json")])
    assert [(p.file, p.message) for p in found.problems] == [(str(other), "neither a Terraform plan nor a CloudFormation template")]
    assert found.missing == [f"{tmp_path / 'gone.json'}: no such file or directory"]


def test_missing_loader_is_reported_per_input(monkeypatch, tmp_path):
    monkeypatch.setitem(discovery.LOADERS, CLOUDFORMATION,
                        discovery.LoaderEntry("pcxguard.loaders.no_such_loader", "load", "CloudFormation templates", batch=True))
    loaded, problems = load_inputs([Input(CLI_PLAN, PLAN), Input("a.yaml", CLOUDFORMATION)])
    assert [i.path for i, _ in loaded] == [CLI_PLAN]
    assert [(p.file, p.message) for p in problems] == [
        ("a.yaml", "CloudFormation templates are not supported in this build of pcxguard "
                   "(pcxguard.loaders.no_such_loader is not installed)")]


def test_a_crashing_loader_does_not_hide_other_inputs(monkeypatch):
    import types
    import sys

    module = types.ModuleType("pcxguard_test_crashing_loader")

    def load(path):
        raise RuntimeError("boom")

    module.load = load
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setitem(discovery.LOADERS, TERRAFORM, discovery.LoaderEntry(module.__name__, "load", "Terraform source directories"))
    loaded, problems = load_inputs([Input(CLI_PLAN, PLAN), Input("envs/prod", TERRAFORM)])
    assert [i.path for i, _ in loaded] == [CLI_PLAN]
    assert [(p.file, p.message) for p in problems] == [("envs/prod", "pcxguard failed to load this input: RuntimeError: boom")]
