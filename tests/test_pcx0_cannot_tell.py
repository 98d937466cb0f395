"""CKV2_PCX_0 (cannot_tell): checkov's "cannot tell". It has no rule module; every check's UNKNOWN
verdict reaches checkov through it (tests/test_checkov_plan_fixtures.py asserts that for every
UNKNOWN of every plan fixture)."""

from __future__ import annotations

from checkov_run import ROOT, run_checkov

CASES_DIR = ROOT / "fixtures" / "terraform"


def test_unknown_verdicts_reach_checkov_through_ckv2_pcx_0():
    case = CASES_DIR / "pcx11_sg_peer_reference"
    run = run_checkov("-f", str(case / "plan.json"), "--check", "CKV2_PCX_0")
    record = run.record("plan.json", "CKV2_PCX_0", "aws_vpc_security_group_ingress_rule.a_from_x_bare")
    assert record["check_result"]["result"] == "FAILED"
    assert any("CKV2_PCX_11" in line for line in record["details"])
    assert run.verdict("plan.json", "CKV2_PCX_0", "aws_vpc_security_group_ingress_rule.a_from_b") == "PASSED"


def test_pcx0_a_module_input_is_not_given_with_var_file(tmp_path):
    # found in the trust sweep: AkalankaDilshan/AWS-VPC-Peering-Architect, whose module's route for_each reads
    # var.peer_vpc_cidr, a module input, was told "give var.peer_vpc_cidr a value (--var-file, terraform.tfvars
    # or *.auto.tfvars)": those set root variables only, so the hint could not settle it
    from pcxguard.engine import analyse
    from pcxguard.loaders.terraform_tfparse import load_root_module_tfparse

    (tmp_path / "m").mkdir()
    (tmp_path / "main.tf").write_text('''provider "aws" {
  region = "us-east-1"
}
variable "root_tables" {
  type = list(string)
}
data "aws_route_tables" "all" {
  vpc_id = "vpc-0123456789abcdef0"
}
module "m" {
  source = "./m"
  tables = data.aws_route_tables.all.ids
}
resource "aws_route" "root" {
  for_each                  = toset(var.root_tables)
  route_table_id            = each.value
  destination_cidr_block    = "10.1.0.0/16"
  vpc_peering_connection_id = "pcx-0123456789abcdef0"
}
''')
    (tmp_path / "m" / "main.tf").write_text('''variable "tables" {
  type = list(string)
}
resource "aws_route" "each" {
  for_each                  = toset(var.tables)
  route_table_id            = each.value
  destination_cidr_block    = "10.1.0.0/16"
  vpc_peering_connection_id = "pcx-0123456789abcdef0"
}
''')
    missing = {f.resource.address: f.missing for f in analyse(load_root_module_tfparse(str(tmp_path))).findings
               if f.check_id == "CKV2_PCX_2"}
    assert missing["module.m.aws_route.each"] == (
        "for_each of module.m.aws_route.each (toset(var.tables)) gives no instance from the source: empty or not "
        "known (give the input var.tables of module.m a value the source knows (a literal in the module call, or a "
        "root variable with a value via --var-file, terraform.tfvars or *.auto.tfvars), or scan the plan)",)
    assert missing["aws_route.root"] == (
        "for_each of aws_route.root (toset(var.root_tables)) gives no instance from the source: empty or not known "
        "(give var.root_tables a value (--var-file, terraform.tfvars or *.auto.tfvars), or scan the plan)",)


def test_pcx0_a_data_source_in_an_interpolation_is_named_as_a_data_source(tmp_path):
    # found in the trust sweep: thomasbiddle/terraform-aws-vpc-peering writes peer_vpc_id =
    # "${data.aws_vpc.peer_dst_vpc.id}" (Terraform 0.11 style); the "cannot tell" said "give the value a form the
    # source can evaluate", though no form can: the value is read from AWS (and dcos-terraform's
    # "${var.remote_vpc_id}" did not name the variable to give). "${X}" is X (Terraform 0.12+), so it is named as
    # the bare reference is
    from pcxguard.engine import analyse
    from pcxguard.loaders.terraform_tfparse import load_root_module_tfparse

    (tmp_path / "main.tf").write_text('''provider "aws" {
  region = "us-east-1"
}
variable "peer_vpc_id" {
  type = string
}
data "aws_vpc" "peer" {
  id = var.peer_vpc_id
}
resource "aws_vpc" "a" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_vpc_peering_connection" "quoted" {
  vpc_id      = aws_vpc.a.id
  peer_vpc_id = "${data.aws_vpc.peer.id}"
  auto_accept = true
}
resource "aws_vpc_peering_connection" "quoted_variable" {
  vpc_id      = aws_vpc.a.id
  peer_vpc_id = "${var.peer_vpc_id}"
  auto_accept = true
}
resource "aws_vpc_peering_connection" "bare" {
  vpc_id      = aws_vpc.a.id
  peer_vpc_id = data.aws_vpc.peer.id
  auto_accept = true
}
''')
    missing = {f.resource.address: f.missing for f in analyse(load_root_module_tfparse(str(tmp_path))).findings
               if f.check_id == "CKV2_PCX_1"}
    expected = ("the accepter VPC: data.aws_vpc.peer.id is read from AWS when Terraform plans (a data source) (scan "
                "the plan, or list the resource in the inventory of known VPCs)",)
    assert missing == {"aws_vpc_peering_connection.quoted": expected, "aws_vpc_peering_connection.bare": expected,
                       "aws_vpc_peering_connection.quoted_variable": (
                           "the accepter VPC: var.peer_vpc_id has no value in the source (give var.peer_vpc_id a "
                           "value: --var-file FILE, terraform.tfvars or *.auto.tfvars, or a default)",)}


