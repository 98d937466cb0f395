"""CKV2_PCX_1 (overlapping_cidrs): unit tests of rules/pcx1_overlapping_cidrs.py on hand-built estates, exact verdicts and messages."""

from __future__ import annotations


from analysed import only, verdicts
from estate_builder import EstateBuilder
from pcxguard.findings import Verdict


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
