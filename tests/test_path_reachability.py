"""pcxguard path: the reachability engine on real plans, raw .tf and hand-built estates; the CLI's
formats and exit codes; agreement with CKV2_PCX_2 and CKV2_PCX_6."""

from __future__ import annotations

import json
import shutil
from functools import cache
from pathlib import Path

import jsonschema
import pytest
from netaddr import IPNetwork
from path_estates import acl, pair

from pcxguard.cli import main
from pcxguard.engine import analyse
from pcxguard.findings import Verdict
from pcxguard.loaders.terraform_plan import load_plan
from pcxguard.loaders.terraform_source import load_root_module
from pcxguard.model import Gap, Unknown
from pcxguard.reachability import (
    DENY,
    UNKNOWN,
    PathVerdict,
    Query,
    UsageError,
    analyse_path,
)
from pcxguard.resources import schema_path

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "fixtures" / "terraform" / "path_reachability"
PLAN = CASE / "plan.json"


@cache
def _estate(kind: str):
    return load_plan(str(PLAN)) if kind == "plan" else load_root_module(str(CASE))


def ask(kind: str, src: str, dst: str, port: int | None = 5432, protocol: str = "tcp"):
    return analyse_path(_estate(kind), Query(src, dst, port, protocol))


def denying(result):
    hop = result.deciding
    assert hop is not None, result.to_dict()
    return hop


# (src, dst, port) -> verdict, the side that blocks, the hop step, the resource that decides, words of the detail
CASES = [
    ("aws_instance.app", "aws_instance.db", 5432, PathVerdict.REACHABLE, None, None, None, None),
    ("aws_instance.app", "aws_instance.db", 22, PathVerdict.BLOCKED, "forward", "security group ingress",
     "aws_security_group.db", "no ingress rule of aws_security_group.db allows TCP 22"),
    ("aws_instance.app", "aws_instance.db_strict", 5432, PathVerdict.BLOCKED, "forward", "network ACL inbound",
     "aws_network_acl.db_strict", "inbound rule 50 of aws_network_acl.db_strict denies TCP 5432"),
    ("aws_instance.app", "aws_instance.ledger", 5432, PathVerdict.BLOCKED, "return", "route table",
     "aws_vpc.ledger", "has no route to 10.0.1.0/24: replies cannot return over aws_vpc_peering_connection.app_ledger"),
    ("aws_instance.island", "aws_instance.db", 5432, PathVerdict.BLOCKED, "forward", "security group egress",
     "aws_security_group.island", "no egress rule of aws_security_group.island"),
    ("aws_instance.app", "aws_instance.pending", 5432, PathVerdict.BLOCKED, "forward", "peering connection",
     "aws_vpc_peering_connection.app_pending", "not accepted, so it carries no traffic"),
    ("aws_instance.app", "8.8.8.8", 443, PathVerdict.BLOCKED, "forward", "peering connection",
     "aws_route.app_default_to_db", "never through it"),
    ("aws_instance.app", "aws_instance.island", 5432, PathVerdict.BLOCKED, "forward", "peering connection",
     "aws_route.app_default_to_db", "but aws_instance.island is in aws_vpc.island"),
    ("aws_subnet.web", "aws_instance.db", 5432, PathVerdict.BLOCKED, "forward", "route target",
     "aws_route.web_default", "to an internet gateway"),
    ("aws_instance.app", "aws_instance.west", 443, PathVerdict.REACHABLE, None, None, None, None),
    ("aws_instance.app", "aws_instance.west", 22, PathVerdict.BLOCKED, "forward", "security group ingress",
     "aws_security_group.west", "across an inter-region peering, which AWS does not allow"),
    ("aws_instance.app", "10.5.1.10", 443, PathVerdict.CANNOT_TELL, None, None, None, None),
]


@pytest.mark.parametrize("kind", ["plan", "source"])
@pytest.mark.parametrize("src,dst,port,verdict,side,step,resource,words", CASES)
def test_fixture_paths(kind, src, dst, port, verdict, side, step, resource, words):
    result = ask(kind, src, dst, port)
    assert result.verdict is verdict, result.to_dict()
    if verdict is PathVerdict.BLOCKED:
        hop = denying(result)
        assert hop in (result.forward if side == "forward" else result.back)
        if side == "return":
            assert result.forward_verdict is PathVerdict.REACHABLE
        assert hop.step == step
        assert hop.resource is not None and hop.resource.address == resource
        assert words in hop.detail
        assert hop.resource.file is not None and hop.resource.start_line
    if verdict is PathVerdict.REACHABLE:
        assert result.return_verdict is PathVerdict.REACHABLE


