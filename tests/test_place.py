"""Where each side is (issue 15): accounts and regions from what the code says, with provenance (the
rule they feed, CKV2_PCX_16 "the request names the wrong place", is tested in test_pcx16_peer_place.py).

Each fixture is named by the source of an account or region it shows; the verdicts it changes are
asserted here (before: what pcxguard said before it read that source)."""

from __future__ import annotations

import copy
import json
import pickle


from checkov_run import ROOT
from pcxguard.engine import analyse
from pcxguard.loaders.cloudformation import load_cloudformation
from pcxguard.loaders.provider_identity import (
    credentials_fingerprint,
    data_source_value,
    provider_place,
    role_account,
)
from pcxguard.loaders.terraform_plan import load_plan
from pcxguard.loaders.terraform_source import load_root_module
from pcxguard.model import Placed, SameAs, Unknown, is_known, place_text, provenance, same

PLANS = ROOT / "fixtures" / "terraform"
SOURCES = ROOT / "fixtures" / "terraform_place"
CFN = ROOT / "fixtures" / "cloudformation" / "place"


def verdicts(estate, check_id: str) -> dict[str, str]:
    return {f.resource.address: f.verdict.value for f in analyse(estate).findings if f.check_id == check_id}


def finding(estate, check_id: str, address: str):
    found = [f for f in analyse(estate).findings if f.check_id == check_id and f.resource.address == address]
    assert len(found) == 1, found
    return found[0]


# --------------------------------------------------------------------------- the pure interpretation


def test_role_arn_names_the_account_the_provider_acts_in():
    place = provider_place("aws.prod", {"region": "us-west-2",
                                        "assume_role": [{"role_arn": "arn:aws:iam::222222222222:role/x"}]})
    assert place.account == "222222222222" and place.account.source == "the role_arn of provider aws.prod"
    assert place.region == "us-west-2" and place.region.source == "the region of provider aws.prod"
    # role chaining: the last role is the one the provider acts as
    chained = provider_place("aws", {"assume_role": [{"role_arn": "arn:aws:iam::111111111111:role/a"},
                                                     {"role_arn": "arn:aws-us-gov:iam::333333333333:role/b"}]})
    assert chained.account == "333333333333"
    web = provider_place("aws", {"assume_role_with_web_identity": {"role_arn": "arn:aws:iam::444444444444:role/ci"}})
    assert web.account == "444444444444" and "assume_role_with_web_identity" in web.account.source
    assert role_account("arn:aws:iam::12345:role/x") is None and role_account(None) is None


def test_allowed_account_ids_name_the_account_only_when_single():
    single = provider_place("aws", {"allowed_account_ids": ["111111111111"]})
    assert single.account == "111111111111"
    assert single.account.source == "the single allowed_account_ids entry of provider aws"
    several = provider_place("aws", {"allowed_account_ids": ["111111111111", "222222222222"]})
    assert isinstance(several.account, SameAs) and "one of its allowed_account_ids" in several.account.what


def test_a_provider_that_contradicts_itself_has_no_account():
    conflict = provider_place("aws", {"allowed_account_ids": ["111111111111"],
                                      "assume_role": [{"role_arn": "arn:aws:iam::222222222222:role/x"}]})
    assert type(conflict.account) is Unknown and "do not allow" in conflict.account.what
    forbidden = provider_place("aws", {"forbidden_account_ids": ["222222222222"],
                                       "assume_role": [{"role_arn": "arn:aws:iam::222222222222:role/x"}]})
    assert type(forbidden.account) is Unknown and "forbid" in forbidden.account.what


def test_an_unknown_role_arn_is_unknown_not_an_identity():
    place = provider_place("aws", {"assume_role": [{"role_arn": Unknown("var.role has no value")}]})
    assert type(place.account) is Unknown and "var.role has no value" in place.account.hint


def test_same_credentials_are_one_account_and_different_ones_are_not_known_to_be():
    base = {"access_key": "AKIA", "secret_key": "x", "skip_requesting_account_id": True}
    east = provider_place("aws", {**base, "region": "us-east-1"}, "aws")
    west = provider_place("aws.west", {**base, "region": "us-west-2", "alias": "west"}, "aws.west")
    other = provider_place("aws.other", {**base, "profile": "other"}, "aws.other")
    assert same(east.account, west.account) is True
    assert same(east.account, other.account) is None
    assert same(east.region, west.region) is False
    unknown = provider_place("aws.u", {"profile": Unknown("var.profile")}, "aws.u")
    assert credentials_fingerprint({"profile": Unknown("x")}) is None
    assert same(unknown.account, east.account) is None
    assert "secret" not in east.account.identity and "AKIA" not in east.account.identity


