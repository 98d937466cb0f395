"""CKV2_PCX_3 (duplicate_peering): unit tests of rules/pcx3_duplicate_peering.py on hand-built estates, exact verdicts and messages."""

from __future__ import annotations


from analysed import only, verdicts
from estate_builder import EstateBuilder
from pcxguard.model import Unknown


def test_duplicate_peering_in_either_direction_fails_both_and_names_the_other():
    b = EstateBuilder()
    for key, block in (("a", "10.0.0.0/16"), ("b", "10.1.0.0/16"), ("c", "10.2.0.0/16")):
        b.vpc(key, block)
    b.peering("ab", "a", "b")
    b.peering("ba", "b", "a")
    b.peering("ac", "a", "c")
    estate = b.done()
    assert verdicts(estate, "CKV2_PCX_3") == {"ab": "FAILED", "ba": "FAILED", "ac": "PASSED"}
    assert "which ba already joins" in only(estate, "CKV2_PCX_3", "ab").message


def test_two_peerings_to_the_same_literal_outside_vpc_are_duplicates_and_unknown_side_cannot_tell():
    b = EstateBuilder()
    b.vpc("a", "10.0.0.0/16")
    b.peering("p1", "a", "vpc-0aaa")
    b.peering("p2", "a", "vpc-0aaa")
    b.peering("p3", "a", Unknown("peer_vpc_id of p3", "give it a value"))
    assert verdicts(b.done(), "CKV2_PCX_3") == {"p1": "FAILED", "p2": "FAILED", "p3": "UNKNOWN"}
