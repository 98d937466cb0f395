"""The tfparse-based Terraform reader: what it translates, what it refuses to invent, what it
refuses to read, and the two places where tfparse loses something the model needs."""

from __future__ import annotations

import base64
import gzip
import os
import subprocess
import sys
from pathlib import Path

import pytest
import tfparse

from pcxguard.engine import analyse
from pcxguard.loaders.terraform_common import ResourceTarget
from pcxguard.loaders.terraform_source import load_root_module
from pcxguard.loaders.terraform_tfparse import TfparseReader
from pcxguard.model import Unknown

ROOT = Path(__file__).resolve().parents[1]
PROVIDER = 'provider "aws" {\n  region = "us-east-1"\n}\n'


def write(directory: Path, text: str, name: str = "main.tf") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(text)
    return directory


def reader(directory: Path, **kwargs) -> TfparseReader:
    return TfparseReader(str(directory), **kwargs)


# --------------------------------------------------------------------------- links and unknowns


def test_references_become_links_and_markers_become_unknowns(tmp_path):
    r = reader(write(tmp_path, PROVIDER + '''
variable "missing" {
  type = string
}
data "aws_vpc" "peer" {
  tags = { Name = "peer" }
}
resource "aws_vpc" "a" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_subnet" "s" {
  count      = 2
  vpc_id     = aws_vpc.a.id
  cidr_block = cidrsubnet(aws_vpc.a.cidr_block, 8, count.index)
}
resource "aws_route" "r" {
  route_table_id            = aws_vpc.a.main_route_table_id
  destination_cidr_block    = data.aws_vpc.peer.cidr_block
  vpc_peering_connection_id = var.missing
}
'''))
    subnet = r.instances["aws_subnet.s[1]"]
    assert r.value(subnet, ("vpc_id",)) == ResourceTarget("aws_vpc.a", ("id",))
    assert r.value(subnet, ("cidr_block",)) == "10.0.1.0/24"
    route = r.instances["aws_route.r"]
    assert r.value(route, ("route_table_id",)) == ResourceTarget("aws_vpc.a", ("main_route_table_id",))
    destination = r.value(route, ("destination_cidr_block",))
    assert isinstance(destination, Unknown) and "data.aws_vpc.peer.cidr_block" in destination.what
    peering = r.value(route, ("vpc_peering_connection_id",))
    # a variable without a value: say which one and how to give it, never "until apply"
    assert isinstance(peering, Unknown) and peering.what == "var.missing has no value in the source"
    assert "--var-file" in peering.hint and "until apply" not in peering.what
    assert r.source_location(route)[1:] == (19, 23)
    assert "data.aws_vpc.peer" not in r.instances and r.unexpanded == []


def test_count_length_of_resources_and_index_keyed_for_each(tmp_path):
    r = reader(write(tmp_path, PROVIDER + '''
variable "peers" {
  default = [{ cidr = "10.1.0.0/16" }, { cidr = "10.2.0.0/16" }]
}
resource "aws_subnet" "public" {
  count      = 3
  vpc_id     = "vpc-1"
  cidr_block = "10.0.${count.index}.0/24"
}
resource "aws_route_table_association" "public" {
  count          = length(aws_subnet.public)
  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = "rtb-1"
}
resource "aws_vpc" "peer" {
  for_each   = { for idx, p in var.peers : idx => p }
  cidr_block = each.value.cidr
}
'''))
    assert sorted(a for a in r.instances if a.startswith("aws_route_table_association")) == [
        f"aws_route_table_association.public[{i}]" for i in range(3)]
    association = r.instances["aws_route_table_association.public[2]"]
    assert r.value(association, ("subnet_id",)) == ResourceTarget("aws_subnet.public[2]", ("id",))
    assert r.value(r.instances['aws_vpc.peer["1"]'], ("cidr_block",)) == "10.2.0.0/16"