def test_a_region_without_a_value_is_still_one_region():
    place = provider_place("aws", {}, "aws")
    assert isinstance(place.region, SameAs) and not is_known(place.region)
    assert same(place.region, provider_place("aws", {}, "aws").region) is True
    assert same(place.region, "us-east-1") is None


def test_data_sources_read_through_a_provider():
    place = provider_place("aws.peer", {"region": "eu-west-1",
                                        "assume_role": [{"role_arn": "arn:aws:iam::222222222222:role/x"}]})
    account = data_source_value("aws_caller_identity", "account_id", {}, place, "data.aws_caller_identity.peer")
    assert account == "222222222222"
    assert account.source == "data.aws_caller_identity.peer, read through the role_arn of provider aws.peer"
    assert data_source_value("aws_region", "name", {}, place, "data.aws_region.x") == "eu-west-1"
    named = data_source_value("aws_region", "name", {"name": "ap-south-1"}, place, "data.aws_region.x")
    assert named == "ap-south-1" and named.source == "the name argument of data.aws_region.x"
    assert data_source_value("aws_caller_identity", "arn", {}, place, "data.aws_caller_identity.peer") is None


def test_placed_values_keep_their_source_through_copies():
    value = Placed("111111111111", "the role_arn of provider aws.prod")
    for copied in (copy.deepcopy(value), pickle.loads(pickle.dumps(value))):
        assert copied == "111111111111" and copied.source == value.source
    assert place_text(value) == "111111111111 (from the role_arn of provider aws.prod)"
    assert provenance("us-east-1") == "" and json.dumps(value) == '"111111111111"'


# --------------------------------------------------------------------------- Terraform plans


def test_provider_alias_and_data_aws_region_in_a_plan():
    estate = load_plan(PLANS / "place_region" / "plan.json")
    west = estate.vpcs["aws_vpc.west_a"]
    assert west.region == "us-west-2" and west.region.source == "the region of provider aws.west"
    assert verdicts(estate, "CKV2_PCX_16") == {
        "aws_vpc_peering_connection.no_peer_region": "FAILED",
        "aws_vpc_peering_connection.literal_region": "PASSED",
        "aws_vpc_peering_connection.data_region": "PASSED",
        "aws_vpc_peering_connection.wrong_data_region": "FAILED",
        "aws_vpc_peering_connection.same_region": "PASSED",
    }
    failing = finding(estate, "CKV2_PCX_16", "aws_vpc_peering_connection.no_peer_region")
    assert ("it names region us-east-1 (the region the request is made in, as its peer_region is unset; from the "
            "region of provider aws), but aws_vpc.west_a is declared in region us-west-2 (from the region of "
            "provider aws.west)") in failing.message
    assert failing.fix == ("Set peer_region on aws_vpc_peering_connection.no_peer_region to the region of "
                           "aws_vpc.west_a.")
    assert [s.address for s in failing.related] == ["aws_vpc.west_a"]
    passing = finding(estate, "CKV2_PCX_16", "aws_vpc_peering_connection.literal_region")
    assert "providers with the same credentials act in one account" in passing.message


def test_caller_identity_through_the_requesters_provider_is_its_own_account():
    estate = load_plan(PLANS / "place_caller_identity" / "plan.json")
    peering = estate.peerings["aws_vpc_peering_connection.same_account"]
    # the plan does not know the account number: the identity decides
    assert isinstance(peering.peer_owner_id, SameAs) and same(peering.peer_owner_id, peering.account) is True
    # before: CKV2_PCX_8, 11 and 13 said "cannot tell" here
    assert finding(estate, "CKV2_PCX_8", "aws_vpc_peering_connection.same_account").verdict.value == "PASSED"
    assert finding(estate, "CKV2_PCX_13", "aws_vpc_peering_connection.same_account").verdict.value == "PASSED"
    rule = finding(estate, "CKV2_PCX_11", "aws_vpc_security_group_ingress_rule.data_from_app")
    assert rule.verdict.value == "PASSED" and rule.message.endswith("within one account.")
    partner = finding(estate, "CKV2_PCX_16", "aws_vpc_peering_connection.partner")
    assert partner.verdict.value == "UNKNOWN"
    assert partner.missing == (
        "the account aws_vpc_peering_connection.partner names (its peer_owner_id): the account of provider aws "
        "(give the provider an assume_role role_arn or a single allowed_account_ids entry, or set the account in "
        "the inventory of known VPCs in .pcxguard.yaml)",
        "the account of aws_vpc.partner: the account of provider aws.partner (give the provider an assume_role "
        "role_arn or a single allowed_account_ids entry, or set the account in the inventory of known VPCs in "
        ".pcxguard.yaml)")


