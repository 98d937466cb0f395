"""Broken and hostile input (issue 11): every reproducer gets its exact problem, never a crash, a hang,
a false verdict or a read outside the scanned tree. The corpus lives in fixtures/hostile/."""

from __future__ import annotations

import copy
import json
import os
import shutil
from pathlib import Path

import pytest
from checkov_run import ROOT

from pcxguard import limits
from pcxguard.cli import main
from pcxguard.config import find_config
from pcxguard.discover import discover
from pcxguard.loaders.terraform_plan import load_plan_data
from pcxguard.model import CidrBlock, Source, Unknown
from pcxguard.scan import fingerprint, run_scan
from pcxguard.values import parse_cidr

CORPUS = ROOT / "fixtures" / "hostile"
PLANS = ROOT / "fixtures" / "terraform"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def verdicts(paths: list[str]) -> dict[tuple[str, str], str]:
    report, _ = run_scan(paths)
    return {(r.finding.check_id, r.finding.resource.address): r.verdict.name for r in report.findings}


# -- the corpus: each reproducer, its exit code and the stable part of its message ------------------------
UNREADABLE = [
    ("empty_plan.json", "an empty file: expected the JSON of a Terraform plan; write it with "
                        "'terraform show -json PLANFILE > plan.json'"),
    ("empty_object.json", "an empty JSON document ({}), not a Terraform plan"),
    ("text_plan.json", "the text output of 'terraform plan', not JSON: write it with 'terraform show -json PLANFILE"),
    ("tf.plan", "a binary Terraform plan file (zip), not JSON: run 'terraform show -json tf.plan > plan.json'"),
    ("wrapped_plan.json", "the plan JSON is wrapped in other output (it starts with '[command]/home/runner/work/"
                          "_temp/terraform-bin show -json tf'"),
    ("non_utf8.json", "not UTF-8 text (byte 85: invalid start byte); not read"),
    ("deep_plan.json", "JSON nested deeper than 200 levels (the limit); not read"),
    ("deep_unknown.json", "JSON nested deeper than 200 levels; not read"),
    ("deep_template.yaml", "is not a readable template: the document nests deeper than 200 levels (the limit)"),
]


@pytest.mark.parametrize(("name", "message"), UNREADABLE, ids=[n for n, _ in UNREADABLE])
def test_unreadable_input_alone_exits_2_with_a_line_on_stderr(capsys, name, message):
    path = f"fixtures/hostile/{name}"
    code, out, err = run(capsys, "scan", path, "--format", "json")
    assert code == 2
    assert f"pcxguard: {path}" in err and message in err
    assert [p["file"] for p in json.loads(out)["problems"]] == [path]
    assert message in json.loads(out)["problems"][0]["message"]


@pytest.mark.parametrize(("name", "message"), UNREADABLE, ids=[n for n, _ in UNREADABLE])
def test_unreadable_input_beside_a_good_plan_fails_the_scan_and_hides_nothing(capsys, name, message):
    code, out, err = run(capsys, "scan", "fixtures/terraform/cli_report/plan.json", f"fixtures/hostile/{name}",
                         "--format", "json")
    data = json.loads(out)
    assert code == 2 and data["summary"]["failed"] == 2  # fails closed; the good plan's findings are all there
    assert data["summary"]["input_errors"] == 1
    assert any(message in p["message"] and p["fails_closed"] for p in data["problems"])
    assert f"pcxguard: fixtures/hostile/{name}" in err


TEMPLATE_PROBLEMS = [
    ("cidr_count_huge.yaml", "Fn::Cidr in fixtures/hostile/cidr_count_huge.yaml: count 100000000 is not a whole "
                             "number from 1 to 256 (CloudFormation's limit, and pcxguard's); not expanded"),
    ("cidr_count_inf.yaml", "Fn::Cidr in fixtures/hostile/cidr_count_inf.yaml: count inf is not a whole number "
                            "from 1 to 256"),
    ("cidr_trailing_space.yaml", "CidrBlock '10.0.0.0/16 ' of Vpc in fixtures/hostile/cidr_trailing_space.yaml is not "
                                 "a valid CIDR block (surrounding whitespace); ignored"),
    ("cidr_newline.json", "CidrBlock '10.0.0.0/16\\n' of Vpc in fixtures/hostile/cidr_newline.json is not a valid CIDR "
                          "block (surrounding whitespace)"),
    ("cidr_fullwidth.yaml", "is not a valid CIDR block (characters other than ASCII digits"),
    ("cidr_empty.yaml", "CidrBlock of Vpc in fixtures/hostile/cidr_empty.yaml is an empty string, not a CIDR block"),
    ("cidr_null.yaml", "CidrBlock of Vpc in fixtures/hostile/cidr_null.yaml is set but resolves to no value"),
]


