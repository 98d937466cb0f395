"""One name per check: its id ties together the catalogue entry, the rule module, the checkov
adapter, the rule page and the fixtures that show it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from pcxguard.catalogue import catalogue
from pcxguard.rules import RULES

ROOT = Path(__file__).resolve().parents[1]
IDS = sorted(catalogue(str(ROOT / "policies")), key=lambda i: int(i.rsplit("_", 1)[1]))
# CKV2_PCX_0 is checkov's "cannot tell" (no rule); CKV2_PCX_15 judges intents from .pcxguard.yaml,
# shown by the path fixtures and tests/test_network_intent.py rather than an expected.json
NO_RULE = {"CKV2_PCX_0"}
NO_EXPECTED_JSON = {"CKV2_PCX_15"}


def _fixture_ids() -> set[str]:
    found: set[str] = set()
    for expected in ROOT.glob("fixtures/**/expected.json"):
        data = json.loads(expected.read_text())
        found |= set(data.get("verdicts", data))
    return found


@pytest.mark.parametrize("check_id", IDS)
def test_every_place_of_a_check_carries_its_id(check_id):
    number = check_id.rsplit("_", 1)[1]
    assert (ROOT / "checks" / f"pcxguard_ckv2_pcx_{number}.py").is_file()
    assert (ROOT / "docs" / "rules" / f"{check_id}.md").is_file()
    if check_id in NO_RULE:
        return
    module = sys.modules[RULES[check_id].__module__]
    assert module.__name__.startswith("pcxguard.rules.") and module.CHECK_ID == check_id
    assert (module.__doc__ or "").startswith(f"{check_id}: "), module.__name__
    if check_id not in NO_EXPECTED_JSON:
        assert check_id in _fixture_ids(), f"no fixture's expected.json shows {check_id}"


def test_every_rule_is_in_the_catalogue():
    assert set(RULES) == set(IDS) - NO_RULE
