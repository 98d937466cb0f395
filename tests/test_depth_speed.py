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


# --- a plan: only the parts the reader reads are walked ------------------------------------------

import json  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from pcxguard.limits import MAX_DEPTH  # noqa: E402
from pcxguard.loaders.terraform_plan import load_plan, read_parts_too_deep  # noqa: E402


def _nest(levels: int) -> list:
    value: list = []
    for _ in range(levels - 1):
        value = [value]
    return value  # its innermost list is at depth levels - 1 below the value itself


def _plan(after: object = None, before: object = None, variables: object = None) -> dict:
    return {"format_version": "1.2", "variables": variables or {},
            "resource_changes": [{"address": "aws_vpc.a", "mode": "managed", "type": "aws_vpc", "name": "a",
                                  "change": {"actions": ["create"], "before": before,
                                             "after": {"cidr_block": "10.0.0.0/16", "tags": after},
                                             "after_unknown": {}}}],
            "planned_values": {"root_module": {"resources": [{"values": {"tags": before}}]}}}


def test_a_read_part_is_bounded_exactly_where_the_whole_document_was():
    # "tags" sits at depth 5 (root, resource_changes, record, change, after): a value whose innermost list
    # is 195 levels below it reaches depth 200, the limit; one more level exceeds it
    at_limit, beyond = _plan(after=_nest(196)), _plan(after=_nest(197))
    assert depth_exceeds(at_limit) is read_parts_too_deep(at_limit) is False
    assert depth_exceeds(beyond) is read_parts_too_deep(beyond) is True
    variables = {"v": {"value": _nest(199)}}  # depth 1 + 2 + 198 = 201
    assert read_parts_too_deep(_plan(variables=variables)) is True
    assert read_parts_too_deep(_plan(variables={"v": {"value": _nest(198)}})) is False


def test_an_unread_part_is_not_walked_and_the_plan_is_read(tmp_path):
    deep_before = _plan(before=_nest(300))  # "before" and the planned values: nothing reads them
    assert depth_exceeds(deep_before) and not read_parts_too_deep(deep_before)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(deep_before))
    estate = load_plan(path)
    assert [p.message for p in estate.problems] == [] and list(estate.vpcs) == ["aws_vpc.a"]
    # without the changes listed, the planned values are what the reader reads: bounded again
    del deep_before["resource_changes"]
    assert read_parts_too_deep(deep_before)


_json = st.recursive(st.none() | st.integers() | st.text(max_size=3),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
                     max_leaves=40)


@settings(max_examples=200, deadline=None)
@given(after=_json, unknown=_json, extra=_json, levels=st.integers(min_value=180, max_value=205))
def test_on_the_read_parts_the_bound_is_the_whole_documents(after, unknown, extra, levels):
    """Whatever the read parts hold, the answer is the whole document's when the unread parts are flat."""
    data = _plan(after=[after, _nest(levels - 5)], variables={"x": {"value": extra}})
    data["resource_changes"][0]["change"]["after_unknown"] = unknown
    data["planned_values"] = {}
    assert read_parts_too_deep(data) == depth_exceeds(data)
    assert MAX_DEPTH == 200
