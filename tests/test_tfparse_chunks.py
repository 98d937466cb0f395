"""Module instances beyond tfparse's 32 (issue 14): evaluated by tfparse in passes of at most 32,
never invented; what no pass can evaluate stays "not evaluated"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pcxguard.loaders.terraform_common import ResourceTarget
from pcxguard.loaders.terraform_tfparse import TfparseReader

PROVIDER = 'provider "aws" {\n  region = "us-east-1"\n}\n'
MODULE = '''variable "n" {}
variable "hub" {
  default = "none"
}
resource "aws_vpc" "v" {
  cidr_block = "10.${var.n}.0.0/16"
}
'''
ROUTE = '''
resource "aws_route" "to_hub" {
  route_table_id            = aws_vpc.v.main_route_table_id
  destination_cidr_block    = "10.255.0.0/16"
  vpc_peering_connection_id = var.hub
}
'''


def tree(tmp_path: Path, root: str, module: str = MODULE) -> TfparseReader:
    (tmp_path / "m").mkdir(parents=True)
    (tmp_path / "m" / "main.tf").write_text(module)
    (tmp_path / "main.tf").write_text(PROVIDER + root)
    return TfparseReader(str(tmp_path))


def test_a_for_each_of_40_instances_is_evaluated_whole(tmp_path):
    r = tree(tmp_path, '''
module "cell" {
  source   = "./m"
  for_each = { for i in range(40) : format("c%02d", i) => i }
  n        = each.value
}
''')
    assert sorted(r.instances) == sorted(f'module.cell["c{i:02d}"].aws_vpc.v' for i in range(40))
    assert r.value(r.instances['module.cell["c39"].aws_vpc.v'], ("cidr_block",)) == "10.39.0.0/16"
    assert r.instances['module.cell["c39"].aws_vpc.v'].file == str(tmp_path / "m" / "main.tf")
    assert r.instances['module.cell["c39"].aws_vpc.v'].start_line == 5
    assert r.unexpanded == [] and r.problems == []


def test_two_calls_and_a_set_share_the_passes(tmp_path):
    r = tree(tmp_path, '''
module "a" {
  source   = "./m"
  for_each = toset([for i in range(25) : format("a%02d", i)])
  n        = tonumber(substr(each.key, 1, 2))
}
module "b" {
  source   = "./m"
  for_each = { for i in range(25) : format("b%02d", i) => i + 100 }
  n        = each.value
}
module "solo" {
  source = "./m"
  n      = 250
}
''')
    assert len(r.instances) == 51 and r.unexpanded == []
    assert r.value(r.instances['module.a["a24"].aws_vpc.v'], ("cidr_block",)) == "10.24.0.0/16"
    assert r.value(r.instances['module.b["b24"].aws_vpc.v'], ("cidr_block",)) == "10.124.0.0/16"
    assert r.value(r.instances["module.solo.aws_vpc.v"], ("cidr_block",)) == "10.250.0.0/16"


def test_a_link_from_a_later_instance_to_a_root_resource_resolves(tmp_path):
    r = tree(tmp_path, '''
resource "aws_vpc" "hub" {
  cidr_block = "10.255.0.0/16"
}
resource "aws_vpc_peering_connection" "p" {
  vpc_id      = aws_vpc.hub.id
  peer_vpc_id = aws_vpc.hub.id
}
module "cell" {
  source   = "./m"
  for_each = { for i in range(36) : format("c%02d", i) => i }
  n        = each.value
  hub      = aws_vpc_peering_connection.p.id
}
''', MODULE + ROUTE)
    route = r.instances['module.cell["c35"].aws_route.to_hub']
    assert r.value(route, ("vpc_peering_connection_id",)) == ResourceTarget("aws_vpc_peering_connection.p", ("id",))
    assert r.unexpanded == []


def test_a_call_fed_by_another_module_is_not_re_run_alone(tmp_path):
    r = tree(tmp_path, '''
locals {
  from_first = module.first["f00"].n
}
module "first" {
  source   = "./m"
  for_each = { for i in range(20) : format("f%02d", i) => i }
  n        = each.value
}
module "fed" {
  source   = "./m"
  for_each = { for i in range(20) : format("g%02d", i) => i }
  n        = each.value
  hub      = local.from_first
}
''')
    # 40 instances: "first" is re-run in passes of 12 (beside the 20 of "fed", which is kept whole in
    # every pass); "fed" (fed by a module through a local) never is re-run, so whatever of it the first
    # evaluation left out is reported
    fed = {a for a in r.instances if a.startswith("module.fed")}
    first = {a for a in r.instances if a.startswith("module.first")}
    assert first == {f'module.first["f{i:02d}"].aws_vpc.v' for i in range(20)}
    assert {u.address for u in r.unexpanded} == {f'module.fed["g{i:02d}"].aws_vpc.v' for i in range(20)} - fed
    assert all("at most 32 instances" in u.what for u in r.unexpanded)


def test_count_beyond_32_stays_not_evaluated(tmp_path):
    r = tree(tmp_path, '''
module "c" {
  source = "./m"
  count  = 40
  n      = count.index
}
''')
    assert len(r.instances) == 32
    assert sorted(u.address for u in r.unexpanded) == sorted(f"module.c[{i}].aws_vpc.v" for i in range(32, 40))


APP = '''variable "name" {}
resource "aws_s3_bucket" "data" {
  bucket = "b-${var.name}"
}
'''


def scope_of(tmp_path: Path, files: dict[str, str]) -> set[str]:
    from pcxguard.loaders.terraform_tfparse import _collect_scope
    from pcxguard.loaders.tfparse_chunks import inert_calls

    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    scope = _collect_scope(str(tmp_path))
    return inert_calls(scope.module_dirs[str(tmp_path)], scope.module_dirs)


CALLS = '''
module "app" {
  source   = "./app"
  for_each = toset(["a", "b"])
  name     = each.key
}
module "cell" {
  source   = "./m"
  for_each = toset(["a"])
  n        = 1
}
'''


def test_only_a_call_holding_nothing_modelled_and_named_nowhere_is_left_out_of_the_passes(tmp_path):
    assert scope_of(tmp_path / "plain", {"main.tf": CALLS, "app/main.tf": APP, "m/main.tf": MODULE}) == {"app"}
    # a module holding a route (a type the model reads), or calling one, is needed
    assert scope_of(tmp_path / "route", {"main.tf": CALLS, "app/main.tf": APP + ROUTE, "m/main.tf": MODULE}) == set()
    nested = APP + 'module "inner" {\n  source = "../m"\n  n      = 1\n}\n'
    assert scope_of(tmp_path / "nested", {"main.tf": CALLS, "app/main.tf": nested, "m/main.tf": MODULE}) == set()
    # nested calls to modules holding nothing modelled are fine, unless repeated (an unevaluated repeated
    # call would be a gap in every set)
    quiet = APP + 'module "inner" {\n  source = "../q"\n  name   = "x"\n}\n'
    assert scope_of(tmp_path / "quiet", {"main.tf": CALLS, "app/main.tf": quiet, "q/main.tf": APP,
                                         "m/main.tf": MODULE}) == {"app"}
    repeated = APP + 'module "inner" {\n  source = "../q"\n  count  = 2\n  name   = "x"\n}\n'
    assert scope_of(tmp_path / "repeated", {"main.tf": CALLS, "app/main.tf": repeated, "q/main.tf": APP,
                                            "m/main.tf": MODULE}) == set()
    # an output of the call read anywhere in the root (here by a VPC) may feed the model
    fed = CALLS + 'resource "aws_vpc" "x" {\n  cidr_block = module.app["a"].cidr\n}\n'
    assert scope_of(tmp_path / "fed", {"main.tf": fed, "app/main.tf": APP, "m/main.tf": MODULE}) == set()
    # a module file that does not parse may hide anything
    assert scope_of(tmp_path / "broken", {"main.tf": CALLS, "app/main.tf": APP + "resource {{{",
                                          "m/main.tf": MODULE}) == set()


def test_instances_holding_nothing_modelled_are_not_evaluated_again_and_leave_no_gap(tmp_path, monkeypatch):
    from pcxguard.loaders import tfparse_chunks
    from pcxguard.loaders.terraform_common import build_estate

    planned: list[list[dict[str, list[str]]]] = []
    original = tfparse_chunks.plan_passes
    monkeypatch.setattr(tfparse_chunks, "plan_passes", lambda *a: planned.append(original(*a)) or planned[-1])
    # the root as written (what happens when tfparse's answer does not confirm the calls left out of its
    # first evaluation, see below): the calls holding nothing modelled are left out of the passes only
    monkeypatch.setattr(tfparse_chunks, "confirmed", lambda *a: False)
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.tf").write_text(APP)
    r = tree(tmp_path, apps_and_cells(3))
    assert planned and all(not keep.get("app") for passes in planned for keep in passes)
    assert {a for a in r.instances if a.startswith("module.cell")} == {f'module.cell["c{i:02d}"].aws_vpc.v'
                                                                      for i in range(3)}
    buckets = {a for a in r.instances if a.startswith("module.app")}
    assert 0 < len(buckets) < 40  # tfparse's first evaluation only; the rest are reported, not re-run
    assert {u.address for u in r.unexpanded} == {f'module.app["a{i:02d}"].aws_s3_bucket.data'
                                                 for i in range(40)} - buckets
    assert build_estate(r, str(tmp_path)).gaps == []
    assert r.left_out == frozenset()


PEERED = '''variable "n" {}
resource "aws_vpc" "a" {
  cidr_block = "10.${var.n}.0.0/16"
}
resource "aws_vpc" "b" {
  cidr_block = "10.${var.n + 100}.0.0/16"
}
resource "aws_vpc_peering_connection" "p" {
  vpc_id      = aws_vpc.a.id
  peer_vpc_id = aws_vpc.b.id
  auto_accept = true
}
resource "aws_route" "ab" {
  route_table_id            = aws_vpc.a.main_route_table_id
  destination_cidr_block    = aws_vpc.b.cidr_block
  vpc_peering_connection_id = aws_vpc_peering_connection.p.id
}
'''
def apps_and_cells(cells: int) -> str:
    """A root calling the application module (nothing modelled) 40 times beside ``cells`` peering cells."""
    return f'''
module "app" {{
  source   = "./app"
  for_each = toset([for i in range(40) : format("a%02d", i)])
  name     = each.key
}}
module "cell" {{
  source   = "./m"
  for_each = {{ for i in range({cells}) : format("c%02d", i) => i }}
  n        = each.value
}}
'''


APPS_AND_CELLS = apps_and_cells(3)


def findings_of(directory: Path) -> list[tuple[str, str, str, str, tuple[str, ...]]]:
    from pcxguard.engine import analyse
    from pcxguard.loaders.terraform_tfparse import load_root_module_tfparse

    analysis = analyse(load_root_module_tfparse(str(directory)))
    return sorted((f.check_id, f.resource.address, f.verdict.value, f.message, f.missing) for f in analysis.findings)


def test_calls_holding_nothing_modelled_are_left_out_of_the_first_evaluation(tmp_path, monkeypatch):
    from pcxguard.loaders import terraform_tfparse, tfparse_chunks

    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.tf").write_text(APP)
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "main.tf").write_text(PEERED)
    (tmp_path / "main.tf").write_text(PROVIDER + APPS_AND_CELLS)
    answers: list[tuple[str, Any]] = []
    evaluate_many = terraform_tfparse._evaluate_many

    def spy(jobs):
        texts = [(Path(path) / "main.tf").read_text() for path, _ in jobs]
        found = evaluate_many(jobs)
        answers.extend(zip(texts, found, strict=True))
        return found

    monkeypatch.setattr(terraform_tfparse, "_evaluate_many", spy)
    r = TfparseReader(str(tmp_path))
    assert r.left_out == frozenset({"app"})
    # one evaluation: the app's 40 instances took none of tfparse's 32, so the cells needed no pass
    assert len(answers) == 1
    text, first = answers[0]
    assert 'for_each = {}\n  name     = each.key' in text and "__pcxguard_kept_0 = true" in text
    assert sorted(e["__tfmeta"]["path"] for e in first["module"]) == [f'module.cell["c{i:02d}"]' for i in range(3)]
    assert sorted(e["__tfmeta"]["path"] for e in first["aws_vpc"]) == sorted(
        f'module.cell["c{i:02d}"].aws_vpc.{v}' for i in range(3) for v in "ab")
    # the app is neither evaluated nor reported: it would add no element and no gap
    assert not any(a.startswith("module.app") for a in r.instances)
    assert r.unexpanded == [] and r.problems == []

    left_out = findings_of(tmp_path)
    monkeypatch.setattr(tfparse_chunks, "confirmed", lambda *a: False)  # the root as written, as before
    assert findings_of(tmp_path) == left_out
    assert [(c, a, v) for c, a, v, _, _ in left_out if v == "FAILED"] == [
        ("CKV2_PCX_2", f'module.cell["c{i:02d}"].aws_route.ab', "FAILED") for i in range(3)]


def readers(tmp_path: Path, root: str, monkeypatch: Any) -> tuple[TfparseReader, TfparseReader, int]:
    """The reader of ``root`` (calling ./app and ./m), the same root evaluated as written (nothing left out),
    and how many trees tfparse evaluated for the first."""
    from pcxguard.loaders import terraform_tfparse, tfparse_chunks

    for name in ("now", "before"):
        (tmp_path / name / "app").mkdir(parents=True)
        (tmp_path / name / "app" / "main.tf").write_text(APP)
        (tmp_path / name / "m").mkdir()
        (tmp_path / name / "m" / "main.tf").write_text(PEERED)
        (tmp_path / name / "main.tf").write_text(PROVIDER + root)
    trees: list[str] = []
    evaluate_many = terraform_tfparse._evaluate_many
    with monkeypatch.context() as patch:
        patch.setattr(terraform_tfparse, "_evaluate_many", lambda jobs: trees.extend(p for p, _ in jobs)
                      or evaluate_many(jobs))
        now = TfparseReader(str(tmp_path / "now"))
    with monkeypatch.context() as patch:
        patch.setattr(tfparse_chunks, "leave_out", lambda *a: None)
        before = TfparseReader(str(tmp_path / "before"))
    return now, before, len(trees)


def reported(reader: TfparseReader) -> tuple[list[str], list[str]]:
    """The gaps and problems of the reader's estate, its directory written ROOT."""
    from pcxguard.loaders.terraform_common import build_estate

    estate = build_estate(reader, "root")
    return (sorted(repr(g).replace(reader.directory, "ROOT") for g in estate.gaps),
            sorted(repr(p).replace(reader.directory, "ROOT") for p in reader.problems + estate.problems))


