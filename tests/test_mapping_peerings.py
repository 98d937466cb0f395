"""mapping.peerings: the request as written, accepters and DNS options."""

from __future__ import annotations

from mapping_inputs import ACCOUNT, REGION, cloudformation, neutral, origin, terraform
from pcxguard.mapping import peerings
from pcxguard.model import Estate, PeeringOptions, PeeringRequest, Source, Unknown


def _peering(estate: Estate, **given):
    o, problems = origin("aws_vpc_peering_connection.p", resource_type="aws_vpc_peering_connection")
    facts = dict(requester_vpc="aws_vpc.a", accepter_vpc="vpc-b", aws_id=None, region="us-east-1", account="1",
                 peer_region=None, peer_owner_id=None)
    facts.update(given)
    return peerings.map_peering(estate, "aws_vpc_peering_connection.p", o, **facts), problems


def test_the_request_records_what_it_names_before_accepters_add_to_it():
    estate = Estate("t")
    peering, problems = _peering(estate, peer_owner_id="222222222222")
    assert estate.peerings == {"aws_vpc_peering_connection.p": peering} and problems == []
    assert peering.request == PeeringRequest(None, "222222222222")
    accepter = Source("terraform", "aws_vpc_peering_connection_accepter", "aws_vpc_peering_connection_accepter.x")
    peerings.accept(peering, accepter, PeeringOptions(), "eu-west-1")
    assert (peering.peer_region, peering.request.peer_region, peering.accepters) == ("eu-west-1", None, [accepter])
    assert peering.accepter_options == PeeringOptions()


def test_an_accepter_in_the_requesters_region_or_an_unknown_one_names_no_peer_region():
    estate = Estate("t")
    peering, _ = _peering(estate)
    peerings.accept(peering, Source("terraform", "t", "a"), PeeringOptions(), "us-east-1")
    peerings.accept(peering, Source("terraform", "t", "b"), PeeringOptions(), Unknown("region"))
    assert peering.peer_region is None
    stated, _ = _peering(Estate("t"), peer_region="ap-south-1")
    peerings.accept(stated, Source("terraform", "t", "c"), PeeringOptions(), "eu-west-1")
    assert stated.peer_region == "ap-south-1"  # what the request names is not overwritten


def test_the_requested_owner_may_differ_from_the_peers_account():
    peering, _ = _peering(Estate("t"), peer_owner_id="333333333333", requested_owner=None, creator_accepts=True,
                          peer_role_arn="arn:aws:iam::333333333333:role/accept")
    assert peering.request == PeeringRequest(None, None)
    assert (peering.peer_owner_id, peering.creator_accepts) == ("333333333333", True)


def test_dns_options_are_set_only_by_a_resource_that_sets_them():
    estate = Estate("t")
    peering, _ = _peering(estate)
    setter = Source("terraform", "aws_vpc_peering_connection_options", "aws_vpc_peering_connection_options.o")
    peerings.set_options(peering, "requester", peerings.dns_options(None, setter, "us-east-1", "1"))
    assert peering.requester_options == PeeringOptions()
    peerings.set_options(peering, "requester", peerings.dns_options(True, setter, "us-east-1", "1"))
    assert peering.requester_options == PeeringOptions(True, setter, "us-east-1", "1")


def test_terraform_and_cloudformation_give_the_same_peering():
    tf = terraform({
        "aws_vpc.a": {"cidr_block": "10.0.0.0/16"},
        "aws_vpc_peering_connection.p": {"vpc_id": "aws_vpc.a", "peer_vpc_id": "vpc-0b", "peer_region": "eu-west-1",
                                         "peer_owner_id": "222222222222"},
    })
    cfn = cloudformation({
        "A": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
        "P": {"Type": "AWS::EC2::VPCPeeringConnection", "Properties": {
            "VpcId": {"Ref": "A"}, "PeerVpcId": "vpc-0b", "PeerRegion": "eu-west-1", "PeerOwnerId": "222222222222"}},
    })
    tf_peering, cfn_peering = tf.peerings["aws_vpc_peering_connection.p"], cfn.peerings["t.yaml#P"]
    # a CloudFormation stack accepts what it requests (CloudFormation reference): the one difference of format
    assert neutral(tf_peering, "requester_vpc", "creator_accepts") == neutral(cfn_peering, "requester_vpc",
                                                                               "creator_accepts")
    assert (tf_peering.region, tf_peering.account, tf_peering.accepter_vpc) == (REGION, ACCOUNT, "vpc-0b")
    assert tf_peering.request == cfn_peering.request == PeeringRequest("eu-west-1", "222222222222")
    assert (tf_peering.creator_accepts, cfn_peering.creator_accepts) == (False, True)


def test_a_wrong_peer_region_is_a_problem_in_either_format():
    tf = terraform({"aws_vpc_peering_connection.p": {"vpc_id": "vpc-a", "peer_vpc_id": "vpc-b", "peer_region": ""}})
    cfn = cloudformation({"P": {"Type": "AWS::EC2::VPCPeeringConnection", "Properties": {
        "VpcId": "vpc-a", "PeerVpcId": "vpc-b", "PeerRegion": ""}}})
    assert [p.message for p in tf.problems] == [
        "peer_region of aws_vpc_peering_connection.p is an empty string, not a non-empty string"]
    assert [p.message for p in cfn.problems] == ["PeerRegion of P in t.yaml is an empty string, not a region"]
    assert cfn.peerings["t.yaml#P"].peer_region == Unknown("PeerRegion of P (an empty string is not a region)",
                                                           "fix the value")
