"""JUnit XML (the Ant format GitLab, Jenkins and Azure DevOps read): one ``testsuite`` per check, one
``testcase`` per resource judged.

A FAILED finding is a ``failure`` (``type`` its severity); a "cannot tell" finding is a ``failure`` of
CKV2_PCX_0 at INFO, as checkov reports it; a finding a skip comment suppressed is ``skipped`` with its
reason; an input pcxguard could not read is an ``error`` in the suite ``pcxguard input problems``
(``type`` ``input-error`` for a broken input that fails the scan, ``input-problem`` for a note).

Validated in the tests against the Jenkins xUnit plugin's published ``junit-10.xsd``
(``tests/schemas/jenkins-junit-10.xsd``), the strictest of the JUnit schemas CI servers apply: it has
no ``file`` / ``line`` attribute on ``testcase`` and no ``skipped`` on ``testsuites``, so where a
resource is (``file:line``) is said in the ``failure`` / ``skipped`` / ``error`` text and in the
test case's ``system-out``.
"""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree as ET

from pcxguard.engine import UNDECIDED_CHECK
from pcxguard.findings import Verdict
from pcxguard.scan import Report, Reported

PROBLEMS_SUITE = "pcxguard input problems"


def _where(file: str | None, line: int | None) -> str:
    if not file:
        return ""
    return file.replace("\\", "/") + (f":{line}" if line else "")


def _case(item: Reported, classname: str) -> ET.Element:
    f = item.finding
    return ET.Element("testcase", {"name": f"{f.resource.address}" + (f" [{f.subject}]" if f.subject else ""),
                                   "classname": classname, "time": "0"})


def _located(case: ET.Element, where: str) -> ET.Element:
    """The test case's ``system-out`` names the file and line (after its failure / skipped / error)."""
    if where:
        ET.SubElement(case, "system-out").text = where
    return case


def _text(item: Reported) -> str:
    f = item.finding
    where = _where(f.resource.file, f.resource.start_line)
    lines = [f.message, f"Resource: {f.resource.address}" + (f" ({where})" if where else "")]
    lines += [f"Missing: {m}" for m in f.missing]
    if f.fix:
        lines.append(f"Fix: {f.fix}")
    return "\n".join(lines)


def render(report: Report, **_: Any) -> str:
    suites: dict[str, list[ET.Element]] = {}
    titles: dict[str, str] = {}
    for item in report.findings:
        f = item.finding
        check = UNDECIDED_CHECK if f.verdict is Verdict.UNKNOWN else f.check_id
        titles.setdefault(check, item.title if check == f.check_id else check)
        case = _case(item, check)
        if f.verdict is Verdict.FAILED:
            ET.SubElement(case, "failure", {"message": f"{f.check_id} {item.title}", "type": item.severity}).text = \
                _text(item)
        elif f.verdict is Verdict.UNKNOWN:
            ET.SubElement(case, "failure", {"message": f"{f.check_id} cannot tell", "type": item.severity}).text = \
                _text(item)
        suites.setdefault(check, []).append(_located(case, _where(f.resource.file, f.resource.start_line)))
    for skipped in report.skipped:
        f = skipped.item.finding
        titles.setdefault(f.check_id, skipped.item.title)
        case = _case(skipped.item, f.check_id)
        where = _where(f.resource.file, f.resource.start_line)
        ET.SubElement(case, "skipped", {"message": skipped.reason}).text = \
            f"{f.check_id} {f.verdict.value} on {f.resource.address}" + (f" ({where})" if where else "") + \
            f", skipped: {skipped.reason}"
        suites.setdefault(f.check_id, []).append(_located(case, where))
    for problem in report.problems:
        where = _where(problem.file, problem.line)
        case = ET.Element("testcase", {"name": problem.address or problem.file, "classname": PROBLEMS_SUITE,
                                       "time": "0"})
        if problem.fails_closed:
            attributes = {"message": "broken input: the scan fails until it is fixed", "type": "input-error"}
        else:
            attributes = {"message": "pcxguard could not read this input", "type": "input-problem"}
        ET.SubElement(case, "error", attributes).text = f"{where}: " + (
            f"{problem.address}: " if problem.address else "") + problem.message
        suites.setdefault(PROBLEMS_SUITE, []).append(_located(case, where))

    def number(name: str) -> int:
        return int(name.rsplit("_", 1)[1]) if name.startswith("CKV2_PCX_") else 10**6

    root = ET.Element("testsuites", {"name": "pcxguard"})
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    stamp = datetime.now(UTC).replace(microsecond=0, tzinfo=None).isoformat()
    host = socket.gethostname() or "localhost"
    for index, name in enumerate(sorted(suites, key=number)):
        cases = suites[name]
        counts = {"tests": len(cases),
                  "failures": sum(1 for c in cases if c.find("failure") is not None),
                  "errors": sum(1 for c in cases if c.find("error") is not None),
                  "skipped": sum(1 for c in cases if c.find("skipped") is not None)}
        for key, value in counts.items():
            totals[key] += value
        label = f"{name}: {titles[name]}" if name in titles and titles[name] != name else name
        suite = ET.SubElement(root, "testsuite", {"name": label, "id": str(index), "package": "pcxguard",
                                                   "timestamp": stamp, "hostname": host, "time": "0",
                                                   **{k: str(v) for k, v in counts.items()}})
        ET.SubElement(suite, "properties")
        suite.extend(cases)
        ET.SubElement(suite, "system-out")
        ET.SubElement(suite, "system-err")
    # the Jenkins schema has no "skipped" on <testsuites>: each <testsuite> carries its own count
    root.attrib.update({k: str(v) for k, v in totals.items() if k != "skipped"}, time="0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
