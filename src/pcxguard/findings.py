"""Findings: the one value every output renders.

A rule yields one ``Finding`` per thing it judged (a peering, a route, a rule,
a host). Several findings can land on one resource (a route table with three
peering routes); ``worst`` folds them into the resource's verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from pcxguard.model import Source


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


def _finding(check_id: str, verdict: Verdict, resource: Source, message: str, related: tuple[Source, ...],
             fix: str | None, missing: tuple[str, ...], subject: str | None) -> Finding:
    """``Finding(...)`` with every field given, made as a frozen dataclass's ``__init__`` makes it but in one
    step: that ``__init__`` sets its eight fields one ``object.__setattr__`` at a time, 1.6 µs of every one of
    a big plan's 38,000 findings (benchmarks/RESULTS.md, issue 14). The same object: equal, the same hash
    and repr, and still frozen (tests/test_findings_made.py holds the fields). ``scan.reported_all`` makes
    report entries the same way; a shared helper taking the fields as keywords cost 1 % of the scan."""
    finding = _new(Finding)
    finding.__dict__.update(check_id=check_id, verdict=verdict, resource=resource, message=message, related=related,
                            fix=fix, missing=missing, subject=subject)
    return finding


_new = object.__new__


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