@pytest.mark.parametrize(("name", "message"), TEMPLATE_PROBLEMS, ids=[n for n, _ in TEMPLATE_PROBLEMS])
def test_bad_values_in_templates_are_problems_and_unknowns(capsys, name, message):
    """A bad value is never a finding pcxguard made up, and never a silent pass: it is a broken input that
    fails the scan (exit 2, issue 12), and the verdicts resting on it say "cannot tell"."""
    code, out, err = run(capsys, "scan", f"fixtures/hostile/{name}", "--format", "json")
    data = json.loads(out)
    assert code == 2 and message in err
    assert [p["message"] for p in data["problems"]] == [message] or message in data["problems"][0]["message"]
    assert data["problems"][0]["fails_closed"] is True
    assert data["summary"]["failed"] == 0 and data["summary"]["input_errors"] == 1


def test_a_lone_surrogate_logical_id_does_not_crash_the_fingerprint_or_the_outputs(capsys):
    for form in ("text", "json", "sarif", "github", "markdown"):
        code, out, err = run(capsys, "scan", "fixtures/hostile/lone_surrogate.json", "--format", form,
                             "--create-baseline" if form == "json" else "--fail-on", "/dev/null" if form == "json"
                             else "LOW")
        assert code in (0, 1) and "internal error" not in err, (form, err)
    report, _ = run_scan(["fixtures/hostile/lone_surrogate.json"])
    assert all(len(fingerprint(r.finding)) > 20 for r in report.findings)


@pytest.mark.parametrize(("directory", "message"), [
    ("config_alias_bomb", "config_alias_bomb/.pcxguard.yaml: the YAML aliases expand to more than 500,000 nodes; "
                          "refused (a 'billion laughs' alias bomb?)"),
    ("config_undecodable", "config_undecodable/.pcxguard.yaml: cannot read the configuration: not UTF-8 text"),
])
def test_a_broken_configuration_fails_its_own_inputs_only(capsys, directory, message):
    """Exit 2 and a line on stderr; the other inputs' findings are still reported."""
    code, out, err = run(capsys, "scan", f"fixtures/hostile/{directory}/network.yaml",
                         "fixtures/terraform/cli_report/plan.json", "--format", "json")
    data = json.loads(out)
    assert code == 2 and message in err
    assert data["summary"]["failed"] == 2  # the plan's
    assert [p["file"] for p in data["problems"]] == [f"fixtures/hostile/{directory}/network.yaml"]
    assert data["problems"][0]["message"].startswith("not judged: ")


# -- regular files inside the tree only ---------------------------------------------------------------------
def test_fifo_and_device_named_like_inputs_are_refused_without_hanging(tmp_path, capsys):
    os.mkfifo(tmp_path / "x.json")
    os.symlink("/dev/zero", tmp_path / "zero.json")
    shutil.copy(PLANS / "cli_report" / "plan.json", tmp_path / "plan.json")
    code, out, err = run(capsys, "scan", str(tmp_path), "--format", "json")
    problems = {Path(p["file"]).name: p["message"] for p in json.loads(out)["problems"]}
    assert problems == {"x.json": "cannot read: a FIFO, not a regular file; not read",
                        "zero.json": f"cannot read: a symbolic link to /dev/zero, outside the scanned tree {tmp_path}; "
                                     "not read"}
    assert code == 1  # the plan's findings
    for name, what in (("x.json", "a FIFO"), ("zero.json", "a device")):
        code, _, err = run(capsys, "scan", str(tmp_path / name))
        assert code == 2 and f"{what}, not a regular file; not read" in err


