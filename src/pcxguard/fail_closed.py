"""Which results a broken input fails, whatever silences "cannot tell" (both front doors read this).

A ``LoadProblem`` with ``fails_closed`` is a broken input, not a gap in what the scan can see:

- on a resource (an invalid value in it): every pcxguard check on that resource;
- on no resource (a ``.tf`` file of the root that could not be read or parsed, a root module the
  evaluator could not read or that timed out, a resource the loader had to drop): every check on every
  resource of that input (the root module, the plan, or that one template);
- and a "cannot tell" that rests on an invalid value (its ``missing`` ends with a hint of
  ``model.INVALID_VALUE_HINTS``) fails that check, and CKV2_PCX_0, on the resource it is about: a
  broken value never waves a peering through as "cannot tell".

Each reason names the file, the line when known, the resource and what is wrong.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from pcxguard.findings import Verdict
from pcxguard.model import INVALID_VALUE_HINTS, LoadProblem

UNDECIDED_CHECK = "CKV2_PCX_0"


LINKED_PREFIX = "pcxguard cannot judge this resource: its verdict rests on an invalid value: "


def shown(path: str) -> str:
    """A path as a user reads it: relative to the current directory when it lies under it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # pragma: no cover - another drive on Windows
        return path
    return path if relative == os.pardir or relative.startswith(os.pardir + os.sep) else relative


def describe(problem: LoadProblem) -> str:
    """``file:line: resource: message`` (the parts that are known)."""
    where = shown(problem.file) + (f":{problem.line}" if problem.line else "")
    message = problem.message
    return f"{where}: {problem.address}: {message}" if problem.address else f"{where}: {message}"


def _rests_on_invalid_value(missing: Iterable[str]) -> bool:
    return any(text.rstrip().endswith(f"({hint})") for text in missing for hint in INVALID_VALUE_HINTS)


def _file(path: str | None) -> str | None:
    return os.path.abspath(path) if path else None


@dataclass
class FailClosed:
    """The fail-closed causes of one analysis, indexed once."""

    whole: list[LoadProblem] = field(default_factory=list)  # problems on no resource
    on_resource: dict[str, list[LoadProblem]] = field(default_factory=lambda: defaultdict(list))
    # (check id, resource address) -> the invalid-value problems a "cannot tell" of it rests on
    linked: dict[tuple[str, str], list[LoadProblem]] = field(default_factory=lambda: defaultdict(list))
    # template (absolute path) -> FAILED findings on resources an Fn::ForEach loop made there: checkov does
    # not expand loops, never asks about them, and they would pass unseen; they fail the template instead
    hidden: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def __bool__(self) -> bool:
        return bool(self.whole or self.on_resource or self.linked or self.hidden)

    def reason(self, check_id: str, address: str, file: str | None = None) -> str | None:
        """Why ``check_id`` must fail closed on the resource at ``address`` (in ``file``, for a
        CloudFormation template: only its own problems count), or None."""
        target = _file(file)

        def mine(problem: LoadProblem) -> bool:
            return target is None or _file(problem.file) == target

        whole = [p for p in self.whole if mine(p)]
        if whole:
            return "pcxguard could not read all of this input: " + "; ".join(describe(p) for p in whole)
        own = [p for p in self.on_resource.get(address, ()) if mine(p)]
        if own:
            return "pcxguard found an invalid value in this resource: " + "; ".join(describe(p) for p in own)
        linked = self.linked.get((check_id, address))
        if linked:
            return LINKED_PREFIX + "; ".join(describe(p) for p in linked)
        hidden = self.hidden.get(target) if target is not None else None
        if hidden:
            return "pcxguard found failures checkov cannot show in this template: " + "; ".join(hidden)
        return None


def fail_closed_causes(problems: list[LoadProblem], findings: Iterable,
                       loop_made: Mapping[str, str] | None = None) -> FailClosed:
    """``loop_made``: CloudFormation resources an Fn::ForEach loop made (``file#LogicalId`` -> the loop)."""
    causes = FailClosed()
    findings = list(findings)
    made = {(_file(key.rsplit("#", 1)[0]), key.rsplit("#", 1)[1]): loop for key, loop in (loop_made or {}).items()}
    for finding in findings if made else ():
        template = _file(finding.resource.file)
        loop = made.get((template, finding.resource.address))
        if finding.verdict is Verdict.FAILED and template is not None and loop is not None:
            causes.hidden[template].append(
                f"{finding.check_id} FAILED on {finding.resource.address}, which {loop} makes and checkov does not "
                f"expand: {finding.message} (run pcxguard scan {finding.resource.file} for the full report)")
    invalid: list[LoadProblem] = []
    for problem in problems:
        if not problem.fails_closed:
            continue
        if problem.address is None:
            if problem not in causes.whole:
                causes.whole.append(problem)
        elif problem not in causes.on_resource[problem.address]:
            causes.on_resource[problem.address].append(problem)
            invalid.append(problem)
    if not invalid:
        return causes
    for finding in findings:
        if finding.verdict is not Verdict.UNKNOWN or not _rests_on_invalid_value(finding.missing):
            continue
        text = " ".join(finding.missing)
        named = [p for p in invalid if f"of {p.address} " in text or f"of {p.address}:" in text] or invalid
        for key in ((finding.check_id, finding.resource.address), (UNDECIDED_CHECK, finding.resource.address)):
            for problem in named:
                if problem not in causes.linked[key]:
                    causes.linked[key].append(problem)
    return causes
