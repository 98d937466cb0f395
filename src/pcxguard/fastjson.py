"""Big JSON documents (Terraform plans) decoded by orjson where it gives exactly what ``json`` gives.

orjson decodes a 25 MB plan in ~0.13 s against ~0.22 s for ``json.loads`` (benchmarks/RESULTS.md,
issue 14). It differs from ``json`` in three ways, none of them in a plan terraform writes:
- an integer beyond 64 bits becomes a float: a document with a run of 19 digits or more (in a value
  or a string alike) is left to ``json``;
- ``NaN`` / ``Infinity``, a number beyond a double, a lone surrogate escape and nesting beyond 1,024
  are errors in orjson: any orjson error leaves the document to ``json``, whose answer (a value, or
  the error its caller reports) is the one it always was;
- it reads UTF-8 bytes itself: invalid UTF-8 is an orjson error, so again ``json`` (after the caller's
  own decoding) decides.
"""

from __future__ import annotations

from typing import Any

_DIGITS = bytes(0x39 if 0x30 <= i <= 0x39 else 0x20 for i in range(256))  # digits -> "9", the rest -> " "
_LONG_NUMBER = b"9" * 19


def loads_exact(raw: bytes) -> Any | None:
    """orjson's decoding of ``raw`` when it is certainly what ``json.loads(raw.decode())`` gives; None
    otherwise (then the caller decodes it with ``json`` as before). Never raises."""
    try:
        import orjson
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    if _LONG_NUMBER in raw.translate(_DIGITS):
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
