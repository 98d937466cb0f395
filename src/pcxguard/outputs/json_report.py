"""The JSON report (schema: ``schemas/report.schema.json``).

Top level: ``tool`` {name, version}, ``inputs`` [{path, kind}], ``summary``
(counts, passed included), ``findings`` (every failed finding; the passed ones too with
``include_passed``: ``pcxguard scan --include-passed``),
``unknowns`` (the findings pcxguard could not decide, with what is missing),
``problems`` (inputs or parts of inputs it could not read; ``fails_closed`` marks a broken input, which
makes the scan exit 2 whatever the flags), ``suppressed``
(failures hidden by a baseline) and ``skipped`` (findings a skip comment or
CloudFormation Metadata suppressed, each with its ``reason``).
"""

from __future__ import annotations

from typing import Any

from pcxguard import __version__
from pcxguard.findings import Verdict
from pcxguard.model import LoadProblem, Source
from pcxguard.outputs import indented_json
from pcxguard.scan import Report, Reported

SCHEMA_VERSION = 1


def _source(source: Source) -> dict[str, Any]:
    return {"address": source.address, "type": source.resource_type, "kind": source.kind, "file": source.file,
            "start_line": source.start_line, "end_line": source.end_line}


def finding_dict(item: Reported) -> dict[str, Any]:
    f = item.finding
    return {
        "check_id": f.check_id,
        "title": item.title,
        "severity": item.severity,
        "verdict": f.verdict.value,
        "resource": _source(f.resource),
        "subject": f.subject,
        "message": f.message,
        "related": [_source(s) for s in f.related],
        "fix": f.fix,
        "missing": list(f.missing),
        "fingerprint": item.fingerprint,
    }


def problem_dict(problem: LoadProblem) -> dict[str, Any]:
    return {"file": problem.file, "address": problem.address, "line": problem.line, "message": problem.message,
            "fails_closed": problem.fails_closed}


def as_data(report: Report, include_passed: bool = False) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "pcxguard", "version": __version__},
        "inputs": [{"path": i.path, "kind": i.kind} for i in report.inputs],
        "summary": report.counts(),
        # PASSED only when asked (as SARIF): on a big estate nearly every finding passes, and writing
        # them made the report 32 MB and the slowest part of a scan (benchmarks/RESULTS.md)
        "findings": [finding_dict(r) for r in report.findings if r.verdict is Verdict.FAILED
                     or (include_passed and r.verdict is Verdict.PASSED)],
        "unknowns": [finding_dict(r) for r in report.unknown],
        "problems": [problem_dict(p) for p in report.problems],
        "skipped": [{"finding": finding_dict(s.item), "reason": s.reason} for s in report.skipped],
    }


def render(report: Report, include_passed: bool = False, **_: Any) -> str:
    return indented_json(as_data(report, include_passed))
