"""The habits checkov, tfsec and GitHub users expect: JUnit XML, --version, a list of checks, the rule
page of one check, help on every option, a LICENSE and a CHANGELOG."""

from __future__ import annotations

import re
import subprocess
import sys
from xml.etree import ElementTree as ET

import pytest
from conftest import CLI_PLAN, ROOT

from pcxguard import __version__
from pcxguard.catalogue import catalogue
from pcxguard.cli import _parser, main

xmlschema = pytest.importorskip("xmlschema")
JUNIT_XSD = ROOT / "tests" / "schemas" / "jenkins-junit-10.xsd"  # published: tests/schemas/README.md


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_junitxml_validates_and_counts_exactly(capsys):
    code, out, _ = _run(capsys, "scan", CLI_PLAN, "--format", "junitxml")
    assert code == 1
    xmlschema.XMLSchema(str(JUNIT_XSD)).validate(out)
    root = ET.fromstring(out)
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == ("25", "6", "0", None)
    suites = {s.get("name").split(":")[0]: s for s in root.iter("testsuite")}
    overlap = suites["CKV2_PCX_1"]
    failed = [c for c in overlap.iter("testcase") if c.find("failure") is not None]
    assert [c.get("name") for c in failed] == ["aws_vpc_peering_connection.app_west"]
    # the Jenkins schema has no file/line attributes: the place is in the case's system-out and failure text
    assert failed[0].find("system-out").text == "fixtures/terraform/cli_report/main.tf:68"
    assert "Resource: aws_vpc_peering_connection.app_west (fixtures/terraform/cli_report/main.tf:68)" in \
        failed[0].find("failure").text
    assert failed[0].find("failure").get("type") == "HIGH"
    undecided = suites["CKV2_PCX_0"]
    assert {c.find("failure").get("message") for c in undecided.iter("testcase")} == {
        "CKV2_PCX_1 cannot tell", "CKV2_PCX_8 cannot tell", "CKV2_PCX_10 cannot tell", "CKV2_PCX_16 cannot tell"}


def test_junitxml_reports_input_problems_as_errors(capsys, tmp_path):
    (tmp_path / "broken.json").write_text('{"format_version": "1.2", "planned_values": {')
    code, out, _ = _run(capsys, "scan", CLI_PLAN, str(tmp_path / "broken.json"), "--format", "junitxml")
    xmlschema.XMLSchema(str(JUNIT_XSD)).validate(out)
    errors = [c for c in ET.fromstring(out).iter("testcase") if c.find("error") is not None]
    assert len(errors) == 1 and "not valid JSON" in errors[0].find("error").text


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out == f"pcxguard {__version__}\n"


def test_checks_lists_the_catalogue(capsys):
    code, out, _ = _run(capsys, "checks")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "SEVERITY", "TITLE", "RESOURCE", "TYPES"] or lines[0].startswith("ID")
    for check_id, entry in catalogue().items():
        row = next(line for line in lines if line.startswith(check_id + " "))
        assert entry.severity in row and entry.title in row
        assert entry.terraform_types[0] in out
    _, out, _ = _run(capsys, "checks", "--format", "json")
    import json

    data = json.loads(out)
    assert [c["id"] for c in data] == list(catalogue())
    assert data[1]["resource_types"]["terraform"] == list(catalogue()["CKV2_PCX_1"].terraform_types)


def test_explain_prints_the_rule_page(capsys):
    code, out, _ = _run(capsys, "explain", "CKV2_PCX_4")
    assert code == 0
    assert out == (ROOT / "docs" / "rules" / "CKV2_PCX_4.md").read_text()
    code, out, err = _run(capsys, "explain", "ckv2_pcx_4")
    assert code == 0 and "# CKV2_PCX_4: " in out
    code, _, err = _run(capsys, "explain", "CKV2_PCX_44")
    assert code == 2 and "unknown check id CKV2_PCX_44; did you mean CKV2_PCX_4?" in err


def test_every_option_has_help():
    parser = _parser()
    missing = []

    def walk(p, path):
        for action in p._actions:
            if action.help is None and action.dest not in ("help",):
                missing.append(f"{path} {'/'.join(action.option_strings) or action.dest}")
            if hasattr(action, "choices") and isinstance(action.choices, dict):
                for name, sub in action.choices.items():
                    walk(sub, f"{path} {name}")

    walk(parser, "pcxguard")
    assert missing == []


def test_format_help_lists_the_formats():
    result = subprocess.run([sys.executable, "-m", "pcxguard.cli", "scan", "--help"], capture_output=True, text=True,
                            env={"PYTHONPATH": str(ROOT / "src"), "COLUMNS": "200"})
    assert result.returncode == 0
    assert re.search(r"--format.*text, json, sarif, github, markdown, junitxml", result.stdout.replace("\n", " "))


def test_license_and_changelog():
    license_text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in license_text and "Version 2.0, January 2004" in license_text
    assert "END OF TERMS AND CONDITIONS" in license_text and len(license_text) > 10_000
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert changelog.startswith("# Changelog") and "## [Unreleased]" in changelog
    assert f"## [{__version__}]" in changelog