def test_unknown_count_and_for_each_are_unexpanded_never_invented(tmp_path):
    write(tmp_path / "mod", '''
variable "names" {
  type = map(string)
}
resource "aws_route" "each" {
  for_each               = var.names
  route_table_id         = "rtb-1"
  destination_cidr_block = each.value
}
''')
    r = reader(write(tmp_path, PROVIDER + '''
variable "cidrs" {
  type = list(string)
}
variable "tables" {
  type = map(string)
}
resource "aws_route" "counted" {
  count                  = length(var.cidrs)
  route_table_id         = "rtb-1"
  destination_cidr_block = var.cidrs[count.index]
}
resource "aws_route" "keyed" {
  for_each               = var.tables
  route_table_id         = each.value
  destination_cidr_block = "10.9.0.0/16"
}
resource "aws_route" "none" {
  count                  = 0
  route_table_id         = "rtb-1"
  destination_cidr_block = "10.8.0.0/16"
}
module "m" {
  source = "./mod"
}
'''))
    # tfparse itself makes up aws_route.counted[0] (count 0) for the unknown count
    raw = tfparse.load_from_path(str(tmp_path))
    assert [(e["__tfmeta"]["path"], e["count"]) for e in raw["aws_route"] if "counted" in e["__tfmeta"]["path"]] == [
        ("aws_route.counted[0]", 0)]
    assert [a for a in r.instances if a.startswith("aws_route")] == []
    unexpanded = {u.address: u for u in r.unexpanded}
    assert sorted(unexpanded) == ["aws_route.counted", "aws_route.keyed", "module.m.aws_route.each"]
    assert unexpanded["aws_route.counted"].what == "count of aws_route.counted is not known from the source"
    assert "var.cidrs" in unexpanded["aws_route.counted"].hint and "--var-file" in unexpanded["aws_route.counted"].hint
    assert unexpanded["aws_route.keyed"].line == 16 and unexpanded["aws_route.keyed"].resource_type == "aws_route"


def test_module_for_each_over_an_unknown_value_is_unexpanded(tmp_path):
    write(tmp_path / "mod", 'resource "aws_vpc" "this" {\n  cidr_block = "10.0.0.0/16"\n}\n')
    r = reader(write(tmp_path, PROVIDER + '''
variable "spokes" {
  type = map(string)
}
variable "n" {
  type = number
}
module "spoke" {
  source   = "./mod"
  for_each = var.spokes
}
module "counted" {
  source = "./mod"
  count  = var.n
}
module "far" {
  source = "terraform-aws-modules/vpc/aws"
}
module "gone" {
  source = "./not-here"
}
'''))
    assert r.instances == {}
    assert sorted((u.resource_type, u.address) for u in r.unexpanded) == [
        ("module", "module.counted"), ("module", "module.far"), ("module", "module.gone"), ("module", "module.spoke")]
    far = next(u for u in r.unexpanded if u.address == "module.far")
    assert "not installed (run terraform init)" in far.what


def test_for_each_tfparse_cannot_key_is_not_an_unkeyed_instance(tmp_path):
    r = reader(write(tmp_path, PROVIDER + '''
data "aws_route_tables" "all" {
  vpc_id = "vpc-1"
}
resource "aws_route" "each" {
  for_each               = toset(data.aws_route_tables.all.ids)
  route_table_id         = each.value
  destination_cidr_block = "10.9.0.0/16"
}
'''))
    assert [a for a in r.instances if "aws_route.each" in a] == []
    assert [u.address for u in r.unexpanded] == ["aws_route.each"]


# --------------------------------------------------------------------------- what tfparse loses


def test_tfparse_loses_the_providers_map_of_a_module_call(tmp_path):
    write(tmp_path / "mod", 'resource "aws_vpc" "this" {\n  cidr_block = "10.0.0.0/16"\n}\n')
    write(tmp_path, PROVIDER + '''
provider "aws" {
  alias  = "west"
  region = "us-west-2"
}
module "west" {
  source    = "./mod"
  providers = { aws = aws.west }
}
module "east" {
  source = "./mod"
}
''')
    raw = tfparse.load_from_path(str(tmp_path))
    west_call = next(e for e in raw["module"] if e["__tfmeta"]["path"] == "module.west")
    assert west_call["providers"] == {"aws": None}  # the lack: which provider is passed is gone
    r = reader(tmp_path)
    assert r.region_of(r.instances["module.west.aws_vpc.this"]) == "us-west-2"
    assert r.region_of(r.instances["module.east.aws_vpc.this"]) == "us-east-1"


