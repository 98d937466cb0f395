"""CKV2_PCX_15 network intents: configuration, the rule, `pcxguard scan` and checkov end to end."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from checkov_run import run_checkov
from path_estates import pair

from pcxguard.cli import main
from pcxguard.config import ConfigError, load_config
from pcxguard.findings import Verdict
from pcxguard.model import Unknown
from pcxguard.rules import pcx15_network_intent
from pcxguard.settings import Intent, Settings

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "fixtures" / "terraform" / "path_reachability"
EXAMPLE = ROOT / "examples" / "intents.pcxguard.yaml"

INTENTS = """\
intents:
  - name: app reaches db
    from: aws_instance.app
    to: aws_instance.db
    port: 5432
    expect: reachable
  - name: app reaches ledger
    from: aws_instance.app
    to: aws_instance.ledger
    port: 5432
    expect: reachable
  - name: no ssh into db
    from: aws_instance.app
    to: aws_instance.db
    port: 22
    expect: isolated
  - name: db stays closed to app
    from: aws_instance.app
    to: aws_instance.db
    port: 5432
    expect: isolated
  - name: partner reachable
    from: aws_instance.app
    to: 10.5.1.10
    port: 443
    expect: reachable
"""


def settings(*intents: Intent) -> Settings:
    return Settings(intents=intents)


def judge(estate, **kwargs):
    intent = Intent(**{"name": "i", "source": "aws_instance.app", "destination": "aws_instance.db", "port": 5432,
                       "expect": "reachable", **kwargs})
    return pcx15_network_intent.judge(estate, intent, settings(intent))


def test_intent_outcomes_on_a_hand_built_estate():
    finding = judge(pair().estate)
    assert (finding.verdict, finding.resource.address, finding.subject) == (Verdict.PASSED, "aws_instance.db", "i")
    finding = judge(pair(back_route=False).estate)
    assert finding.verdict is Verdict.FAILED
    assert finding.resource.address == "aws_route_table.b"  # the table missing the route back
    assert "the return path is blocked at the route table" in finding.message
    finding = judge(pair().estate, expect="isolated")
    assert finding.verdict is Verdict.FAILED
    assert finding.resource.address == "aws_security_group_rule.db_in"  # what lets it in
    finding = judge(pair().estate, expect="isolated", port=22)
    assert (finding.verdict, finding.resource.address) == (Verdict.PASSED, "aws_security_group.db")


def test_unknown_is_cannot_tell_never_passed():
    b = pair()
    b.estate.route_tables["aws_route_table.b"].routes[0].destination = Unknown("a value known after apply")
    for expect in ("reachable", "isolated"):
        finding = judge(b.estate, expect=expect)
        assert finding.verdict is Verdict.UNKNOWN, expect
        assert finding.missing == ("the destination of aws_route.b_to_a: a value known after apply",)


def test_intent_about_another_estate_is_not_judged_here():
    assert judge(pair().estate, source="aws_instance.elsewhere", destination="192.168.0.1") is None


def test_config_schema_for_intents(tmp_path):
    good = tmp_path / "good" / ".pcxguard.yaml"
    good.parent.mkdir()
    good.write_text(INTENTS)
    intents = load_config(good).settings.intents
    assert [i.name for i in intents][:2] == ["app reaches db", "app reaches ledger"]
    assert (intents[0].port, intents[0].protocol, intents[0].expect, intents[0].line) == (5432, "tcp", "reachable", 2)
    bad = tmp_path / "bad" / ".pcxguard.yaml"
    bad.parent.mkdir()
    bad.write_text("intents:\n  - name: x\n    from: a\n    to: b\n    expect: reachable\n")
    with pytest.raises(ConfigError, match="'port' is a required property"):
        load_config(bad)
    bad.write_text("intents:\n  - name: x\n    from: a\n    to: b\n    port: 1\n    expect: open\n")
    with pytest.raises(ConfigError, match="intents\\[0\\].expect"):
        load_config(bad)
    bad.write_text("intents:\n  - name: x\n    from: a\n    to: b\n    protocol: icmp\n    expect: isolated\n")
    assert load_config(bad).settings.intents[0].port is None


def test_example_intents_file_is_valid():
    assert len(load_config(EXAMPLE).settings.intents) == 4


@pytest.fixture(scope="module")
def case_with_intents(tmp_path_factory):
    root = tmp_path_factory.mktemp("intents")
    shutil.copy(CASE / "plan.json", root / "plan.json")
    shutil.copy(CASE / "main.tf", root / "main.tf")
    (root / ".pcxguard.yaml").write_text(INTENTS)
    return root


def test_scan_reports_each_intent(case_with_intents, capsys):
    code = main(["scan", str(case_with_intents / "plan.json"), "-f", "json", "--include-passed"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    rows = [f for f in report["findings"] + report["unknowns"] if f["check_id"] == "CKV2_PCX_15"]
    assert len(rows) == 5
    by_message = {f["message"].split('"')[1]: f for f in rows}
    assert by_message["app reaches db"]["verdict"] == "PASSED"
    assert by_message["app reaches ledger"]["verdict"] == "FAILED"
    assert by_message["no ssh into db"]["verdict"] == "PASSED"
    assert by_message["db stays closed to app"]["verdict"] == "FAILED"
    assert by_message["partner reachable"]["verdict"] == "UNKNOWN"
    assert by_message["partner reachable"]["missing"] == ["the peer VPC vpc-0a1b2c3d4e5f60718; add it to the inventory"]
    assert by_message["app reaches ledger"]["resource"]["address"] == "aws_vpc.ledger"
    assert by_message["db stays closed to app"]["resource"]["address"] == "aws_security_group.db"


def test_checkov_end_to_end(case_with_intents):
    run = run_checkov("-f", "plan.json", "--framework", "terraform_plan", "--check", "CKV2_PCX_15,CKV2_PCX_0",
                      cwd=case_with_intents)
    assert run.verdict("plan.json", "CKV2_PCX_15", "aws_vpc.ledger") == "FAILED"  # its main table lacks the route back
    record = run.record("plan.json", "CKV2_PCX_15", "aws_vpc.ledger")
    details = " ".join(record["check_result"].get("details") or record.get("details") or [])
    assert 'intent "app reaches ledger"' in details.lower() and "return path is blocked" in details
    # the intent that holds: on the destination; the broken isolation: on the rule that admits it
    assert run.verdict("plan.json", "CKV2_PCX_15", "aws_instance.db") == "PASSED"
    assert run.verdict("plan.json", "CKV2_PCX_15", "aws_security_group.db") == "FAILED"
    # cannot tell is never passed: CKV2_PCX_0 names what is missing on the resource
    assert run.verdict("plan.json", "CKV2_PCX_15", "aws_instance.app") != "PASSED" or \
        run.verdict("plan.json", "CKV2_PCX_0", "aws_instance.app") == "FAILED"
    assert run.verdict("plan.json", "CKV2_PCX_0", "aws_instance.app") == "FAILED"


def test_readme_worked_example_is_the_real_output(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    text = (ROOT / "README.md").read_text()
    block = text.split("## Paths and network intents")[1].split("```console\n")[1].split("```")[0]
    command, *output = block.splitlines()
    shown, status = output[:-2], output[-1]
    assert command.startswith("$ pcxguard path ")
    code = main(command.split()[2:])
    assert capsys.readouterr().out.splitlines() == shown
    assert str(code) == status


def test_readme_settings_and_intents_examples_are_valid():
    import yaml

    from pcxguard.config import validate

    text = (ROOT / "README.md").read_text()
    for block in (text.split("## Settings")[1].split("```yaml\n")[1].split("```")[0],
                  text.split("## Paths and network intents")[1].split("```yaml\n")[1].split("```")[0]):
        raw = yaml.safe_load(block)
        validate(raw, "README.md")
        assert raw["intents"]


def test_checkov_judges_nothing_without_intents(tmp_path):
    shutil.copy(CASE / "plan.json", tmp_path / "plan.json")
    run = run_checkov("-f", "plan.json", "--framework", "terraform_plan", "--check", "CKV2_PCX_15", cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    assert not [key for key in run.records if key[1] == "CKV2_PCX_15"]  # no PASSED it was not judged for


def test_an_intent_that_names_nothing_scanned_is_a_problem(tmp_path, capsys):
    shutil.copy(CASE / "plan.json", tmp_path / "plan.json")
    (tmp_path / ".pcxguard.yaml").write_text(
        "intents:\n  - {name: typo, from: aws_instance.ap, to: aws_instance.dbb, port: 5432, expect: reachable}\n")
    code = main(["scan", str(tmp_path / "plan.json"), "-f", "json", "--strict"])
    report = json.loads(capsys.readouterr().out)
    assert code == 2
    assert [p["message"] for p in report["problems"]] == [
        ('intent "typo" (aws_instance.ap -> aws_instance.dbb (TCP 5432)) names nothing in the scanned inputs, so it '
         "was not evaluated; check its from/to against the resource addresses")]
