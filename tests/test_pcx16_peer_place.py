"""CKV2_PCX_16 (peer_place): unit tests of rules/pcx16_peer_place.py on hand-built estates, its
invariant, and checkov end to end on the place fixtures (tests/test_place.py: where each side is)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checkov_run import ROOT, pcx_checks, run_checkov
from estate_builder import EstateBuilder
from pcxguard.model import Unknown, same
from pcxguard.rules import pcx16_peer_place
from pcxguard.settings import Settings
from test_place import _PLACES

PLANS = ROOT / "fixtures" / "terraform"
SOURCES = ROOT / "fixtures" / "terraform_place"
CFN = ROOT / "fixtures" / "cloudformation" / "place"


def test_rule_16_on_the_model():
    b = EstateBuilder()
    b.vpc("a", "10.0.0.0/16")
    b.vpc("b", "10.1.0.0/16", region="us-west-2")
    b.peering("unnamed", "a", "b", account="111111111111")
    b.peering("named", "a", "b", account="111111111111", peer_region="us-west-2")
    b.peering("unknown", "a", "b", account="111111111111", peer_region=Unknown("var.peer_region has no value"))
    b.peering("outside", "a", "vpc-0123456789abcdef0", account="111111111111")
    estate = b.done()
    got = {f.resource.address: f for f in pcx16_peer_place.evaluate(estate, Settings())}
    assert {k: f.verdict.value for k, f in got.items()} == {
        "unnamed": "FAILED", "named": "PASSED", "unknown": "UNKNOWN", "outside": "UNKNOWN"}
    assert got["unknown"].missing == ("the region unknown names (its peer_region): var.peer_region has no value",)
    assert got["outside"].missing[0].startswith("the accepter VPC vpc-0123456789abcdef0 is not declared")


@pytest.mark.parametrize("framework,target,expected", [
    ("terraform_plan", PLANS / "place_region" / "plan.json",
     {"aws_vpc_peering_connection.no_peer_region": "FAILED", "aws_vpc_peering_connection.literal_region": "PASSED",
      "aws_vpc_peering_connection.data_region": "PASSED", "aws_vpc_peering_connection.wrong_data_region": "FAILED",
      "aws_vpc_peering_connection.same_region": "PASSED"}),
    ("terraform", SOURCES / "assume_role",
     {"aws_vpc_peering_connection.named": "PASSED", "aws_vpc_peering_connection.region_only": "FAILED",
      "aws_vpc_peering_connection.caller_identity": "PASSED"}),
    ("cloudformation", CFN, {"PcxNamed": "PASSED", "PcxUnnamed": "FAILED", "PcxOwnAccount": "FAILED"}),
])
def test_checkov_reports_ckv2_pcx_16_both_ways(framework, target, expected):
    flag = "-f" if target.is_file() else "-d"
    run = run_checkov(flag, str(target), "--framework", framework, "--check", pcx_checks(16, 0))
    got = {}
    for (_path, check_id, resource), record in run.records.items():
        if check_id == "CKV2_PCX_16":
            got[resource.split(".", 1)[1] if framework == "cloudformation" else resource] = \
                record["check_result"]["result"]
    assert got == expected
    if framework == "cloudformation":
        return  # checkov's CloudFormation results carry no details from the adapter (yet)
    for (_path, check_id, _resource), record in run.records.items():
        if check_id == "CKV2_PCX_16" and record["check_result"]["result"] == "FAILED":
            assert any("names" in line for line in record.get("details") or []), record.get("details")


@given(_PLACES, st.one_of(st.none(), _PLACES), _PLACES)
def test_rule_16_fails_only_on_two_known_different_places(requester_region, peer_region, declared):
    b = EstateBuilder()
    b.vpc("a", "10.0.0.0/16")
    b.vpc("b", "10.1.0.0/16", region=declared)
    b.peering("p", "a", "b", region=requester_region, peer_region=peer_region, account="111111111111")
    [result] = pcx16_peer_place.evaluate(b.done(), Settings())
    # unset peer_region: the region the request is made in; when that is not known as a value, the requester
    # VPC's (us-east-1 here: a request names a requester VPC of its own region)
    named = peer_region if peer_region is not None else \
        requester_region if isinstance(requester_region, str) else "us-east-1"
    expected = {False: "FAILED", True: "PASSED", None: "UNKNOWN"}[same(named, declared)]
    assert result.verdict.value == expected
    if expected == "UNKNOWN":
        assert result.missing