def test_provider_alias_and_per_resource_region(tmp_path):
    r = reader(write(tmp_path, PROVIDER + '''
variable "dr_region" {
  type = string
}
provider "aws" {
  alias  = "west"
  region = "us-west-2"
}
provider "aws" {
  alias  = "dr"
  region = var.dr_region
}
resource "aws_vpc" "w" {
  provider   = aws.west
  cidr_block = "10.1.0.0/16"
}
resource "aws_vpc" "v6" {
  region     = "eu-west-1"
  cidr_block = "10.2.0.0/16"
}
resource "aws_vpc" "dr" {
  provider   = aws.dr
  cidr_block = "10.3.0.0/16"
}
'''))
    assert r.region_of(r.instances["aws_vpc.w"]) == "us-west-2"
    assert r.region_of(r.instances["aws_vpc.v6"]) == "eu-west-1"
    dr = r.region_of(r.instances["aws_vpc.dr"])
    # unknown as a value, but one region (the same as itself); what the user reads names the variable
    assert isinstance(dr, Unknown) and dr.what == "the region of provider aws.dr"
    assert "var.dr_region" in dr.describe()


def test_tfparse_loses_a_nested_block_id_and_keyed_computed_attributes(tmp_path):
    write(tmp_path, PROVIDER + '''
resource "aws_launch_template" "lt" {
  image_id = "ami-1"
}
resource "aws_autoscaling_group" "g" {
  min_size = 1
  max_size = 1
  launch_template {
    id = aws_launch_template.lt.id
  }
}
resource "aws_vpc" "v" {
  for_each   = { a = "10.0.0.0/16" }
  cidr_block = each.value
}
resource "aws_route" "r" {
  for_each               = { a = "10.9.0.0/16" }
  route_table_id         = aws_vpc.v[each.key].main_route_table_id
  destination_cidr_block = each.value
}
''')
    raw = tfparse.load_from_path(str(tmp_path))
    group = raw["aws_autoscaling_group"][0]
    lt = raw["aws_launch_template"][0]
    assert group["launch_template"]["id"] != lt["id"]  # the block's own id, not the template's
    assert raw["aws_route"][0]["route_table_id"] is None  # the reference is gone
    r = reader(tmp_path)
    assert r.value(r.instances["aws_autoscaling_group.g"], ("launch_template", 0, "id")) == ResourceTarget(
        "aws_launch_template.lt", ("id",))
    assert r.value(r.instances['aws_route.r["a"]'], ("route_table_id",)) == ResourceTarget(
        'aws_vpc.v["a"]', ("main_route_table_id",))


def test_module_input_that_is_a_computed_attribute_of_the_caller(tmp_path):
    write(tmp_path / "mod", '''
variable "table" {
  type = string
}
resource "aws_route" "r" {
  route_table_id         = var.table
  destination_cidr_block = "10.9.0.0/16"
}
''')
    r = reader(write(tmp_path, PROVIDER + '''
resource "aws_vpc" "hub" {
  cidr_block = "10.0.0.0/16"
}
module "m" {
  source = "./mod"
  table  = aws_vpc.hub.main_route_table_id
}
'''))
    assert r.value(r.instances["module.m.aws_route.r"], ("route_table_id",)) == ResourceTarget(
        "aws_vpc.hub", ("main_route_table_id",))


def test_base64gzip_user_data_is_evaluated(tmp_path):
    r = reader(write(tmp_path, PROVIDER + '''
resource "aws_instance" "h" {
  ami              = "ami-1"
  user_data_base64 = base64gzip("#!/bin/sh\\nip link set dev eth0 mtu 9001\\n")
}
'''))
    encoded = r.value(r.instances["aws_instance.h"], ("user_data_base64",))
    assert gzip.decompress(base64.b64decode(encoded)) == b"#!/bin/sh\nip link set dev eth0 mtu 9001\n"


