"""The terminal report: findings grouped by the peering connection they concern.

A finding belongs to a peering when it is about the peering or names it as
related (a route over it); the rest are listed under "Other resources".
Colour only when asked (the command asks when stdout is a terminal and
NO_COLOR is unset).
"""

from __future__ import annotations

import textwrap
from functools import lru_cache
from typing import Any

from pcxguard.findings import Verdict
from pcxguard.model import Source
from pcxguard.scan import Report, Reported

PEERING_TYPES = ("aws_vpc_peering_connection", "AWS::EC2::VPCPeeringConnection")
_ANSI = {"red": "31", "yellow": "33", "green": "32", "grey": "90", "bold": "1"}
_VERDICT_COLOUR = {Verdict.FAILED: "red", Verdict.UNKNOWN: "yellow", Verdict.PASSED: "green"}
def not_evaluated_modules(report: Any) -> list[Any]:
    """Module calls the scan could not evaluate (not installed, unknown count / for_each), once each."""
    seen: dict[str, Any] = {}
    for analysis in report.analyses:
        for gap in analysis.estate.gaps:
            if gap.resource_type == "module" and gap.address and gap.address not in seen:
                seen[gap.address] = gap
    return list(seen.values())


@lru_cache(maxsize=256)  # asked for every passed check of every group: a few ids, many times
def _check_order(check_id: str) -> tuple[str, int]:
    """CKV2_PCX_2 before CKV2_PCX_16: ids in their numeric order, as the catalogue lists them."""
    prefix, _, number = check_id.rpartition("_")
    return (prefix, int(number)) if number.isdigit() else (check_id, -1)


_VERDICT_WORD = {Verdict.FAILED: "FAILED", Verdict.UNKNOWN: "CANNOT TELL", Verdict.PASSED: "passed"}


_OTHER_SPACE = frozenset("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f")  # ASCII that str.strip() takes for space


def _wrap(text: str, width: int) -> list[str]:
    """``textwrap.wrap(text, width, break_on_hyphens=False, break_long_words=False)``: never split an
    address or CIDR at a hyphen or mid-word. ASCII words joined by single spaces (nearly every message
    pcxguard writes) are filled here, 4x faster; anything else (tabs, newlines, runs of spaces, other
    characters textwrap may take for space) goes to textwrap.
    A test holds the two to the same lines."""
    if (not text or not text.isascii() or text[0] == " " or text[-1] == " " or "  " in text
            or not _OTHER_SPACE.isdisjoint(text)):
        return textwrap.wrap(text, width, break_on_hyphens=False, break_long_words=False)
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        if not line:
            line = word
        elif len(line) + 1 + len(word) <= width:
            line = f"{line} {word}"
        else:
            lines.append(line)
            line = word
    lines.append(line)
    return lines


def _where(source: Source) -> str:
    if not source.file:
        return ""
    if source.start_line:
        return f"{source.file}:{source.start_line}"
    return source.file


def _peering_of(item: Reported) -> Source | None:
    finding = item.finding
    if finding.resource.resource_type in PEERING_TYPES:
        return finding.resource
    for src in finding.related:
        if src.resource_type in PEERING_TYPES:
            return src
    return None


_RANK_OF = {v: v.rank for v in Verdict}.__getitem__  # a verdict's rank, without a property call per finding


def render(report: Report, colour: bool = False, **_: Any) -> str:
    def paint(text: str, name: str) -> str:
        return f"\x1b[{_ANSI[name]}m{text}\x1b[0m" if colour else text

    out: list[str] = []
    groups: dict[tuple[str | None, str] | None, list[Reported]] = {}
    titles: dict[tuple[str | None, str] | None, Source] = {}
    for item in report.findings:
        peering = _peering_of(item)
        key = (peering.file, peering.address) if peering else None
        groups.setdefault(key, []).append(item)
        if peering:
            titles[key] = peering
    ordered = sorted(groups, key=lambda k: (k is None, k or ("", "")))
    for key in ordered:
        items = groups[key]
        verdict = max({i.verdict for i in items}, key=_RANK_OF)
        header = titles[key].address if key else "Other resources"
        where = _where(titles[key]) if key else ""
        out.append(paint(header, "bold") + (paint(f"  ({where})", "grey") if where else "")
                   + "  " + paint(_VERDICT_WORD[verdict], _VERDICT_COLOUR[verdict]))
        for item in items:
            f = item.finding
            if f.verdict is Verdict.PASSED:
                continue
            word = paint(f"{_VERDICT_WORD[f.verdict]:<11}", _VERDICT_COLOUR[f.verdict])
            out.append(f"  {word} {f.check_id} [{item.severity}] {item.title}")
            out.append(f"              on {f.resource.address}" + (f" ({_where(f.resource)})" if f.resource.file else ""))
            for line in _wrap(f.message, 96):
                out.append("              " + line)
            for missing in f.missing:
                out.append("              " + paint("missing: ", "yellow") + missing)
            if f.fix:
                for i, line in enumerate(_wrap(f.fix, 91)):
                    out.append("              " + (paint("fix: ", "green") if i == 0 else "     ") + line)
        passed = sorted({i.finding.check_id for i in items if i.verdict is Verdict.PASSED}, key=_check_order)
        if passed:
            out.append("  " + paint(f"passed: {', '.join(passed)}", "grey"))
        out.append("")
    broken = [p for p in report.problems if p.fails_closed]
    if broken:
        out.append(paint("Input errors (broken input, not 'cannot tell': the scan fails until they are fixed)", "bold"))
        for problem in broken:
            out.append(paint("  ERROR ", "red") + f"{problem.where}: " + (f"{problem.address}: " if problem.address else "")
                       + problem.message)
        out.append("")
    notes = [p for p in report.problems if not p.fails_closed]
    if notes:
        out.append(paint("Input problems", "bold"))
        for problem in notes:
            out.append(f"  {problem.where}: " + (f"{problem.address}: " if problem.address else "") + problem.message)
        out.append("")
    modules = not_evaluated_modules(report)
    if modules:
        out.append(paint("Not evaluated (what these declare is judged by no check)", "bold"))
        for gap in modules:
            where = f" ({gap.file}:{gap.line})" if gap.file and gap.line else ""
            out.append(f"  {gap.address}{where}: {gap.describe()}")
        out.append("")
    if report.skipped:
        out.append(paint("Skipped (suppressed in the code)", "bold"))
        for skipped in report.skipped:
            f = skipped.item.finding
            where = f" ({_where(f.resource)})" if f.resource.file else ""
            out.append(f"  {f.check_id} {_VERDICT_WORD[f.verdict]} on {f.resource.address}{where}: "
                       f"skipped: {skipped.reason}")
        out.append("")
    counts = report.counts()
    summary = (f"{counts['failed']} failed, {counts['unknown']} cannot tell, {counts['passed']} passed, "
               f"{counts['problems']} input problem(s); {len(report.inputs)} input(s) scanned")
    if report.fatal:
        summary += f"; {len(report.fatal)} input error(s) fail the scan"
    if report.skipped:
        summary += f"; {len(report.skipped)} skipped"
    if report.suppressed:
        summary += f"; {report.suppressed} known failure(s) suppressed by the baseline"
    if modules:
        summary += f"; {len(modules)} module call(s) not evaluated"
    colour_name = "red" if counts["failed"] or report.fatal else ("yellow" if counts["unknown"] or modules else "green")
    out.append(paint(summary, colour_name))
    return "\n".join(out) + "\n"