def test_symlinks_leaving_the_scanned_tree_are_not_followed(tmp_path, capsys):
    outside, tree = tmp_path / "outside", tmp_path / "tree"
    (outside / "mod").mkdir(parents=True)
    tree.mkdir()
    shutil.copy(PLANS / "cli_report" / "plan.json", outside / "plan.json")
    (outside / "mod" / "main.tf").write_text('resource "aws_vpc" "a" {\n  cidr_block = "10.0.0.0/16"\n}\n')
    os.symlink(outside / "plan.json", tree / "plan.json")
    os.symlink(outside / "mod", tree / "mod")
    os.symlink(outside / "mod" / "main.tf", tree / "main.tf")
    found = discover([str(tree)])
    assert found.inputs == []
    messages = sorted((Path(p.file).name, p.message.split(",")[0]) for p in found.problems)
    assert messages == [("main.tf", f"cannot read: a symbolic link to {outside / 'mod' / 'main.tf'}"),
                        ("mod", f"a symbolic link to {outside / 'mod'}"),
                        ("plan.json", f"cannot read: a symbolic link to {outside / 'plan.json'}")]
    # a link that stays inside the tree is read
    (tree / "real").mkdir()
    shutil.copy(PLANS / "cli_report" / "plan.json", tree / "real" / "plan.json")
    os.symlink(tree / "real" / "plan.json", tree / "inside.json")
    assert sorted(Path(i.path).name for i in discover([str(tree)]).inputs) == ["inside.json", "plan.json"]


def test_read_text_refuses_above_the_size_limit(tmp_path):
    big = tmp_path / "big.json"
    big.write_text("x" * 101)
    with pytest.raises(limits.InputRefused, match=r"big.json: 101 bytes, above the limit of 100 bytes; not read"):
        limits.read_text(str(big), 100)
    assert limits.read_text(str(big), 101) == "x" * 101


def test_a_template_above_the_size_limit_is_a_problem(tmp_path, monkeypatch, capsys):
    from pcxguard.loaders import cloudformation

    monkeypatch.setattr(cloudformation, "MAX_TEMPLATE_BYTES", 100)
    template = tmp_path / "t.yaml"
    template.write_text((CORPUS / "cidr_empty.yaml").read_text() + "#" * 100)
    estate = cloudformation.load_cloudformation([str(template)])
    assert [p.message for p in estate.problems] == [
        f"{template} is 217 bytes, larger than any CloudFormation template (100 bytes, the limit); skipped"]


def test_expansion_bound_for_count_and_for_each():
    assert limits.expansion_bound(10, "count of aws_vpc.a") is None
    assert limits.expansion_bound(10_000, "count") is None
    assert limits.expansion_bound(1_000_000_000, "count of aws_vpc.a") == \
        "count of aws_vpc.a: 1,000,000,000 instances, above the limit of 10,000; not expanded"
    assert limits.expansion_bound(float("inf"), "count") == "count: inf is not a whole number of instances"
    assert limits.expansion_bound(-1, "count") == "count: -1 is negative"


# -- one template, plan, root at a time ----------------------------------------------------------------------
def test_one_bad_template_does_not_hide_the_others_and_exports_still_join(tmp_path, capsys):
    shutil.copytree(ROOT / "fixtures" / "cloudformation" / "exports", tmp_path / "exports")
    before = verdicts([str(tmp_path / "exports")])
    shutil.copy(CORPUS / "cidr_count_inf.yaml", tmp_path / "exports" / "zz_bad.yaml")
    after = verdicts([str(tmp_path / "exports")])
    assert {k: v for k, v in after.items() if k[1] != "Vpc"} == {k: v for k, v in before.items() if k[1] != "Vpc"}
    assert any(v == "FAILED" for v in before.values()) or any(k[0] == "CKV2_PCX_1" for k in before)