# --------------------------------------------------------------------------- variables


def test_variable_files_in_terraforms_order(tmp_path):
    root = write(tmp_path / "root", PROVIDER + '''
variable "a" {
  default = "default"
}
variable "b" {
  default = "default"
}
variable "c" {
  default = "default"
}
resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
  tags       = { a = var.a, b = var.b, c = var.c }
}
''')
    (root / "terraform.tfvars").write_text('a = "tfvars"\nb = "tfvars"\nc = "tfvars"\n')
    (root / "x.auto.tfvars").write_text('b = "auto"\nc = "auto"\n')
    given = tmp_path / "given.tfvars"
    given.write_text('c = "var-file"\n')
    r = reader(root, var_files=[str(given)])
    assert r.value(r.instances["aws_vpc.v"], ("tags",)) == {"a": "tfvars", "b": "auto", "c": "var-file"}
    assert reader(root).value(reader(root).instances["aws_vpc.v"], ("tags", "c")) == "auto"


# --------------------------------------------------------------------------- files (issue 11)


@pytest.mark.parametrize(("call", "why"), [
    ('file("../../../../../../etc/passwd")', "../../../../../etc/passwd is outside the scanned tree"),
    ('file("/etc/passwd")', "/etc/passwd is an absolute path, outside the scanned tree"),
    ('file("/dev/zero")', "/dev/zero is an absolute path, outside the scanned tree"),
    ('file("${path.module}/link.sh")', "link.sh is outside the scanned tree"),  # a link to /etc/passwd
    ('file(var.script)', "its path is not a literal the source gives (a variable or an expression)"),
    ('templatefile("../outside.tpl", {})', "../outside.tpl is outside the scanned tree"),
    ('file("${path.module}/keys/temp_key.pub")', "keys/temp_key.pub does not exist in the scanned tree (a file "
                                                 "made before terraform runs?)"),
])
def test_files_outside_the_tree_are_never_read(tmp_path, call, why):
    (tmp_path / "outside.tpl").write_text("SECRET-OUTSIDE\n")
    root = tmp_path / "root"
    write(root, PROVIDER + f'''
variable "script" {{
  default = "/etc/passwd"
}}
resource "aws_instance" "h" {{
  ami       = "ami-1"
  user_data = {call}
}}
''')
    os.symlink("/etc/passwd", root / "link.sh")
    r = reader(root)
    value = r.value(r.instances["aws_instance.h"], ("user_data",))
    assert isinstance(value, Unknown) and "reads a file that is not read" in value.what
    (problem,) = [p for p in r.problems if p.file.endswith("main.tf")]
    # what the problem says is why the file was not read (epomatti/aws-vpc-peering's key file is made by a
    # script before terraform runs: it was "outside the scanned tree, not a regular file, or ...")
    shown = call.replace(", {})", ")")  # the call as the problem names it: its first argument
    assert problem.message == f"line 10: {shown} is not read: {why}; its value is unknown" and problem.line == 10
    assert not problem.fails_closed


def test_files_inside_the_tree_are_read(tmp_path):
    root = write(tmp_path, PROVIDER + '''
resource "aws_instance" "h" {
  ami       = "ami-1"
  user_data = templatefile("${path.module}/scripts/boot.tpl", { mtu = 9001 })
}
''')
    (root / "scripts").mkdir()
    (root / "scripts" / "boot.tpl").write_text("ip link set dev eth0 mtu ${mtu}\n")
    r = reader(root)
    assert r.value(r.instances["aws_instance.h"], ("user_data",)) == "ip link set dev eth0 mtu 9001\n"
    assert r.problems == []


def test_a_symlinked_tf_file_is_not_read(tmp_path):
    (tmp_path / "elsewhere.tf").write_text('resource "aws_vpc" "x" {\n  cidr_block = "10.0.0.0/16"\n}\n')
    root = write(tmp_path / "root", PROVIDER)
    os.symlink(tmp_path / "elsewhere.tf", root / "linked.tf")
    estate = load_root_module(root)
    assert estate.vpcs == {}
    assert any("symbolic link" in p.message for p in estate.problems)