def test_assume_role_allowed_account_ids_and_caller_identity_in_a_plan():
    """A real plan (planned against scripts/fake_sts.py): before, the plan reader knew only the
    allowed_account_ids accounts; aws.peer's VPCs had no account."""
    estate = load_plan(PLANS / "place_accounts" / "plan.json")
    peer = estate.vpcs["aws_vpc.peer_b"]
    assert peer.account == "222222222222" and peer.account.source == "the role_arn of provider aws.peer"
    app = estate.vpcs["aws_vpc.app"]
    assert app.account == "111111111111"
    assert app.account.source == "the single allowed_account_ids entry of provider aws"
    # the caller identity was read at plan time here: the plan itself knows the number
    read = estate.peerings["aws_vpc_peering_connection.caller_identity"].peer_owner_id
    assert read == "222222222222" and read.source == "data.aws_caller_identity.peer, as the plan read it"
    assert verdicts(estate, "CKV2_PCX_16") == {
        "aws_vpc_peering_connection.named": "PASSED",
        "aws_vpc_peering_connection.region_only": "FAILED",
        "aws_vpc_peering_connection.caller_identity": "PASSED",
        "aws_vpc_peering_connection.auto_cross_account": "FAILED",
    }
    assert finding(estate, "CKV2_PCX_16", "aws_vpc_peering_connection.region_only").fix == (
        "Set peer_owner_id on aws_vpc_peering_connection.region_only to the account of aws_vpc.peer_b.")


# --------------------------------------------------------------------------- Terraform source


def test_assume_role_accounts_from_the_source():
    estate = load_root_module(SOURCES / "assume_role")
    assert estate.problems == []
    peer = estate.vpcs["aws_vpc.peer_b"]
    assert peer.account == "222222222222" and peer.account.source == "the role_arn of provider aws.peer"
    assert verdicts(estate, "CKV2_PCX_16") == {  # before: no CKV2_PCX_16
        "aws_vpc_peering_connection.named": "PASSED",
        "aws_vpc_peering_connection.region_only": "FAILED",
        "aws_vpc_peering_connection.caller_identity": "PASSED",
    }
    failing = finding(estate, "CKV2_PCX_16", "aws_vpc_peering_connection.region_only")
    assert ("it names account 111111111111 (the requester's account, as its peer_owner_id is unset; from the "
            "role_arn of provider aws), but aws_vpc.peer_b is declared in account 222222222222 (from the role_arn "
            "of provider aws.peer)") in failing.message
    assert estate.peerings["aws_vpc_peering_connection.caller_identity"].peer_owner_id.source == (
        "data.aws_caller_identity.peer, read through the role_arn of provider aws.peer")


def test_allowed_account_ids_from_the_source_catch_auto_accept_across_accounts():
    estate = load_root_module(SOURCES / "allowed_ids")
    # before: CKV2_PCX_8 PASSED auto_cross_account (its accounts were unknown and peer_owner_id unset)
    assert verdicts(estate, "CKV2_PCX_8") == {
        "aws_vpc_peering_connection.auto_cross_account": "FAILED",
        "aws_vpc_peering_connection.named": "PASSED",
    }
    assert "across account 111111111111 (from the single allowed_account_ids entry of provider aws) to account " \
        "333333333333 (from the single allowed_account_ids entry of provider aws.shared)" in \
        finding(estate, "CKV2_PCX_8", "aws_vpc_peering_connection.auto_cross_account").message
    assert verdicts(estate, "CKV2_PCX_16") == {
        "aws_vpc_peering_connection.auto_cross_account": "FAILED",
        "aws_vpc_peering_connection.named": "PASSED",
    }


# --------------------------------------------------------------------------- CloudFormation


def test_cloudformation_stack_settings_and_pseudo_parameters():
    estate = load_cloudformation([str(CFN / "requester.yaml"), str(CFN / "peer.yaml")], name=str(CFN))
    assert estate.problems == []
    assert verdicts(estate, "CKV2_PCX_16") == {"PcxNamed": "PASSED", "PcxUnnamed": "FAILED", "PcxOwnAccount": "FAILED"}
    own = finding(estate, "CKV2_PCX_16", "PcxOwnAccount")
    assert "it names account 111111111111 (its PeerOwnerId; from AWS::AccountId of " in own.message
    assert own.fix == "Set PeerOwnerId on PcxOwnAccount to the account of VpcPeerC."
    unnamed = finding(estate, "CKV2_PCX_16", "PcxUnnamed")
    assert "as its PeerRegion is unset" in unnamed.message and "as its PeerOwnerId is unset" in unnamed.message
    assert unnamed.fix == ("Set PeerRegion on PcxUnnamed to the region of VpcPeerB; set PeerOwnerId on PcxUnnamed "
                           "to the account of VpcPeerB.")