def test_a_builder_crash_in_one_template_is_isolated(tmp_path, monkeypatch):
    from pcxguard.loaders import cloudformation

    shutil.copytree(ROOT / "fixtures" / "cloudformation" / "exports", tmp_path / "exports")
    before = verdicts([str(tmp_path / "exports")])
    (tmp_path / "exports" / "zz_crash.yaml").write_text((CORPUS / "cidr_empty.yaml").read_text())
    original = cloudformation.CloudFormationBuilder._place_stacks

    def explode(self):
        if any(p.endswith("zz_crash.yaml") for p in self.templates):
            raise OverflowError("cannot convert float infinity to integer")
        return original(self)

    monkeypatch.setattr(cloudformation.CloudFormationBuilder, "_place_stacks", explode)
    report, _ = run_scan([str(tmp_path / "exports")])
    assert {(r.finding.check_id, r.finding.resource.address): r.verdict.name for r in report.findings} == before
    assert [p.message for p in report.problems] == [
        f"{tmp_path / 'exports' / 'zz_crash.yaml'} could not be read: OverflowError: cannot convert float infinity "
        "to integer; skipped, the other templates are judged without it"]


# -- configuration scope ---------------------------------------------------------------------------------------
def _repo(root: Path, config: str | None) -> None:
    root.mkdir(parents=True)
    (root / ".git").mkdir()
    if config is not None:
        (root / ".pcxguard.yaml").write_text(config)


def test_each_template_uses_its_own_repositorys_configuration(tmp_path):
    overlap = (ROOT / "fixtures" / "cloudformation" / "overlap_and_duplicates").glob("*.yaml")
    source = next(iter(sorted(overlap)))
    _repo(tmp_path / "repoA", "checks:\n  CKV2_PCX_1: {enabled: false}\n  CKV2_PCX_3: {enabled: false}\n")
    _repo(tmp_path / "repoB", None)
    shutil.copy(source, tmp_path / "repoA" / "a.yaml")
    shutil.copy(source, tmp_path / "repoB" / "network.yaml")
    alone = verdicts([str(tmp_path / "repoB" / "network.yaml")])
    together = verdicts([str(tmp_path / "repoA" / "a.yaml"), str(tmp_path / "repoB" / "network.yaml")])
    failed_b = {k for k, v in alone.items() if v == "FAILED"}
    assert failed_b  # the fixture fails in repoB, whose configuration disables nothing
    assert {k for k, v in together.items() if v == "FAILED"} >= failed_b
    report, _ = run_scan([str(tmp_path / "repoA" / "a.yaml"), str(tmp_path / "repoB" / "network.yaml")])
    assert not any(r.finding.check_id in ("CKV2_PCX_1", "CKV2_PCX_3") and "repoA" in (r.finding.resource.file or "")
                   for r in report.findings)


def test_under_checkov_each_templates_repository_configuration_applies(tmp_path):
    from checkov_run import run_checkov

    source = ROOT / "fixtures" / "cloudformation" / "overlap_and_duplicates" / "network.yaml"
    _repo(tmp_path / "repoA", "checks:\n  CKV2_PCX_1: {enabled: false}\n")
    _repo(tmp_path / "repoB", None)
    shutil.copy(source, tmp_path / "repoA" / "a.yaml")
    shutil.copy(source, tmp_path / "repoB" / "network.yaml")
    run = run_checkov("-d", str(tmp_path), "--framework", "cloudformation", "--check", "CKV2_PCX_1")
    failed_b = {r for (path, cid, r), rec in run.records.items() if "repoB" in path
                and rec["check_result"]["result"] == "FAILED"}
    failed_a = {r for (path, cid, r), rec in run.records.items() if "repoA" in path
                and rec["check_result"]["result"] == "FAILED"}
    assert failed_b and not failed_a, run.records.keys()


def test_the_configuration_search_stops_at_the_repository_root(tmp_path):
    (tmp_path / ".pcxguard.yaml").write_text("inter_region_mtu: 1500\n")
    _repo(tmp_path / "repo", None)
    (tmp_path / "repo" / "sub").mkdir()
    assert find_config(tmp_path / "repo" / "sub") is None
    assert find_config(tmp_path / "repo") is None
    (tmp_path / "repo" / ".pcxguard.yaml").write_text("inter_region_mtu: 1500\n")
    assert find_config(tmp_path / "repo" / "sub") == (tmp_path / "repo" / ".pcxguard.yaml").resolve()
    (tmp_path / "repo" / ".git").rmdir()
    (tmp_path / "repo" / ".git").write_text("gitdir: ../.git/worktrees/x\n")  # a worktree: .git is a file
    (tmp_path / "repo" / ".pcxguard.yaml").unlink()
    assert find_config(tmp_path / "repo" / "sub") is None


