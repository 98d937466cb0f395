"""Under checkov, no verdict without judgement (issue 10, item 6): a resource checkov asks about that
pcxguard has no verdict for is never PASSED. The check answers UNKNOWN (checkov drops it) and
CKV2_PCX_0 fails, saying why. And every resource type a policy lists has an adapter in that framework."""

from __future__ import annotations

import importlib
import sys
import textwrap

import pytest

from checkov_run import ROOT, pcx_checks, run_checkov
from pcxguard.catalogue import policy

sys.path.insert(0, str(ROOT / "checks"))
CHECK_IDS = [f"CKV2_PCX_{n}" for n in range(15)]
CFN_CASE = ROOT / "fixtures" / "cloudformation" / "table_parameter"


def test_every_type_a_policy_lists_has_an_adapter_in_that_framework():
    from checkov.cloudformation.checks.resource.registry import cfn_registry
    from checkov.terraform.checks.resource.registry import resource_registry

    for n in range(15):
        importlib.import_module(f"pcxguard_ckv2_pcx_{n}")
    for check_id in CHECK_IDS:
        entry = policy(check_id)
        for registry, types in ((resource_registry, entry.terraform_types),
                                (cfn_registry, entry.cloudformation_types)):
            assert types, (check_id, "lists no type for a framework")
            for rtype in types:
                ids = {check.id for check in registry.get_checks(rtype)}
                assert check_id in ids, (check_id, rtype)


TERRAFORM = """
variable "peerings" { type = map(string) }
variable "cidrs" { type = list(string) }
resource "aws_vpc" "a" { cidr_block = "10.40.0.0/16" }
resource "aws_vpc" "b" { cidr_block = "10.41.0.0/16" }
resource "aws_vpc_peering_connection" "ab" {
  vpc_id      = aws_vpc.a.id
  peer_vpc_id = aws_vpc.b.id
  auto_accept = true
}
resource "aws_route_table" "a" { vpc_id = aws_vpc.a.id }
resource "aws_route_table" "b" { vpc_id = aws_vpc.b.id }
resource "aws_route" "fe_unknown" {
  for_each                  = var.peerings
  route_table_id            = aws_route_table.a.id
  destination_cidr_block    = "0.0.0.0/0"
  vpc_peering_connection_id = aws_vpc_peering_connection.ab.id
}
resource "aws_route" "cnt_unknown" {
  count                     = length(var.cidrs)
  route_table_id            = aws_route_table.a.id
  destination_cidr_block    = var.cidrs[count.index]
  vpc_peering_connection_id = aws_vpc_peering_connection.ab.id
}
resource "aws_route" "back" {
  route_table_id            = aws_route_table.b.id
  destination_cidr_block    = "10.40.0.0/16"
  vpc_peering_connection_id = aws_vpc_peering_connection.ab.id
}
"""


@pytest.fixture(scope="module")
def terraform_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("unexpanded")
    (root / "main.tf").write_text(textwrap.dedent(TERRAFORM))
    run = run_checkov("-d", str(root), "--framework", "terraform", "--check", pcx_checks(*range(15)))
    assert run.returncode in (0, 1), run.stderr[-2000:]
    return run


@pytest.mark.parametrize("address,variable", [("aws_route.fe_unknown", "var.peerings"),
                                              ("aws_route.cnt_unknown", "var.cidrs")])
def test_an_unexpanded_block_is_never_passed_and_ckv2_pcx_0_says_why(terraform_run, address, variable):
    results = {cid: terraform_run.verdict("main.tf", cid, address) for cid in CHECK_IDS}
    assert results.pop("CKV2_PCX_0") == "FAILED"
    assert set(results.values()) == {None}, results  # UNKNOWN: left out of checkov's outputs
    details = " ".join(terraform_run.record("main.tf", "CKV2_PCX_0", address)["details"])
    # each check that reports on the type says it could not judge the block (the analysis holds these
    # "cannot tell" findings, so pcxguard scan reports them too)
    assert f"CKV2_PCX_2: Cannot tell: pcxguard could not evaluate {address}, so no check judged it." in details
    assert f"give {variable} a value (--var-file, terraform.tfvars or *.auto.tfvars)" in details
    assert "terraform.tfvars" in details  # how to give it
    assert "PASSED" not in {r["check_result"]["result"] for (_, _, res), r in terraform_run.records.items()
                            if res == address}


def test_the_route_back_cannot_be_judged_while_a_block_of_the_peer_is_unexpanded(terraform_run):
    assert terraform_run.verdict("main.tf", "CKV2_PCX_2", "aws_route.back") is None
    details = " ".join(terraform_run.record("main.tf", "CKV2_PCX_0", "aws_route.back")["details"])
    assert "the routes of aws_vpc.a may be incomplete: for_each of aws_route.fe_unknown" in details


