"""The CloudFormation loader: safe YAML, intrinsics, lines and joins between templates."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from netaddr import IPNetwork

from pcxguard.loaders.cfn_yaml import TemplateError, load_template_text
from pcxguard.loaders.cloudformation import load_cloudformation
from pcxguard.model import Unknown

CASES = Path(__file__).resolve().parents[1] / "fixtures" / "cloudformation"


def load_text(tmp_path: Path, text: str, name: str = "t.yaml", config: str | None = None):
    (tmp_path / name).write_text(text)
    if config is not None:
        (tmp_path / ".pcxguard.yaml").write_text(config)
    return load_cloudformation([tmp_path])


def key(tmp_path: Path, logical: str, name: str = "t.yaml") -> str:
    return f"{tmp_path / name}#{logical}"


# --------------------------------------------------------------------------- YAML


def test_short_forms_become_long_forms() -> None:
    body = load_template_text(
        "A: !Ref X\nB: !GetAtt Vpc.CidrBlock\nC: !Sub ['${a}', {a: !Ref Y}]\nD: !If [Cond, 1, 2]\n"
        "E: !Base64 text\nF: !Select [0, !GetAZs '']\nG: !Condition IsProd\nH: !ImportValue name\n"
        "I: !Cidr [10.0.0.0/16, 2, 8]\nJ: !Not [!Equals [a, b]]\n")
    assert body["A"] == {"Ref": "X"}
    assert body["B"] == {"Fn::GetAtt": ["Vpc", "CidrBlock"]}
    assert body["C"] == {"Fn::Sub": ["${a}", {"a": {"Ref": "Y"}}]}
    assert body["D"] == {"Fn::If": ["Cond", 1, 2]}
    assert body["E"] == {"Fn::Base64": "text"}
    assert body["F"] == {"Fn::Select": [0, {"Fn::GetAZs": ""}]}
    assert body["G"] == {"Condition": "IsProd"}
    assert body["H"] == {"Fn::ImportValue": "name"}
    assert body["I"] == {"Fn::Cidr": ["10.0.0.0/16", 2, 8]}
    assert body["J"] == {"Fn::Not": [{"Fn::Equals": ["a", "b"]}]}


def test_yes_and_no_stay_text() -> None:
    assert load_template_text("Yes: no\nb: true\n") == {"Yes": "no", "b": True}


@pytest.mark.parametrize("text, message", [
    ("a: !!python/object/apply:os.system [echo hi]\n", "unsupported YAML tag"),
    ("a: !Bogus x\n", "unsupported YAML tag '!Bogus'"),
    ("a: 1\na: 2\n", "duplicate key 'a'"),
    ("Resources:\n  A: [1, 2\n", "line 3"),
])
def test_unsafe_or_broken_yaml_is_refused_clearly(text: str, message: str) -> None:
    with pytest.raises(TemplateError, match=message.replace("[", r"\[")):
        load_template_text(text)


def test_alias_bomb_is_refused_fast_and_the_rest_of_the_scan_survives() -> None:
    started = time.monotonic()
    estate = load_cloudformation([CASES / "bad"])
    assert time.monotonic() - started < 5
    bomb = [p for p in estate.problems if p.file.endswith("bomb.yaml")]
    assert len(bomb) == 1 and "alias" in bomb[0].message and "billion laughs" in bomb[0].message
    assert "VpcBomb" not in {v.source.address for v in estate.vpcs.values()}
    assert {"VpcGoodA", "VpcGoodB", "VpcGoodC", "VpcFine", "VpcBogus"} == {v.source.address for v in estate.vpcs.values()}


def test_bad_files_become_load_problems(tmp_path: Path) -> None:
    estate = load_cloudformation([CASES / "bad" / "mixed"])
    by_file = {Path(p.file).name: p for p in estate.problems}
    assert "could not find expected" in by_file["truncated.yaml"].message
    assert "not a CloudFormation template" in by_file["notes.yaml"].message
    bogus = by_file["bogus_cidr.yaml"]
    assert bogus.address == "VpcBogus" and "'10.0.0.300/16'" in bogus.message and "not a valid CIDR" in bogus.message
    vpc = estate.vpc(str(CASES / "bad" / "mixed" / "bogus_cidr.yaml") + "#VpcBogus")
    assert isinstance(vpc.blocks[0].network, Unknown)


# --------------------------------------------------------------------------- lines


@pytest.mark.parametrize("logical, lines", [
    ("VpcEast", (17, 20)), ("PcxEastWest", (35, 40)), ("SgEast", (47, 56)), ("AppJumbo", (83, 92)),
    ("AppPinned", (93, 108)), ("AppSmall", (109, 114)),
])
def test_sources_span_logical_id_to_end_of_body(logical: str, lines: tuple[int, int]) -> None:
    estate = load_cloudformation([CASES / "cross_region"])
    source = next(s for s in estate.all_sources() if s.address == logical)
    text = (CASES / "cross_region" / "east.yaml").read_text().splitlines()
    assert text[lines[0] - 1].strip().startswith(f"{logical}:")
    assert (source.start_line, source.end_line) == lines
    assert source.file == str(CASES / "cross_region" / "east.yaml") and source.kind == "cloudformation"


def test_json_sources_have_lines() -> None:
    estate = load_cloudformation([CASES / "routes"])
    source = estate.vpcs[str(CASES / "routes" / "routes.json") + "#VpcA"].source
    text = (CASES / "routes" / "routes.json").read_text().splitlines()
    assert text[source.start_line - 1].strip() == '"VpcA": {'
    assert text[source.end_line - 1].strip() == "},"
    assert source.end_line - source.start_line == 7


# --------------------------------------------------------------------------- intrinsics

INTRINSICS = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Prefix: {Type: String, Default: "10.1"}
  NoDefault: {Type: String}
  Env: {Type: String, Default: prod}
Mappings:
  Net: {prod: {Cidr: 10.5.0.0/16}}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsTest: !Not [!Condition IsProd]
  Both: !And [!Condition IsProd, !Equals [a, a]]
Resources:
  SubA: {Type: AWS::EC2::VPC, Properties: {CidrBlock: !Sub "${Prefix}.0.0/16"}}
  SubB:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: !Sub ["${P}.0.0/16", {P: "10.2"}]}
  JoinC:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: !Join [".", ["10", "3", "0", "0/16"]]}
  SplitD:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: !Select [1, !Split [",", "x,10.4.0.0/16"]]}
  MapE:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: !FindInMap [Net, !Ref Env, Cidr]}
  CidrF:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: !Select [2, !Cidr [10.6.0.0/16, 4, 12]]}
  IfG:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: !If [Both, 10.7.0.0/16, 10.8.0.0/16]}
  NoDefaultH:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: !Ref NoDefault}
  OnlyInTest:
    Type: AWS::EC2::VPC
    Condition: IsTest
    Properties: {CidrBlock: 10.9.0.0/16}
  Pcx:
    Type: AWS::EC2::VPCPeeringConnection
    Properties:
      VpcId: !GetAtt SubA.VpcId
      PeerVpcId: !Ref SubB
      PeerRegion: !Ref AWS::Region
      PeerRoleArn: arn:aws:iam::222222222222:role/accepter
"""


