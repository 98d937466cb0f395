"""CKV2_PCX_14 (pmtud_icmp): unit tests of rules/pcx14_pmtud_icmp.py on hand-built estates, exact verdicts and messages."""

from __future__ import annotations

from netaddr import IPNetwork

from model_estates import only, pmtud_estate, src
from pcxguard.findings import Verdict
from pcxguard.model import NetworkAcl, NetworkAclRule, SecurityGroup, SecurityGroupRule
from pcxguard.rules import pcx14_pmtud_icmp
from pcxguard.settings import Settings


def icmp_rule(g: SecurityGroup, protocol: str = "icmp", from_port: int = 3, to_port: int = 4,
              cidr: str = "10.1.0.0/16") -> SecurityGroupRule:
    return SecurityGroupRule("aws_vpc_security_group_ingress_rule.pmtud",
                             src("aws_vpc_security_group_ingress_rule.pmtud"), group=g.key, direction="ingress",
                             protocol=protocol, from_port=from_port, to_port=to_port, cidrs=[IPNetwork(cidr)])


def test_pcx14_group_without_icmp_fails_and_icmp_rule_passes():
    e, host, g = pmtud_estate()
    f = only(pcx14_pmtud_icmp.evaluate(e, Settings()))
    assert f.verdict is Verdict.FAILED
    assert "aws_security_group.app" in f.message and "10.1.0.0/16" in f.message and "type 3 code 4" in f.message
    e.sg_rules.append(icmp_rule(g))
    assert only(pcx14_pmtud_icmp.evaluate(e, Settings())).verdict is Verdict.PASSED


def test_pcx14_all_icmp_all_traffic_count_and_wrong_type_or_narrow_cidr_do_not():
    for protocol, lo, hi, cidr, verdict in (("icmp", -1, -1, "10.1.0.0/16", Verdict.PASSED),
                                            ("-1", 0, 0, "0.0.0.0/0", Verdict.PASSED),
                                            ("icmp", 8, -1, "10.1.0.0/16", Verdict.FAILED),
                                            ("icmp", 3, 4, "10.1.1.0/24", Verdict.FAILED)):
        e, host, g = pmtud_estate()
        e.sg_rules.append(icmp_rule(g, protocol, lo, hi, cidr))
        assert only(pcx14_pmtud_icmp.evaluate(e, Settings())).verdict is verdict, (protocol, lo, hi, cidr)


def test_pcx14_network_acl_first_match_wins():
    e, host, g = pmtud_estate()
    e.sg_rules.append(icmp_rule(g))
    acl = NetworkAcl("aws_network_acl.strict", src("aws_network_acl.strict"), vpc="aws_vpc.east",
                     subnets=["aws_subnet.app"],
                     rules=[NetworkAclRule(False, 50, "deny", "icmp", IPNetwork("10.1.0.0/16"), -1, -1),
                            NetworkAclRule(False, 100, "allow", "-1", IPNetwork("0.0.0.0/0"))])
    e.network_acls[acl.key] = acl
    e.subnets["aws_subnet.app"].network_acl = acl.key
    f = only(pcx14_pmtud_icmp.evaluate(e, Settings()))
    assert f.verdict is Verdict.FAILED and "aws_network_acl.strict denies inbound" in f.message
    acl.rules[0].rule_number = 150  # the allow-all now comes first
    assert only(pcx14_pmtud_icmp.evaluate(e, Settings())).verdict is Verdict.PASSED
    acl.rules.clear()  # a custom ACL without rules denies everything
    assert only(pcx14_pmtud_icmp.evaluate(e, Settings())).verdict is Verdict.FAILED


def test_pcx14_small_mtu_passes_and_unknown_group_is_unknown():
    e, host, g = pmtud_estate()
    host.interface_mtu = 1500
    assert only(pcx14_pmtud_icmp.evaluate(e, Settings())).verdict is Verdict.PASSED
    e, host, g = pmtud_estate()
    host.security_groups = ["sg-0outside"]
    f = only(pcx14_pmtud_icmp.evaluate(e, Settings()))
    assert f.verdict is Verdict.UNKNOWN and any("sg-0outside" in m for m in f.missing)
