"""Messages state facts (issue 10, item 8): every configuration key a message or hint names is one
the configuration schema accepts, at the place it says. Reads every string in src/pcxguard."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "pcxguard"
SCHEMA = json.loads((SRC / "schemas" / "config.schema.json").read_text())
CONTEXT = re.compile(r"\.pcxguard\.yaml|inventory|configuration")


def schema_paths() -> set[tuple[str, ...]]:
    """Every key path the schema accepts, array levels left out and free-named levels as ``<*>``."""
    found: set[tuple[str, ...]] = set()

    def walk(node: dict, path: tuple[str, ...], depth: int = 0) -> None:
        if depth > 12:
            return
        if "$ref" in node:
            node = SCHEMA["$defs"][node["$ref"].rsplit("/", 1)[1]]
        for key, sub in (node.get("properties") or {}).items():
            found.add(path + (key,))
            walk(sub, path + (key,), depth + 1)
        if isinstance(node.get("items"), dict):
            walk(node["items"], path, depth + 1)
        for sub in (node.get("patternProperties") or {}).values():
            found.add(path + ("<*>",))
            walk(sub, path + ("<*>",), depth + 1)
        if isinstance(node.get("additionalProperties"), dict):
            found.add(path + ("<*>",))
            walk(node["additionalProperties"], path + ("<*>",), depth + 1)

    walk(SCHEMA, ())
    return found


PATHS = schema_paths()
KEYS = {path[-1] for path in PATHS}


def strings() -> list[tuple[str, int, str]]:
    """(file, line, text) of every string literal in the package; an f-string's fields read as ``{}``."""
    found = []
    for file in sorted(SRC.rglob("*.py")):
        tree = ast.parse(file.read_text(), str(file))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and node.body
                      and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr):
                text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                text = node.value
            else:
                continue
            found.append((str(file.relative_to(ROOT)), node.lineno, text))
    return found


# "(inventory: vpcs: route_tables)", "(accounts: PROVIDER: ID)", "set active_peerings_per_vpc: 60 in ..."
CHAIN = re.compile(r"(?:\(|\bset )([a-z][a-z0-9_]*(?:: [a-z][a-z0-9_]*)*): (?=[A-Z{\"0-9])"
                   r"|(?<![\w.{])([a-z][a-z0-9_]*(?:: [a-z][a-z0-9_]*)+)\b")
DOTTED = re.compile(r"\b((?:cloudformation|inventory|checks)(?:\.(?:<[^>]+>|[a-z_]+))+)")
BARE = re.compile(r"\b(?:set|list its) ([a-z][a-z0-9_]+) in (?:the inventory|\.pcxguard\.yaml)"
                  r"|\b([a-z]+_[a-z0-9_]+) in \.pcxguard\.yaml")
FIELDS = re.compile(r"inventory[^()]*\(([a-z_]+(?:, [a-z_]+)+)\)")


def named_keys(text: str) -> list[tuple[str, ...]]:
    """The configuration key paths a message names (one-key paths for a key named on its own)."""
    if not CONTEXT.search(text):
        return []
    named: list[tuple[str, ...]] = []
    for match in CHAIN.finditer(text):
        named.append(tuple((match.group(1) or match.group(2)).split(": ")))
    for match in DOTTED.finditer(text):
        named.append(tuple("<*>" if part.startswith("<") else part for part in match.group(1).split(".")))
    for match in BARE.finditer(text):
        named.append(("*", match.group(1) or match.group(2)))
    for match in FIELDS.finditer(text):
        named.extend(("inventory", "vpcs", field) for field in match.group(1).split(", "))
    return named


def accepted(path: tuple[str, ...]) -> bool:
    if path[0] == "*":  # a key named alone: it must exist somewhere
        return path[1] in KEYS
    return path in PATHS


def test_the_reader_of_messages_sees_the_keys_it_must_check():
    """The extraction itself: it finds keys in each form messages use (a test that cannot fail proves nothing)."""
    assert named_keys("list it in the inventory (inventory: vpcs: route_tables)") == [
        ("inventory", "vpcs", "route_tables")]
    assert named_keys("set the account in the inventory or configuration (accounts: PROVIDER: ID)") == [("accounts",)]
    assert named_keys("set cloudformation.stacks.<template glob>.region in .pcxguard.yaml") == [
        ("cloudformation", "stacks", "<*>", "region")]
    assert named_keys("set active_peerings_per_vpc: {} in .pcxguard.yaml") == [("active_peerings_per_vpc",)]
    assert named_keys("or set stack_name in .pcxguard.yaml") == [("*", "stack_name")]
    assert named_keys("add it to the inventory in .pcxguard.yaml (id, cidr_blocks, region)") == [
        ("inventory", "vpcs", "id"), ("inventory", "vpcs", "cidr_blocks"), ("inventory", "vpcs", "region")]
    assert named_keys("configuration error: {}") == []
    assert not accepted(("accounts",)) and accepted(("inventory", "vpcs", "route_tables"))
    found = {path for _, _, text in strings() for path in named_keys(text)}
    assert ("inventory", "vpcs", "route_tables") in found
    assert len(found) >= 8


@pytest.mark.parametrize("where,text", [(f"{f}:{n}", t) for f, n, t in strings() if named_keys(t)])
def test_every_configuration_key_a_message_names_is_accepted_by_the_schema(where, text):
    rejected = [path for path in named_keys(text) if not accepted(path)]
    assert rejected == [], (where, text)


def _texts(estate) -> list[str]:
    from pcxguard.engine import analyse

    analysis = analyse(estate)
    return [text for f in analysis.findings for text in (f.message, f.fix or "", *f.missing)]


@pytest.mark.parametrize("case", ["count_associations", "route_table_outside_scan", "peer_outside_plan"])
def test_messages_on_unlinked_resources_state_facts(case):
    """No "the the"; a declared resource whose link is unknown is never "not declared"; no "not known
    until apply" for what the source leaves unset."""
    from pcxguard.loaders.terraform_plan import load_plan
    from pcxguard.loaders.terraform_source import load_root_module

    directory = ROOT / "fixtures" / "terraform" / case
    plan, source = _texts(load_plan(directory / "plan.json")), _texts(load_root_module(directory))
    for text in plan + source:
        assert not re.search(r"\bthe the\b", text, re.I), text
    if case == "count_associations":  # every table and route here is declared; only links are unknown
        assert not [t for t in plan + source if "not declared" in t]
    assert not [t for t in source if "until apply" in t]
