"""Invariant of the closed world (issue 10, item 4): telling the rules that a set is incomplete can
only take conclusions away. Adding Gaps to an estate never adds a FAILED, nor turns anything into
PASSED that was not PASSED."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from pcxguard.engine import analyse
from pcxguard.findings import Verdict
from pcxguard.loaders.cloudformation import load_cloudformation
from pcxguard.loaders.terraform_plan import load_plan
from pcxguard.model import GAP_KINDS, Estate, Gap
from test_completeness_rules import reverse_estate
from model_estates import pmtud_estate

ROOT = Path(__file__).resolve().parents[1]
PLANS = sorted((ROOT / "fixtures" / "terraform").glob("*/plan.json"))
TEMPLATES = sorted(p for p in (ROOT / "fixtures" / "cloudformation").iterdir() if p.is_dir() and p.name != "bad")
NAMES = [p.parent.name for p in PLANS] + [f"cfn/{p.name}" for p in TEMPLATES] + ["unit/reverse", "unit/pmtud"]


@lru_cache(maxsize=None)
def estate_of(name: str) -> Estate:
    if name == "unit/reverse":
        return reverse_estate()
    if name == "unit/pmtud":
        return pmtud_estate()[0]
    if name.startswith("cfn/"):
        return load_cloudformation([ROOT / "fixtures" / "cloudformation" / name[4:]])
    return load_plan(ROOT / "fixtures" / "terraform" / name / "plan.json")


def outcome(estate: Estate) -> dict[tuple, Verdict]:
    return {(f.check_id, f.resource.address, f.resource.file, f.subject): f.verdict for f in analyse(estate).findings}


@lru_cache(maxsize=None)
def before(name: str) -> tuple:
    return tuple(outcome(estate_of(name)).items())


def test_the_fixtures_give_failures_to_lose():
    assert len(PLANS) >= 25 and TEMPLATES
    failed = sum(1 for name in NAMES for _, verdict in before(name) if verdict is Verdict.FAILED)
    assert failed >= 50  # the invariant below is checked against real FAILED verdicts


@st.composite
def estate_and_gaps(draw):
    name = draw(st.sampled_from(NAMES))
    estate = estate_of(name)
    vpcs = sorted(estate.vpcs) + [None, "vpc-0notinthescan"]
    gaps = draw(st.lists(st.builds(Gap, kind=st.sampled_from(sorted(GAP_KINDS)), vpc=st.sampled_from(vpcs),
                                   what=st.just("a block the reader could not expand")),
                         min_size=1, max_size=4))
    return name, gaps


@settings(max_examples=150, deadline=None)
@given(estate_and_gaps())
def test_a_gap_never_adds_a_failure(case):
    name, gaps = case
    estate = estate_of(name).thawed()  # a loaded estate is frozen: add the gaps to a copy
    old = dict(before(name))
    estate.gaps.extend(gaps)
    new = outcome(estate)
    for key, verdict in new.items():
        if verdict is Verdict.FAILED:
            assert old.get(key) is Verdict.FAILED, (name, key, gaps)
        if verdict is Verdict.PASSED:
            assert old.get(key) is Verdict.PASSED, (name, key, gaps)
