"""Rules never see the input format; fix texts come in the format of the resource they are on."""

from __future__ import annotations

import re
from pathlib import Path

from pcxguard.engine import analyse
from pcxguard.loaders.cloudformation import load_cloudformation
from pcxguard.loaders.terraform_plan import load_plan
from pcxguard.model import Source
from pcxguard.syntax import attribute, phrase

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "src" / "pcxguard" / "rules"


def test_no_rule_reads_the_input_format():
    for path in [*RULES.glob("*.py"), ROOT / "src" / "pcxguard" / "facts.py"]:
        text = path.read_text()
        assert not re.search(r"\.kind\s*(==|!=|in\b)", text), f"{path.name} branches on the input format"
        assert '"cloudformation"' not in text and '"terraform_plan"' not in text, path.name


def test_spelling_per_format():
    tf = Source("terraform_plan", "aws_vpc_peering_connection", "aws_vpc_peering_connection.p")
    cfn = Source("cloudformation", "AWS::EC2::VPCPeeringConnection", "Pcx", "t.yaml")
    assert (attribute(tf, "peer_region"), attribute(cfn, "peer_region")) == ("peer_region", "PeerRegion")
    assert (attribute(tf, "peer_owner_id"), attribute(cfn, "peer_owner_id")) == ("peer_owner_id", "PeerOwnerId")
    assert "aws_vpc_ipv6_cidr_block_association" in phrase(tf, "ipv6_block")
    assert "AWS::EC2::VPCCidrBlock" in phrase(cfn, "ipv6_block")


def _fixes(analysis, check_id: str) -> list[str]:
    return [f.fix for f in analysis.findings if f.check_id == check_id and f.fix]


def test_a_fix_on_a_template_names_cloudformation_and_on_a_plan_terraform():
    cfn = _fixes(analyse(load_cloudformation([ROOT / "fixtures" / "cloudformation" / "host_user_data"])),
                 "CKV2_PCX_14")
    plan = _fixes(analyse(load_plan(ROOT / "fixtures" / "terraform" / "pcx14_pmtud_icmp" / "plan.json")), "CKV2_PCX_14")
    assert cfn and all("AWS::EC2::SecurityGroupIngress with IpProtocol icmp, FromPort 3, ToPort 4" in f for f in cfn)
    assert plan and all("security group ingress rule with protocol icmp, from_port 3, to_port 4" in f for f in plan)
    assert not any("from_port" in f for f in cfn) and not any("FromPort" in f for f in plan)
