"""The checkov internals pcxguard's adapter relies on, checked in the installed checkov.

pcxguard supports a range of checkov releases (pyproject: ``checkov>=OLDEST,<4``). The adapter
(``src/pcxguard/checkov_adapter.py``, ``src/pcxguard/checkov_graph.py``) touches these internals:

1. ``checkov.common.bridgecrew.severities.Severities[NAME]`` for NAME in INFO..CRITICAL;
2. ``checkov.common.models.enums.CheckResult`` (PASSED, FAILED, UNKNOWN, SKIPPED) and
   ``CheckCategories.NETWORKING``;
3. the Terraform and CloudFormation ``BaseResourceCheck`` classes: ``__init__(name, id, categories,
   supported_resources, guideline)``; ``BaseCheck.run(scanned_file, entity_configuration, entity_name,
   entity_type, skip_info)`` (overridden); ``scan_entity_conf(conf, entity_type)``; the attributes
   ``details``, ``evaluated_keys``, ``entity_path``, ``severity``;
4. the check registry sets ``check.graph`` before each call (``BaseCheckRegistry.run_check``);
5. the runners (terraform, terraform_plan, cloudformation) build each Record with ``severity=check.severity`` *after* the check ran on that
   resource, so a fail-closed result can raise the severity of one record;
6. UNKNOWN results are dropped from reports (why CKV2_PCX_0 exists).

When a checkov release changes any of these, this file fails with a message naming what changed;
the end-to-end tests (tests/test_fail_closed.py, tests/test_checkov_*.py) then show the effect.
"""

from __future__ import annotations

import inspect

import pytest

checkov = pytest.importorskip("checkov")

from checkov.common.bridgecrew.severities import Severities  # noqa: E402 - after importorskip
from checkov.common.checks.base_check import BaseCheck  # noqa: E402
from checkov.common.checks.base_check_registry import BaseCheckRegistry  # noqa: E402
from checkov.common.models.enums import CheckCategories, CheckResult  # noqa: E402

from pcxguard.catalogue import catalogue  # noqa: E402


def _version() -> str:
    from checkov.version import version

    return version


def _changed(what: str) -> str:
    return (f"checkov {_version()} changed {what}, which pcxguard's adapter relies on "
            f"(src/pcxguard/checkov_adapter.py); adapt the adapter or narrow the checkov range in pyproject.toml")


def test_severities_by_name():
    for name in ("INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL"):
        assert name in Severities, _changed(f"Severities (no {name})")
        assert Severities[name].name == name, _changed("Severities[NAME].name")
        assert isinstance(Severities[name].level, int), _changed("Severities[NAME].level")
    assert Severities["HIGH"].level > Severities["MEDIUM"].level, _changed("the order of severities")


def test_results_and_categories():
    for name in ("PASSED", "FAILED", "UNKNOWN", "SKIPPED"):
        assert hasattr(CheckResult, name), _changed(f"CheckResult.{name}")
    assert hasattr(CheckCategories, "NETWORKING"), _changed("CheckCategories.NETWORKING")


@pytest.mark.parametrize("module", ["checkov.terraform.checks.resource.base_resource_check",
                                    "checkov.cloudformation.checks.resource.base_resource_check"])
def test_base_resource_check_interface(module):
    import importlib

    base = importlib.import_module(module).BaseResourceCheck
    assert issubclass(base, BaseCheck), _changed(f"{module}.BaseResourceCheck's base class")
    init = inspect.signature(base.__init__).parameters
    for name in ("name", "id", "categories", "supported_resources", "guideline"):
        assert name in init, _changed(f"{module}.BaseResourceCheck.__init__ (no {name!r})")
    run = list(inspect.signature(BaseCheck.run).parameters)
    assert run[:6] == ["self", "scanned_file", "entity_configuration", "entity_name", "entity_type", "skip_info"], \
        _changed(f"BaseCheck.run's parameters ({run})")
    assert list(inspect.signature(base.scan_entity_conf).parameters)[:3] == ["self", "conf", "entity_type"], \
        _changed(f"{module}.BaseResourceCheck.scan_entity_conf's parameters")
    source = inspect.getsource(BaseCheck.run)
    for attribute in ("self.details", "self.evaluated_keys", "self.entity_path"):
        assert attribute in source, _changed(f"BaseCheck.run (no longer sets {attribute})")


def test_the_registry_hands_each_check_the_graph():
    source = inspect.getsource(BaseCheckRegistry)
    assert "check.graph = self.graph" in source, _changed("how the registry hands checks the graph (check.graph)")


@pytest.mark.parametrize("module", ["checkov.terraform.runner", "checkov.terraform.plan_runner",
                                    "checkov.cloudformation.runner"])
def test_records_take_the_severity_after_the_check_ran(module):
    import importlib

    source = inspect.getsource(importlib.import_module(module))
    scan = source.find("registry.scan(")
    if scan < 0:
        scan = source.find(".scan(")
    severity = source.find("severity=check.severity", max(scan, 0))
    assert scan >= 0 and severity > scan, _changed(f"{module}: a record's severity is no longer check.severity "
                                                   "read after the registry ran the checks")


def test_unknown_results_are_dropped_from_reports():
    from checkov.common.output.report import Report

    source = inspect.getsource(Report.add_record)
    for kept in ("PASSED", "FAILED", "SKIPPED"):
        assert f"CheckResult.{kept}" in source, _changed(f"Report.add_record (no longer keeps {kept})")
    assert "UNKNOWN" not in source, _changed("Report.add_record (it now keeps UNKNOWN results: CKV2_PCX_0 would "
                                             "repeat what checkov shows)")


def test_pcxguard_checks_instantiate_with_catalogue_metadata():
    from pcxguard.checkov_adapter import CloudFormationPeeringCheck, PeeringCheck

    for cls in (PeeringCheck, CloudFormationPeeringCheck):
        for check_id, entry in catalogue().items():
            check = cls(check_id)
            assert check.id == check_id and check.name == entry.title
            assert check.severity == Severities[entry.severity], _changed("the severity attribute of a check")
            assert check.guideline == entry.guideline