def test_no_route_blocks_at_the_route_table():
    result = ask("plan", "aws_instance.island", "aws_instance.db")
    route = [h for h in result.forward if h.step == "route table"]
    assert route[0].outcome == DENY
    assert route[0].resource.address == "aws_route_table.island"
    assert "has no route to 10.1.1.0/24" in route[0].detail


def test_inter_region_path_reports_the_mtu():
    assert ask("plan", "aws_instance.app", "aws_instance.west", 443).mtu == 8500
    assert ask("plan", "aws_instance.app", "aws_instance.db").mtu is None


def test_peer_outside_the_scan_is_cannot_tell_naming_it():
    result = ask("plan", "aws_instance.app", "10.5.1.10", 443)
    assert result.missing == ["the peer VPC vpc-0a1b2c3d4e5f60718; add it to the inventory"]


def test_cidr_and_ip_endpoints_and_unknown_names():
    # an address is not a host: its groups are not part of the question, the network decides
    result = ask("plan", "10.0.1.7", "10.1.1.9")
    assert result.verdict is PathVerdict.REACHABLE
    assert result.forward[0].outcome == "note" and "is not a host" in result.forward[0].detail
    assert ask("plan", "aws_subnet.app", "aws_subnet.db").verdict is PathVerdict.REACHABLE
    result = ask("plan", "aws_instance.nope", "aws_instance.db")
    assert result.verdict is PathVerdict.CANNOT_TELL
    assert "is neither a host or subnet of the scan nor an IP address or CIDR" in result.missing[0]


def test_bad_questions_are_usage_errors():
    with pytest.raises(UsageError):
        ask("plan", "aws_instance.app", "aws_instance.db", None)
    with pytest.raises(UsageError):
        ask("plan", "aws_instance.app", "aws_instance.db", 70000)


# --------------------------------------------------------------------------- agreement with the checks


def test_missing_route_back_agrees_with_ckv2_pcx_2():
    analysis = analyse(_estate("plan"))
    verdicts = {f.resource.address: f.verdict for f in analysis.findings if f.check_id == "CKV2_PCX_2"}
    assert verdicts["aws_route.app_to_ledger"] is Verdict.FAILED
    assert verdicts["aws_route.app_to_db"] is Verdict.PASSED
    assert ask("plan", "aws_instance.app", "aws_instance.ledger").return_verdict is PathVerdict.BLOCKED
    assert ask("plan", "aws_instance.app", "aws_instance.db").return_verdict is PathVerdict.REACHABLE


def test_default_route_over_a_peering_agrees_with_ckv2_pcx_6():
    analysis = analyse(_estate("plan"))
    failed = {f.resource.address for f in analysis.findings if f.check_id == "CKV2_PCX_6" and f.verdict is Verdict.FAILED}
    assert "aws_route.app_default_to_db" in failed
    for beyond in ("8.8.8.8", "172.16.0.1", "aws_instance.island"):
        result = ask("plan", "aws_instance.app", beyond, 443)
        assert result.verdict is PathVerdict.BLOCKED, beyond
        assert denying(result).resource.address == "aws_route.app_default_to_db"


# --------------------------------------------------------------------------- hand-built estates


def q(estate, port=5432, protocol="tcp", src="aws_instance.app", dst="aws_instance.db"):
    return analyse_path(estate, Query(src, dst, port, protocol))


def test_nacl_rule_order_and_implicit_deny():
    b = pair()
    acl(b, "aws_network_acl.db", "aws_vpc.b", ["aws_subnet.db"], [
        (False, 100, "allow", "tcp", "10.0.0.0/16", 5432, 5432),
        (False, 90, "deny", "tcp", "10.0.1.0/24", 5400, 5500),
        (True, 100, "allow", "tcp", "0.0.0.0/0", 1024, 65535),
    ])
    hop = denying(q(b.estate))
    assert hop.step == "network ACL inbound" and "inbound rule 90" in hop.detail
    b.estate.network_acls["aws_network_acl.db"].rules[1].rule_number = 110
    assert q(b.estate).verdict is PathVerdict.REACHABLE
    hop = denying(q(b.estate, 22))
    assert "implicit deny" in hop.detail