CELL = '''
module "cell" {
  source   = "./m"
  for_each = { c00 = 0 }
  n        = each.value
}
'''


def test_a_call_left_out_with_count_leaves_no_gap(tmp_path, monkeypatch):
    now, before, trees = readers(tmp_path, CELL + '''
module "app" {
  source = "./app"
  count  = 2
  name   = "x${count.index}"
}
''', monkeypatch)
    assert now.left_out == frozenset({"app"}) and before.left_out == frozenset() and trees == 1
    assert any(a.startswith("module.app[") for a in before.instances)
    assert not any(a.startswith("module.app") for a in now.instances)
    assert reported(now) == reported(before) == ([], [])
    assert sorted(a for a in now.instances) == sorted(a for a in before.instances if not a.startswith("module.app"))


@pytest.mark.parametrize("call", [
    # not known: a gap in every set, as before
    'variable "apps" {}\nmodule "app" {\n  source   = "./app"\n  for_each = var.apps\n  name     = each.key\n}\n',
    'variable "none" {}\nmodule "app" {\n  source = "./app"\n  count  = length(var.none)\n  name   = "x"\n}\n',
    # known empty: no instance, no gap; an empty key: one unkeyed instance (a gap in every set)
    'module "app" {\n  source   = "./app"\n  for_each = toset([for i in range(0) : "x"])\n  name     = each.key\n}\n',
    'module "app" {\n  source   = "./app"\n  for_each = toset(["", "a"])\n  name     = each.key\n}\n',
    # an argument given twice: tfparse drops the whole file (the cells with it: gaps), as before
    'module "app" {\n  source   = "./app"\n  for_each = toset(["a"])\n  name     = each.key\n  name     = "b"\n}\n',
], ids=["unknown-for_each", "unknown-count", "empty", "empty-key", "argument-twice"])
def test_a_call_tfparse_does_not_confirm_is_evaluated_as_written(tmp_path, monkeypatch, call):
    now, before, trees = readers(tmp_path, CELL + call, monkeypatch)
    assert now.left_out == frozenset() and trees == 2  # left out first, then the root as written
    assert reported(now) == reported(before)
    assert sorted(now.instances) == sorted(before.instances)
    assert [(u.address, u.what) for u in now.unexpanded] == [(u.address, u.what) for u in before.unexpanded]


