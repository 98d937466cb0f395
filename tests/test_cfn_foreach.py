"""Fn::ForEach (AWS::LanguageExtensions) is expanded as CloudFormation does, and a loop over a collection
pcxguard cannot resolve leaves its sets incomplete instead of being an input problem or dropped. Found by
scanning aws-cloudformation/aws-cloudformation-templates (fn-foreach-ddb.yaml, fn-foreach-s3-outputs.json
were reported as 'resource ... is not a mapping')."""

from __future__ import annotations

import shutil
from pathlib import Path

from pcxguard.engine import analyse
from pcxguard.loaders.cfn_foreach import expand
from pcxguard.loaders.cloudformation import load_cloudformation

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "fixtures" / "cloudformation" / "foreach"


def _verdicts(estate) -> dict[tuple[str, str], str]:
    return {(f.check_id, f.resource.address): f.verdict.name for f in analyse(estate).findings}


def test_expand_substitutes_keys_refs_and_subs_and_nests():
    resources = {"Fn::ForEach::Outer": ["X", ["a-1", "b"], {
        "Fn::ForEach::Inner": ["Y", ["p"], {"R&{X}${Y}": {"Type": "AWS::EC2::Route",
                                                           "Properties": {"A": {"Ref": "X"},
                                                                          "B": {"Fn::Sub": "t-${X}-${Y}"}}}}]}]}
    out, unexpanded = expand(resources, lambda v: v)
    assert unexpanded == []
    assert out == {"Ra1p": {"Type": "AWS::EC2::Route", "Properties": {"A": "a-1", "B": {"Fn::Sub": "t-a-1-p"}}},
                   "Rbp": {"Type": "AWS::EC2::Route", "Properties": {"A": "b", "B": {"Fn::Sub": "t-b-p"}}}}


def test_loops_become_resources_on_their_loop_line_and_an_unknown_collection_is_a_gap():
    estate = load_cloudformation([str(CASE / "network.yaml")], name=str(CASE))
    assert estate.problems == []
    assert sorted(t.source.address for t in estate.route_tables.values()) == ["TableA", "TableB"]
    (route,) = [r for t in estate.route_tables.values() for r in t.routes]
    assert (route.holder.address, route.holder.start_line) == ("RouteAToB", 31)  # the line of Fn::ForEach::Routes
    assert {g.address for g in estate.gaps} == {"Fn::ForEach::ExtraRoutes"}
    got = _verdicts(estate)
    # the routes of VpcB may come from the loop over ExtraTables (no value): cannot tell, never FAILED
    assert got[("CKV2_PCX_2", "RouteAToB")] == "UNKNOWN"
    assert got[("CKV2_PCX_6", "RouteAToB")] == "PASSED"
    assert got[("CKV2_PCX_2", "Fn::ForEach::ExtraRoutes")] == "UNKNOWN"
    (reason,) = [f for f in analyse(estate).findings
                 if (f.check_id, f.resource.address) == ("CKV2_PCX_2", "Fn::ForEach::ExtraRoutes")]
    assert "parameter ExtraTables" in reason.missing[0] and "has no Default" in reason.missing[0]


def test_a_collection_with_a_value_expands_and_decides(tmp_path):
    text = (CASE / "network.yaml").read_text()
    with_default = text.replace("Description: Names of further route tables of VPC B that route to VPC A "
                                "(no default)", "Default: \"B\"")
    assert with_default != text
    (tmp_path / "network.yaml").write_text(with_default)
    estate = load_cloudformation([str(tmp_path)], name=str(tmp_path))
    assert estate.gaps == [] and estate.problems == []
    got = _verdicts(estate)
    assert got[("CKV2_PCX_2", "RouteAToB")] == "PASSED"  # RouteBToA, made by the loop, routes back


def test_without_the_loop_that_routes_back_the_route_fails(tmp_path):
    text = (CASE / "network.yaml").read_text()
    cut = text[:text.index("  Fn::ForEach::ExtraRoutes:")]
    (tmp_path / "network.yaml").write_text(cut.replace("Parameters:\n  ExtraTables:\n    Type: CommaDelimitedList\n"
                                                       "    Description: Names of further route tables of VPC B "
                                                       "that route to VPC A (no default)\n", ""))
    estate = load_cloudformation([str(tmp_path)], name=str(tmp_path))
    assert estate.problems == [] and estate.gaps == []
    assert _verdicts(estate)[("CKV2_PCX_2", "RouteAToB")] == "FAILED"


def test_a_rain_source_is_named_as_one(tmp_path):
    # aws-cloudformation-templates keeps sources for the rain packager beside templates (!Rain::Embed)
    (tmp_path / "site.yaml").write_text("Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n"
                                        "    Properties:\n      BucketName: !Rain::Embed name.txt\n")
    estate = load_cloudformation([str(tmp_path / "site.yaml")], name=str(tmp_path))
    assert [p.message for p in estate.problems] == [
        f"{tmp_path / 'site.yaml'} is not a readable template: line 5: unsupported YAML tag '!Rain::Embed' "
        "(a source for the rain tool, not a template: scan what `rain pkg` writes); skipped"]


def test_under_checkov_a_failure_on_a_loop_made_resource_fails_the_template_closed(tmp_path):
    # checkov does not expand Fn::ForEach: it never asks about RouteAToB, so a FAILED there must not pass
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from checkov_run import pcx_checks, run_checkov

    text = (CASE / "network.yaml").read_text()
    broken = text.replace("          DestinationCidrBlock: 10.1.0.0/16\n", "          DestinationCidrBlock: 0.0.0.0/0\n", 1)
    assert broken != text
    (tmp_path / "network.yaml").write_text(broken)
    estate = load_cloudformation([str(tmp_path / "network.yaml")], name=str(tmp_path))
    assert _verdicts(estate)[("CKV2_PCX_6", "RouteAToB")] == "FAILED"
    run = run_checkov("-d", str(tmp_path), "--framework", "cloudformation", "--check", pcx_checks(*range(17)),
                      "--soft-fail-on", "CKV2_PCX_0")
    assert run.returncode == 1
    record = run.record("network.yaml", "CKV2_PCX_1", "AWS::EC2::VPCPeeringConnection.PcxAB")
    assert record["check_result"]["result"] == "FAILED"
    assert {run.verdict("network.yaml", "CKV2_PCX_1", r) for r in
            ("AWS::EC2::VPC.VpcA", "AWS::EC2::VPC.VpcB", "AWS::EC2::VPCPeeringConnection.PcxAB")} == {None, "FAILED"}
    assert "pcxguard found failures checkov cannot show" in run.stderr
    assert "CKV2_PCX_6 FAILED on RouteAToB, which Fn::ForEach::Routes makes" in run.stderr
    # the template as committed has no failure on a loop-made resource: nothing fails closed
    clean = run_checkov("-d", str(CASE), "--framework", "cloudformation", "--check", pcx_checks(*range(17)))
    assert clean.returncode == 0


def test_a_loop_whose_table_does_not_depend_on_its_item_is_a_gap_in_that_vpc_only():
    estate = load_cloudformation([str(CASE / "network.yaml")], name=str(CASE))
    # RouteTableId: !Ref TableB, whatever the item: the routes it makes are on VpcB's table, so only VpcB's
    # routes are incomplete (a route elsewhere in the estate is still judged)
    assert {g.vpc for g in estate.gaps} == {f"{CASE / 'network.yaml'}#VpcB"}
