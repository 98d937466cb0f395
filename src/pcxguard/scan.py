"""One run of ``pcxguard scan``: discover -> load -> merge inventory -> analyse -> a Report.

The report is what every output format renders: each finding with its
catalogue title, the severity that applies to it (catalogue, or the
configuration's override), a fingerprint for baselines, and the problems met.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable

from pcxguard.catalogue import catalogue
from pcxguard.config import Config, ConfigError, config_for, find_config
from pcxguard.discover import Input, discover, load_inputs
from pcxguard.engine import UNDECIDED_CHECK, Analysis, analyse
from pcxguard.findings import Finding, Verdict
from pcxguard.inventory import merge_inventory
from pcxguard.model import LoadProblem
from pcxguard.paths import stable_name
from pcxguard.suppressions import Selection, carries_skips, skip_reason, skips_in

SEVERITIES = ("INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL")


_SEVERITY_RANKS = {name: rank for rank, name in enumerate(SEVERITIES)}


def severity_rank(severity: str) -> int:
    try:
        return _SEVERITY_RANKS[severity]
    except KeyError:
        return SEVERITIES.index(severity.upper())


def fingerprint(finding: Finding, base_dir: str | None = None) -> str:
    """Identity of a finding for baselines: check, resource, file and subject; never lines or wording.
    The file is named relative to ``base_dir`` (``--base-dir``) or its git top level, so the same finding
    has the same fingerprint from any current directory (``pcxguard.paths.stable_name``)."""
    import hashlib  # only when a fingerprint is asked for (baselines, JSON, SARIF): not for the text report

    file = stable_name(finding.resource.file, base_dir)
    subject = hashlib.sha256(f"{file}\0{finding.resource.resource_type}\0{finding.subject or ''}".encode("utf-8", "surrogatepass")).hexdigest()
    return f"{finding.check_id}:{finding.resource.address}:{subject[:16]}"


@dataclass(frozen=True)
class Reported:
    """A finding as reports show it."""

    finding: Finding
    title: str
    severity: str  # the severity that applies: FAILED -> the check's, UNKNOWN -> CKV2_PCX_0's
    verdict: Verdict = field(init=False, compare=False)
    base_dir: str | None = field(default=None, compare=False)  # --base-dir: how fingerprints name files

    def __post_init__(self) -> None:
        object.__setattr__(self, "verdict", self.finding.verdict)  # read for every finding by every output

    @cached_property
    def fingerprint(self) -> str:
        """Worked out when a baseline or an output asks: most findings of a big scan pass."""
        return fingerprint(self.finding, self.base_dir)


@dataclass(frozen=True)
class Skipped:
    """A finding a skip comment (``#checkov:skip=ID:reason``) or CloudFormation Metadata suppressed."""

    item: Reported
    reason: str


@dataclass
class Report:
    inputs: list[Input] = field(default_factory=list)
    analyses: list[Analysis] = field(default_factory=list)
    findings: list[Reported] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)
    suppressed: int = 0  # failures hidden by a baseline
    # files named as input that could not be read at all (empty, binary plan, FIFO, ...)
    unreadable: list[str] = field(default_factory=list)
    # problems that make the run fail whatever the flags: an invalid configuration, an invalid value
    # in an input, a .tf file or root module that could not be read (``LoadProblem.fails_closed``)
    fatal: list[LoadProblem] = field(default_factory=list)
    base_dir: str | None = None  # --base-dir: SARIF URIs and fingerprints are relative to it (default: git top level)
    baseline_entries: int = 0  # entries in the applied baseline
    baseline_matched: int = 0  # of those, how many matched a failure of this scan
    skipped: list[Skipped] = field(default_factory=list)  # suppressed in the code, with the reason

    @property
    def failed(self) -> list[Reported]:
        return [r for r in self.findings if r.verdict is Verdict.FAILED]

    @property
    def unknown(self) -> list[Reported]:
        return [r for r in self.findings if r.verdict is Verdict.UNKNOWN]

    @property
    def passed(self) -> list[Reported]:
        return [r for r in self.findings if r.verdict is Verdict.PASSED]

    def counts(self) -> dict[str, int]:
        failed = unknown = 0
        for item in self.findings:  # one pass, not a list per verdict: a big plan has 38,000 findings
            if item.verdict is Verdict.FAILED:
                failed += 1
            elif item.verdict is Verdict.UNKNOWN:
                unknown += 1
        return {"failed": failed, "unknown": unknown, "passed": len(self.findings) - failed - unknown,
                "problems": len(self.problems), "suppressed": self.suppressed, "skipped": len(self.skipped),
                "input_errors": len(self.fatal)}

    def usable(self) -> bool:
        """Whether at least one input was read: it has elements, or no problems at all."""
        return any(a.estate.problems == [] or any(a.estate.all_sources()) for a in self.analyses)

    def at_or_above(self, threshold: str) -> list[Reported]:
        rank = severity_rank(threshold)
        return [r for r in self.findings if r.verdict is not Verdict.PASSED and severity_rank(r.severity) >= rank]


