"""Thin checkov adapters: look a resource's findings up and hand checkov a verdict.

This is the only module that imports checkov. The check files in ``checks/``
instantiate these classes with a check id; everything they say (title,
severity, guideline, supported resource types) comes from the catalogue.
"""

from __future__ import annotations

import gc
import os
import sys
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, Iterator

from checkov.common.bridgecrew.severities import Severities
from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

from pcxguard.analysis_cache import configured_analysis, file_key, terraform_root_key
from pcxguard.checkov_graph import root_directory_of
from pcxguard.catalogue import policy
from pcxguard.config import ConfigError, find_config, settings_for
from pcxguard.engine import UNDECIDED_CHECK, Analysis
from pcxguard.fail_closed import LINKED_PREFIX, FailClosed, fail_closed_causes
from pcxguard.findings import Finding, Verdict, worst
from pcxguard.loaders.terraform_plan import load_plan
from pcxguard.loaders.terraform_source import load_root_module

_DEBUG = os.environ.get("LOG_LEVEL", "").upper() == "DEBUG"
# The floor of a fail-closed result: a broken configuration, an unreadable input or an internal error
# fails every pcxguard check on the resource at this severity at least, so `--soft-fail-on CKV2_PCX_0`,
# `--skip-check CKV2_PCX_0` and `--hard-fail-on HIGH` never turn it into a green build.
FAIL_CLOSED_SEVERITY = "HIGH"
_SEVERITY_ORDER = ("INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL")
_ANNOUNCED: set[str] = set()
_NOTHING_FOUND = (CheckResult.PASSED, (), None)
_RESULTS = {Verdict.PASSED: CheckResult.PASSED, Verdict.FAILED: CheckResult.FAILED, Verdict.UNKNOWN: CheckResult.UNKNOWN}


def render_details(check_id: str, findings: list[Finding], problems: list[str]) -> list[str]:
    """The lines checkov shows under a result (cli ``Details:``, json ``details``, SARIF)."""
    lines: list[str] = []
    if check_id == UNDECIDED_CHECK:
        for finding in findings:
            lines.append(f"{finding.check_id}: {finding.message}")
            lines.extend(f"  missing: {m}" for m in finding.missing)
        lines.extend(f"input problem: {p}" for p in problems)
        return lines
    for finding in findings:
        if finding.verdict is Verdict.FAILED:
            lines.append(finding.message)
            if finding.fix:
                lines.append(f"Fix: {finding.fix}")
    return lines


class InputUnreadable(Exception):
    """pcxguard could not read the input checkov is scanning (checkov could): nothing it says would be judged."""


class InputBroken(Exception):
    """A broken part of a readable input (an invalid value, a .tf file or root module that could not be read):
    the message is the whole reason (``pcxguard.fail_closed``)."""


def fail_closed_details(reason: str, scope: str = "every one of its checks") -> list[str]:
    return [reason, f"pcxguard fails {scope} on this resource until this is fixed "
                    "(it is not a 'cannot tell': --soft-fail-on / --skip-check CKV2_PCX_0 do not silence it)"]


def fail_closed_for(analysis: Analysis) -> FailClosed:
    """The fail-closed causes of an analysis, worked out on the first call (most analyses have none)."""
    causes = analysis.__dict__.get("_fail_closed")
    if causes is None:
        causes = analysis.__dict__["_fail_closed"] = fail_closed_causes(analysis.problems, analysis.findings,
                                                                          analysis.estate.loop_made)
    return causes


def _announce(reason: str) -> None:
    """Say it once on stderr too: checkov's CloudFormation runner drops check details."""
    if reason not in _ANNOUNCED:
        _ANNOUNCED.add(reason)
        print(f"pcxguard: {reason}", file=sys.stderr)


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


