"""CKV2_PCX_6..14 end to end. Every pcx* plan fixture's verdicts and messages are asserted through
checkov by test_checkov_plan_fixtures.py (it runs over all of fixtures/terraform); this file adds
what is particular to the new checks."""

from __future__ import annotations

import json

from checkov_run import ROOT

CASES_DIR = ROOT / "fixtures" / "terraform"
CASES = sorted(p.name for p in CASES_DIR.glob("pcx*") if (p / "expected.json").is_file())
NEW_CHECKS = {f"CKV2_PCX_{n}" for n in range(6, 15)}


def test_there_is_a_case_per_new_check():
    covered = {cid for case in CASES for cid, per in
               json.loads((CASES_DIR / case / "expected.json").read_text())["message_contains"].items()}
    assert covered == NEW_CHECKS