def reported_all(findings: list[Finding], config: Config, base_dir: str | None = None,
                 memo: dict | None = None) -> list[Reported]:
    """``findings`` as reports show them, in one loop: each check's title and severity asked once (``memo``:
    one dict per configuration), each entry made in one step as ``pcxguard.findings._finding`` makes a
    finding (a frozen dataclass sets its fields one at a time; a big plan has 38,000 findings)."""
    memo = {} if memo is None else memo
    unknown, new = Verdict.UNKNOWN, _new
    out: list[Reported] = []
    for finding in findings:
        key = (finding.check_id, finding.verdict is unknown)
        title, severity = memo.get(key) or _title_and_severity(finding, config, memo, key)
        item = new(Reported)
        item.__dict__.update(finding=finding, title=title, severity=severity, verdict=finding.verdict, base_dir=base_dir)
        out.append(item)
    return out


_new = object.__new__


def reported(finding: Finding, config: Config, memo: dict | None = None, base_dir: str | None = None) -> Reported:
    """One finding as reports show it (``memo``: as ``reported_all``)."""
    return reported_all([finding], config, base_dir, memo)[0]


def _title_and_severity(finding: Finding, config: Config, memo: dict, key: tuple[str, bool]) -> tuple[str, str]:
    """The check's title, and the severity that applies: FAILED -> the check's, UNKNOWN -> CKV2_PCX_0's
    (each with the configuration's override), kept in ``memo`` under ``key``."""
    policies = catalogue()
    entry = policies.get(finding.check_id)
    title = entry.title if entry else finding.check_id
    if key[1]:
        base = policies[UNDECIDED_CHECK].severity if UNDECIDED_CHECK in policies else "INFO"
        severity = config.settings.severity_for(UNDECIDED_CHECK, base)
    else:
        severity = config.settings.severity_for(finding.check_id, entry.severity if entry else "MEDIUM")
    known = memo[key] = (title, severity.upper())
    return known


def _selected(item: Reported, selection: Selection, config: Config) -> bool:
    """``--check`` / ``--skip-check``: a "cannot tell" finding needs both its own check and CKV2_PCX_0
    (its channel under checkov) selected."""
    check_id = item.finding.check_id
    if item.verdict is not Verdict.UNKNOWN:
        return selection.runs(check_id, item.severity)
    entry = catalogue().get(check_id)
    own = config.settings.severity_for(check_id, entry.severity if entry else "MEDIUM").upper()
    return selection.runs(check_id, own) and selection.runs(UNDECIDED_CHECK, item.severity)