def test_cloudformation_routes_on_an_unseen_table_are_judged_under_checkov():
    run = run_checkov("-d", str(CFN_CASE), "--framework", "cloudformation", "--check", pcx_checks(*range(15)))
    assert run.returncode in (0, 1), run.stderr[-2000:]
    resource = "AWS::EC2::Route.{}".format
    assert run.verdict("network.yaml", "CKV2_PCX_6", resource("RouteBDefault")) == "FAILED"
    assert run.verdict("network.yaml", "CKV2_PCX_6", resource("RouteAtoB")) == "PASSED"
    for logical in ("RouteAtoB", "RouteBtoA"):
        assert run.verdict("network.yaml", "CKV2_PCX_2", resource(logical)) is None
        assert run.verdict("network.yaml", "CKV2_PCX_0", resource(logical)) == "FAILED"


CONDITIONAL = """
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  WithPeer:
    Type: String
    AllowedValues: ["yes", "no"]
    Default: "yes"
Conditions:
  Peered: !Equals [!Ref WithPeer, "yes"]
Resources:
  VpcA:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.90.0.0/16
  VpcB:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.90.0.0/16
  PcxAB:
    Type: AWS::EC2::VPCPeeringConnection
    Condition: Peered
    Properties:
      VpcId: !Ref VpcA
      PeerVpcId: !Ref VpcB
"""


def test_a_resource_under_a_false_condition_is_not_passed(tmp_path):
    """checkov evaluates the Condition with the template's defaults (true: it asks about the peering);
    the deployment the configuration describes passes "no", so pcxguard leaves the peering out."""
    (tmp_path / "stack.yaml").write_text(CONDITIONAL.lstrip())
    (tmp_path / ".pcxguard.yaml").write_text(
        "cloudformation:\n  stacks:\n    stack.yaml:\n      region: us-east-1\n      account: \"111111111111\"\n"
        "      parameters: {WithPeer: \"no\"}\n")
    run = run_checkov("-d", str(tmp_path), "--framework", "cloudformation", "--check", pcx_checks(*range(15)))
    assert run.returncode in (0, 1), run.stderr[-2000:]
    peering = "AWS::EC2::VPCPeeringConnection.PcxAB"
    for check_id in ("CKV2_PCX_1", "CKV2_PCX_3", "CKV2_PCX_8", "CKV2_PCX_13"):
        assert run.verdict("stack.yaml", check_id, peering) is None, check_id
    record = run.record("stack.yaml", "CKV2_PCX_0", peering)
    assert record["check_result"]["result"] == "FAILED"
    # checkov's CloudFormation runner does not pass details through: the reason, from the analysis
    from pcxguard.engine import analyse
    from pcxguard.loaders.cloudformation import load_cloudformation

    analysis = analyse(load_cloudformation([tmp_path]))
    reason = analysis.unjudged_reason("PcxAB", file=str(tmp_path / "stack.yaml"))
    assert reason == ("PcxAB is not deployed: its Condition Peered is false with the configured parameters, so "
                      "pcxguard does not judge it")


PEERED_ROOT = """
resource "aws_vpc" "a" { cidr_block = "10.40.0.0/16" }
resource "aws_vpc" "b" { cidr_block = "10.41.0.0/16" }
resource "aws_vpc_peering_connection" "ab" {
  vpc_id      = aws_vpc.a.id
  peer_vpc_id = aws_vpc.b.id
  auto_accept = true
}
resource "aws_route" "ab" {
  route_table_id            = aws_vpc.a.main_route_table_id
  destination_cidr_block    = aws_vpc.b.cidr_block
  vpc_peering_connection_id = aws_vpc_peering_connection.ab.id
}
"""
APPS = """
module "app" {
  source   = "./app"
  for_each = toset([for i in range(40) : format("a%02d", i)])
  name     = each.key
}
"""
APP_MODULE = """
variable "name" {}
resource "aws_s3_bucket" "data" { bucket = "b-${var.name}" }
resource "aws_sqs_queue" "jobs" { name = "q-${var.name}" }
"""


def test_a_call_left_out_of_tfparse_changes_no_verdict_under_checkov(tmp_path):
    """A repeated call holding nothing pcxguard models is left out of tfparse's first evaluation
    (tfparse_chunks.leave_out): checkov's verdicts are those of the same root without it."""
    from pcxguard.loaders.terraform_tfparse import TfparseReader

    def records(root):
        run = run_checkov("-d", str(root), "--framework", "terraform", "--check", pcx_checks(*range(17)))
        assert run.returncode == 1, run.stderr[-2000:]
        return {(cid, res): r["check_result"]["result"] for (_, cid, res), r in run.records.items()}

    (tmp_path / "alone").mkdir()
    (tmp_path / "alone" / "main.tf").write_text(PEERED_ROOT)
    (tmp_path / "apps" / "app").mkdir(parents=True)
    (tmp_path / "apps" / "app" / "main.tf").write_text(APP_MODULE)
    (tmp_path / "apps" / "main.tf").write_text(PEERED_ROOT + APPS)
    assert TfparseReader(str(tmp_path / "apps")).left_out == frozenset({"app"})
    with_apps = records(tmp_path / "apps")
    assert with_apps == records(tmp_path / "alone")
    assert with_apps[("CKV2_PCX_2", "aws_route.ab")] == "FAILED"
    assert {res for _, res in with_apps} == {"aws_vpc.a", "aws_vpc.b", "aws_vpc_peering_connection.ab", "aws_route.ab"}
    assert [key for key, result in with_apps.items() if result != "PASSED"] == [("CKV2_PCX_2", "aws_route.ab")]