# -- values validated where they enter the model -----------------------------------------------------------
@pytest.mark.parametrize(("text", "family", "why"), [
    ("10.0.0.0/16\n", 4, "surrounding whitespace"),
    ("10.0.0.0/16 ", 4, "surrounding whitespace"),
    ("１0.0.0.0/16", 4, "characters other than ASCII"),
    ("10.0.0.0/16", 6, "an IPv4 block where an IPv6 block belongs"),
    ("::ffff:10.0.0.0/104", 6, "IPv4 text inside an IPv6 block"),
    ("2600:1f18::/56", 4, "an IPv6 block where an IPv4 block belongs"),
    ("010.0.0.0/8", 4, "not an address/prefix-length CIDR block"),
    ("10.0.0.0/33", 4, "not an address/prefix-length CIDR block"),
])
def test_a_cidr_is_exactly_a_cidr_of_its_family(text, family, why):
    with pytest.raises(ValueError, match=why):
        parse_cidr(text, family)


def test_cidr_block_version_survives_a_null_network():
    source = Source("x", "aws_vpc", "aws_vpc.a", None, None, None)
    assert CidrBlock(None, "primary", source).version == 4  # type: ignore[arg-type]
    assert CidrBlock(None, "ipv6", source).version == 6  # type: ignore[arg-type]


def _plan(name: str) -> dict:
    return json.loads((PLANS / name / "plan.json").read_text())


def _change(plan: dict, address: str) -> dict:
    return next(c for c in plan["resource_changes"] if c["address"] == address)["change"]


def _plan_verdicts(plan: dict) -> dict[tuple[str, str], str]:
    from pcxguard.engine import analyse

    return {(f.check_id, f.resource.address): f.verdict.name for f in analyse(load_plan_data(plan, "plan.json")).findings}


@pytest.mark.parametrize("value", [5, "true", "", [True]])
def test_a_non_boolean_auto_accept_is_unknown_not_unset(value):
    plan = _plan("pcx8_peering_acceptance")
    address = "aws_vpc_peering_connection.same_region_unaccepted"
    assert _plan_verdicts(plan)[("CKV2_PCX_8", address)] == "FAILED"
    _change(plan, address)["after"]["auto_accept"] = value
    estate = load_plan_data(plan, "plan.json")
    assert _plan_verdicts(plan)[("CKV2_PCX_8", address)] == "UNKNOWN"
    assert f"auto_accept of {address} is {'an empty string' if value == '' else repr(value)}, not true or false" in \
        [p.message for p in estate.problems]


@pytest.mark.parametrize(("attribute", "value"), [("peer_region", ""), ("peer_owner_id", ""), ("peer_region", 7)])
def test_an_empty_region_or_account_is_unknown_not_unset(attribute, value):
    plan = _plan("pcx8_peering_acceptance")
    address = "aws_vpc_peering_connection.same_region_unaccepted"
    _change(plan, address)["after"][attribute] = value
    _change(plan, address)["after_unknown"].pop(attribute, None)
    peering = load_plan_data(plan, "plan.json").peerings[address]
    assert isinstance(getattr(peering, attribute), Unknown)
    assert _plan_verdicts(plan)[("CKV2_PCX_8", address)] != "PASSED"


@pytest.mark.parametrize("value", ["10.1.0.0/16 ", "10.1.0.0/16\n", "１0.1.0.0/16", "", "2600:1f18::/56"])
def test_a_garbage_cidr_in_a_plan_is_a_problem_and_never_a_failure(value):
    plan = _plan("pcx1_overlapping_cidrs_primary")
    vpcs = [c for c in plan["resource_changes"] if c["type"] == "aws_vpc"]
    before = _plan_verdicts(plan)
    vpcs[0]["change"]["after"]["cidr_block"] = value
    estate = load_plan_data(plan, "plan.json")
    assert any("cidr_block" in p.message and vpcs[0]["address"] in p.message for p in estate.problems)
    after = _plan_verdicts(plan)
    assert {k for k, v in after.items() if v == "FAILED"} <= {k for k, v in before.items() if v == "FAILED"}
    # the peerings of the broken VPC cannot be judged on its block: never FAILED on it, "cannot tell"
    for peering in ("aws_vpc_peering_connection.ab", "aws_vpc_peering_connection.ac"):
        assert after[("CKV2_PCX_1", peering)] in ("UNKNOWN", before[("CKV2_PCX_1", peering)])


