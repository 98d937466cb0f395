"""The nesting bound of decoded documents, counted level by level (issue 14)."""

from __future__ import annotations

from pcxguard.limits import depth_exceeds


def test_depth_is_counted_level_by_level():
    nested: list = []
    for _ in range(200):
        nested = [nested]
    assert not depth_exceeds(nested)  # the innermost list is at depth 200, the limit
    assert depth_exceeds([nested]) and depth_exceeds({"a": {"b": nested}})
    assert not depth_exceeds({"a": [1, "x", {"b": None}], "c": {}}) and not depth_exceeds(3)
    cycle: list = []
    cycle.append(cycle)
    assert depth_exceeds(cycle)  # a YAML alias inside itself: deeper than any limit
