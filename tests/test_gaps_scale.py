"""Gaps at scale (issue 14): a "cannot tell" names at most a few gaps and counts the rest, and finding
the gaps of a VPC reads an index that gives exactly what ``Estate.gaps_in`` gives."""

from __future__ import annotations

from pcxguard.model import GAP_KINDS, Estate, Gap, Source, Vpc
from pcxguard.rules import _gaps


def _estate(gaps: int) -> Estate:
    estate = Estate(name="many")
    for name in ("a", "b"):
        estate.vpcs[f"aws_vpc.{name}"] = Vpc(f"aws_vpc.{name}", Source("terraform", "aws_vpc", f"aws_vpc.{name}",
                                                                       "main.tf", 1, 3))
    for number in range(gaps):
        vpc = (None, "aws_vpc.a", "aws_vpc.b")[number % 3]
        estate.gaps.append(Gap("routes", vpc, f"module.cell[{number}].aws_route.r was not evaluated",
                               "scan the plan", f"module.cell[{number}].aws_route.r"))
    return estate


def test_the_index_gives_what_gaps_in_gives():
    estate = _estate(30)
    estate.gaps.append(Gap("subnets", "aws_vpc.b", "a subnet", ""))
    index = _gaps._index(estate)
    for kind in GAP_KINDS:
        for vpc in estate.vpcs.values():
            assert _gaps._gaps_in(index, kind, vpc.key) == estate.gaps_in(kind, vpc)


def test_a_finding_lists_the_first_gaps_and_counts_the_rest():
    estate = _estate(3000)
    lines = _gaps.incomplete(estate, ["routes"], [estate.vpcs["aws_vpc.a"]])
    assert len(lines) == _gaps.MAX_LISTED + 1
    assert lines[0] == ("the routes of aws_vpc.a may be incomplete: module.cell[0].aws_route.r was not evaluated "
                        "(scan the plan)")
    assert lines[-1].startswith("and 1,990 more gap(s) like these, not listed here")  # 2,000 of the 3,000 apply


def test_a_few_gaps_are_all_listed():
    estate = _estate(6)
    lines = _gaps.incomplete(estate, ["routes"], [estate.vpcs["aws_vpc.b"]])
    assert [line.split(": ", 1)[1] for line in lines] == [
        f"module.cell[{n}].aws_route.r was not evaluated (scan the plan)" for n in (0, 2, 3, 5)]


def test_a_gap_recorded_after_the_first_question_is_seen():
    estate = _estate(1)
    assert len(_gaps.incomplete(estate, ["routes"], [estate.vpcs["aws_vpc.b"]])) == 1
    estate.gaps.append(Gap("routes", "aws_vpc.b", "late", ""))
    assert len(_gaps.incomplete(estate, ["routes"], [estate.vpcs["aws_vpc.b"]])) == 2