# --------------------------------------------------------------------------- no hcl2


def test_pcxguard_does_not_import_checkovs_hcl2():
    # (checkov itself imports hcl2; pcxguard's own modules must not, its lark cache is issue 11)
    code = ("import sys, pcxguard.loaders.terraform_source, pcxguard.loaders.terraform_plan, pcxguard.scan, "
            "pcxguard.cli; print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('hcl2', 'lark')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=dict(os.environ, PYTHONPATH=str(ROOT / "src")), timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"


def test_verdicts_on_the_new_shapes_from_the_source():
    cases = ROOT / "fixtures" / "terraform"
    import json

    for case in ("src_count_length", "src_index_for_each", "src_locals_peerings", "src_module_output_count"):
        expected = json.loads((cases / case / "expected.json").read_text())
        analysis = analyse(load_root_module(cases / case))
        got = {(c, a): analysis.verdict(c, a).value for c, by in expected["verdicts"].items() for a in by}
        assert got == {(c, a): v for c, by in expected["verdicts"].items() for a, v in by.items()}, case


def test_count_from_a_data_source_and_known_empty_counts(tmp_path):
    r = reader(write(tmp_path, PROVIDER + '''
data "aws_availability_zones" "available" {}
variable "create" {
  default = false
}
variable "cidrs" {
  type = list(string)
}
locals {
  azs = slice(data.aws_availability_zones.available.names, 0, 2)
}
resource "aws_subnet" "per_az" {
  count      = length(local.azs)
  vpc_id     = "vpc-1"
  cidr_block = cidrsubnet("10.0.0.0/16", 8, count.index)
}
resource "aws_route_table" "optional" {
  count  = var.create ? 1 : 0
  vpc_id = "vpc-1"
}
resource "aws_route" "from_unknown_list" {
  count                  = length(var.cidrs)
  route_table_id         = "rtb-1"
  destination_cidr_block = var.cidrs[count.index]
}
'''))
    raw = tfparse.load_from_path(str(tmp_path))
    # tfparse makes up per_az[0] with no count at all for a count from a data source
    assert [(e["__tfmeta"]["path"], e.get("count")) for e in raw["aws_subnet"]] == [("aws_subnet.per_az[0]", None)]
    assert r.instances == {}
    # var.create is false: no table, and that is known (no incomplete part); length() of a variable
    # without a value is 0 to tfparse, yet unknown
    assert sorted(u.address for u in r.unexpanded) == ["aws_route.from_unknown_list", "aws_subnet.per_az"]


def test_module_instances_tfparse_does_not_evaluate_are_unexpanded(tmp_path):
    write(tmp_path / "mod", 'resource "aws_vpc" "x" {\n  cidr_block = "10.0.0.0/16"\n}\n')
    r = reader(write(tmp_path, PROVIDER + 'module "c" {\n  source = "./mod"\n  count  = 40\n}\n'))
    # measured: tfparse evaluates the resources of 32 of the 40 instances, and gives the other 8 none
    assert len(r.instances) == 32
    assert sorted(u.address for u in r.unexpanded) == sorted(f"module.c[{i}].aws_vpc.x" for i in range(32, 40))
    assert "at most 32 instances" in r.unexpanded[0].what


def test_override_files_are_reported_not_read_as_second_instances(tmp_path):
    write(tmp_path, PROVIDER + 'resource "aws_vpc" "a" {\n  cidr_block = "10.0.0.0/16"\n}\n')
    write(tmp_path, 'resource "aws_vpc" "a" {\n  cidr_block = "10.9.0.0/16"\n}\n', name="override.tf")
    raw = tfparse.load_from_path(str(tmp_path))
    assert len(raw["aws_vpc"]) == 2  # tfparse's lack: not merged, one instance per file
    r = reader(tmp_path)
    assert r.value(r.instances["aws_vpc.a"], ("cidr_block",)) == "10.0.0.0/16"
    assert [p.message for p in r.problems] == ["override files are not merged; their settings are ignored"]
