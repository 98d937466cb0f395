"""GitHub Actions workflow commands: one annotation per failed or undecided finding.

``::error file=F,line=L,endLine=E,title=T::message``. Levels: HIGH and CRITICAL
-> error, MEDIUM and LOW -> warning, INFO and "cannot tell" -> notice. Escaping
follows the actions toolkit (``toCommandValue`` / ``escapeData`` /
``escapeProperty``): ``%``, CR and LF in the message; also ``:`` and ``,`` in
properties.
"""

from __future__ import annotations

from typing import Any

from pcxguard.findings import Verdict
from pcxguard.scan import Report, Reported

LEVELS = {"CRITICAL": "error", "HIGH": "error", "MEDIUM": "warning", "LOW": "warning", "INFO": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(item: Reported) -> str:
    f = item.finding
    level = "notice" if f.verdict is Verdict.UNKNOWN else LEVELS.get(item.severity, "warning")
    props: list[tuple[str, str]] = []
    if f.resource.file:
        props.append(("file", f.resource.file.replace("\\", "/")))
        if f.resource.start_line:
            props.append(("line", str(f.resource.start_line)))
            if f.resource.end_line:
                props.append(("endLine", str(f.resource.end_line)))
    if f.verdict is Verdict.UNKNOWN:
        title = f"{f.check_id} cannot tell: {f.resource.address}"
        body = f.message + "".join(f"\nMissing: {m}" for m in f.missing)
    else:
        title = f"{f.check_id} {item.title}: {f.resource.address}"
        body = f.message + (f"\nFix: {f.fix}" if f.fix else "")
    props.append(("title", title))
    prop_text = ",".join(f"{k}={escape_property(v)}" for k, v in props)
    return f"::{level} {prop_text}::{escape_data(body)}"


def render(report: Report, **_: Any) -> str:
    lines = [annotation(r) for r in report.failed + report.unknown]
    for problem in report.problems:
        props = f"file={escape_property(problem.file.replace(chr(92), '/'))}"
        if problem.line:
            props += f",line={problem.line}"
        if problem.fails_closed:
            title = "pcxguard: broken input (fails the scan)" + (f": {problem.address}" if problem.address else "")
        else:
            title = "pcxguard could not read this input"
        props += f",title={escape_property(title)}"
        lines.append(f"::error {props}::{escape_data(problem.message)}")
    for skipped in report.skipped:  # every skipped finding, whatever its verdict, as checkov reports them
        f = skipped.item.finding
        pairs: list[tuple[str, str]] = []
        if f.resource.file:
            pairs.append(("file", f.resource.file.replace("\\", "/")))
            if f.resource.start_line:
                pairs.append(("line", str(f.resource.start_line)))
        pairs.append(("title", f"{f.check_id} skipped: {f.resource.address}"))
        prop_text = ",".join(f"{k}={escape_property(v)}" for k, v in pairs)
        verdict = "" if f.verdict is Verdict.FAILED else f" (would have been {f.verdict.value})"
        lines.append(f"::notice {prop_text}::{escape_data(f'skipped ({skipped.reason}){verdict}: {f.message}')}")
    if report.suppressed:
        lines.append(f"::notice title=pcxguard baseline::{report.suppressed} known failure(s) suppressed by the baseline")
    return "\n".join(lines) + ("\n" if lines else "")