def test_an_accepter_of_an_unknown_peering_is_not_nothing_accepts_it():
    plan = _plan("pcx8_peering_acceptance")
    address = "aws_vpc_peering_connection.same_region_unaccepted"
    accepter = next(c for c in plan["resource_changes"] if c["type"] == "aws_vpc_peering_connection_accepter")
    accepter["change"]["after"]["vpc_peering_connection_id"] = None
    accepter["change"]["after_unknown"]["vpc_peering_connection_id"] = True
    for module in [plan["configuration"]["root_module"]]:
        for resource in module["resources"]:
            if resource["address"] == accepter["address"]:
                resource["expressions"]["vpc_peering_connection_id"] = {"references": ["data.external.x.result"]}
    verdict = _plan_verdicts(plan)
    assert verdict[("CKV2_PCX_8", address)] == "UNKNOWN"
    assert verdict[("CKV2_PCX_8", "aws_vpc_peering_connection.auto_cross_region")] == "FAILED"  # decided anyway


def test_a_cidr_block_association_listed_before_its_vpc_is_kept():
    plan = _plan("pcx1_overlapping_cidrs_secondary")
    forward = _plan_verdicts(plan)
    assert "FAILED" in {v for (check, _), v in forward.items() if check == "CKV2_PCX_1"}
    reversed_plan = copy.deepcopy(plan)
    reversed_plan["resource_changes"].reverse()
    assert _plan_verdicts(reversed_plan) == forward


def test_a_references_string_is_not_iterated(tmp_path):
    plan = _plan("pcx1_overlapping_cidrs_primary")
    for resource in plan["configuration"]["root_module"]["resources"]:
        for expression in resource.get("expressions", {}).values():
            if isinstance(expression, dict) and "references" in expression:
                expression["references"] = "aws_vpc.a.id" * 5000
    estate = load_plan_data(plan, "plan.json")
    assert estate.vpcs  # read, links from references left unknown


def test_an_internal_error_is_one_line_and_exit_3(capsys, monkeypatch):
    import pcxguard.scan

    def broken(*_args, **_kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(pcxguard.scan, "run_scan", broken)
    code, out, err = run(capsys, "scan", "fixtures/terraform/cli_report/plan.json")
    assert code == 3 and out == ""
    assert err.startswith("pcxguard: internal error: RecursionError: maximum recursion depth exceeded. This is a bug")
    assert "Traceback" not in err


def test_nothing_readable_never_exits_0(capsys, tmp_path):
    (tmp_path / "plan.json").write_text("")
    code, _, err = run(capsys, "scan", str(tmp_path / "plan.json"))
    assert code == 2 and "an empty file" in err
    # an unrelated JSON file named by a pre-commit hook is not an input: reported, exit 0 (documented)
    (tmp_path / "package.json").write_text('{"name": "x"}')
    assert run(capsys, "scan", str(tmp_path / "package.json"))[0] == 0




def test_an_unknown_inline_route_list_never_adds_a_failure():
    plan = _plan("inline_routes")
    before = {k for k, v in _plan_verdicts(plan).items() if v == "FAILED"}
    change = next(c for c in plan["resource_changes"] if c["type"] == "aws_route_table")["change"]
    change["after"]["route"] = None
    change["after_unknown"]["route"] = True
    after = _plan_verdicts(plan)
    assert {k for k, v in after.items() if v == "FAILED"} <= before
    # the routes it may hold are a gap: the route-back check says "cannot tell", naming the table
    estate = load_plan_data(plan, "plan.json")
    table = next(t for t in estate.route_tables.values() if t.source.address.startswith("aws_route_table."))
    assert [g.address for g in estate.gaps_in("routes") if g.address == table.key] == [table.key]
    assert "UNKNOWN" in {v for (check, _), v in after.items() if check == "CKV2_PCX_2"}
