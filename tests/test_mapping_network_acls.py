"""mapping.network_acls: ACLs, entries, the default ACL and associations, from any format."""

from __future__ import annotations

from netaddr import IPNetwork

from mapping_inputs import cloudformation, neutral, origin, terraform
from pcxguard.mapping import network_acls
from pcxguard.model import Estate, NetworkAclRule, Source, Subnet, Unknown, Vpc


def test_an_entry_is_validated_and_spelled_one_way():
    o, problems = origin("E", where="E in t.yaml", resource_type="AWS::EC2::NetworkAclEntry")
    entry = network_acls.new_entry(o, egress=False, number=90, action="DENY", protocol=6, cidr=("10.1.0.0/16", "CidrBlock"),
                                   from_port=22, to_port=22)
    assert entry == NetworkAclRule(False, 90, "deny", "6", IPNetwork("10.1.0.0/16"), declared_by=o.source, from_port=22,
                                   to_port=22)
    bad = network_acls.new_entry(o, egress=True, number=100, action="allow", protocol=Unknown("p"),
                                 cidr=("10.1.0.0/16", "Ipv6CidrBlock"))
    assert bad.protocol == Unknown("p") and isinstance(bad.cidr, Unknown)
    assert problems == [("Ipv6CidrBlock '10.1.0.0/16' of E in t.yaml is not a valid CIDR block (an IPv4 block where "
                         "an IPv6 block belongs); ignored", True)]


def test_an_entry_that_cannot_be_read_leaves_the_rules_incomplete():
    estate = Estate("t")
    acl = network_acls.new_acl(estate, "aws_network_acl.n", Source("terraform", "aws_network_acl", "n"), vpc="aws_vpc.a")
    network_acls.add_entry(acl, "a rule of aws_network_acl.n whose number or action is not known")
    assert (estate.network_acls, acl.rules, acl.rules_unknown) == (
        {"aws_network_acl.n": acl}, [], ["a rule of aws_network_acl.n whose number or action is not known"])


def test_the_default_acl_allows_everything_and_a_subnet_is_listed_once():
    estate = Estate("t")
    vpc = Vpc("aws_vpc.a", Source("terraform_plan", "aws_vpc", "aws_vpc.a", "main.tf", 2, 4))
    acl = network_acls.default_acl(estate, vpc, "aws_vpc.a#default_nacl")
    assert estate.network_acls == {"aws_vpc.a#default_nacl": acl} and acl.is_default and acl.vpc == "aws_vpc.a"
    assert acl.source == Source("terraform_plan", "default network ACL", "default network ACL of aws_vpc.a", "main.tf",
                                2, 4)
    assert [(r.egress, r.rule_number, r.action, r.protocol, r.cidr) for r in acl.rules] == [
        (False, 100, "allow", "-1", IPNetwork("0.0.0.0/0")), (False, 101, "allow", "-1", IPNetwork("::/0")),
        (True, 100, "allow", "-1", IPNetwork("0.0.0.0/0")), (True, 101, "allow", "-1", IPNetwork("::/0"))]
    subnet = Subnet("aws_subnet.s", Source("terraform", "aws_subnet", "s"), vpc="aws_vpc.a")
    network_acls.attach(subnet, acl)
    network_acls.attach(subnet, acl)
    assert (subnet.network_acl, acl.subnets) == ("aws_vpc.a#default_nacl", ["aws_subnet.s"])


def test_terraform_and_cloudformation_give_the_same_acl():
    tf = terraform({
        "aws_subnet.s": {"vpc_id": "vpc-1", "cidr_block": "10.0.1.0/24"},
        "aws_network_acl.n": {"vpc_id": "vpc-1"},
        "aws_network_acl_rule.e": {"network_acl_id": "aws_network_acl.n", "rule_number": 90, "rule_action": "deny",
                                   "protocol": "6", "cidr_block": "10.1.0.0/16", "from_port": 22, "to_port": 22},
        "aws_network_acl_association.x": {"network_acl_id": "aws_network_acl.n", "subnet_id": "aws_subnet.s"},
    })
    cfn = cloudformation({
        "S": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": "vpc-1", "CidrBlock": "10.0.1.0/24"}},
        "N": {"Type": "AWS::EC2::NetworkAcl", "Properties": {"VpcId": "vpc-1"}},
        "E": {"Type": "AWS::EC2::NetworkAclEntry", "Properties": {
            "NetworkAclId": {"Ref": "N"}, "RuleNumber": 90, "RuleAction": "deny", "Protocol": 6,
            "CidrBlock": "10.1.0.0/16", "PortRange": {"From": 22, "To": 22}}},
        "X": {"Type": "AWS::EC2::SubnetNetworkAclAssociation", "Properties": {"NetworkAclId": {"Ref": "N"},
                                                                              "SubnetId": {"Ref": "S"}}},
    })
    tf_acl, cfn_acl = tf.network_acls["aws_network_acl.n"], cfn.network_acls["t.yaml#N"]
    assert neutral(tf_acl, "subnets") == neutral(cfn_acl, "subnets")
    assert [(r.rule_number, r.action, r.protocol, r.cidr, r.from_port) for r in tf_acl.rules] == [
        (90, "deny", "6", IPNetwork("10.1.0.0/16"), 22)]
    assert (tf_acl.subnets, cfn_acl.subnets) == (["aws_subnet.s"], ["t.yaml#S"])
    assert tf.subnets["aws_subnet.s"].network_acl == "aws_network_acl.n"
    assert cfn.subnets["t.yaml#S"].network_acl == "t.yaml#N"
