"""The JSON report (issue 14): written by orjson, passed findings only with --include-passed."""

from __future__ import annotations

import json

import jsonschema
import pytest
from conftest import CLI_PLAN

from pcxguard.cli import main
from pcxguard.findings import Verdict
from pcxguard.outputs import json_report
from pcxguard.resources import schema_path
from pcxguard.scan import run_scan

VALIDATOR = jsonschema.Draft202012Validator(json.loads(schema_path("report.schema.json").read_text()))


def _scan(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    code = main(["scan", CLI_PLAN, "--format", "json", *args])
    return code, json.loads(capsys.readouterr().out)


def test_default_report_lists_failures_and_counts_the_passed(capsys):
    code, data = _scan(capsys)
    VALIDATOR.validate(data)
    assert code == 1
    assert data["summary"]["passed"] == 19 and data["summary"]["failed"] == 2
    assert sorted(f["verdict"] for f in data["findings"]) == ["FAILED", "FAILED"]
    assert len(data["unknowns"]) == 4


def test_include_passed_lists_every_decided_finding(capsys):
    code, data = _scan(capsys, "--include-passed")
    VALIDATOR.validate(data)
    assert code == 1
    verdicts = [f["verdict"] for f in data["findings"]]
    assert verdicts.count("PASSED") == 19 and verdicts.count("FAILED") == 2
    assert "UNKNOWN" not in verdicts


def test_orjson_writes_what_the_standard_encoder_writes():
    report, _ = run_scan([CLI_PLAN])
    for include in (False, True):
        data = json_report.as_data(report, include_passed=include)
        assert json_report.render(report, include_passed=include) == json.dumps(data, indent=2) + "\n"


def test_a_lone_surrogate_falls_back_to_escapes():
    report, _ = run_scan([CLI_PLAN])
    failed = next(r for r in report.findings if r.verdict is Verdict.FAILED)
    object.__setattr__(failed, "title", "bad \udcff title")  # a hostile logical id or file name
    text = json_report.render(report)
    assert "bad \\udcff title" in text
    assert json.loads(text)["findings"][0]["title"] == "bad \udcff title"
