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


def passed(check_id: str, resource: Source, message: str, related: tuple[Source, ...] = (), subject: str | None = None) -> Finding:
    return Finding(check_id, Verdict.PASSED, resource, message, related, subject=subject)


def failed(
    check_id: str,
    resource: Source,
    message: str,
    related: tuple[Source, ...] = (),
    fix: str | None = None,
    subject: str | None = None,
) -> Finding:
    return Finding(check_id, Verdict.FAILED, resource, message, related, fix=fix, subject=subject)


def cannot_tell(
    check_id: str,
    resource: Source,
    message: str,
    missing: list[str] | tuple[str, ...],
    related: tuple[Source, ...] = (),
    subject: str | None = None,
) -> Finding:
    return Finding(check_id, Verdict.UNKNOWN, resource, message, related, missing=tuple(missing), subject=subject)
