"""Run the rules over an estate and index the findings by resource."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from pcxguard.findings import Finding, Verdict, worst
from pcxguard.model import Estate, LoadProblem
from pcxguard.rules import RULES
from pcxguard.settings import Settings

UNDECIDED_CHECK = "CKV2_PCX_0"


@dataclass
class Analysis:
    estate: Estate
    findings: list[Finding] = field(default_factory=list)

    def __post_init__(self) -> None:
        by_resource: dict[tuple[str, str], list[Finding]] = defaultdict(list)
        # CKV2_PCX_0 asks for every resource: index its answer once instead of scanning all findings per call
        undecided: dict[str, list[Finding]] = defaultdict(list)
        unknown = Verdict.UNKNOWN
        for finding in self.findings:  # the rules run check by check, so each list stays in check order
            address = finding.resource.address
            by_resource[(finding.check_id, address)].append(finding)
            if finding.verdict is unknown:
                undecided[address].append(finding)
        self._by_resource = by_resource
        self._undecided_by_address = undecided

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
    return Analysis(estate, findings)
