"""Findings: the one value every output renders.

A rule yields one ``Finding`` per thing it judged (a peering, a route, a rule,
a host). Several findings can land on one resource (a route table with three
peering routes); ``worst`` folds them into the resource's verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

from pcxguard.model import Source

T = TypeVar("T")


class Verdict(str, Enum):
    PASSED = "PASSED"
    FAILED = "FAILED"
    UNKNOWN = "UNKNOWN"  # cannot tell: something the verdict depends on is not known

    @property
    def rank(self) -> int:
        return _RANKS[self]


_RANKS = {Verdict.PASSED: 0, Verdict.UNKNOWN: 1, Verdict.FAILED: 2}  # read per finding when sorting


@dataclass(frozen=True)
class Finding:
    check_id: str
    verdict: Verdict
    resource: Source
    message: str
    related: tuple[Source, ...] = ()
    fix: str | None = None
    missing: tuple[str, ...] = ()  # for UNKNOWN: what is missing and how to supply it
    subject: str | None = None  # the part of the resource judged, e.g. "route[1]"


def worst(findings: list[Finding]) -> Verdict:
    if not findings:
        return Verdict.PASSED
    return max((f.verdict for f in findings), key=lambda v: v.rank)


def made(cls: type[T], **fields: Any) -> T:
    """``cls(**fields)`` for a frozen dataclass, in one step: its ``__init__`` sets each field with its own
    ``object.__setattr__``, 1.6 µs of every one of a big plan's 38,000 findings, and as much again for
    their report entries (benchmarks/RESULTS.md, issue 14). ``fields`` must be every field: the same
    object then, equal, the same hash and repr, still frozen (tests/test_findings_made.py holds them)."""
    made_object = _new(cls)
    made_object.__dict__.update(fields)
    return made_object


_new = object.__new__


def _finding(check_id: str, verdict: Verdict, resource: Source, message: str, related: tuple[Source, ...],
             fix: str | None, missing: tuple[str, ...], subject: str | None) -> Finding:
    return made(Finding, check_id=check_id, verdict=verdict, resource=resource, message=message, related=related,
                fix=fix, missing=missing, subject=subject)


def passed(check_id: str, resource: Source, message: str, related: tuple[Source, ...] = (), subject: str | None = None) -> Finding:
    return _finding(check_id, Verdict.PASSED, resource, message, related, None, (), subject)


def failed(
    check_id: str,
    resource: Source,
    message: str,
    related: tuple[Source, ...] = (),
    fix: str | None = None,
    subject: str | None = None,
) -> Finding:
    return _finding(check_id, Verdict.FAILED, resource, message, related, fix, (), subject)


def cannot_tell(
    check_id: str,
    resource: Source,
    message: str,
    missing: list[str] | tuple[str, ...],
    related: tuple[Source, ...] = (),
    subject: str | None = None,
) -> Finding:
    return _finding(check_id, Verdict.UNKNOWN, resource, message, related, None, tuple(missing), subject)
