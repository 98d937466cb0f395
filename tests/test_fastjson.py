"""The plan's fast decoder (issue 14): orjson's answer only where it is exactly ``json``'s, else None."""

from __future__ import annotations

import json
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from pcxguard.fastjson import loads_exact

_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text()
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=20)


def _same(a, b) -> bool:
    """Equal values of the same types all the way down (1 and 1.0 differ; NaN equals NaN)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


@settings(max_examples=300, deadline=None)
@given(_VALUES, st.sampled_from([None, 2]))
def test_the_fast_answer_is_json_s_or_none(value, indent):
    raw = json.dumps(value, indent=indent, ensure_ascii=False).encode("utf-8", "surrogatepass")
    fast = loads_exact(raw)
    if fast is not None:
        assert _same(fast, json.loads(raw.decode("utf-8")))


def test_what_orjson_reads_otherwise_is_left_to_json():
    assert loads_exact(b'{"port": 18446744073709551616}') is None  # beyond 64 bits: orjson gives a float
    assert loads_exact(b'{"port": -9223372036854775809}') is None
    assert loads_exact(b'{"a": NaN}') is None and loads_exact(b'{"a": 1e400}') is None
    assert loads_exact(b'{"a": "\\ud800"}') is None  # a lone surrogate
    assert loads_exact(b'{"a": "\xff"}') is None  # not UTF-8
    assert loads_exact(b"[" * 2000 + b"]" * 2000) is None
    assert loads_exact(b'{"a": [1, 2.5, "x"]}') == {"a": [1, 2.5, "x"]}
    assert loads_exact(b'{"n": 184467440737095516}') == {"n": 184467440737095516}
    assert loads_exact(b'{"n": 1844674407370955161}') is None  # 19 digits, whatever their value (a textual guard)