def test_intrinsics_resolve_where_knowable(tmp_path: Path) -> None:
    estate = load_text(tmp_path, INTRINSICS)
    blocks = {v.source.address: v.blocks[0].network for v in estate.vpcs.values()}
    assert blocks["SubA"] == IPNetwork("10.1.0.0/16")
    assert blocks["SubB"] == IPNetwork("10.2.0.0/16")
    assert blocks["JoinC"] == IPNetwork("10.3.0.0/16")
    assert blocks["SplitD"] == IPNetwork("10.4.0.0/16")
    assert blocks["MapE"] == IPNetwork("10.5.0.0/16")
    assert blocks["CidrF"] == IPNetwork("10.6.32.0/20")  # 12 host bits: /20s, the third
    assert blocks["IfG"] == IPNetwork("10.7.0.0/16")
    assert isinstance(blocks["NoDefaultH"], Unknown) and "NoDefault" in blocks["NoDefaultH"].what
    assert "OnlyInTest" not in blocks  # its condition is false: not deployed
    pcx = estate.peerings[key(tmp_path, "Pcx")]
    assert pcx.requester_vpc == key(tmp_path, "SubA") and pcx.accepter_vpc == key(tmp_path, "SubB")
    assert isinstance(pcx.region, Unknown) and "region" in pcx.region.hint
    assert isinstance(pcx.peer_region, Unknown)  # AWS::Region without configuration
    assert pcx.peer_owner_id == "222222222222"  # from PeerRoleArn


def test_region_and_account_come_from_the_configuration(tmp_path: Path) -> None:
    estate = load_text(tmp_path, INTRINSICS, config=(
        'cloudformation:\n  stacks:\n    "t.yaml": {region: eu-central-1, account: "123456789012"}\n'))
    pcx = estate.peerings[key(tmp_path, "Pcx")]
    assert (pcx.region, pcx.peer_region, pcx.account) == ("eu-central-1", "eu-central-1", "123456789012")
    assert estate.vpcs[key(tmp_path, "SubA")].region == "eu-central-1"


