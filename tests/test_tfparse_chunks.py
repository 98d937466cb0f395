"""Module instances beyond tfparse's 32 (issue 14): evaluated by tfparse in passes of at most 32,
never invented; what no pass can evaluate stays "not evaluated"."""

from __future__ import annotations

from pathlib import Path

from pcxguard.loaders.terraform_common import ResourceTarget
from pcxguard.loaders.terraform_tfparse import TfparseReader

PROVIDER = 'provider "aws" {\n  region = "us-east-1"\n}\n'
MODULE = '''variable "n" {}
variable "hub" {
  default = "none"
}
resource "aws_vpc" "v" {
  cidr_block = "10.${var.n}.0.0/16"
}
'''
ROUTE = '''
resource "aws_route" "to_hub" {
  route_table_id            = aws_vpc.v.main_route_table_id
  destination_cidr_block    = "10.255.0.0/16"
  vpc_peering_connection_id = var.hub
}
'''


def tree(tmp_path: Path, root: str, module: str = MODULE) -> TfparseReader:
    (tmp_path / "m").mkdir(parents=True)
    (tmp_path / "m" / "main.tf").write_text(module)
    (tmp_path / "main.tf").write_text(PROVIDER + root)
    return TfparseReader(str(tmp_path))


def test_a_for_each_of_40_instances_is_evaluated_whole(tmp_path):
    r = tree(tmp_path, '''
module "cell" {
  source   = "./m"
  for_each = { for i in range(40) : format("c%02d", i) => i }
  n        = each.value
}
''')
    assert sorted(r.instances) == sorted(f'module.cell["c{i:02d}"].aws_vpc.v' for i in range(40))
    assert r.value(r.instances['module.cell["c39"].aws_vpc.v'], ("cidr_block",)) == "10.39.0.0/16"
    assert r.instances['module.cell["c39"].aws_vpc.v'].file == str(tmp_path / "m" / "main.tf")
    assert r.instances['module.cell["c39"].aws_vpc.v'].start_line == 5
    assert r.unexpanded == [] and r.problems == []


def test_two_calls_and_a_set_share_the_passes(tmp_path):
    r = tree(tmp_path, '''
module "a" {
  source   = "./m"
  for_each = toset([for i in range(25) : format("a%02d", i)])
  n        = tonumber(substr(each.key, 1, 2))
}
module "b" {
  source   = "./m"
  for_each = { for i in range(25) : format("b%02d", i) => i + 100 }
  n        = each.value
}
module "solo" {
  source = "./m"
  n      = 250
}
''')
    assert len(r.instances) == 51 and r.unexpanded == []
    assert r.value(r.instances['module.a["a24"].aws_vpc.v'], ("cidr_block",)) == "10.24.0.0/16"
    assert r.value(r.instances['module.b["b24"].aws_vpc.v'], ("cidr_block",)) == "10.124.0.0/16"
    assert r.value(r.instances["module.solo.aws_vpc.v"], ("cidr_block",)) == "10.250.0.0/16"


def test_a_link_from_a_later_instance_to_a_root_resource_resolves(tmp_path):
    r = tree(tmp_path, '''
resource "aws_vpc" "hub" {
  cidr_block = "10.255.0.0/16"
}
resource "aws_vpc_peering_connection" "p" {
  vpc_id      = aws_vpc.hub.id
  peer_vpc_id = aws_vpc.hub.id
}
module "cell" {
  source   = "./m"
  for_each = { for i in range(36) : format("c%02d", i) => i }
  n        = each.value
  hub      = aws_vpc_peering_connection.p.id
}
''', MODULE + ROUTE)
    route = r.instances['module.cell["c35"].aws_route.to_hub']
    assert r.value(route, ("vpc_peering_connection_id",)) == ResourceTarget("aws_vpc_peering_connection.p", ("id",))
    assert r.unexpanded == []


def test_a_call_fed_by_another_module_is_not_re_run_alone(tmp_path):
    r = tree(tmp_path, '''
locals {
  from_first = module.first["f00"].n
}
module "first" {
  source   = "./m"
  for_each = { for i in range(20) : format("f%02d", i) => i }
  n        = each.value
}
module "fed" {
  source   = "./m"
  for_each = { for i in range(20) : format("g%02d", i) => i }
  n        = each.value
  hub      = local.from_first
}
''')
    # 40 instances: "first" is re-run in passes of 12 (beside the 20 of "fed", which is kept whole in
    # every pass); "fed" (fed by a module through a local) never is re-run, so whatever of it the first
    # evaluation left out is reported
    fed = {a for a in r.instances if a.startswith("module.fed")}
    first = {a for a in r.instances if a.startswith("module.first")}
    assert first == {f'module.first["f{i:02d}"].aws_vpc.v' for i in range(20)}
    assert {u.address for u in r.unexpanded} == {f'module.fed["g{i:02d}"].aws_vpc.v' for i in range(20)} - fed
    assert all("at most 32 instances" in u.what for u in r.unexpanded)


def test_count_beyond_32_stays_not_evaluated(tmp_path):
    r = tree(tmp_path, '''
module "c" {
  source = "./m"
  count  = 40
  n      = count.index
}
''')
    assert len(r.instances) == 32
    assert sorted(u.address for u in r.unexpanded) == sorted(f"module.c[{i}].aws_vpc.v" for i in range(32, 40))
