"""The Terraform evaluator is bounded in time (issue 11): tfparse is Go code that Python cannot
interrupt, so it runs in a child process that is killed at the limit; the root is then a problem,
never a hang and never a silent pass."""

from __future__ import annotations

import pytest

from pcxguard.loaders.terraform_source import load_root_module


def test_a_count_of_a_billion_is_stopped_at_the_time_limit_and_reported(tmp_path, monkeypatch):
    monkeypatch.setenv("PCXGUARD_TFPARSE_SECONDS", "3")
    (tmp_path / "main.tf").write_text('resource "aws_vpc" "a" {\n  count      = 1000000000\n'
                                      '  cidr_block = "10.0.0.0/16"\n}\n')
    estate = load_root_module(tmp_path)
    assert not estate.vpcs
    messages = [p.message for p in estate.problems]
    assert any("could not read this root module: it took longer than 3 s (the limit; "
               "PCXGUARD_TFPARSE_SECONDS sets it)" in m for m in messages), messages


@pytest.mark.parametrize("seconds", ["not-a-number", "0"])
def test_the_limit_setting_never_disables_the_evaluator(tmp_path, monkeypatch, seconds):
    monkeypatch.setenv("PCXGUARD_TFPARSE_SECONDS", seconds)
    (tmp_path / "main.tf").write_text('resource "aws_vpc" "a" {\n  cidr_block = "10.0.0.0/16"\n}\n')
    estate = load_root_module(tmp_path)
    assert list(estate.vpcs) == ["aws_vpc.a"]
