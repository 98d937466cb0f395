"""Idioms of the registry's most used VPC modules that the builder once misread (found by scanning
terraform-aws-modules/terraform-aws-vpc at 2026-12-01): each is read as Terraform and the provider read it."""

from __future__ import annotations

from pathlib import Path

from netaddr import IPNetwork

from pcxguard.loaders.terraform_source import load_root_module
from pcxguard.model import Unknown

PROVIDER = 'provider "aws" {\n  region = "us-east-1"\n}\n'
VPC = 'resource "aws_vpc" "this" {\n  cidr_block = "10.0.0.0/16"\n  ipv6_cidr_block = "2600:1f18:1::/56"\n}\n'


def _load(tmp_path: Path, text: str):
    (tmp_path / "main.tf").write_text(PROVIDER + VPC + text)
    return load_root_module(tmp_path)


def test_a_subnet_cidr_block_of_empty_string_beside_an_ipv6_block_is_no_ipv4_block(tmp_path):
    # modules/vpc: cidr_block = element(concat(var.outpost_subnets, [""]), count.index) with more IPv6
    # prefixes than IPv4 subnets; the provider sends no IPv4 range for "" (an optional argument's zero value)
    estate = _load(tmp_path, '''
variable "v4" {
  default = ["10.0.50.0/24"]
}
resource "aws_subnet" "outpost" {
  count           = 2
  vpc_id          = aws_vpc.this.id
  cidr_block      = element(concat(var.v4, [""]), count.index)
  ipv6_cidr_block = cidrsubnet(aws_vpc.this.ipv6_cidr_block, 8, count.index)
}
''')
    assert estate.problems == []
    blocks = {key: [str(b) for b in s.blocks] for key, s in estate.subnets.items()}
    assert blocks == {"aws_subnet.outpost[0]": ["10.0.50.0/24", "2600:1f18:1::/64"],
                      "aws_subnet.outpost[1]": ["2600:1f18:1:1::/64"]}


def test_a_subnet_with_no_block_at_all_is_still_a_problem(tmp_path):
    estate = _load(tmp_path, '''
resource "aws_subnet" "broken" {
  vpc_id     = aws_vpc.this.id
  cidr_block = ""
}
''')
    assert [p.message for p in estate.problems] == [
        "cidr_block of aws_subnet.broken is an empty string, not a CIDR block"]


def test_an_unknown_cidr_list_beside_a_known_one_is_one_unknown_range(tmp_path):
    # modules/vpc-endpoints: cidr_blocks = lookup(each.value, "cidr_blocks", null) and the same for IPv6,
    # one of which the source cannot evaluate: it once stopped the read with a TypeError
    estate = _load(tmp_path, '''
variable "peers" {
  type = list(string)
}
resource "aws_security_group" "sg" {
  vpc_id = aws_vpc.this.id
}
resource "aws_security_group_rule" "in" {
  type              = "ingress"
  security_group_id = aws_security_group.sg.id
  from_port         = 443
  to_port           = 443
  protocol          = "tcp"
  cidr_blocks       = var.peers
  ipv6_cidr_blocks  = ["2600:1f18:2::/56"]
}
''')
    assert estate.problems == []
    (rule,) = [r for r in estate.sg_rules if r.key == "aws_security_group_rule.in"]
    assert len(rule.cidrs) == 2
    unknown, known = rule.cidrs
    assert isinstance(unknown, Unknown) and "var.peers" in unknown.describe()
    assert known == IPNetwork("2600:1f18:2::/56")


def test_a_block_that_could_not_be_expanded_is_cannot_tell_from_every_check_on_its_type(tmp_path):
    # cloudposse/terraform-aws-vpc-peering: count = module.this.enabled ? 1 : 0, where module.this is a
    # registry module that is not installed; the scan once reported "0 failed, 0 cannot tell, 0 passed"
    from pcxguard.engine import analyse

    estate = _load(tmp_path, '''
module "this" {
  source = "cloudposse/label/null"
}
resource "aws_vpc" "peer" {
  cidr_block = "10.1.0.0/16"
}
resource "aws_vpc_peering_connection" "default" {
  count       = module.this.enabled ? 1 : 0
  vpc_id      = aws_vpc.this.id
  peer_vpc_id = aws_vpc.peer.id
}
''')
    found = {(f.check_id, f.verdict.name) for f in analyse(estate).findings
             if f.resource.address == "aws_vpc_peering_connection.default"}
    assert found == {(c, "UNKNOWN") for c in ("CKV2_PCX_1", "CKV2_PCX_3", "CKV2_PCX_8", "CKV2_PCX_13", "CKV2_PCX_16")}
    (one,) = [f for f in analyse(estate).findings
              if f.check_id == "CKV2_PCX_1" and f.resource.address == "aws_vpc_peering_connection.default"]
    assert one.message == ("Cannot tell: pcxguard could not evaluate aws_vpc_peering_connection.default, "
                           "so no check judged it.")
    assert one.missing[0].startswith("count of aws_vpc_peering_connection.default is not known from the source")
    assert one.resource.file.endswith("main.tf") and one.resource.start_line == 15
