"""One name per check: its id and its catalogue topic tie together the catalogue entry, the rule
module, its unit tests, the checkov adapter, the rule page and the fixtures that show it.

    policies/CKV2_PCX_7.yaml                 id: CKV2_PCX_7, topic: route_table_side
    src/pcxguard/rules/pcx7_route_table_side.py
    tests/test_pcx7_route_table_side.py
    fixtures/terraform/pcx7_route_table_side[_variant]/
    checks/pcxguard_ckv2_pcx_7.py, docs/rules/CKV2_PCX_7.md
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from pcxguard.catalogue import Policy, catalogue
from pcxguard.rules import RULES

ROOT = Path(__file__).resolve().parents[1]
POLICIES = catalogue(str(ROOT / "policies"))
IDS = list(POLICIES)
# CKV2_PCX_0 is checkov's "cannot tell" (no rule); CKV2_PCX_15 judges intents from .pcxguard.yaml,
# shown by the path fixtures and tests/test_pcx15_network_intent.py rather than an expected.json
NO_RULE = {"CKV2_PCX_0"}
NO_EXPECTED_JSON = {"CKV2_PCX_15"}
# Checks shown only by fixtures shared with others: CKV2_PCX_16 by the place_* fixtures (where each
# side is, tests/test_place.py), the two above by none of their own.
NO_FIXTURE_OF_ITS_OWN = {"CKV2_PCX_0", "CKV2_PCX_15", "CKV2_PCX_16"}
FIXTURE_ROOTS = ("fixtures/terraform", "fixtures/cloudformation", "fixtures/terraform_place")
NAMED = re.compile(r"pcx(\d+)_")


def _shown(case: Path) -> set[str]:
    expected = case / "expected.json"
    if not expected.is_file():
        return set()
    data = json.loads(expected.read_text())
    return set(data.get("verdicts", data))


def _fixture_ids(root: Path = ROOT) -> set[str]:
    found: set[str] = set()
    for expected in root.glob("fixtures/**/expected.json"):
        found |= _shown(expected.parent)
    return found


def misnamed(root: Path, policies: dict[str, Policy]) -> list[str]:
    """Every file or directory that claims a check by its ``pcxN_`` prefix carries that check's name,
    and every check has its rule module, its test file and (but for a few) a fixture named for it."""
    by_number = {p.number: p for p in policies.values()}
    problems = []

    def claim(path: Path, stem: str, what: str) -> Policy | None:
        match = NAMED.match(stem)
        entry = by_number.get(int(match.group(1))) if match else None
        if entry is None:
            problems.append(f"{path.relative_to(root)}: {what} not named pcxN_<topic> for a check in the catalogue")
        elif stem != entry.name and not stem.startswith(entry.name + "_"):
            problems.append(f"{path.relative_to(root)}: {what} of {entry.id} must be named {entry.name}")
        return entry

    for path in sorted((root / "src" / "pcxguard" / "rules").glob("*.py")):
        if not path.stem.startswith("_"):
            entry = claim(path, path.stem, "rule module")
            if entry is not None and path.stem != entry.name:
                problems.append(f"{path.relative_to(root)}: the rule module of {entry.id} is {entry.name}.py")
    for path in sorted((root / "tests").glob("test_pcx*.py")):
        entry = claim(path, path.stem.removeprefix("test_"), "test file")
        if entry is not None and path.stem != f"test_{entry.name}":
            problems.append(f"{path.relative_to(root)}: the tests of {entry.id} are test_{entry.name}.py")
    fixtures: dict[str, list[Path]] = {}
    for fixture_root in FIXTURE_ROOTS:
        for case in sorted((root / fixture_root).glob("pcx*/")):
            entry = claim(case, case.name, "fixture")
            if entry is not None:
                fixtures.setdefault(entry.id, []).append(case)
                if entry.id not in _shown(case):
                    problems.append(f"{case.relative_to(root)}: named for {entry.id}, its expected.json does not show it")

    for entry in policies.values():
        if entry.id not in NO_RULE and not (root / "src" / "pcxguard" / "rules" / f"{entry.name}.py").is_file():
            problems.append(f"{entry.id}: no rule module src/pcxguard/rules/{entry.name}.py")
        if not (root / "tests" / f"test_{entry.name}.py").is_file():
            problems.append(f"{entry.id}: no unit tests tests/test_{entry.name}.py")
        if entry.id not in NO_FIXTURE_OF_ITS_OWN and entry.id not in fixtures:
            problems.append(f"{entry.id}: no fixture directory named {entry.name}[_variant]")
    return problems


def test_every_name_carries_its_check_id_and_topic():
    assert misnamed(ROOT, POLICIES) == []


def test_a_misnamed_module_test_or_fixture_is_found(tmp_path):
    (tmp_path / "src" / "pcxguard" / "rules").mkdir(parents=True)
    (tmp_path / "tests").mkdir()
    (tmp_path / "fixtures" / "terraform").mkdir(parents=True)
    entry = POLICIES["CKV2_PCX_7"]
    policies = {entry.id: entry}
    (tmp_path / "src" / "pcxguard" / "rules" / "pcx7_route_table_side.py").write_text("")
    (tmp_path / "src" / "pcxguard" / "rules" / "_shared.py").write_text("")
    (tmp_path / "tests" / "test_pcx7_route_table_side.py").write_text("")
    good = tmp_path / "fixtures" / "terraform" / "pcx7_route_table_side_inline"
    good.mkdir()
    (good / "expected.json").write_text(json.dumps({"verdicts": {"CKV2_PCX_7": {}}}))
    assert misnamed(tmp_path, policies) == []

    (tmp_path / "src" / "pcxguard" / "rules" / "route_table_side.py").write_text("")
    (tmp_path / "tests" / "test_pcx7_wrong_table.py").write_text("")
    (tmp_path / "fixtures" / "terraform" / "pcx7_route_tables").mkdir()
    (tmp_path / "fixtures" / "terraform" / "pcx9_quota").mkdir()
    good.rename(tmp_path / "fixtures" / "terraform" / "shared_case")
    assert misnamed(tmp_path, policies) == [
        "src/pcxguard/rules/route_table_side.py: rule module not named pcxN_<topic> for a check in the catalogue",
        "tests/test_pcx7_wrong_table.py: test file of CKV2_PCX_7 must be named pcx7_route_table_side",
        "tests/test_pcx7_wrong_table.py: the tests of CKV2_PCX_7 are test_pcx7_route_table_side.py",
        "fixtures/terraform/pcx7_route_tables: fixture of CKV2_PCX_7 must be named pcx7_route_table_side",
        "fixtures/terraform/pcx7_route_tables: named for CKV2_PCX_7, its expected.json does not show it",
        "fixtures/terraform/pcx9_quota: fixture not named pcxN_<topic> for a check in the catalogue",
    ]


@pytest.mark.parametrize("check_id", IDS)
def test_every_place_of_a_check_carries_its_id(check_id):
    entry = POLICIES[check_id]
    number = check_id.rsplit("_", 1)[1]
    assert entry.name == f"pcx{number}_{entry.topic}"
    assert (ROOT / "checks" / f"pcxguard_ckv2_pcx_{number}.py").is_file()
    assert (ROOT / "docs" / "rules" / f"{check_id}.md").is_file()
    assert (ROOT / "tests" / f"test_{entry.name}.py").is_file()
    if check_id in NO_RULE:
        return
    module = sys.modules[RULES[check_id].__module__]
    assert module.__name__ == f"pcxguard.rules.{entry.name}" and module.CHECK_ID == check_id
    assert (module.__doc__ or "").startswith(f"{check_id}: "), module.__name__
    if check_id not in NO_EXPECTED_JSON:
        assert check_id in _fixture_ids(), f"no fixture's expected.json shows {check_id}"


def test_every_rule_is_in_the_catalogue():
    assert set(RULES) == set(IDS) - NO_RULE


def test_there_is_a_case_per_check():
    """Each check's own fixtures (pcxN_<topic>*) name the resources its messages must mention."""
    cases = ROOT / "fixtures" / "terraform"
    covered = {cid for case in cases.glob("pcx*/") if (case / "expected.json").is_file()
               for cid in json.loads((case / "expected.json").read_text()).get("message_contains", {})}
    assert covered == set(IDS) - NO_FIXTURE_OF_ITS_OWN
