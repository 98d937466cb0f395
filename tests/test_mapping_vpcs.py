"""mapping.common and mapping.vpcs: blocks, DNS flags and subnets, one translation for every format."""

from __future__ import annotations

from netaddr import IPNetwork

from mapping_inputs import cloudformation, neutral, origin, terraform
from pcxguard.mapping import vpcs
from pcxguard.mapping.common import checked, network
from pcxguard.model import Estate, Unknown, Vpc


def _vpc() -> Vpc:
    o, _ = origin()
    return Vpc("aws_vpc.a", o.source)


# -- common.network ---------------------------------------------------------------------------------------
def test_network_is_exact_and_never_fails_closed_on_host_bits():
    o, problems = origin()
    assert network(o, "10.0.0.0/16", "cidr_block") == IPNetwork("10.0.0.0/16")
    assert network(o, None, "cidr_block") is None
    assert network(o, Unknown("x"), "cidr_block") == Unknown("x")
    # host bits: the range AWS reads, with a note, never a broken input (the note never fired while the
    # check compared networks, which netaddr compares by range: IPNetwork("10.0.0.1/16") == "10.0.0.0/16")
    read = network(o, "10.0.0.1/16", "cidr_block")
    assert read == IPNetwork("10.0.0.0/16") and str(read) == "10.0.0.0/16"
    assert problems == [("cidr_block '10.0.0.1/16' of aws_vpc.a has host bits set (AWS expects 10.0.0.0/16); "
                         "using 10.0.0.0/16", False)]


def test_network_refuses_what_is_not_a_block_of_the_family():
    o, problems = origin("Vpc", where="Vpc in t.yaml")
    assert network(o, "10.0.0.0/16 ", "CidrBlock") == Unknown(
        "CidrBlock of Vpc ('10.0.0.0/16 ' is not a valid CIDR block: surrounding whitespace)", "fix the value")
    assert network(o, "10.0.0.0/16", "Ipv6CidrBlock") == Unknown(
        "Ipv6CidrBlock of Vpc ('10.0.0.0/16' is not a valid CIDR block: an IPv4 block where an IPv6 block belongs)",
        "fix the value")
    assert network(o, 5, "CidrBlock") == Unknown("CidrBlock of Vpc (5 is not a CIDR block)", "fix the value")
    assert [m for m, _ in problems] == [
        "CidrBlock '10.0.0.0/16 ' of Vpc in t.yaml is not a valid CIDR block (surrounding whitespace); ignored",
        "Ipv6CidrBlock '10.0.0.0/16' of Vpc in t.yaml is not a valid CIDR block (an IPv4 block where an IPv6 "
        "block belongs); ignored",
        "CidrBlock 5 of Vpc in t.yaml is not a CIDR block; ignored",
    ]
    assert all(fails_closed for _, fails_closed in problems)


def test_an_empty_string_is_unset_only_for_ipv6_where_the_format_says_so():
    terraform_origin, terraform_problems = origin(blank_ipv6_is_unset=True)
    assert network(terraform_origin, "", "ipv6_cidr_block") is None
    assert terraform_problems == []
    assert network(terraform_origin, "", "cidr_block") == Unknown(
        "cidr_block of aws_vpc.a (an empty string is not a CIDR block)", "fix the value")
    cfn_origin, cfn_problems = origin("Vpc", where="Vpc in t.yaml")
    assert network(cfn_origin, "", "Ipv6CidrBlock") == Unknown(
        "Ipv6CidrBlock of Vpc (an empty string is not a CIDR block)", "fix the value")
    assert cfn_problems == [("Ipv6CidrBlock of Vpc in t.yaml is an empty string, not a CIDR block", True)]


def test_checked_never_reads_a_wrong_value_as_unset():
    o, problems = origin()
    assert checked(o, "auto_accept", True, bool) is True
    assert checked(o, "auto_accept", None, bool) is None
    assert checked(o, "auto_accept", "true", bool) == Unknown("auto_accept of aws_vpc.a ('true' is not true or false)",
                                                              "fix the value")
    assert checked(o, "peer_region", "", str) == Unknown(
        "peer_region of aws_vpc.a (an empty string is not a non-empty string)", "fix the value")
    assert checked(o, "PeerRegion", 5, str, expected="a region") == Unknown(
        "PeerRegion of aws_vpc.a (5 is not a region)", "fix the value")
    assert [m for m, _ in problems] == ["auto_accept of aws_vpc.a is 'true', not true or false",
                                        "peer_region of aws_vpc.a is an empty string, not a non-empty string",
                                        "PeerRegion of aws_vpc.a is 5, not a region"]