class _PcxCheck:
    """What every pcxguard check shares, whatever the framework: metadata from the catalogue, a
    severity that honours the configuration, and a verdict that never raises."""

    resource_types_field = "terraform_types"
    severity: Any  # checkov declares it None until a check sets it

    def __init__(self, check_id: str) -> None:
        entry = policy(check_id)
        super().__init__(  # type: ignore[call-arg]
            name=entry.title,
            id=check_id,
            categories=[CheckCategories.NETWORKING],
            supported_resources=list(getattr(entry, self.resource_types_field)),
            guideline=entry.guideline,
        )
        try:
            severity = settings_for(os.getcwd()).severity_for(check_id, entry.severity)
        except ConfigError:
            severity = entry.severity  # every check fails closed on every resource at scan time
        self._severity_name = severity
        self._configured_severity = Severities[severity]
        self.severity = self._configured_severity

    def run(self, scanned_file: str, entity_configuration: dict[str, Any], entity_name: str, entity_type: str,
            skip_info: Any) -> Any:
        """checkov's ``BaseCheck.run``, without the debug line it formats on every call.

        checkov keeps every debug record in memory (for ``--support``) whatever ``LOG_LEVEL`` says;
        at ~12 us each, that line alone cost 0.2 s of a 250-VPC scan with pcxguard's 15 checks
        (benchmarks/RESULTS.md). It is still written when ``LOG_LEVEL=DEBUG`` asks to see it.
        """
        self.severity = self._configured_severity  # a fail-closed result raises it for one resource only
        if skip_info or _DEBUG:
            return super().run(scanned_file, entity_configuration, entity_name, entity_type, skip_info)  # type: ignore[misc]
        self.details: list[str] = []
        self.evaluated_keys: list[str] = []
        self.entity_path = f"{scanned_file}:{entity_type}:{entity_name}"
        return {"result": self.scan_entity_conf(entity_configuration, entity_type), "evaluated_keys": []}

    def scan_entity_conf(self, conf: dict[str, Any], entity_type: str) -> CheckResult:
        """A pcxguard check reads only the resource's address and file (the analysis holds the rest),
        so checkov's rendering of ``dynamic`` blocks into ``conf`` is not needed here."""
        self.entity_type = entity_type
        return self.scan_resource_conf(conf)

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        """Never raises, and never fails open: a broken configuration, an input pcxguard cannot read or
        an internal error FAILS every pcxguard check on the resource at HIGH severity at least, naming
        the cause (file, key and line for a configuration), so the run goes on, says why, and exits
        non-zero whatever silences CKV2_PCX_0."""
        try:
            return self._verdict(conf)
        except ConfigError as error:
            return self._fail_closed(f"pcxguard configuration error: {error}")
        except InputUnreadable as error:
            return self._fail_closed(f"pcxguard could not read this input: {error}")
        except InputBroken as error:
            every = not str(error).startswith(LINKED_PREFIX)
            return self._fail_closed(str(error), "every one of its checks" if every else "this check")
        except Exception as error:  # noqa: BLE001 - a plugin must not take checkov down
            return self._fail_closed(f"internal error in pcxguard ({type(error).__name__}: {error}); please report it")

    def _unjudged(self, reason: str) -> CheckResult:
        """A resource pcxguard has no verdict for: never PASSED. CKV2_PCX_0 fails and says why; the
        other checks answer UNKNOWN, which checkov leaves out of its outputs."""
        if self.id == UNDECIDED_CHECK:  # type: ignore[attr-defined]
            self.details = [reason]
            return CheckResult.FAILED
        self.details = []
        return CheckResult.UNKNOWN

    def _fail_closed(self, reason: str, scope: str = "every one of its checks") -> CheckResult:
        _announce(reason)
        self.details = fail_closed_details(reason, scope)
        if _SEVERITY_ORDER.index(self._severity_name) < _SEVERITY_ORDER.index(FAIL_CLOSED_SEVERITY):
            self.severity = Severities[FAIL_CLOSED_SEVERITY]
        return CheckResult.FAILED

    def _judge(self, analysis: Analysis, address: str, keep: Any = None) -> tuple[CheckResult, list[Finding]]:
        """The verdict on one resource, and the findings it rests on; ``self.details`` says why."""
        findings = analysis.for_resource(self.id, address)  # type: ignore[attr-defined]
        problems = analysis.problems_at(address)
        if keep is not None:
            findings = [f for f in findings if keep(f.resource.file)]
            problems = [p for p in problems if keep(p.file)]
        self.details = render_details(self.id, findings, [p.message for p in problems])  # type: ignore[attr-defined]
        if self.id == UNDECIDED_CHECK:  # type: ignore[attr-defined]
            return (CheckResult.FAILED if findings or problems else CheckResult.PASSED), findings
        return _RESULTS[worst(findings)], findings

    def _verdict(self, conf: dict[str, Any]) -> CheckResult:  # pragma: no cover - abstract
        raise NotImplementedError


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Build an analysis without cyclic garbage collections. Inside checkov the heap holds its whole
    graph, and the collections our allocations set off re-walked it: 0.56 s of a 0.97 s model build
    at 250 VPCs (benchmarks/RESULTS.md). The collector is back on, as it was, right after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# checkov calls every check on every resource of one scan in one process: once an input's analysis
