"""SARIF 2.1.0: one rule per catalogue entry, one result per failed or undecided finding.

A result's location is the offending resource (file, lines when known, and its
address as a logical location); ``relatedLocations`` are the other resources
the finding names. pcxguard's fixes are instructions, not text edits, so they
go in the message and ``properties.fix`` rather than SARIF ``fixes`` (which
require exact ``artifactChanges``). "Cannot tell" findings are results of
CKV2_PCX_0 at level ``note``, naming the undecided check and what is missing.

URIs are relative to the repository root (``--base-dir``, else the git top level of the
current directory, else the current directory) with ``uriBaseId: %SRCROOT%``, and
``originalUriBaseIds`` says where ``%SRCROOT%`` was; GitHub code scanning resolves them
against the checkout. A file outside the base directory gets an absolute ``file://`` URI.
Findings a skip comment or CloudFormation Metadata suppressed are results with
``suppressions: [{kind: inSource, justification: <reason>}]``.

Input problems are ``toolExecutionNotifications`` (with the file and line). A broken input (an invalid
value, a ``.tf`` file or root module that could not be read, an invalid configuration: the problems
that make the scan exit 2) is also a result of the rule ``pcxguard-input-error`` at level ``error``, so
code scanning shows it on the file and line like a failed check.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pcxguard import __version__
from pcxguard.catalogue import Policy, catalogue
from pcxguard.engine import UNDECIDED_CHECK
from pcxguard.findings import Verdict
from pcxguard.model import LoadProblem, Source
from pcxguard.outputs import indented_json
from pcxguard.paths import base_directory, relative_to
from pcxguard.scan import Report, Reported

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/pcxguard/pcxguard"
LEVELS = {"CRITICAL": "error", "HIGH": "error", "MEDIUM": "warning", "LOW": "warning", "INFO": "note"}
# GitHub code scanning reads properties.security-severity (CVSS-like, 0.0-10.0)
SECURITY_SEVERITY = {"CRITICAL": "9.5", "HIGH": "8.0", "MEDIUM": "5.5", "LOW": "3.0", "INFO": "0.0"}
SRCROOT = "%SRCROOT%"
INPUT_ERROR_RULE = {
    "id": "pcxguard-input-error",
    "name": "BrokenInput",
    "shortDescription": {"text": "pcxguard could not read part of an input (broken input, not 'cannot tell')"},
    "fullDescription": {"text": "An invalid value inside a resource, a .tf file or root module that could not be "
                                "read or evaluated, or an invalid configuration. pcxguard cannot judge what "
                                "rests on it, so the scan fails until it is fixed."},
    "helpUri": f"{INFORMATION_URI}#broken-is-not-cannot-tell-pcxguard-fails-closed",
    "defaultConfiguration": {"level": "error"},
    "properties": {"tags": ["pcxguard", "input"], "problem.severity": "error"},
}


def artifact_location(file: str, base: str) -> dict[str, Any]:
    """A SARIF artifactLocation: relative to ``base`` under %SRCROOT%, else an absolute file URI."""
    inside = relative_to(file, base)
    if inside is not None:
        return {"uri": quote(inside), "uriBaseId": SRCROOT}
    return {"uri": Path(os.path.abspath(file)).as_uri()}


def help_markdown(entry: Policy) -> str:
    parts = [f"**{entry.title}**", "", entry.description, "", "**Why it matters.** " + entry.rationale, "",
             "**Fix.** " + entry.remediation]
    if entry.example_fail:
        parts += ["", "Fails:", "", "```hcl", entry.example_fail, "```"]
    if entry.references:
        parts += ["", "References:", *[f"- [{r.title}]({r.url})" for r in entry.references]]
    return "\n".join(parts)


def rule(entry: Policy) -> dict[str, Any]:
    return {
        "id": entry.id,
        "name": "".join(w.capitalize() for w in entry.title.replace("-", " ").split() if w.isalnum())[:100] or entry.id,
        "shortDescription": {"text": entry.title},
        "fullDescription": {"text": entry.description},
        "help": {"text": f"{entry.description}\n\nWhy: {entry.rationale}\n\nFix: {entry.remediation}",
                 "markdown": help_markdown(entry)},
        "helpUri": entry.guideline,
        "defaultConfiguration": {"level": LEVELS[entry.severity]},
        "properties": {"tags": ["security", "networking", "aws", "vpc-peering"],
                       "security-severity": SECURITY_SEVERITY[entry.severity],
                       "problem.severity": {"error": "error", "warning": "warning", "note": "recommendation"}[LEVELS[entry.severity]]},
    }


def _physical(source: Source, base: str, memo: dict[str, dict[str, Any]] | None = None) -> dict[str, Any] | None:
    """``memo``: one per report, the artifact location of each file worked out once (a path's relation to
    the base directory, per location, was a third of a big report's time)."""
    if not source.file:
        return None
    artifact = memo.get(source.file) if memo is not None else None
    if artifact is None:
        artifact = artifact_location(source.file, base)
        if memo is not None:
            memo[source.file] = artifact
    location: dict[str, Any] = {"artifactLocation": dict(artifact)}
    if source.start_line:
        region: dict[str, Any] = {"startLine": source.start_line}
        if source.end_line and source.end_line >= source.start_line:
            region["endLine"] = source.end_line
        location["region"] = region
    return location


def _location(source: Source, base: str, memo: dict[str, dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    location: dict[str, Any] = dict(extra)
    physical = _physical(source, base, memo)
    if physical:
        location["physicalLocation"] = physical
    location["logicalLocations"] = [{"fullyQualifiedName": source.address, "kind": "resource"}]
    return location


def result(item: Reported, rule_index: dict[str, int], base: str | None = None,
           memo: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    base = base or base_directory()
    f = item.finding
    if f.verdict is Verdict.UNKNOWN:
        rule_id = UNDECIDED_CHECK
        text = f"{f.check_id} cannot tell for {f.resource.address}: {f.message}"
        if f.missing:
            text += " Missing: " + "; ".join(f.missing)
    else:
        rule_id = f.check_id
        text = f.message + (f" Fix: {f.fix}" if f.fix else "")
    out: dict[str, Any] = {
        "ruleId": rule_id,
        "level": LEVELS.get(item.severity, "warning"),
        "message": {"text": text},
        "locations": [_location(f.resource, base, memo)],
        "partialFingerprints": {"pcxguard/v2": item.fingerprint},
        "properties": {"check": f.check_id, "verdict": f.verdict.value, "severity": item.severity,
                       "resourceType": f.resource.resource_type},
    }
    if rule_id in rule_index:
        out["ruleIndex"] = rule_index[rule_id]
    if f.related:
        out["relatedLocations"] = [_location(s, base, memo, id=i, message={"text": s.address})
                                   for i, s in enumerate(f.related)]
    if f.fix:
        out["properties"]["fix"] = f.fix
    if f.missing:
        out["properties"]["missing"] = list(f.missing)
    return out


def _problem_location(problem: LoadProblem, base: str) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": artifact_location(problem.file, base)}
    if problem.line:
        physical["region"] = {"startLine": problem.line}
    location: dict[str, Any] = {"physicalLocation": physical}
    if problem.address:
        location["logicalLocations"] = [{"fullyQualifiedName": problem.address, "kind": "resource"}]
    return location


def _problem_text(problem: LoadProblem) -> str:
    return f"{problem.where}: {problem.message}" + (f" ({problem.address})" if problem.address else "")


def input_error(problem: LoadProblem, index: int, base: str) -> dict[str, Any]:
    return {"ruleId": INPUT_ERROR_RULE["id"], "ruleIndex": index, "level": "error",
            "message": {"text": "broken input, not 'cannot tell' (the scan fails until it is fixed): "
                                + _problem_text(problem)},
            "locations": [_problem_location(problem, base)],
            "properties": {"failsClosed": True}}


def _skipped(skipped: Any, rule_index: dict[str, int], base: str) -> dict[str, Any]:
    """A finding a skip comment suppressed, whatever its verdict (checkov reports every skipped check): a
    finding that would have passed is a result of ``kind: pass`` (level ``none``)."""
    out = {**result(skipped.item, rule_index, base),
           "suppressions": [{"kind": "inSource", "justification": skipped.reason}]}
    if skipped.item.verdict is Verdict.PASSED:
        out.update(kind="pass", level="none")
    return out


def as_data(report: Report) -> dict[str, Any]:
    policies = list(catalogue().values())
    rule_index = {p.id: i for i, p in enumerate(policies)}
    base = base_directory(report.base_dir)
    memo: dict[str, dict[str, Any]] = {}
    notifications = [
        {"level": "error" if p.fails_closed else "warning", "message": {"text": _problem_text(p)},
         "descriptor": {"id": "input-error" if p.fails_closed else "input-problem"},
         "locations": [_problem_location(p, base)]}
        for p in report.problems
    ]
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "pcxguard", "version": __version__, "semanticVersion": __version__,
                            "informationUri": INFORMATION_URI,
                            "rules": [rule(p) for p in policies] + [INPUT_ERROR_RULE]}},
        "results": [result(r, rule_index, base, memo) for r in report.failed + report.unknown] + [
            _skipped(s, rule_index, base) for s in report.skipped] + [
            input_error(p, len(policies), base) for p in report.fatal],
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
        "originalUriBaseIds": {SRCROOT: {"uri": Path(base).as_uri().rstrip("/") + "/"}},
        "properties": {"suppressedByBaseline": report.suppressed},
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(report: Report, **_: Any) -> str:
    return indented_json(as_data(report))
