"""CKV2_PCX_1 on a request whose accepter id is its requester's: a peering of a VPC with itself only when
the request looks for the accepter where the requester is (clouddrove/terraform-aws-vpc-peering's
cross-region and cross-account examples pass one placeholder id for both sides and a peer_region or
peer_owner_id: a VPC found there is not the requester, and the scan does not hold it)."""

from __future__ import annotations

from estate_builder import EstateBuilder

from pcxguard.findings import Verdict
from pcxguard.model import PeeringRequest, Unknown
from pcxguard.rules import overlapping_cidrs
from pcxguard.settings import Settings


def _judge(**request: object):
    b = EstateBuilder()
    b.peering("aws_vpc_peering_connection.p", "vpc-0123456789abcdef0", "vpc-0123456789abcdef0",
              account="111111111111", request=PeeringRequest(**request),  # type: ignore[arg-type]
              peer_region=request.get("peer_region"), peer_owner_id=request.get("peer_owner_id"))
    b.estate.reindex()
    (finding,) = overlapping_cidrs.evaluate(b.estate, Settings())
    return finding


def test_a_request_that_names_no_other_place_peers_the_vpc_with_itself():
    for request in ({}, {"peer_region": "us-east-1"}, {"peer_owner_id": "111111111111"}):
        finding = _judge(**request)
        assert finding.verdict is Verdict.FAILED, request
        assert finding.message.startswith("aws_vpc_peering_connection.p requests a peering of vpc-0123456789abcdef0 "
                                          "with itself")


def test_a_request_that_looks_in_another_region_or_account_is_not_a_peering_with_itself():
    for request, named in (({"peer_region": "eu-west-1"}, "peer_region of aws_vpc_peering_connection.p names "
                            "region eu-west-1; the request is made in region us-east-1"),
                           ({"peer_owner_id": "222222222222"}, "peer_owner_id of aws_vpc_peering_connection.p "
                            "names account 222222222222; the request is made in account 111111111111")):
        finding = _judge(**request)
        assert finding.verdict is Verdict.UNKNOWN, request
        assert finding.message == (
            "Cannot tell whether aws_vpc_peering_connection.p peers vpc-0123456789abcdef0 with itself: its accepter "
            "has the id of vpc-0123456789abcdef0, but the request looks for it in another region or account, "
            "where a VPC is not this one.")
        assert finding.missing[0] == named
        assert finding.missing[-1].startswith("the accepter VPC vpc-0123456789abcdef0 in the place the request "
                                              "names: not in the scan")


def test_a_request_that_may_look_elsewhere_is_cannot_tell_never_failed():
    finding = _judge(peer_owner_id=Unknown("var.peer_owner_id has no value"))
    assert finding.verdict is Verdict.UNKNOWN
    assert "the request may look for it in another region or account" in finding.message
    assert finding.missing[0] == ("peer_owner_id of aws_vpc_peering_connection.p names var.peer_owner_id has no "
                                  "value; the request is made in account 111111111111")