# (with its configuration) is found, later calls reuse it without looking for .pcxguard.yaml again.
# That lookup walks the parent directories and cost ~70 us a call (benchmarks/RESULTS.md).
_RUN: dict[tuple, Analysis] = {}


_BROKEN: dict[tuple, ConfigError] = {}


def _for_this_run(key: tuple, build: Any) -> Analysis:
    found = _RUN.get(key)
    if found is None:
        if key in _BROKEN:
            raise _BROKEN[key]
        try:
            with _collector_paused():
                found = build()
        except ConfigError as error:
            _BROKEN[key] = error
            raise
        if len(_RUN) >= 64:
            _RUN.clear()
        _RUN[key] = found
    return found

from pcxguard import timing  # noqa: E402

timing.install(_PcxCheck)  # PCXGUARD_TIMING=FILE only (benchmarks/ci_paths.py)


class PeeringCheck(_PcxCheck, BaseResourceCheck):
    """A pcxguard check on Terraform plans and raw Terraform (checkov's terraform resource registry)."""

    def analysis_for(self, conf: dict[str, Any]) -> Analysis | None:
        plan_file = _first(conf.get("__file__"))
        if isinstance(plan_file, str) and plan_file.endswith(".json"):
            # keyed by name, so no stat per call: a plan does not change during one checkov run
            return _for_this_run(("plan", plan_file), lambda: self._plan_analysis(plan_file))
        return self.source_analysis_for(conf)

    @staticmethod
    def _plan_analysis(plan_file: str) -> Analysis:
        source_root = plan_enrichment_root()
        key = file_key(plan_file) + (source_root,)
        return configured_analysis(plan_file, lambda: load_plan(plan_file, source_root=source_root), key=key)

    def source_analysis_for(self, conf: dict[str, Any]) -> Analysis | None:
        """Raw Terraform (framework ``terraform``): the analysis of the resource's root module."""
        root = root_directory_of(getattr(self, "graph", None), conf)
        if root is None:
            return None
        var_files = checkov_var_files()
        return _for_this_run(("terraform_root", root, var_files), lambda: configured_analysis(
            root, lambda: load_root_module(root, var_files), key=terraform_root_key(root) + var_files))


    def _verdict(self, conf: dict[str, Any]) -> CheckResult:
        address = conf.get("__address__")
        analysis = self.analysis_for(conf)
        if analysis is None or not isinstance(address, str):
            return CheckResult.UNKNOWN
        plan_file = _first(conf.get("__file__"))
        if isinstance(plan_file, str) and plan_file.endswith(".json"):
            unread = unreadable(analysis, plan_file, whole_estate=True)
            if unread:
                raise InputUnreadable("; ".join(unread))
        causes = fail_closed_for(analysis)
        if causes:
            reason = causes.reason(self.id, address)
            if reason is not None:
                raise InputBroken(reason)
        answer = self._answers(analysis).get(address)
        if answer is None:
            reason = analysis.unjudged_reason(address, conf)
            if reason is not None:
                return self._unjudged(reason)
            if conf.get("count") == [0]:
                return CheckResult.UNKNOWN  # no instances: nothing to judge
            answer = _NOTHING_FOUND
        result, details, declared = answer
        self.details = list(details)
        if declared is not None and _first(conf.get("__file__")):
            self.details.extend(declared_at(declared))
        return result

    def _answers(self, analysis: Analysis) -> dict[str, tuple[CheckResult, tuple[str, ...], Any]]:
        """This check's answer for every resource with something to say, worked out in one pass on
        its first call: checkov then asks once per resource, and most calls are a dict lookup.
        A resource absent from the table passes with nothing to say."""
        tables = analysis.__dict__.setdefault("_checkov_answers", {})
        table = tables.get(self.id)
        if table is None:
            table = {}
            for address in analysis.addresses_with(self.id):
                result, findings = self._judge(analysis, address)
                table[address] = (result, tuple(self.details), findings[0].resource if findings else None)
            tables[self.id] = table
        return table


