"""An import whose export name depends on the exporter's stack name: the "cannot tell" names the templates
that would export it and the stack_name setting that says so (Kali-Dev/aws-client-vpn-rds-vpc-peering-
cloudformation-solution exports "${AWS::StackName}-VpcId" and imports "shared-system-VpcId"); with the
setting, the import resolves. Never a guess at the stack name itself."""

from __future__ import annotations

from pathlib import Path

from pcxguard.engine import analyse
from pcxguard.findings import Verdict
from pcxguard.loaders.cloudformation import load_cloudformation

EXPORTER = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  MyVPC:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: {cidr}
Outputs:
  VpcId:
    Value: !Ref MyVPC
    Export:
      Name: !Sub "${{AWS::StackName}}-VpcId"
"""
PEERING = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  VpcPeeringConnection:
    Type: AWS::EC2::VPCPeeringConnection
    Properties:
      VpcId: !ImportValue shared-system-VpcId
      PeerVpcId: !ImportValue dev-system-VpcId
"""


def _write(tmp_path: Path) -> None:
    (tmp_path / "shared-system.yaml").write_text(EXPORTER.format(cidr="10.0.0.0/16"))
    (tmp_path / "dev-system.yaml").write_text(EXPORTER.format(cidr="10.1.0.0/16"))
    (tmp_path / "vpc-peering.yaml").write_text(PEERING)


def _overlap(tmp_path: Path):
    estate = load_cloudformation([tmp_path])
    (finding,) = [f for f in analyse(estate).findings if f.check_id == "CKV2_PCX_1"]
    return finding


def test_the_cannot_tell_names_the_stack_name_that_would_resolve_the_import(tmp_path):
    _write(tmp_path)
    finding = _overlap(tmp_path)
    assert finding.verdict is Verdict.UNKNOWN
    requester = finding.missing[0]
    assert requester.startswith(f"the requester VPC: export 'shared-system-VpcId' imported by "
                                f"{tmp_path}/vpc-peering.yaml is not exported under a name the scan knows "
                                "(the stack names are not set) (a stack named 'shared-system' of ")
    # both exporters have the shape: each is named, neither is chosen
    assert f"{tmp_path}/dev-system.yaml" in requester and f"{tmp_path}/shared-system.yaml" in requester
    assert requester.endswith("exports it ('${AWS::StackName}-VpcId'): set cloudformation.stacks.<that "
                              "template>.stack_name: shared-system in .pcxguard.yaml)")


def test_with_the_stack_names_set_the_imports_resolve(tmp_path):
    _write(tmp_path)
    (tmp_path / ".pcxguard.yaml").write_text("""cloudformation:
  stacks:
    shared-system.yaml: {stack_name: shared-system, region: us-east-1, account: "111111111111"}
    dev-system.yaml: {stack_name: dev-system, region: us-east-1, account: "111111111111"}
    vpc-peering.yaml: {region: us-east-1, account: "111111111111"}
""")
    finding = _overlap(tmp_path)
    assert finding.verdict is Verdict.PASSED
    assert finding.message == "No block of MyVPC overlaps a block of MyVPC."


def test_an_export_name_that_does_not_match_the_shape_is_not_exported_by_any_template(tmp_path):
    _write(tmp_path)
    (tmp_path / "vpc-peering.yaml").write_text(PEERING.replace("shared-system-VpcId", "shared-system-SubnetId"))
    finding = _overlap(tmp_path)
    assert finding.missing[0] == (f"the requester VPC: export 'shared-system-SubnetId' imported by "
                                  f"{tmp_path}/vpc-peering.yaml is not exported by any scanned template (scan the "
                                  "template that exports it)")


def test_a_configuration_named_with_config_places_the_templates(tmp_path, capsys):
    # `pcxguard scan --config FILE` configures every input: its cloudformation.stacks once went unread
    # (the stack settings came only from the configuration found beside each template)
    import json

    from pcxguard.cli import main

    repo = tmp_path / "repo"
    repo.mkdir()
    _write(repo)
    config = tmp_path / "ci.yaml"
    config.write_text("""cloudformation:
  stacks:
    shared-system.yaml: {stack_name: shared-system, region: us-east-1, account: "111111111111"}
    dev-system.yaml: {stack_name: dev-system, region: us-east-1, account: "111111111111"}
    vpc-peering.yaml: {region: us-east-1, account: "111111111111"}
""")
    code = main(["scan", str(repo), "--config", str(config), "-f", "json", "--include-passed"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    verdicts = {(f["check_id"], f["resource"]["address"]): f["verdict"] for f in data["findings"] + data["unknowns"]}
    assert verdicts[("CKV2_PCX_1", "VpcPeeringConnection")] == "PASSED"
    assert verdicts[("CKV2_PCX_16", "VpcPeeringConnection")] == "PASSED"
    main(["scan", str(repo), "-f", "json"])  # without it: cannot tell, as before
    assert json.loads(capsys.readouterr().out)["summary"]["passed"] < data["summary"]["passed"]
