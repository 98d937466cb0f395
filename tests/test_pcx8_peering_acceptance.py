"""CKV2_PCX_8 (peering_acceptance): unit tests of rules/pcx8_peering_acceptance.py on hand-built estates, exact verdicts and messages."""

from __future__ import annotations


from estate_builder import EstateBuilder
from model_estates import only, pair_estate, src
from pcxguard.findings import Verdict
from pcxguard.model import SameAs, Unknown
from pcxguard.rules import pcx8_peering_acceptance
from pcxguard.settings import Settings


def test_pcx8_auto_accept_across_regions_fails():
    e = pair_estate()
    e.vpcs["aws_vpc.b"].region = "us-west-2"
    p = e.peerings["aws_vpc_peering_connection.ab"]
    p.peer_region = "us-west-2"
    f = only(pcx8_peering_acceptance.evaluate(e, Settings()))
    assert f.verdict is Verdict.FAILED and "auto_accept" in f.message and "us-west-2" in f.message


def test_pcx8_cross_account_without_accepter_fails_tag_or_config_passes():
    e = pair_estate()
    e.vpcs["aws_vpc.b"].account = "222222222222"
    p = e.peerings["aws_vpc_peering_connection.ab"]
    p.auto_accept, p.peer_owner_id = None, "222222222222"
    f = only(pcx8_peering_acceptance.evaluate(e, Settings()))
    assert f.verdict is Verdict.FAILED and "7 days" in f.message and "pcxguard:accepter" in f.fix
    ok = only(pcx8_peering_acceptance.evaluate(e, Settings(
        accepted_elsewhere=(("aws_vpc_peering_connection.ab", "stack west"),))))
    assert ok.verdict is Verdict.PASSED and "stack west" in ok.message
    p.reason_unaccepted = "repo infra-b"
    assert only(pcx8_peering_acceptance.evaluate(e, Settings())).verdict is Verdict.PASSED
    p.reason_unaccepted = None
    p.accepters.append(src("aws_vpc_peering_connection_accepter.ab"))
    assert only(pcx8_peering_acceptance.evaluate(e, Settings())).verdict is Verdict.PASSED


def test_pcx8_same_region_without_auto_accept_fails_unless_setting_off():
    e = pair_estate()
    e.peerings["aws_vpc_peering_connection.ab"].auto_accept = None
    assert only(pcx8_peering_acceptance.evaluate(e, Settings())).verdict is Verdict.FAILED
    assert only(pcx8_peering_acceptance.evaluate(e, Settings(require_acceptance_same_account=False))).verdict \
        is Verdict.PASSED


def test_pcx8_unknown_requester_account_with_peer_owner_is_unknown():
    e = pair_estate()
    for v in e.vpcs.values():
        v.account = Unknown("account")
    p = e.peerings["aws_vpc_peering_connection.ab"]
    p.auto_accept, p.peer_owner_id = True, "222222222222"
    f = only(pcx8_peering_acceptance.evaluate(e, Settings()))
    assert f.verdict is Verdict.UNKNOWN and any("account" in m for m in f.missing)


def test_config_reads_accepted_elsewhere_and_bounds_the_quota(tmp_path):
    import pytest

    from pcxguard.config import ConfigError, load_settings

    good = tmp_path / "good.yaml"
    good.write_text("active_peerings_per_vpc: 125\naccepted_elsewhere:\n  aws_vpc_peering_connection.x: partner\n"
                    "require_acceptance_same_account: false\n")
    settings = load_settings(good)
    assert settings.active_peerings_per_vpc == 125
    assert settings.accepted_elsewhere == (("aws_vpc_peering_connection.x", "partner"),)
    assert settings.require_acceptance_same_account is False
    for text in ("active_peerings_per_vpc: 126\n", "accepted_elsewhere: [a, b]\n"):
        bad = tmp_path / f"bad{len(text)}.yaml"  # a new file each time: no cached configuration
        bad.write_text(text)
        with pytest.raises(ConfigError):
            load_settings(bad)


def test_cloudformation_peerings_are_accepted_by_the_stack_unless_cross_account_without_a_role():
    from estate_builder import EstateBuilder as HandBuilder
    from pcxguard.engine import analyse
    from pcxguard.model import Source

    b = HandBuilder()
    b.vpc("Vpc", "10.0.0.0/16")
    cfn = lambda key: Source("cloudformation", "AWS::EC2::VPCPeeringConnection", key, "t.yaml")  # noqa: E731
    same = b.peering("SameAccount", "Vpc", "vpc-0aaa", peer_region="us-west-2")
    role = b.peering("WithRole", "Vpc", "vpc-0bbb", peer_owner_id="222222222222",
                     peer_role_arn="arn:aws:iam::222222222222:role/peer")
    norole = b.peering("NoRole", "Vpc", "vpc-0ccc", peer_owner_id="222222222222")
    for peering in (same, role, norole):
        peering.source = cfn(peering.key)
        peering.creator_accepts = True  # as the CloudFormation loader says of every stack's peering
    found = {f.resource.address: f for f in analyse(b.done()).findings if f.check_id == "CKV2_PCX_8"}
    assert {k: f.verdict.value for k, f in found.items()} == {
        "SameAccount": "PASSED", "WithRole": "PASSED", "NoRole": "FAILED"}
    assert "without PeerRoleArn" in found["NoRole"].message and "role in account 222222222222" in found["NoRole"].fix