def unreadable(analysis: Analysis, file: str, whole_estate: bool = False) -> list[str]:
    """The problems that kept pcxguard from reading ``file`` at all (empty: it was read).

    A file is unread when a problem names the file itself (not one resource in it) and the estate
    holds nothing from it: nothing from the whole estate for a plan (its resources may carry the
    .tf file as their source), nothing from that template for CloudFormation."""
    memo = analysis.__dict__.setdefault("_unreadable", {})
    if file in memo:  # asked on every call checkov makes: the name as given, before any path work
        return memo[file]
    target = os.path.abspath(file)
    if target not in memo:
        whole = [p.message for p in analysis.problems
                 if p.address is None and p.file and os.path.abspath(p.file) == target]
        if whole:
            sources = analysis.estate.all_sources()
            if whole_estate:
                read = any(True for _ in sources)
            else:
                read = any(s.file and os.path.abspath(s.file) == target for s in sources)
            if read:
                whole = []
        memo[target] = whole
    memo[file] = memo[target]
    return memo[target]


def plan_enrichment_root(argv: list[str] | None = None) -> str | None:
    """checkov's ``--repo-root-for-plan-enrichment DIR``: where a plan's .tf source lives.

    checkov itself moves only *failed* records to the .tf lines with it; pcxguard also uses
    it to find the source, so every finding's Source (and its details line) names the .tf.
    """
    argv = list(sys.argv if argv is None else argv)
    for index, arg in enumerate(argv):
        if arg == "--repo-root-for-plan-enrichment" and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith("--repo-root-for-plan-enrichment="):
            return arg.split("=", 1)[1]
    return None


def checkov_var_files(argv: list[str] | None = None) -> tuple[str, ...]:
    """checkov's ``--var-file FILE`` options (repeatable), in order: checkov hands them to its own
    Terraform parser (``RunnerFilter.var_files``); pcxguard's reader applies them after
    ``terraform.tfvars`` and ``*.auto.tfvars``, as terraform does."""
    argv = list(sys.argv if argv is None else argv)
    found: list[str] = []
    for index, arg in enumerate(argv):
        if arg == "--var-file" and index + 1 < len(argv):
            found.append(argv[index + 1])
        elif arg.startswith("--var-file="):
            found.append(arg.split("=", 1)[1])
    return tuple(os.path.abspath(f) for f in found)


@lru_cache(maxsize=4096)
def declared_at(source: Any) -> tuple[str, ...]:
    """A details line naming the .tf lines of a plan resource, when its source was found."""
    if source.file and source.start_line and not str(source.file).endswith(".json"):
        try:
            shown = os.path.relpath(source.file)
        except ValueError:
            shown = source.file
        return (f"declared at {shown}:{source.start_line}-{source.end_line}",)
    return ()

# --------------------------------------------------------------------------- CloudFormation
#
# What checkov 3.3.30 hands a CloudFormation check (measured with a probe check):
# - ``self.graph`` is None: no resource graph, so the loader reads the templates itself;
# - ``conf`` is the resource: ``{"Type": ..., "Properties": {...}}``; ``conf["Properties"]`` carries
#   ``__file__`` (the template path as checkov was given it, e.g. ``tpl/a.yaml`` for ``-d tpl``),
#   ``__startline__`` / ``__endline__`` (the ``Type`` line and the line after the body), and
#   ``resource_type``. ``Ref`` to parameters is rendered in ``conf``, ``Ref`` to resources is not;
# - ``self.entity_path`` is ``"<path relative to the scan root, with a leading '/'>:<Type>:<LogicalId>"``
#   (``/a.yaml:AWS::EC2::VPC:VPC``), so the logical id is its last field and the scan root is
#   ``__file__`` minus that relative path;
# - the reported ``file_line_range`` is the logical id's line to the body's last line, which is what
#   the loader records in ``Source``; the runner does not pass ``details`` through, so full messages
#   reach users through pcxguard's own output.
# All templates under one scan root form one estate, built once per root and process.

from checkov.cloudformation.checks.resource.base_resource_check import (  # noqa: E402
    BaseResourceCheck as CfnBaseResourceCheck,
)

