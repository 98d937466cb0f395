"""Thin checkov adapters: look a resource's findings up and hand checkov a verdict.

This is the only module that imports checkov. The check files in ``checks/``
instantiate these classes with a check id; everything they say (title,
severity, guideline, supported resource types) comes from the catalogue.
"""

from __future__ import annotations

import os
from typing import Any

from checkov.common.bridgecrew.severities import Severities
from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

from pcxguard.analysis_cache import cached_analysis, file_key
from pcxguard.catalogue import policy
from pcxguard.config import settings_for
from pcxguard.engine import UNDECIDED_CHECK, Analysis
from pcxguard.findings import Finding, Verdict
from pcxguard.loaders.terraform_plan import load_plan

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


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


class PeeringCheck(BaseResourceCheck):
    """A pcxguard check on Terraform plans (and raw Terraform through the same registry)."""

    def __init__(self, check_id: str) -> None:
        entry = policy(check_id)
        super().__init__(
            name=entry.title,
            id=check_id,
            categories=[CheckCategories.NETWORKING],
            supported_resources=list(entry.terraform_types),
            guideline=entry.guideline,
        )
        settings = settings_for(os.getcwd())
        self.severity = Severities[settings.severity_for(check_id, entry.severity)]

    def analysis_for(self, conf: dict[str, Any]) -> Analysis | None:
        plan_file = _first(conf.get("__file__"))
        if isinstance(plan_file, str) and plan_file.endswith(".json"):
            settings = settings_for(plan_file)
            return cached_analysis(file_key(plan_file), lambda: load_plan(plan_file), settings)
        return None

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        address = conf.get("__address__")
        analysis = self.analysis_for(conf)
        if analysis is None or not isinstance(address, str):
            return CheckResult.UNKNOWN
        findings = analysis.for_resource(self.id, address)
        problems = [p.message for p in analysis.problems if p.address == address]
        verdict = analysis.verdict(self.id, address)
        if self.id == UNDECIDED_CHECK and problems:
            verdict = Verdict.FAILED
        self.details = render_details(self.id, findings, problems)
        return _RESULTS[verdict]


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

from pcxguard.findings import worst  # noqa: E402
from pcxguard.loaders.cloudformation import load_cloudformation, template_files  # noqa: E402

_CFN_ROOTS: dict[str, tuple[tuple, frozenset]] = {}


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
    """The analysis of every template under ``root``; rebuilt only when a template changes."""
    known = _CFN_ROOTS.get(root)
    if known is None or file_key(template) not in known[1]:
        keys = tuple(file_key(f) for f in template_files([root]))
        known = (keys, frozenset(keys))
        _CFN_ROOTS[root] = known
    return cached_analysis(("cloudformation", root, known[0]), lambda: load_cloudformation([root], name=root),
                           settings_for(root))


class CloudFormationPeeringCheck(CfnBaseResourceCheck):
    """A pcxguard check on CloudFormation templates."""

    def __init__(self, check_id: str) -> None:
        entry = policy(check_id)
        super().__init__(
            name=entry.title,
            id=check_id,
            categories=[CheckCategories.NETWORKING],
            supported_resources=list(entry.cloudformation_types),
            guideline=entry.guideline,
        )
        settings = settings_for(os.getcwd())
        self.severity = Severities[settings.severity_for(check_id, entry.severity)]

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        try:
            return self._verdict(conf)
        except Exception:  # noqa: BLE001 - a check must never raise; UNKNOWN is "cannot tell"
            return CheckResult.UNKNOWN

    def _verdict(self, conf: dict[str, Any]) -> CheckResult:
        location = cloudformation_location(conf, getattr(self, "entity_path", None))
        if location is None:
            return CheckResult.UNKNOWN
        template, root, logical = location
        analysis = cloudformation_analysis(root, template)

        def here(file: str | None) -> bool:
            return file is not None and os.path.abspath(file) == template

        findings = [f for f in analysis.for_resource(self.id, logical) if here(f.resource.file)]
        problems = [p.message for p in analysis.problems if p.address == logical and here(p.file)]
        self.details = render_details(self.id, findings, problems)
        if self.id == UNDECIDED_CHECK:
            return CheckResult.FAILED if findings or problems else CheckResult.PASSED
        return _RESULTS[worst(findings)]