def run_scan(
    paths: list[str],
    config: Config | None = None,
    on_progress: Callable[[int, int, str], None] | None = None,
    var_files: list[str] | tuple[str, ...] = (),
    source: str | None = None,
    base_dir: str | None = None,
    selection: Selection | None = None,
) -> tuple[Report, list[str]]:
    """Scan ``paths``. Returns the report and the paths that could not be read at all.

    ``config``: use this configuration for every input; None: the one found for each input.
    Raises ConfigError for an invalid configuration. ``var_files``: Terraform variable files for every
    ``.tf`` root; ``source``: the Terraform source of the plans (as checkov's
    ``--repo-root-for-plan-enrichment``).
    """
    found = discover(paths)
    report = Report(inputs=list(found.inputs), problems=list(found.problems), unreadable=list(found.unreadable),
                    base_dir=base_dir)
    options: dict[str, dict] = {}
    if var_files:
        options["terraform"] = {"var_files": list(var_files)}
    if source is not None:
        options["terraform_plan"] = {"source_root": source}
    if config is not None and config.path is not None:
        # the named configuration places every template (cloudformation.stacks), as it configures every input
        options["cloudformation"] = {"config_file": str(config.path)}

    def scope(item: Input) -> Any:
        # templates are joined only with those under the same configuration (their own repository's)
        return None if config is not None else find_config(item.path)

    loaded, problems = load_inputs(found.inputs, on_progress, options, scope)
    report.problems.extend(problems)
    applied_configs: list[Config] = []
    skip_memo: dict[str, bool] = {}  # file -> whether it mentions a skip at all, asked once per file
    for item, estate in loaded:
        try:
            applied = config if config is not None else config_for(item.path)
        except ConfigError as error:
            # the configuration of this input is broken: fail closed for it, judge the others
            problem = LoadProblem(item.path, f"not judged: {error}", fails_closed=True)
            report.problems.append(problem)
            report.fatal.append(problem)
            continue
        applied_configs.append(applied)
        estate = merge_inventory(estate, applied)
        analysis = analyse(estate, applied.settings)
        report.analyses.append(analysis)
        report.problems.extend(estate.problems)
        items = reported_all(analysis.findings, applied, base_dir)
        if selection:
            items = [r for r in items if _selected(r, selection, applied)]
        # most files mention no skip at all (and a plan carries none): then no finding is looked at one by one
        files = {(entry.finding.resource.file, entry.finding.resource.resource_type.startswith("AWS::"))
                 for entry in items}
        if not any(carries_skips(file, cfn) and skips_in(file, skip_memo) for file, cfn in files if file):
            report.findings.extend(items)
            continue
        for entry in items:
            reason = skip_reason(entry.finding, skip_memo)
            if reason is None:
                report.findings.append(entry)
            else:
                report.skipped.append(Skipped(entry, reason))
    _report_unmatched_intents(report, [config] if config is not None else applied_configs)
    # one line per problem: a module shared by several roots (the examples of a registry module) says the
    # same thing, at the same line, once per root that calls it
    report.problems = list(dict.fromkeys(report.problems))
    # a broken input (an invalid value, a .tf file or root module that could not be read) fails the scan
    # as an invalid configuration does: never silenced by --check / --skip-check / --fail-on
    report.fatal.extend(p for p in report.problems if p.fails_closed and p not in report.fatal)
    report.findings.sort(key=lambda r: (-r.verdict.rank, -severity_rank(r.severity), r.finding.check_id,
                                        r.finding.resource.file or "", r.finding.resource.address))
    return report, found.missing


def _report_unmatched_intents(report: Report, configs: list[Config]) -> None:
    """CKV2_PCX_15: an intent no scanned estate holds an end of is a problem, not a silent pass."""
    from pcxguard.rules.pcx15_network_intent import unmatched

    intents = {str(c.path or ".pcxguard.yaml"): c.settings.intents for c in configs if c.settings.intents}
    if intents and "CKV2_PCX_15" not in next(iter(configs)).settings.disabled_checks:
        report.problems.extend(unmatched(intents, [r.finding for r in report.findings]))


__all__ = ["ConfigError", "Report", "Reported", "Skipped", "run_scan", "fingerprint", "SEVERITIES", "severity_rank"]