def test_a_pass_narrows_the_variable_its_call_iterates_over(tmp_path, monkeypatch):
    import json

    from pcxguard.loaders import tfparse_chunks

    written: list[list[str]] = []
    original = tfparse_chunks.write_pass_variables

    def spy(copy_root, keep, narrowed):
        names = original(copy_root, keep, narrowed)
        for name in names:
            written.append(sorted(json.loads((Path(copy_root) / name).read_text())["cells"]))
        return names

    monkeypatch.setattr(tfparse_chunks, "write_pass_variables", spy)
    (tmp_path / "terraform.tfvars.json").write_text(json.dumps({"cells": {f"c{i:02d}": i for i in range(40)}}))
    r = tree(tmp_path, '''
variable "cells" {
  type = map(number)
}
module "cell" {
  source   = "./m"
  for_each = var.cells
  n        = each.value
}
''')
    assert sorted(r.instances) == sorted(f'module.cell["c{i:02d}"].aws_vpc.v' for i in range(40))
    assert r.value(r.instances['module.cell["c39"].aws_vpc.v'], ("cidr_block",)) == "10.39.0.0/16"
    assert r.unexpanded == [] and r.problems == []
    # the passes' variables hold only their own keys, all of the ones the first evaluation left
    assert written and all(len(keys) <= 32 for keys in written)
    assert len({k for keys in written for k in keys}) == sum(len(keys) for keys in written) >= 8


