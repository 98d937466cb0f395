"""A pull-request summary GitHub renders: counts, failures, unknowns, problems and the topology.

The topology is a Mermaid ``flowchart``: VPCs grouped by region, peerings as
edges coloured by verdict (red failed, grey cannot tell, green passed).
"""

from __future__ import annotations

from typing import Any

from pcxguard.outputs import topology
from pcxguard.scan import Report


def cell(text: Any) -> str:
    """A table cell: no line breaks, pipes escaped, HTML-sensitive characters made inert."""
    value = "" if text is None else str(text)
    return value.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;").replace(
        "\r", " ").replace("\n", "<br>")


def _where(source: Any) -> str:
    if not source.file:
        return ""
    return f"`{source.file}:{source.start_line}`" if source.start_line else f"`{source.file}`"


def render(report: Report, **_: Any) -> str:
    counts = report.counts()
    status = ":x:" if counts["failed"] or report.fatal else (":grey_question:" if counts["unknown"] else ":white_check_mark:")
    out = [f"## {status} pcxguard: {counts['failed']} failed, {counts['unknown']} cannot tell, {counts['passed']} passed",
           "",
           "| Result | Count |",
           "|---|---:|",
           f"| :x: Failed | {counts['failed']} |",
           f"| :grey_question: Cannot tell | {counts['unknown']} |",
           f"| :white_check_mark: Passed | {counts['passed']} |",
           f"| :warning: Input problems | {counts['problems']} |"]
    if report.fatal:
        out.append(f"| :x: Input errors (fail the scan) | {len(report.fatal)} |")
    if report.skipped:
        out.append(f"| :see_no_evil: Skipped in the code | {len(report.skipped)} |")
    if report.suppressed:
        out.append(f"| :zzz: Suppressed by baseline | {report.suppressed} |")
    out.append("")
    if report.failed:
        out += ["### Failures", "", "| Severity | Check | Resource | File | Message | Fix |", "|---|---|---|---|---|---|"]
        for item in report.failed:
            f = item.finding
            out.append(f"| {item.severity} | [{f.check_id}]({_guideline(f.check_id)}) | `{cell(f.resource.address)}` | "
                       f"{_where(f.resource)} | {cell(f.message)} | {cell(f.fix or '')} |")
        out.append("")
    if report.unknown:
        out += ["### Cannot tell", "", "pcxguard could not decide these; supplying what is missing turns them into verdicts.", ""]
        for item in report.unknown:
            f = item.finding
            out.append(f"- **{f.check_id}** `{f.resource.address}` {_where(f.resource)}: {cell(f.message)}")
            out.extend(f"  - missing: {cell(m)}" for m in f.missing)
        out.append("")
    broken = [p for p in report.problems if p.fails_closed]
    if broken:
        out += ["### :x: Input errors", "",
                "Broken input, not \"cannot tell\": the scan fails until these are fixed.", ""]
        out.extend(f"- `{cell(p.where)}`" + (f" `{cell(p.address)}`" if p.address else "") + f": {cell(p.message)}"
                   for p in broken)
        out.append("")
    notes = [p for p in report.problems if not p.fails_closed]
    if notes:
        out += ["### Input problems", ""]
        out.extend(f"- `{cell(p.where)}`" + (f" `{cell(p.address)}`" if p.address else "") + f": {cell(p.message)}"
                   for p in notes)
        out.append("")
    if report.skipped:
        out += ["### Skipped", "", "| Check | Verdict | Resource | File | Reason |", "|---|---|---|---|---|"]
        for skipped in report.skipped:
            f = skipped.item.finding
            out.append(f"| {f.check_id} | {f.verdict.value} | `{cell(f.resource.address)}` | {_where(f.resource)} | "
                       f"{cell(skipped.reason)} |")
        out.append("")
    graph = topology.build(report)
    if graph.edges:
        out += ["### Peering topology", "",
                "Edges: red failed, grey (dashed) cannot tell, green passed.", "",
                "```mermaid", topology.mermaid(graph).rstrip("\n"), "```", ""]
    return "\n".join(out)


def _guideline(check_id: str) -> str:
    from pcxguard.catalogue import catalogue

    entry = catalogue().get(check_id)
    return entry.guideline if entry else ""