def test_stateless_nacl_on_the_ephemeral_ports():
    b = pair()
    acl(b, "aws_network_acl.db", "aws_vpc.b", ["aws_subnet.db"], [
        (False, 100, "allow", "-1", "0.0.0.0/0", None, None),
        (True, 100, "allow", "tcp", "10.0.0.0/16", 5432, 5432),  # replies go to ephemeral ports, not 5432
    ])
    result = q(b.estate)
    assert result.forward_verdict is PathVerdict.REACHABLE
    hop = denying(result)
    assert hop in result.back and hop.step == "network ACL outbound"
    # part of 1024-65535 covering both the Linux and the Windows clients' ranges: admitted
    b.estate.network_acls["aws_network_acl.db"].rules[1].from_port = 32768
    b.estate.network_acls["aws_network_acl.db"].rules[1].to_port = 65535
    assert q(b.estate).verdict is PathVerdict.REACHABLE
    # only the Windows range: depends on the client
    b.estate.network_acls["aws_network_acl.db"].rules[1].from_port = 49152
    result = q(b.estate)
    assert result.verdict is PathVerdict.CANNOT_TELL
    assert result.back[1].outcome == UNKNOWN


def test_unknown_route_and_gaps_are_cannot_tell():
    b = pair()
    b.estate.route_tables["aws_route_table.a"].routes[0].destination = Unknown("the destination of aws_route.a_to_b")
    assert q(b.estate).verdict is PathVerdict.CANNOT_TELL
    b = pair(back_route=False)
    assert q(b.estate).verdict is PathVerdict.BLOCKED
    b.estate.gaps.append(Gap("routes", "aws_vpc.b", "aws_route.back: count is not known"))
    b.estate.reindex()
    result = q(b.estate)
    assert result.verdict is PathVerdict.CANNOT_TELL
    assert "aws_route.back: count is not known" in result.missing


def test_unknown_elsewhere_does_not_hide_a_certain_deny():
    b = pair()
    b.estate.sg_rules[0].cidrs = [Unknown("the CIDR of the egress rule")]
    assert q(b.estate).verdict is PathVerdict.CANNOT_TELL
    b.estate.sg_rules[1].from_port = b.estate.sg_rules[1].to_port = 6379
    assert q(b.estate).verdict is PathVerdict.BLOCKED


def test_group_references_same_region_and_across_regions():
    from estate_builder import src

    from pcxguard.model import SecurityGroupRule

    for region, expected in (("us-east-1", PathVerdict.REACHABLE), ("us-west-2", PathVerdict.BLOCKED)):
        b = pair(region_b=region)
        b.estate.sg_rules[1] = SecurityGroupRule("aws_security_group_rule.db_in", src("aws_security_group_rule.db_in"),
                                                 group="aws_security_group.db", direction="ingress", protocol="tcp",
                                                 from_port=5432, to_port=5432,
                                                 referenced_group="aws_security_group.app")
        b.estate.reindex()
        assert q(b.estate).verdict is expected, region


def test_default_security_group_when_none_is_set():
    b = pair()
    b.estate.hosts["aws_instance.db"].security_groups = []
    hop = denying(q(b.estate))
    assert "default group (not declared) admits inbound traffic only from its own members" in hop.detail


def test_icmp_and_all_traffic():
    b = pair()
    assert q(b.estate, None, "icmp").verdict is PathVerdict.BLOCKED  # db admits only TCP 5432
    b.estate.sg_rules[1].protocol, b.estate.sg_rules[1].from_port, b.estate.sg_rules[1].to_port = "icmp", 8, -1
    assert q(b.estate, None, "icmp").verdict is PathVerdict.REACHABLE
    assert q(b.estate, None, "-1").verdict is PathVerdict.BLOCKED
    b.estate.sg_rules[1].protocol = "-1"
    assert q(b.estate, None, "-1").verdict is PathVerdict.REACHABLE