def test_a_variable_named_elsewhere_in_the_root_is_not_narrowed(tmp_path):
    from pcxguard.loaders.terraform_tfparse import _collect_scope
    from pcxguard.loaders.tfparse_chunks import narrowed_variables

    root_tf = '''
variable "cells" {}
module "cell" {
  source   = "./m"
  for_each = var.cells
  n        = length(%s)
}
'''
    data = {"module": [{"__tfmeta": {"path": 'module.cell["a"]'}, "for_each": {"a": 1, "b": 2}},
                       {"__tfmeta": {"path": 'module.cell["b"]'}, "for_each": {"a": 1, "b": 2}}]}
    passes = [{"cell": ["b"]}]
    found = {}
    for name, argument in (("alone", "[]"), ("named", "var.cells")):
        (tmp_path / name / "m").mkdir(parents=True)
        (tmp_path / name / "m" / "main.tf").write_text(MODULE)
        (tmp_path / name / "main.tf").write_text(PROVIDER + root_tf % argument)
        scope = _collect_scope(str(tmp_path / name))
        found[name] = narrowed_variables(data, scope.module_dirs[str(tmp_path / name)], passes)
    assert found == {"alone": {"cell": ("cells", {"a": 1, "b": 2})}, "named": {}}
    # a value with a tfparse marker or a template sequence is not written back
    for value in ({"a": {"__attribute__": "var.x"}}, {"a": "${x}"}):
        marked = {"module": [dict(e, for_each=value) for e in data["module"]]}
        assert narrowed_variables(marked, _collect_scope(str(tmp_path / "alone")).module_dirs[
            str(tmp_path / "alone")], passes) == {}


