"""The Terraform evaluator's answer is decoded once (issue 14), and one child can evaluate several trees."""

from __future__ import annotations

import tfparse

from pcxguard.loaders import terraform_tfparse as tp


def _tree(directory, cidr):
    directory.mkdir()
    (directory / "main.tf").write_text(f'resource "aws_vpc" "a" {{\n  cidr_block = "{cidr}"\n}}\n')
    return str(directory)


def _strip_ids(value):
    if isinstance(value, dict):
        return {k: _strip_ids(v) for k, v in value.items() if k not in ("id", "references")}
    if isinstance(value, list):
        return [_strip_ids(v) for v in value]
    return value


def test_one_child_answers_several_trees_as_tfparse_does(tmp_path):
    one, two = _tree(tmp_path / "one", "10.0.0.0/16"), _tree(tmp_path / "two", "10.1.0.0/16")
    answers = tp._evaluate_many([(one, []), (two, [])])
    assert [a["aws_vpc"][0]["cidr_block"] for a in answers] == ["10.0.0.0/16", "10.1.0.0/16"]
    # the same data load_from_path gives (ids are per run)
    assert _strip_ids(answers[0]) == _strip_ids(tfparse.load_from_path(one))


def test_a_tree_tfparse_refuses_is_an_error_in_its_place(tmp_path):
    good = _tree(tmp_path / "good", "10.0.0.0/16")
    answers = tp._evaluate_many([(str(tmp_path / "absent"), []), (good, [])])
    assert isinstance(answers[0], RuntimeError) and str(answers[0])
    assert answers[1]["aws_vpc"][0]["cidr_block"] == "10.0.0.0/16"


def test_a_number_beyond_64_bits_is_decoded_exactly():
    assert tp._decode(b'{"n": 123456789012345678901234567890}') == {"n": 123456789012345678901234567890}
    assert tp._decode(b'{"n": 42, "s": "x"}') == {"n": 42, "s": "x"}
