"""CKV2_PCX_1 (overlapping_cidrs): unit tests of rules/pcx1_overlapping_cidrs.py on hand-built estates, exact verdicts and messages."""

from __future__ import annotations


from analysed import only, verdicts
from estate_builder import EstateBuilder
from pcxguard.findings import Verdict
from pcxguard.model import PeeringRequest, Unknown
from pcxguard.rules import pcx1_overlapping_cidrs
from pcxguard.settings import Settings


def test_overlap_primary_blocks_fails_and_names_both_blocks():
    b = EstateBuilder()
    b.vpc("aws_vpc.a", "10.0.0.0/16")
    b.vpc("aws_vpc.b", "10.0.128.0/17")
    b.peering("aws_vpc_peering_connection.ab", "aws_vpc.a", "aws_vpc.b")
    finding = only(b.done(), "CKV2_PCX_1", "aws_vpc_peering_connection.ab")
    assert finding.verdict is Verdict.FAILED
    assert "10.0.0.0/16 (primary block, declared by aws_vpc.a) overlaps 10.0.128.0/17" in finding.message
    assert "aws_vpc.b" in finding.fix


def test_overlap_through_a_secondary_block_only_fails_and_suggests_removing_it():
    b = EstateBuilder()
    b.vpc("aws_vpc.a", "10.0.0.0/16", "10.1.0.0/16")
    b.vpc("aws_vpc.b", "10.1.0.0/20")
    b.peering("aws_vpc_peering_connection.ab", "aws_vpc.a", "aws_vpc.b")
    finding = only(b.done(), "CKV2_PCX_1", "aws_vpc_peering_connection.ab")
    assert finding.verdict is Verdict.FAILED
    assert "secondary block, declared by aws_vpc.a_assoc1" in finding.message
    assert "remove the overlapping association (aws_vpc.a_assoc1)" in finding.fix


def test_ipv6_overlap_fails_but_ipv4_against_ipv6_never_compares():
    b = EstateBuilder()
    b.vpc("aws_vpc.a", "10.0.0.0/16", "2600:1f18:1000::/56")
    b.vpc("aws_vpc.b", "10.1.0.0/16", "2600:1f18:1000::/60")
    b.vpc("aws_vpc.c", "10.2.0.0/16", "2600:1f18:2000::/56")
    b.peering("aws_vpc_peering_connection.ab", "aws_vpc.a", "aws_vpc.b")
    b.peering("aws_vpc_peering_connection.ac", "aws_vpc.a", "aws_vpc.c")
    assert verdicts(b.done(), "CKV2_PCX_1") == {
        "aws_vpc_peering_connection.ab": "FAILED",
        "aws_vpc_peering_connection.ac": "PASSED",
    }


def test_identical_blocks_overlap():
    b = EstateBuilder()
    b.vpc("aws_vpc.a", "10.0.0.0/16")
    b.vpc("aws_vpc.b", "10.0.0.0/16")
    b.peering("p", "aws_vpc.a", "aws_vpc.b")
    assert verdicts(b.done(), "CKV2_PCX_1") == {"p": "FAILED"}


def test_peer_outside_the_scan_cannot_tell_and_says_how_to_supply_it():
    b = EstateBuilder()
    b.vpc("aws_vpc.a", "10.0.0.0/16")
    b.peering("p", "aws_vpc.a", "vpc-0a1b2c3d4e5f60718")
    finding = only(b.done(), "CKV2_PCX_1", "p")
    assert finding.verdict is Verdict.UNKNOWN
    assert "vpc-0a1b2c3d4e5f60718 is not declared in the scanned code" in finding.missing[0]
    assert ".pcxguard.yaml" in finding.missing[0]


def test_literal_peer_id_resolves_to_a_vpc_in_the_scan():
    b = EstateBuilder()
    b.vpc("aws_vpc.a", "10.0.0.0/16")
    b.vpc("aws_vpc.existing", "10.0.0.0/24", aws_id="vpc-0123")
    b.peering("p", "aws_vpc.a", "vpc-0123")
    assert verdicts(b.done(), "CKV2_PCX_1") == {"p": "FAILED"}


def test_unknown_block_without_known_overlap_cannot_tell_but_known_overlap_still_fails():
    b = EstateBuilder()
    b.vpc("aws_vpc.a", "10.0.0.0/16", unknown=("cidr from IPAM",))
    b.vpc("aws_vpc.b", "10.1.0.0/16")
    b.vpc("aws_vpc.c", "10.0.0.0/24")
    b.peering("ab", "aws_vpc.a", "aws_vpc.b")
    b.peering("ac", "aws_vpc.a", "aws_vpc.c")
    assert verdicts(b.done(), "CKV2_PCX_1") == {"ab": "UNKNOWN", "ac": "FAILED"}


# A request whose accepter id is its requester's: a peering of a VPC with itself only when
# the request looks for the accepter where the requester is (clouddrove/terraform-aws-vpc-peering's
# cross-region and cross-account examples pass one placeholder id for both sides and a peer_region or
# peer_owner_id: a VPC found there is not the requester, and the scan does not hold it).


def _judge_self(**request: object):
    b = EstateBuilder()
    b.peering("aws_vpc_peering_connection.p", "vpc-0123456789abcdef0", "vpc-0123456789abcdef0",
              account="111111111111", request=PeeringRequest(**request),  # type: ignore[arg-type]
              peer_region=request.get("peer_region"), peer_owner_id=request.get("peer_owner_id"))
    b.estate.reindex()
    (finding,) = pcx1_overlapping_cidrs.evaluate(b.estate, Settings())
    return finding


def test_a_request_that_names_no_other_place_peers_the_vpc_with_itself():
    for request in ({}, {"peer_region": "us-east-1"}, {"peer_owner_id": "111111111111"}):
        finding = _judge_self(**request)
        assert finding.verdict is Verdict.FAILED, request
        assert finding.message.startswith("aws_vpc_peering_connection.p requests a peering of vpc-0123456789abcdef0 "
                                          "with itself")


def test_a_request_that_looks_in_another_region_or_account_is_not_a_peering_with_itself():
    for request, named in (({"peer_region": "eu-west-1"}, "peer_region of aws_vpc_peering_connection.p names "
                            "region eu-west-1; the request is made in region us-east-1"),
                           ({"peer_owner_id": "222222222222"}, "peer_owner_id of aws_vpc_peering_connection.p "
                            "names account 222222222222; the request is made in account 111111111111")):
        finding = _judge_self(**request)
        assert finding.verdict is Verdict.UNKNOWN, request
        assert finding.message == (
            "Cannot tell whether aws_vpc_peering_connection.p peers vpc-0123456789abcdef0 with itself: its accepter "
            "has the id of vpc-0123456789abcdef0, but the request looks for it in another region or account, "
            "where a VPC is not this one.")
        assert finding.missing[0] == named
        assert finding.missing[-1].startswith("the accepter VPC vpc-0123456789abcdef0 in the place the request "
                                              "names: not in the scan")


def test_a_request_that_may_look_elsewhere_is_cannot_tell_never_failed():
    finding = _judge_self(peer_owner_id=Unknown("var.peer_owner_id has no value"))
    assert finding.verdict is Verdict.UNKNOWN
    assert "the request may look for it in another region or account" in finding.message
    assert finding.missing[0] == ("peer_owner_id of aws_vpc_peering_connection.p names var.peer_owner_id has no "
                                  "value; the request is made in account 111111111111")