@pytest.mark.parametrize("kind,value,kept", [
    ("count", 3, True), ("count", 10_000, True), ("count", 10_001, False), ("count", 0, False),
    ("count", True, False), ("count", None, False), ("count", {"__attribute__": "var.n"}, False),
    ("for_each", {"a": 1}, True), ("for_each", ["a", "b"], True), ("for_each", {}, False), ("for_each", [], False),
    ("for_each", {"": 1}, False), ("for_each", {"__attribute__": "var.x"}, False), ("for_each", [1, 2], False),
    ("for_each", "a", False), ("for_each", {f"k{i}": i for i in range(10_001)}, False),
])
def test_what_confirms_a_call_left_out(kind, value, kept):
    from pcxguard.loaders.tfparse_chunks import LeftOut, confirmed

    left = LeftOut(calls={"app": kind}, markers={"__pcxguard_kept_0"})
    probes = {"__pcxguard_probe_0": ("repeat", "module.app"), "__pcxguard_probe_1": ("ref", "var.x")}
    marker = {"__tfmeta": {"path": "locals"}, "__pcxguard_kept_0": True}
    probe = {"__tfmeta": {"path": "locals"}, "__pcxguard_probe_0": value}
    assert confirmed({"locals": [marker, probe]}, left, probes) is kept
    # the marker's file was not read (tfparse dropped it), or the probe is missing: as written
    assert confirmed({"locals": [probe]}, left, probes) is False
    assert confirmed({"locals": [marker]}, left, probes) is False
    # a marker in a module instance's locals is not the root's
    inner = dict(marker, __tfmeta={"path": 'module.x["a"].locals'})
    assert confirmed({"locals": [inner, probe]}, left, probes) is False


def test_the_passes_run_beside_a_call_left_out(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.tf").write_text(APP)
    r = tree(tmp_path, apps_and_cells(40))
    assert r.left_out == frozenset({"app"})
    assert sorted(r.instances) == sorted(f'module.cell["c{i:02d}"].aws_vpc.v' for i in range(40))
    assert r.value(r.instances['module.cell["c39"].aws_vpc.v'], ("cidr_block",)) == "10.39.0.0/16"
    assert r.unexpanded == [] and r.problems == []