# -- vpcs ---------------------------------------------------------------------------------------------
def test_block_order_text_then_amazon_then_ipam_then_as_written():
    o, problems = origin()
    vpc = _vpc()
    vpcs.add_block(vpc, o, vpcs.BlockFacts("10.0.0.0/16", amazon=True), "primary")
    vpcs.add_block(vpc, o, vpcs.BlockFacts(None, "ipv6_cidr_block", amazon=True, allocated=Unknown("pool")), "ipv6")
    vpcs.add_block(vpc, o, vpcs.BlockFacts(Unknown("later"), allocated=Unknown("pool")), "secondary")
    vpcs.add_block(vpc, o, vpcs.BlockFacts(Unknown("later")), "secondary")
    assert vpcs.add_block(vpc, o, vpcs.BlockFacts(None), "secondary") is None
    assert [(b.network, b.role, b.amazon_provided) for b in vpc.blocks] == [
        (IPNetwork("10.0.0.0/16"), "primary", False),
        (Unknown("Amazon-provided IPv6 block of aws_vpc.a"), "ipv6", True),
        (Unknown("pool"), "secondary", False),
        (Unknown("later"), "secondary", False),
    ]
    assert problems == []


def test_a_written_block_that_resolves_to_nothing_is_a_problem():
    o, problems = origin("Vpc", where="Vpc in t.yaml")
    vpc = _vpc()
    block = vpcs.add_block(vpc, o, vpcs.BlockFacts(None, "CidrBlock", written=True), "primary")
    assert block is not None and block.network == Unknown("CidrBlock of Vpc in t.yaml resolves to no value",
                                                          "fix the value")
    assert problems == [("CidrBlock of Vpc in t.yaml is set but resolves to no value", True)]


def test_map_vpc_registers_blocks_and_checked_dns_flags():
    o, problems = origin()
    estate = Estate("t")
    vpc = vpcs.map_vpc(estate, "aws_vpc.a", o, aws_id=None, region="eu-west-1", account="1", created=True,
                       blocks=[(vpcs.BlockFacts("10.0.0.0/16"), "primary")],
                       dns_support=("enable_dns_support", Unknown("later")), dns_hostnames=("enable_dns_hostnames", 1))
    assert estate.vpcs == {"aws_vpc.a": vpc}
    assert (vpc.created, vpc.region, vpc.dns_support) == (True, "eu-west-1", Unknown("later"))
    assert vpc.dns_hostnames == Unknown("enable_dns_hostnames of aws_vpc.a (1 is not true or false)", "fix the value")
    assert problems == [("enable_dns_hostnames of aws_vpc.a is 1, not true or false", True)]
    unset = vpcs.map_vpc(estate, "aws_vpc.b", o, aws_id="vpc-1", region="r", account="1")
    assert (unset.dns_support, unset.dns_hostnames, unset.blocks) == (True, False, [])


def test_new_subnet_validates_each_block():
    o, problems = origin("aws_subnet.s", blank_ipv6_is_unset=True)
    estate = Estate("t")
    subnet = vpcs.new_subnet(estate, "aws_subnet.s", o, vpc="aws_vpc.a", aws_id=None,
                             blocks=[("10.0.1.0/24", "cidr_block"), ("", "ipv6_cidr_block")])
    assert estate.subnets["aws_subnet.s"] is subnet
    assert (subnet.vpc, subnet.blocks) == ("aws_vpc.a", [IPNetwork("10.0.1.0/24")])
    assert problems == []


# -- the same facts from either format ----------------------------------------------------------------
def test_terraform_and_cloudformation_give_the_same_vpc():
    tf = terraform({
        "aws_vpc.a": {"cidr_block": "10.0.0.0/16", "enable_dns_hostnames": True},
        "aws_vpc_ipv4_cidr_block_association.b": {"vpc_id": "aws_vpc.a", "cidr_block": "10.1.0.0/16"},
        "aws_subnet.s": {"vpc_id": "aws_vpc.a", "cidr_block": "10.0.1.0/24"},
    })
    cfn = cloudformation({
        "A": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16", "EnableDnsHostnames": "true"}},
        "B": {"Type": "AWS::EC2::VPCCidrBlock", "Properties": {"VpcId": {"Ref": "A"}, "CidrBlock": "10.1.0.0/16"}},
        "S": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "A"}, "CidrBlock": "10.0.1.0/24"}},
    })
    (tf_vpc,), (cfn_vpc,) = tf.vpcs.values(), cfn.vpcs.values()
    assert neutral(tf_vpc) == neutral(cfn_vpc)
    assert [(b.network, b.role) for b in tf_vpc.blocks] == [(IPNetwork("10.0.0.0/16"), "primary"),
                                                           (IPNetwork("10.1.0.0/16"), "secondary")]
    assert tf_vpc.dns_hostnames is True
    assert neutral(tf.subnets["aws_subnet.s"], "vpc") == neutral(cfn.subnets["t.yaml#S"], "vpc")
    assert tf.problems == cfn.problems == []
