"""Findings and report entries made in one step (issue 14) are the objects their dataclasses make."""

from __future__ import annotations

import dataclasses

import pytest

from pcxguard.config import Config
from pcxguard.settings import Settings
from pcxguard.findings import Finding, Verdict, cannot_tell, failed, passed
from pcxguard.model import Source
from pcxguard.scan import Reported, reported

ROUTE = Source(kind="terraform_plan", resource_type="aws_route", address="aws_route.back", file="main.tf", start_line=3)
PEERING = Source(kind="terraform_plan", resource_type="aws_vpc_peering_connection", address="aws_vpc_peering_connection.ab")


def test_each_helper_makes_what_the_constructor_makes():
    cases = [
        (passed("CKV2_PCX_2", ROUTE, "routes back", (PEERING,), "route[0]"),
         Finding("CKV2_PCX_2", Verdict.PASSED, ROUTE, "routes back", (PEERING,), subject="route[0]")),
        (failed("CKV2_PCX_6", ROUTE, "0.0.0.0/0", (PEERING,), fix="narrow it", subject="s"),
         Finding("CKV2_PCX_6", Verdict.FAILED, ROUTE, "0.0.0.0/0", (PEERING,), fix="narrow it", subject="s")),
        (cannot_tell("CKV2_PCX_2", ROUTE, "cannot tell", ["the peer's tables"], (PEERING,)),
         Finding("CKV2_PCX_2", Verdict.UNKNOWN, ROUTE, "cannot tell", (PEERING,), missing=("the peer's tables",))),
    ]
    for made, expected in cases:
        assert vars(made) == vars(expected) and made == expected and hash(made) == hash(expected)
        assert repr(made) == repr(expected)
        assert list(vars(made)) == [f.name for f in dataclasses.fields(Finding)]  # every field, none more
        with pytest.raises(dataclasses.FrozenInstanceError):
            made.message = "changed"  # type: ignore[misc]


def test_a_report_entry_is_what_the_constructor_makes():
    finding = failed("CKV2_PCX_6", ROUTE, "0.0.0.0/0", fix="narrow it")
    made = reported(finding, Config(None, Settings()), {}, base_dir="/repo")
    expected = Reported(finding, made.title, made.severity, base_dir="/repo")
    assert vars(made) == vars(expected) and made == expected and made.verdict is Verdict.FAILED
    assert sorted(vars(made)) == sorted(f.name for f in dataclasses.fields(Reported))
    assert made.fingerprint == expected.fingerprint and "fingerprint" in vars(made)  # still cached on the entry
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.title = "changed"  # type: ignore[misc]