def test_rule_8_cannot_tell_names_what_would_settle_the_account():
    b = EstateBuilder()
    b.vpc("a", "10.0.0.0/16").account = SameAs("the account of provider aws", "give the provider an assume_role "
                                               "role_arn or a single allowed_account_ids entry", identity="x")
    b.vpc("b", "10.1.0.0/16").account = SameAs("the account of provider aws.b", "hint", identity="y")
    b.peering("p", "a", "b", account=b.estate.vpcs["a"].account, peer_owner_id="222222222222")
    result = pcx8_peering_acceptance.judge(b.done(), b.estate.peerings["p"], Settings())
    assert result.verdict.value == "UNKNOWN"
    assert "the requester account: the account of provider aws (give the provider an assume_role role_arn or a " \
        "single allowed_account_ids entry)" in result.missing


RAW_PAIR = '''provider "aws" {
  region = "us-east-1"
}
variable "auto" {
  type    = string
  default = true
}
resource "aws_vpc" "a" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_vpc" "b" {
  cidr_block = "10.1.0.0/16"
}
resource "aws_vpc_peering_connection" "ab" {
  vpc_id      = aws_vpc.a.id
  peer_vpc_id = aws_vpc.b.id
  auto_accept = AUTO
}
'''


def _raw_pcx8(tmp_path, auto: str) -> tuple[list[tuple[str, str, str]], list[tuple[str, bool]]]:
    from pcxguard.engine import analyse
    from pcxguard.loaders.terraform_tfparse import load_root_module_tfparse

    (tmp_path / "main.tf").write_text(RAW_PAIR.replace("AUTO", auto))
    estate = load_root_module_tfparse(str(tmp_path))
    found = [(f.check_id, f.verdict.name, f.message) for f in analyse(estate).findings if f.check_id == "CKV2_PCX_8"]
    return found, [(p.message, p.fails_closed) for p in estate.problems]


def test_pcx8_raw_auto_accept_written_as_a_string_is_read_as_terraform_converts_it(tmp_path):
    # found in the trust sweep: MohitGupta1010/VPC-Peering_NACL (auto_accept = "true") and
    # thomasbiddle/terraform-aws-vpc-peering (auto_accept = "${var.auto_accept}", a string variable) failed
    # closed, although terraform converts "true" / "1" and "false" / "0" to the argument's bool (go-cty)
    message = ("aws_vpc_peering_connection.ab joins aws_vpc.a and aws_vpc.b within one account and region and is "
               "auto-accepted.")
    for written in ('"true"', '"1"', '"${var.auto}"', "var.auto"):
        assert _raw_pcx8(tmp_path, written) == ([("CKV2_PCX_8", "PASSED", message)], []), written
    found, problems = _raw_pcx8(tmp_path, '"false"')
    assert [v for _, v, _ in found] == ["FAILED"] and problems == []
    assert "neither sets auto_accept nor has an accepter" in found[0][2]


def test_pcx8_raw_auto_accept_terraform_refuses_still_fails_closed(tmp_path):
    for written, shown in (('"True"', "'True'"), ("1", "1"), ('"yes"', "'yes'")):
        found, problems = _raw_pcx8(tmp_path, written)
        assert problems == [(f"auto_accept of aws_vpc_peering_connection.ab is {shown}, not true or false", True)]
        assert [v for _, v, _ in found] == ["UNKNOWN"], written


CROSS_ACCOUNT = '''provider "aws" {
  region = "us-east-1"
  assume_role {
    role_arn = "arn:aws:iam::111111111111:role/net"
  }
}
provider "aws" {
  alias  = "peer"
  region = "us-east-1"
  assume_role {
    role_arn = "arn:aws:iam::ACCEPTER:role/net"
  }
}
resource "aws_vpc" "a" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_vpc_peering_connection" "ab" {
  vpc_id        = aws_vpc.a.id
  peer_vpc_id   = "vpc-0123456789abcdef0"
  peer_owner_id = "222222222222"
}
resource "aws_vpc_peering_connection_accepter" "ab" {
  provider                  = aws.peer
  vpc_peering_connection_id = aws_vpc_peering_connection.ab.id
  auto_accept               = true
}
'''


def test_pcx8_an_accepter_acting_in_another_account_than_the_request_goes_to_does_not_accept_it(tmp_path):
    # found in the trust sweep: opsstation/terraform-aws-vpc-peering's cross-account example accepts a request to
    # account 618122462084 with an accepter whose provider has the requester's credentials; CKV2_PCX_8 passed it
    # as "accepted". Only the owner of the accepter VPC can accept (VPC Peering Guide, accepting a request).
    from pcxguard.engine import analyse
    from pcxguard.loaders.terraform_tfparse import load_root_module_tfparse

    def pcx8(accepter_account: str) -> tuple[str, str]:
        (tmp_path / "main.tf").write_text(CROSS_ACCOUNT.replace("ACCEPTER", accepter_account))
        [f] = [f for f in analyse(load_root_module_tfparse(str(tmp_path))).findings if f.check_id == "CKV2_PCX_8"]
        return f.verdict.name, f.message

    assert pcx8("222222222222") == (
        "PASSED", "aws_vpc_peering_connection.ab is accepted by aws_vpc_peering_connection_accepter.ab.")
    verdict, message = pcx8("111111111111")
    assert verdict == "FAILED"
    assert message.startswith(
        "aws_vpc_peering_connection.ab goes to account 222222222222 (its peer_owner_id), but its only accepter in "
        "the scan cannot accept it: aws_vpc_peering_connection_accepter.ab acts in account 111111111111 (from the "
        "role_arn of provider aws.peer).")