def test_main_table_fallback_and_local_route():
    b = pair()
    b.estate.subnets["aws_subnet.db"].route_table = None
    b.estate.route_tables["aws_route_table.b"].is_main = True
    b.estate.reindex()
    assert q(b.estate).verdict is PathVerdict.REACHABLE
    b.subnet("aws_subnet.app2", "aws_vpc.a", "10.0.2.0/24")
    result = analyse_path(b.estate, Query("aws_instance.app", "aws_subnet.app2", 5432))
    assert result.verdict is PathVerdict.REACHABLE
    assert "the local route covers 10.0.2.0/24" in result.forward[2].detail


# --------------------------------------------------------------------------- the command


def run_cli(capsys, *args):
    code = main(["path", str(PLAN), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("dst,port,code", [("aws_instance.db", "5432", 0), ("aws_instance.ledger", "5432", 1),
                                           ("10.5.1.10", "443", 3)])
def test_cli_exit_codes_and_json_schema(capsys, dst, port, code):
    got, out, _ = run_cli(capsys, "--from", "aws_instance.app", "--to", dst, "--port", port, "-f", "json")
    assert got == code
    document = json.loads(out)
    jsonschema.validate(document, json.loads(schema_path("path.schema.json").read_text()))
    assert document["verdict"] == {0: "REACHABLE", 1: "BLOCKED", 3: "CANNOT_TELL"}[code]


def test_cli_text_and_markdown(capsys):
    code, out, _ = run_cli(capsys, "--from", "aws_instance.app", "--to", "aws_instance.ledger", "--port", "5432")
    assert code == 1
    assert out.splitlines()[0] == "BLOCKED: aws_instance.app -> aws_instance.ledger (TCP 5432)"
    assert "return path: BLOCKED" in out
    assert "main.tf:53]" in out  # the VPC whose main table lacks the route, with its line
    code, out, _ = run_cli(capsys, "--from", "aws_instance.app", "--to", "aws_instance.ledger", "--port", "5432",
                           "-f", "markdown")
    assert "```mermaid\nflowchart LR" in out and "style R1 fill:#f8d7da" in out


def test_cli_usage_errors(capsys):
    assert run_cli(capsys, "--from", "aws_instance.app", "--to", "aws_instance.db")[0] == 2  # tcp needs --port
    with pytest.raises(SystemExit) as exit_info:
        main(["path", str(PLAN), "--from", "x"])
    assert exit_info.value.code == 2
    assert main(["path", "/nonexistent/plan.json", "--from", "a", "--to", "b", "--port", "1"]) == 2


def test_source_of_a_cidr_endpoint():
    result = ask("plan", "10.0.1.0/24", "aws_instance.db")
    assert result.source.network == IPNetwork("10.0.1.0/24")
    assert result.source.subnet.key == "aws_subnet.app"


# --------------------------------------------------------------------------- CloudFormation

CFN = ROOT / "fixtures" / "cloudformation" / "path"


@cache
def _cfn_estate():
    from pcxguard.loaders.cloudformation import load_cloudformation

    return load_cloudformation([str(CFN)], name=str(CFN))


@pytest.mark.parametrize("dst,port,verdict,side,step,resource", [
    ("Db", 5432, PathVerdict.REACHABLE, None, None, None),
    ("Db", 22, PathVerdict.BLOCKED, "forward", "security group ingress", "SgDb"),
    ("DbStrict", 5432, PathVerdict.BLOCKED, "forward", "network ACL inbound", "AclDbStrictDeny5432"),
    ("Ledger", 5432, PathVerdict.BLOCKED, "return", "route table", "TableLedger"),
    ("10.5.1.10", 443, PathVerdict.CANNOT_TELL, None, None, None),
])
def test_cloudformation_paths(dst, port, verdict, side, step, resource):
    result = analyse_path(_cfn_estate(), Query("App", dst, port))
    assert result.verdict is verdict, result.to_dict()
    if verdict is PathVerdict.BLOCKED:
        hop = denying(result)
        assert hop in (result.forward if side == "forward" else result.back)
        assert (hop.step, hop.resource.address) == (step, resource)
        assert hop.resource.file.endswith("network.yaml") and hop.resource.start_line


def test_cloudformation_intent_under_checkov(tmp_path):
    from checkov_run import run_checkov

    shutil.copy(CFN / "network.yaml", tmp_path / "network.yaml")
    (tmp_path / ".pcxguard.yaml").write_text(
        "intents:\n"
        "  - {name: app reaches ledger, from: App, to: Ledger, port: 5432, expect: reachable}\n"
        "  - {name: app reaches db, from: App, to: Db, port: 5432, expect: reachable}\n")
    run = run_checkov("-d", str(tmp_path), "--framework", "cloudformation", "--check", "CKV2_PCX_15", cwd=tmp_path)
    assert run.verdict("network.yaml", "CKV2_PCX_15", "AWS::EC2::RouteTable.TableLedger") == "FAILED"
    assert run.verdict("network.yaml", "CKV2_PCX_15", "AWS::EC2::Instance.Db") == "PASSED"


def test_cloudformation_group_without_egress_keeps_the_default_rule():
    # SgDb declares no SecurityGroupEgress: AWS adds allow-all outbound (Terraform's aws_security_group removes it)
    result = analyse_path(_cfn_estate(), Query("Db", "Ledger", 5432))
    assert result.forward[0].outcome == "allow"
    assert "declares no SecurityGroupEgress" in result.forward[0].detail
    terraform = ask("plan", "aws_instance.db", "aws_instance.app", 443)
    assert terraform.forward[0].outcome == DENY  # aws_security_group.db has no egress block


def test_a_rule_whose_source_the_model_cannot_read_is_cannot_tell_not_deny():
    b = pair()
    b.estate.sg_rules[1].cidrs = []  # e.g. prefix_list_ids only
    b.estate.sg_rules[1].from_port = b.estate.sg_rules[1].to_port = 5432
    result = q(b.estate)
    assert result.verdict is PathVerdict.CANNOT_TELL
    assert "neither a CIDR nor a security group the scan can read" in result.missing[0]


def test_gaps_in_blocks_and_associations():
    b = pair()
    b.estate.gaps.append(Gap("vpc_blocks", "aws_vpc.a", "aws_vpc_ipv4_cidr_block_association.more: for_each unknown"))
    b.estate.reindex()
    # a route matches: a block the scan cannot see could not hold a peer's address (peered VPCs never overlap)
    assert q(b.estate).verdict is PathVerdict.REACHABLE
    # an address in no known block: the unseen block might hold it
    result = analyse_path(b.estate, Query("aws_instance.app", "10.9.0.1", 443))
    assert result.verdict is PathVerdict.CANNOT_TELL
    assert result.missing == [("which VPC holds 10.9.0.1/32: some CIDR blocks are not known "
                              "(aws_vpc_ipv4_cidr_block_association.more: for_each unknown)")]
    b = pair()
    b.estate.subnets["aws_subnet.db"].route_table = None
    b.estate.gaps.append(Gap("associations", "aws_vpc.b", "aws_route_table_association.x: count unknown"))
    b.estate.reindex()
    assert q(b.estate).missing == ["aws_route_table_association.x: count unknown"]


def test_every_missing_route_back_of_ckv2_pcx_2_is_a_blocked_return_path():
    """The tables CKV2_PCX_2 fails send 10.0.0.0/16 to app's VPC, whose web subnet routes elsewhere."""
    analysis = analyse(_estate("plan"))
    failed_tables = {f.resource.address for f in analysis.findings
                     if f.check_id == "CKV2_PCX_2" and f.verdict is Verdict.FAILED and "route_table" in f.resource.address}
    assert failed_tables == {"aws_route_table.db", "aws_route_table.island", "aws_route_table.pending",
                             "aws_route_table.west"}
    result = ask("plan", "aws_instance.db", "aws_subnet.web", 443)
    assert result.forward_verdict is not PathVerdict.BLOCKED or denying(result).step.startswith("security group")
    assert result.return_verdict is PathVerdict.BLOCKED
    hop = next(h for h in result.back if h.outcome == DENY)
    assert hop.resource.address == "aws_route.web_default" and "asymmetric path" in hop.detail


def test_a_peering_outside_the_scan_is_cannot_tell():
    b = pair()
    b.estate.route_tables["aws_route_table.a"].routes[0].target = "pcx-0123456789abcdef0"
    result = q(b.estate)
    assert result.verdict is PathVerdict.CANNOT_TELL
    assert result.missing == ["peering connection pcx-0123456789abcdef0: scan the code that declares it, or add both "
                              "VPCs to the inventory"]
