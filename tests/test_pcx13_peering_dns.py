"""CKV2_PCX_13 (peering_dns): unit tests of rules/pcx13_peering_dns.py on hand-built estates, exact verdicts and messages."""

from __future__ import annotations


from model_estates import only, peer, src, vpc
from pcxguard.findings import Verdict
from pcxguard.model import Estate, PeeringConnection, PeeringOptions, Unknown
from pcxguard.rules import pcx13_peering_dns
from pcxguard.settings import Settings


def dns_estate(cross_region: bool) -> tuple[Estate, PeeringConnection]:
    e = Estate("t")
    vpc(e, "a", "10.0.0.0/16", dns_hostnames=True)
    vpc(e, "b", "10.1.0.0/16", dns_hostnames=True, region="us-west-2" if cross_region else "us-east-1")
    p = peer(e, "ab", "a", "b", peer_region="us-west-2" if cross_region else None)
    return e, p


def test_pcx13_accepter_block_on_requester_resource_fails_across_regions():
    e, p = dns_estate(True)
    p.accepter_options = PeeringOptions(True, p.source, set_in_region="us-east-1")
    f = only(pcx13_peering_dns.evaluate(e, Settings()))
    assert f.verdict is Verdict.FAILED and "accepter {} block" in f.message
    accepter = src("aws_vpc_peering_connection_accepter.ab")
    p.accepter_options = PeeringOptions(True, accepter, set_in_region="us-west-2")
    assert only(pcx13_peering_dns.evaluate(e, Settings())).verdict is Verdict.PASSED
    options = src("aws_vpc_peering_connection_options.ab")
    p.accepter_options = PeeringOptions(True, options, set_in_region="us-east-1")
    f = only(pcx13_peering_dns.evaluate(e, Settings()))
    assert f.verdict is Verdict.FAILED and "region us-east-1" in f.message and "region us-west-2" in f.message


def test_pcx13_same_region_accepter_block_passes_but_dns_hostnames_off_fails():
    e, p = dns_estate(False)
    p.accepter_options = PeeringOptions(True, p.source)
    assert only(pcx13_peering_dns.evaluate(e, Settings())).verdict is Verdict.PASSED
    e.vpcs["aws_vpc.b"].dns_hostnames = False
    f = only(pcx13_peering_dns.evaluate(e, Settings()))
    assert f.verdict is Verdict.FAILED and "aws_vpc.b (accepter) has enable_dns_hostnames = false" in f.message


def test_pcx13_not_asked_is_not_judged_and_unknown_option_is_unknown():
    e, p = dns_estate(False)
    assert list(pcx13_peering_dns.evaluate(e, Settings())) == []
    p.requester_options = PeeringOptions(Unknown("dns option"), p.source)
    assert only(pcx13_peering_dns.evaluate(e, Settings())).verdict is Verdict.UNKNOWN


def test_pcx13_raw_boolean_strings_are_read_as_terraform_converts_them(tmp_path):
    # found in the trust sweep (string booleans in public Terraform): "true" for a DNS flag or option was a
    # fail-closed input problem on the VPC, and an option written "true" was silently read as "not asked"
    from pcxguard.engine import analyse
    from pcxguard.loaders.terraform_tfparse import load_root_module_tfparse

    (tmp_path / "main.tf").write_text('''provider "aws" {
  region = "us-east-1"
}
resource "aws_vpc" "a" {
  cidr_block           = "10.0.0.0/16"
  enable_dns_support   = "true"
  enable_dns_hostnames = "1"
}
resource "aws_vpc" "b" {
  cidr_block           = "10.1.0.0/16"
  enable_dns_hostnames = "false"
}
resource "aws_vpc_peering_connection" "ab" {
  vpc_id      = aws_vpc.a.id
  peer_vpc_id = aws_vpc.b.id
  auto_accept = true
  requester {
    allow_remote_vpc_dns_resolution = "true"
  }
}
''')
    estate = load_root_module_tfparse(str(tmp_path))
    assert estate.problems == []
    assert (estate.vpcs["aws_vpc.a"].dns_support, estate.vpcs["aws_vpc.a"].dns_hostnames) == (True, True)
    assert estate.vpcs["aws_vpc.b"].dns_hostnames is False
    [f] = [f for f in analyse(estate).findings if f.check_id == "CKV2_PCX_13"]
    assert f.verdict is Verdict.FAILED and f.resource.address == "aws_vpc_peering_connection.ab"
    assert "aws_vpc.b" in f.message and "hostnames" in f.message