def test_a_bad_configuration_is_a_load_problem(tmp_path: Path) -> None:
    estate = load_text(tmp_path, INTRINSICS, config='cloudformation:\n  stacks:\n    "t.yaml": {region: 12}\n')
    assert any("cloudformation/stacks/t.yaml/region" in p.message for p in estate.problems)
    assert len(estate.vpcs) == 8


USER_DATA = """\
Parameters:
  Mtu: {Type: String}
  Name: {Type: String}
Resources:
  Jumbo:
    Type: AWS::EC2::Instance
    Properties:
      UserData:
        Fn::Base64: !Sub "#!/bin/sh\\nhostname ${Name}\\nip link set dev eth0 mtu 9001\\n"
  UnknownMtu:
    Type: AWS::EC2::Instance
    Properties:
      UserData:
        Fn::Base64: !Sub "#!/bin/sh\\nip link set dev eth0 mtu ${Mtu}\\n"
  Encoded:
    Type: AWS::EC2::Instance
    Properties:
      UserData: IyEvYmluL3NoCmlwIGxpbmsgc2V0IGRldiBldGgwIG10dSA4NTAwCg==
  Template:
    Type: AWS::EC2::LaunchTemplate
    Properties:
      LaunchTemplateData:
        UserData: !Base64 {"Fn::Join": ["", ["#!/bin/sh\\n", "ip link set dev eth0 mtu ", !Ref Mtu]]}
"""


def test_user_data_mtu(tmp_path: Path) -> None:
    estate = load_text(tmp_path, USER_DATA)
    hosts = {h.source.address: h for h in estate.hosts.values()}
    assert hosts["Jumbo"].interface_mtu == 9001  # the unknown host name does not matter
    assert isinstance(hosts["UnknownMtu"].interface_mtu, Unknown)
    assert hosts["Encoded"].interface_mtu == 8500  # literal UserData is base64
    assert isinstance(hosts["Template"].interface_mtu, Unknown)


# --------------------------------------------------------------------------- joins


def test_export_and_import_join_two_templates() -> None:
    estate = load_cloudformation([CASES / "exports"])
    hub, app = CASES / "exports" / "hub.yaml", CASES / "exports" / "app.yaml"
    pcx = estate.peerings[f"{app}#PcxAppHub"]
    assert pcx.accepter_vpc == f"{hub}#VpcHub"
    table = estate.route_tables[f"{hub}#TableHub"]
    assert [r.holder.address for r in table.routes] == ["RouteHubToApp"]  # declared in app.yaml
    assert table.routes[0].holder.file == str(app)
    to_hub = estate.route_tables[f"{app}#TableApp"].routes[0]
    assert to_hub.destination == IPNetwork("10.60.0.0/16")  # an export whose name uses ${AWS::Region}
    rule = next(r for r in estate.sg_rules if r.holder.address == "SgAppFromHub")
    assert rule.referenced_group == f"{hub}#SgHub" and rule.referenced_owner == "333333333333"


def test_peer_region_places_the_other_stack() -> None:
    estate = load_cloudformation([CASES / "cross_region"])
    west = next(v for v in estate.vpcs.values() if v.source.address == "VpcWest")
    east = next(v for v in estate.vpcs.values() if v.source.address == "VpcEast")
    assert (east.region, east.account) == ("us-east-1", "111111111111")
    assert (west.region, west.account) == ("us-west-2", "111111111111")  # PeerRegion; no PeerOwnerId
    route = next(r for r in estate.routes() if r.holder.address == "RouteWestToEast")
    assert estate.peering(route.target).source.address == "PcxEastWest"  # literal pcx id from the configuration


def test_a_peer_outside_the_scan_stays_a_literal_id() -> None:
    estate = load_cloudformation([CASES / "unknown_peer"])
    pcx = next(iter(estate.peerings.values()))
    assert pcx.accepter_vpc == "vpc-0fedcba9876543210" and estate.vpc(pcx.accepter_vpc) is None
    assert pcx.peer_owner_id == "444444444444"


def test_checkov_adapter_builds_one_analysis_per_scan_root() -> None:
    from pcxguard.checkov_adapter import cloudformation_analysis, cloudformation_location

    root = CASES / "cross_region"
    east = {"Type": "AWS::EC2::VPC", "Properties": {"__file__": str(root / "east.yaml")}}
    location = cloudformation_location(east, "/east.yaml:AWS::EC2::VPC:VpcEast")
    assert location == (str(root / "east.yaml"), str(root), "VpcEast")
    first = cloudformation_analysis(str(root), str(root / "east.yaml"))
    assert cloudformation_analysis(str(root), str(root / "west.yaml")) is first
    assert {s.address for s in first.estate.all_sources()} >= {"VpcEast", "VpcWest"}