def test_a_place_inferred_from_the_request_itself_is_no_evidence():
    directory = ROOT / "fixtures" / "cloudformation" / "cross_region"
    estate = load_cloudformation([str(directory)], name=str(directory))
    west = next(v for v in estate.vpcs.values() if v.source.address == "VpcWest")
    assert west.region == "us-west-2" and west.region.inferred  # from PcxEastWest's PeerRegion
    result = finding(estate, "CKV2_PCX_16", "PcxEastWest")
    assert result.verdict.value == "UNKNOWN"
    assert result.missing[0].startswith("the region of VpcWest: the region of VpcWest is known only from a peering "
                                        "request (the PeerRegion of PcxEastWest in ")


# --------------------------------------------------------------------------- end to end through checkov


def test_an_inventory_vpc_is_placed_by_its_entry(tmp_path):
    from pcxguard.config import load_config
    from pcxguard.inventory import merge_inventory

    partner = "vpc-0a1b2c3d4e5f67890"
    config_file = tmp_path / ".pcxguard.yaml"
    config_file.write_text(f"""\
inventory:
  vpcs:
    - id: {partner}
      cidr_blocks: [192.168.0.0/16]
      region: us-west-2
      account: "111122223333"
""")
    plan = PLANS / "cli_report" / "plan.json"
    estate = merge_inventory(load_plan(plan), load_config(config_file))
    vpc = estate.vpcs[partner]
    assert vpc.region.source == f"the inventory entry of {partner} in .pcxguard.yaml"
    result = finding(estate, "CKV2_PCX_16", "aws_vpc_peering_connection.app_partner")
    assert result.verdict.value == "FAILED"
    assert f"{partner} is declared in region us-west-2 (from the inventory entry of {partner} in .pcxguard.yaml)" \
        in result.message


# --------------------------------------------------------------------------- invariants

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_PLACES = st.one_of(
    st.sampled_from(["us-east-1", "us-west-2"]),
    st.builds(lambda r, s: Placed(r, s), st.sampled_from(["us-east-1", "us-west-2"]), st.sampled_from(["a", "b"])),
    st.builds(lambda i: SameAs(f"the region of provider {i}", identity=f"region of {i}"), st.sampled_from(["p", "q"])),
    st.just(Unknown("a region nobody knows")),
)


@given(_PLACES, _PLACES)
def test_same_is_symmetric_and_decides_only_on_values_or_one_identity(a, b):
    assert same(a, b) == same(b, a)
    if same(a, b) is False:
        assert isinstance(a, str) and isinstance(b, str) and a != b
    if same(a, b) is True:
        assert (isinstance(a, str) and a == b) or (isinstance(a, SameAs) and a.identity == b.identity)
    if isinstance(a, Unknown) and not isinstance(a, SameAs):
        assert same(a, b) is None


def test_data_sources_in_a_module_are_read_through_the_provider_it_is_given():
    estate = load_root_module(SOURCES / "module_provider")
    assert estate.problems == []
    peering = estate.peerings["aws_vpc_peering_connection.p"]
    assert peering.peer_owner_id == "222222222222" and peering.peer_owner_id.source == (
        "module.peer.data.aws_caller_identity.current, read through the role_arn of provider aws.peer")
    assert peering.peer_region == "eu-west-1"
    assert verdicts(estate, "CKV2_PCX_16") == {"aws_vpc_peering_connection.p": "PASSED"}
    assert verdicts(estate, "CKV2_PCX_8") == {"aws_vpc_peering_connection.p": "FAILED"}


def test_an_undeclared_provider_s_account_is_hinted_as_an_account(tmp_path):
    # found in the trust sweep: blackbird-cloud/terraform-aws-vpc-peering (a module with no provider block) was
    # told, for "the requester account: the account of provider aws", to "declare the provider with a region"
    from pcxguard.loaders.terraform_tfparse import load_root_module_tfparse

    (tmp_path / "main.tf").write_text('''resource "aws_vpc" "a" {
  cidr_block = "10.0.0.0/16"
}
''')
    vpc = load_root_module_tfparse(str(tmp_path)).vpcs["aws_vpc.a"]
    assert isinstance(vpc.region, Unknown) and isinstance(vpc.account, Unknown)
    assert vpc.region.describe() == ("the region of provider aws (declare the provider with a region (AWS_REGION "
                                     "from the environment is not in the source))")
    assert vpc.account.describe() == (
        "the account of provider aws (declare the provider with an assume_role role_arn or a single "
        "allowed_account_ids entry (the credentials of the environment are not in the source), or set the account "
        "in the inventory of known VPCs in .pcxguard.yaml)")
