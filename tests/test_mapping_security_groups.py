"""mapping.security_groups: groups and rules, inline or separate, from any format."""

from __future__ import annotations

from netaddr import IPNetwork

from mapping_inputs import cloudformation, neutral, origin, terraform
from pcxguard.mapping import security_groups
from pcxguard.model import Estate, Unknown


def test_a_group_without_a_vpc_lives_in_the_default_vpc():
    estate = Estate("t")
    o, _ = origin("Sg", resource_type="AWS::EC2::SecurityGroup")
    group = security_groups.new_group(estate, "t.yaml#Sg", o, vpc=None, vpc_attribute="VpcId")
    assert estate.security_groups == {"t.yaml#Sg": group}
    assert group.vpc == Unknown("Sg sets no VpcId, so it lives in the region's default VPC",
                                "set VpcId, or describe the default VPC in the inventory")


def test_a_rule_validates_its_ranges_and_knows_a_self_reference():
    estate = Estate("t")
    o, problems = origin("aws_security_group_rule.r", resource_type="aws_security_group_rule")
    rule = security_groups.new_rule(estate, "aws_security_group_rule.r", o, group="aws_security_group.g",
                                    direction="sideways", protocol="tcp", from_port=443, to_port=443,
                                    referenced="aws_security_group.g",
                                    cidrs=[("10.0.0.0/8", "cidr"), ("fd00::/8", "cidr"), ("bogus", "cidr")])
    assert estate.sg_rules == [rule]
    assert (rule.direction, rule.self_reference, rule.referenced_group) == ("ingress", True, "aws_security_group.g")
    assert rule.cidrs[:2] == [IPNetwork("10.0.0.0/8"), IPNetwork("fd00::/8")]
    assert rule.cidrs[2] == Unknown("cidr of aws_security_group_rule.r ('bogus' is not a CIDR block)", "fix the value")
    assert problems == [("cidr 'bogus' of aws_security_group_rule.r is not a CIDR block; ignored", True)]
    later = security_groups.new_rule(estate, "g/ref", o, group="g", direction="egress", referenced="g",
                                     same_group_is_self=False)
    assert (later.direction, later.self_reference, estate.sg_rules) == ("egress", False, [rule, later])


def test_terraform_and_cloudformation_give_the_same_rules():
    tf = terraform({
        "aws_security_group.g": {"vpc_id": "vpc-1", "ingress": [
            {"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": ["10.1.0.0/16"]}]},
        "aws_vpc_security_group_egress_rule.e": {"security_group_id": "aws_security_group.g", "ip_protocol": "-1",
                                                 "cidr_ipv6": "::/0"},
    })
    cfn = cloudformation({
        "G": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"VpcId": "vpc-1", "SecurityGroupIngress": [
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "10.1.0.0/16"}]}},
        "E": {"Type": "AWS::EC2::SecurityGroupEgress", "Properties": {"GroupId": {"Ref": "G"}, "IpProtocol": "-1",
                                                                      "CidrIpv6": "::/0"}},
    })
    assert neutral(tf.security_groups["aws_security_group.g"]) == neutral(cfn.security_groups["t.yaml#G"])
    assert [neutral(r, "group") for r in tf.sg_rules] == [neutral(r, "group") for r in cfn.sg_rules]
    assert [(r.direction, r.protocol, r.from_port, r.cidrs) for r in tf.sg_rules] == [
        ("ingress", "tcp", 22, [IPNetwork("10.1.0.0/16")]), ("egress", "-1", None, [IPNetwork("::/0")])]
    assert [r.group for r in cfn.sg_rules] == ["t.yaml#G", "t.yaml#G"]