def test_pcx0_a_variable_that_has_a_value_is_not_asked_for(tmp_path):
    # found in the trust sweep: QuiNovas/terraform-aws-vpc-peering's count = var.route_ipv6 ? <data source> : 0
    # was hinted "give var.route_ipv6 a value", though the variable has one (its default): what is not known
    # is the data source, so only the plan settles it
    from pcxguard.engine import analyse
    from pcxguard.loaders.terraform_tfparse import load_root_module_tfparse

    (tmp_path / "main.tf").write_text('''provider "aws" {
  region = "us-east-1"
}
variable "route_ipv6" {
  type    = bool
  default = true
}
variable "tables" {
  type = list(string)
}
data "aws_route_tables" "all" {
  vpc_id = "vpc-0123456789abcdef0"
}
resource "aws_route" "from_data" {
  count                     = var.route_ipv6 ? length(data.aws_route_tables.all.ids) : 0
  route_table_id            = data.aws_route_tables.all.ids[count.index]
  destination_cidr_block    = "10.1.0.0/16"
  vpc_peering_connection_id = "pcx-0123456789abcdef0"
}
resource "aws_route" "from_both" {
  count                     = var.route_ipv6 ? length(var.tables) : 0
  route_table_id            = var.tables[count.index]
  destination_cidr_block    = "10.1.0.0/16"
  vpc_peering_connection_id = "pcx-0123456789abcdef0"
}
''')
    missing = {f.resource.address: f.missing for f in analyse(load_root_module_tfparse(str(tmp_path))).findings
               if f.check_id == "CKV2_PCX_2"}
    assert missing["aws_route.from_data"][0].endswith(
        "(scan the plan (terraform show -json), where terraform has expanded it)")
    assert missing["aws_route.from_both"][0].endswith(
        "(give var.tables a value (--var-file, terraform.tfvars or *.auto.tfvars), or scan the plan)")


def test_pcx0_a_count_over_a_variable_that_defaults_to_null_is_known(tmp_path):
    # found in the trust sweep: fuxingloh/terraform-aws-vpc-peering declares one object variable per region,
    # default = null, and count = local.<a> && local.<b> ? 1 : 0 with local.<r> = var.<r> != null: terraform
    # makes no instance, and the source says so, yet 1,989 "cannot tell" findings asked to scan the plan
    from pcxguard.engine import analyse
    from pcxguard.loaders.terraform_tfparse import load_root_module_tfparse

    (tmp_path / "m").mkdir()
    (tmp_path / "main.tf").write_text('''provider "aws" {
  region = "us-east-1"
}
variable "east" {
  type    = object({ vpc_id = string })
  default = null
}
variable "west" {
  type = object({ vpc_id = string })
}
locals {
  east = var.east != null
}
resource "aws_vpc_peering_connection" "null_default" {
  count       = local.east ? 1 : 0
  vpc_id      = var.east.vpc_id
  peer_vpc_id = "vpc-0123456789abcdef0"
}
resource "aws_vpc_peering_connection" "no_value" {
  count       = var.west != null ? 1 : 0
  vpc_id      = var.west.vpc_id
  peer_vpc_id = "vpc-0123456789abcdef0"
}
module "m" {
  source = "./m"
}
module "m_given" {
  source = "./m"
  peer   = var.west
}
''')
    (tmp_path / "m" / "main.tf").write_text('''variable "peer" {
  type    = object({ vpc_id = string })
  default = null
}
resource "aws_vpc_peering_connection" "p" {
  count       = var.peer == null ? 0 : 1
  vpc_id      = var.peer.vpc_id
  peer_vpc_id = "vpc-0123456789abcdef0"
}
''')
    addresses = {f.resource.address for f in analyse(load_root_module_tfparse(str(tmp_path))).findings}
    # known empty: no instance, no finding; not known (a variable without a value, a module input the call
    # gives from one): still "cannot tell"
    assert addresses == {"aws_vpc_peering_connection.no_value", "module.m_given.aws_vpc_peering_connection.p"}
