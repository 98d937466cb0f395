"""Run the rules over an estate and index the findings by resource."""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from pcxguard.catalogue import catalogue
from pcxguard.findings import Finding, Verdict, cannot_tell, worst
from pcxguard.model import Estate, LoadProblem, Source
from pcxguard.rules import DECLARATION_CHECKS, RULES
from pcxguard.settings import Settings

UNDECIDED_CHECK = "CKV2_PCX_0"


@dataclass
class Analysis:
    estate: Estate
    findings: list[Finding] = field(default_factory=list)

    def _index(self) -> None:
        """The findings by (check, resource) and the "cannot tell" ones by resource, built when checkov first
        asks (``pcxguard scan`` never does: 38,000 findings of a big plan need no index there)."""
        by_resource: dict[tuple[str, str], list[Finding]] = defaultdict(list)
        # CKV2_PCX_0 asks for every resource: index its answer once instead of scanning all findings per call
        undecided: dict[str, list[Finding]] = defaultdict(list)
        unknown = Verdict.UNKNOWN
        for finding in self.findings:  # the rules run check by check, so each list stays in check order
            address = finding.resource.address
            by_resource[(finding.check_id, address)].append(finding)
            if finding.verdict is unknown:
                undecided[address].append(finding)
        self.__dict__["_by_resource"] = by_resource
        self.__dict__["_undecided_by_address"] = undecided

    def __getattr__(self, name: str) -> Any:  # only for attributes not set yet: the two indexes
        if name in ("_by_resource", "_undecided_by_address"):
            self._index()
            return self.__dict__[name]
        raise AttributeError(name)

    @property
    def problems(self) -> list[LoadProblem]:
        return self.estate.problems

    def problems_at(self, address: str) -> list[LoadProblem]:
        """The input problems recorded on one resource (indexed: asked once per check and resource)."""
        problems = self.estate.problems
        if getattr(self, "_problems_indexed", -1) != len(problems):
            self._problems_by_address: dict[str | None, list[LoadProblem]] = defaultdict(list)
            for problem in problems:
                self._problems_by_address[problem.address].append(problem)
            self._problems_indexed = len(problems)
        return self._problems_by_address.get(address, [])

    def for_resource(self, check_id: str, address: str) -> list[Finding]:
        if check_id == UNDECIDED_CHECK:
            return list(self._undecided_by_address.get(address, ()))
        return self._by_resource.get((check_id, address), [])

    def addresses_with(self, check_id: str) -> list[str]:
        """Every resource address that has findings of ``check_id``, or input problems for CKV2_PCX_0."""
        if check_id == UNDECIDED_CHECK:
            return list(dict.fromkeys([*self._undecided_by_address, *(p.address for p in self.problems if p.address)]))
        return [address for (cid, address) in self._by_resource if cid == check_id]

    def modelled(self, address: str, file: str | None = None) -> bool:
        """Whether the model holds the resource at ``address`` (in ``file``, when given): only then can a
        check's silence about it mean "nothing wrong"."""
        if getattr(self, "_modelled", None) is None:
            self._modelled: set[tuple[str, str | None]] = set()
            for source in self.estate.all_sources():
                self._modelled.add((source.address, None))
                if source.file:
                    self._modelled.add((source.address, os.path.abspath(source.file)))
        return (address, os.path.abspath(file) if file else None) in self._modelled

    def unjudged_reason(self, address: str, conf: dict | None = None, file: str | None = None) -> str | None:
        """Why no check has a verdict for a resource checkov asks about, or None when the model holds it
        (or it has no instances at all). Under checkov such a resource must never be PASSED."""
        if self.modelled(address, file):
            return None
        conf = conf or {}
        if file is not None:
            key = f"{file}#{address}"
            for left, why in self.estate.left_out.items():
                if left == key or (os.path.abspath(left.rsplit("#", 1)[0]) == os.path.abspath(file)
                                   and left.rsplit("#", 1)[1] == address):
                    return why
        for gap in self.estate.gaps:
            if gap.address == address:
                if gap.not_over_peering:
                    return None  # whatever its count, no instance is a route over a peering: nothing to fail
                return f"pcxguard could not expand {address}: {gap.describe()}"
        instances = any(source.address.startswith(address + "[") for source in self.estate.all_sources())
        if "for_each" in conf or instances:
            return (f"checkov could not expand the for_each (or count) of {address}, so it asks about the block, "
                    "not its instances; pcxguard judges the instances: run checkov on the plan "
                    "(terraform show -json), or use pcxguard scan")
        if conf.get("count") == [0]:
            return None  # no instances: nothing to judge
        return (f"pcxguard has no model of {address}, so no verdict; scan the plan (terraform show -json) or "
                "use pcxguard scan")

    def verdict(self, check_id: str, address: str) -> Verdict:
        found = self.for_resource(check_id, address)
        if check_id == UNDECIDED_CHECK:
            return Verdict.FAILED if found else Verdict.PASSED
        return worst(found)


def analyse(estate: Estate, settings: Settings | None = None) -> Analysis:
    settings = settings or Settings()
    findings: list[Finding] = []
    for check_id, rule in RULES.items():
        if check_id in settings.disabled_checks:
            continue
        findings.extend(rule(estate, settings))
    findings.extend(unjudged(estate, findings, settings))
    return Analysis(estate, findings)


def unjudged(estate: Estate, findings: list[Finding], settings: Settings) -> list[Finding]:
    """"Cannot tell" for every resource a loader could not expand or place (a block whose count or
    for_each is unknown, a route on a table it cannot name, ...), from each check that reports on its
    type and said nothing about it: no scan reads "nothing found" where nothing was judged."""
    if not estate.gaps:
        return []  # nothing unexpanded or unplaced: the sets below are not worth building
    judged = {(f.check_id, f.resource.address) for f in findings}
    by_type: dict[str, list[str]] = defaultdict(list)
    for check_id, entry in catalogue().items():
        if check_id in RULES and check_id not in settings.disabled_checks and check_id not in DECLARATION_CHECKS:
            for resource_type in (*entry.terraform_types, *entry.cloudformation_types):
                by_type[resource_type].append(check_id)
    out: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    kinds = {source.kind for source in estate.all_sources()} - {"inventory"}
    terraform_kind = "terraform_plan" if kinds == {"terraform_plan"} else "terraform"
    for gap in estate.gaps:
        if not gap.address or not gap.resource_type or gap.not_over_peering:
            continue  # a route that names no peering is judged: no check on routes over a peering applies
        for check_id in by_type.get(gap.resource_type, ()):
            if (check_id, gap.address) in judged or (check_id, gap.address) in seen:
                continue
            seen.add((check_id, gap.address))
            kind = "cloudformation" if "::" in gap.resource_type else terraform_kind
            source = estate.sources.get(gap.address) or Source(kind, gap.resource_type, gap.address, gap.file,
                                                               gap.line, gap.line)
            out.append(cannot_tell(check_id, source, f"Cannot tell: pcxguard could not evaluate {gap.address}, so no check judged it.",
                                   [gap.describe()]))
    return out