from pcxguard.loaders.cloudformation import load_cloudformation, template_files  # noqa: E402

_CFN_ROOTS: dict[tuple[str, Any], tuple[tuple, frozenset, tuple]] = {}


def cloudformation_location(conf: dict[str, Any], entity_path: str | None) -> tuple[str, str, str] | None:
    """(template path, scan root, logical id) of the resource checkov is checking, or None."""
    props = conf.get("Properties") if isinstance(conf, dict) else None
    file = props.get("__file__") if isinstance(props, dict) else None
    kind = conf.get("Type") if isinstance(conf, dict) else None
    if not isinstance(file, str) or not isinstance(entity_path, str) or not isinstance(kind, str):
        return None
    relative, _, logical = entity_path.rpartition(":")
    suffix = f":{kind}"
    if not logical or not relative.endswith(suffix):
        return None
    relative = relative[: -len(suffix)]
    absolute = os.path.abspath(file)
    if relative and absolute.endswith(relative) and relative.startswith("/"):
        root = absolute[: -len(relative)] or os.sep
    else:
        root = os.path.dirname(absolute)
    return absolute, root, logical


def cloudformation_analysis(root: str, template: str) -> Analysis:
    """The analysis of every template under ``root`` that shares ``template``'s configuration (its own
    repository's: templates of two repositories are never joined or judged with the other's settings);
    rebuilt only when a template changes."""
    scope = find_config(template)
    known = _CFN_ROOTS.get((root, scope))
    if known is None or file_key(template) not in known[1]:
        files = tuple(f for f in template_files([root]) if find_config(f) == scope)
        keys = tuple(file_key(f) for f in files)
        known = (keys, frozenset(keys), files)
        _CFN_ROOTS[(root, scope)] = known
    key = ("cloudformation", root, str(scope), known[0])
    file_list = list(known[2])
    return _for_this_run(key, lambda: configured_analysis(template, lambda: load_cloudformation(file_list, name=root),
                                                          key=key))


class CloudFormationPeeringCheck(_PcxCheck, CfnBaseResourceCheck):
    """A pcxguard check on CloudFormation templates."""

    resource_types_field = "cloudformation_types"

    def _verdict(self, conf: dict[str, Any]) -> CheckResult:
        location = cloudformation_location(conf, getattr(self, "entity_path", None))
        if location is None:
            return CheckResult.UNKNOWN
        template, root, logical = location
        analysis = cloudformation_analysis(root, template)
        unread = unreadable(analysis, template)
        if unread:
            raise InputUnreadable("; ".join(unread))
        causes = fail_closed_for(analysis)
        if causes:
            reason = causes.reason(self.id, logical, file=template)
            if reason is not None:
                raise InputBroken(reason)
        result, findings = self._judge(analysis, logical,
                                       keep=lambda file: file is not None and os.path.abspath(file) == template)
        if not findings and (result is CheckResult.PASSED):
            reason = analysis.unjudged_reason(logical, file=template)
            if reason is not None:
                return self._unjudged(reason)
        return result


# --------------------------------------------------------------------------- checks that judge only some resources
#
# CKV2_PCX_15 (network intents) supports many resource types but judges only those an intent's path
# lands on: every other resource gets no verdict (UNKNOWN, which checkov leaves out), never a PASSED
# it was not judged for.


class JudgedOnlyCheck(PeeringCheck):
    def _verdict(self, conf: dict[str, Any]) -> CheckResult:
        address = conf.get("__address__")
        analysis = self.analysis_for(conf)
        if analysis is None or not isinstance(address, str) or not analysis.for_resource(self.id, address):
            return CheckResult.UNKNOWN
        return super()._verdict(conf)


class CloudFormationJudgedOnlyCheck(CloudFormationPeeringCheck):
    def _verdict(self, conf: dict[str, Any]) -> CheckResult:
        location = cloudformation_location(conf, getattr(self, "entity_path", None))
        if location is None:
            return CheckResult.UNKNOWN
        template, root, logical = location
        analysis = cloudformation_analysis(root, template)
        if not any(f.resource.file and os.path.abspath(f.resource.file) == template
                   for f in analysis.for_resource(self.id, logical)):
            return CheckResult.UNKNOWN
        return super()._verdict(conf)
