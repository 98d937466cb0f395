"""Verdicts of one check on a hand-built estate, through the engine (``analyse``): the helpers of the
per-check unit tests built with ``estate_builder.EstateBuilder``."""

from __future__ import annotations

from pcxguard.engine import analyse


def verdicts(estate, check_id, settings=None):
    analysis = analyse(estate, settings)
    return {f.resource.address: f.verdict.value for f in analysis.findings if f.check_id == check_id}


def only(estate, check_id, address, settings=None):
    found = [f for f in analyse(estate, settings).findings if f.check_id == check_id and f.resource.address == address]
    assert len(found) == 1, found
    return found[0]
