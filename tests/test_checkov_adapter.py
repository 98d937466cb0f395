"""The checkov adapter's own machinery, in-process: what each call answers, skips, and the collector."""

from __future__ import annotations

import gc
import importlib
import json
import sys

import pytest

from conftest import ROOT
from pcxguard import checkov_adapter
from pcxguard.checkov_adapter import render_details
from pcxguard.engine import UNDECIDED_CHECK
from pcxguard.findings import Verdict

sys.path.insert(0, str(ROOT / "checks"))
CHECKS = [importlib.import_module(f"pcxguard_ckv2_pcx_{n}").check for n in range(15)]
PLAN = ROOT / "fixtures" / "terraform" / "peer_outside_plan" / "plan.json"


def _confs(plan):
    data = json.loads(plan.read_text())
    return [(change["address"], change["type"], {"__address__": change["address"], "__file__": [str(plan)]})
            for change in data["resource_changes"] if change["mode"] == "managed"]


def test_every_call_answers_what_the_analysis_says():
    """The answer tables are a shortcut: per check and resource, the same verdict and details as
    asking the analysis directly (a plan with cannot-tell findings, so CKV2_PCX_0 fails somewhere)."""
    checkov_adapter._RUN.clear()
    seen = set()
    for address, rtype, conf in _confs(PLAN):
        for check in CHECKS:
            if rtype not in check.supported_resources:
                continue
            result = check.run(str(PLAN), conf, address.rsplit(".", 1)[-1], rtype, {})
            analysis = checkov_adapter._RUN[("plan", str(PLAN))]
            findings = analysis.for_resource(check.id, address)
            problems = [p.message for p in analysis.problems_at(address)]
            expected = analysis.verdict(check.id, address)
            assert result == {"result": checkov_adapter._RESULTS[expected], "evaluated_keys": []}, (check.id, address)
            assert check.details[:len(render_details(check.id, findings, problems))] == \
                render_details(check.id, findings, problems)
            seen.add((check.id, expected))
    assert {(UNDECIDED_CHECK, Verdict.FAILED), (UNDECIDED_CHECK, Verdict.PASSED), ("CKV2_PCX_1", Verdict.UNKNOWN),
            ("CKV2_PCX_3", Verdict.PASSED)} <= seen


def test_a_skip_comment_takes_checkovs_own_path():
    check = CHECKS[3]
    result = check.run(str(PLAN), {"__address__": "x", "__file__": [str(PLAN)]}, "x", "aws_vpc_peering_connection",
                       {"id": "CKV2_PCX_3", "suppress_comment": "known"})
    assert result == {"result": checkov_adapter.CheckResult.SKIPPED, "suppress_comment": "known"}


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_restored_as_it_was_even_when_the_build_fails(enabled):
    (gc.enable if enabled else gc.disable)()
    try:
        with pytest.raises(RuntimeError):
            checkov_adapter._for_this_run(("test", enabled), lambda: (_ for _ in ()).throw(RuntimeError("boom")))
        assert gc.isenabled() is enabled
    finally:
        gc.enable()
