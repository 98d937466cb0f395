"""Unit tests for CKV2_PCX_6..14 on small estates built directly (no loader)."""

from __future__ import annotations

from netaddr import IPNetwork

from pcxguard.findings import Verdict
from pcxguard.model import (
    CidrBlock, Estate, Host, NetworkAcl, NetworkAclRule, PeeringConnection, PeeringOptions, Route, RouteTable,
    SecurityGroup, SecurityGroupRule, Source, Subnet, Unknown, Vpc,
)
from pcxguard.rules import (
    pcx12_ipv6_peering_route, pcx10_overlapping_peers, pcx6_peer_destination, pcx8_peering_acceptance, pcx13_peering_dns, pcx9_peering_quota,
    pcx14_pmtud_icmp, pcx7_route_table_side, pcx11_sg_peer_reference,
)
from pcxguard.settings import Settings


def src(address: str, rtype: str | None = None) -> Source:
    return Source("terraform_plan", rtype or address.split(".")[0], address, "plan.json")


def vpc(estate: Estate, name: str, *cidrs: str, region: str = "us-east-1", account: object = "111111111111",
        **kw) -> Vpc:
    v = Vpc(f"aws_vpc.{name}", src(f"aws_vpc.{name}"), region=region, account=account, **kw)
    for i, c in enumerate(cidrs):
        net = IPNetwork(c)
        role = "ipv6" if net.version == 6 else ("primary" if i == 0 else "secondary")
        v.blocks.append(CidrBlock(net, role, v.source))
    estate.vpcs[v.key] = v
    return v


def peer(estate: Estate, name: str, a: str, b: str, **kw) -> PeeringConnection:
    p = PeeringConnection(f"aws_vpc_peering_connection.{name}", src(f"aws_vpc_peering_connection.{name}"),
                          requester_vpc=f"aws_vpc.{a}", accepter_vpc=f"aws_vpc.{b}", **kw)
    estate.peerings[p.key] = p
    return p


def table(estate: Estate, name: str, v: str) -> RouteTable:
    t = RouteTable(f"aws_route_table.{name}", src(f"aws_route_table.{name}"), vpc=f"aws_vpc.{v}")
    estate.route_tables[t.key] = t
    return t


def route(estate: Estate, name: str, t: RouteTable, dest: object, target: object = None,
          kind: str = "vpc_peering_connection") -> Route:
    d = IPNetwork(dest) if isinstance(dest, str) else dest
    r = Route(f"aws_route.{name}", src(f"aws_route.{name}"), route_table=t.key, destination=d,
              target_kind=kind, target=target, version=d.version if isinstance(d, IPNetwork) else 4)
    t.routes.append(r)
    return r


def only(findings, address: str | None = None):
    found = [f for f in findings if address is None or f.resource.address == address]
    assert len(found) == 1, found
    return found[0]


def pair_estate() -> Estate:
    e = Estate("t")
    vpc(e, "a", "10.0.0.0/16")
    vpc(e, "b", "10.1.0.0/16")
    vpc(e, "c", "10.2.0.0/16")
    peer(e, "ab", "a", "b", auto_accept=True)
    return e


# ---------------------------------------------------------------- CKV2_PCX_6
def test_pcx6_default_route_via_peering_fails_and_nat_default_route_does_not_matter():
    e = pair_estate()
    bad = table(e, "bad", "a")
    route(e, "default", bad, "0.0.0.0/0", "aws_vpc_peering_connection.ab")
    good = table(e, "good", "a")
    route(e, "nat", good, "0.0.0.0/0", "nat-123", kind="nat_gateway")
    route(e, "to_b", good, "10.1.0.0/16", "aws_vpc_peering_connection.ab")
    findings = list(pcx6_peer_destination.evaluate(e, Settings()))
    assert {f.resource.address: f.verdict for f in findings} == {
        "aws_route.default": Verdict.FAILED, "aws_route.to_b": Verdict.PASSED}
    failed = only(findings, "aws_route.default")
    assert "0.0.0.0/0" in failed.message and "aws_vpc.b owns only 10.1.0.0/16" in failed.message
    assert "default route" in failed.message and "10.1.0.0/16" in failed.fix


def test_pcx6_transitive_range_names_the_third_vpc():
    e = pair_estate()
    t = table(e, "a", "a")
    route(e, "to_c", t, "10.2.0.0/16", "aws_vpc_peering_connection.ab")
    f = only(pcx6_peer_destination.evaluate(e, Settings()))
    assert f.verdict is Verdict.FAILED
    assert "aws_vpc.c" in f.message and "transitive" in f.message


def test_pcx6_partial_overlap_fails_naming_the_outside_part():
    e = pair_estate()
    t = table(e, "a", "a")
    route(e, "wide", t, "10.0.0.0/15", "aws_vpc_peering_connection.ab")
    f = only(pcx6_peer_destination.evaluate(e, Settings()))
    assert f.verdict is Verdict.FAILED
    assert "10.0.0.0/16" in f.message  # the part outside b (a's own range)
    assert "Narrow the destination of aws_route.wide to 10.1.0.0/16" in f.fix


def test_pcx6_unknown_peer_block_is_unknown_but_default_route_still_fails():
    e = pair_estate()
    e.vpcs["aws_vpc.b"].blocks = [CidrBlock(Unknown("cidr of b", "IPAM"), "primary", e.vpcs["aws_vpc.b"].source)]
    t = table(e, "a", "a")
    route(e, "narrow", t, "10.1.0.0/24", "aws_vpc_peering_connection.ab")
    route(e, "default", t, "0.0.0.0/0", "aws_vpc_peering_connection.ab")
    findings = {f.resource.address: f for f in pcx6_peer_destination.evaluate(e, Settings())}
    assert findings["aws_route.narrow"].verdict is Verdict.UNKNOWN
    assert any("cidr of b" in m for m in findings["aws_route.narrow"].missing)
    assert findings["aws_route.default"].verdict is Verdict.FAILED


def test_pcx6_unknown_destination_and_peer_outside_scan_are_unknown():
    e = pair_estate()
    peer(e, "ax", "a", "vpc-0outside")
    t = table(e, "a", "a")
    route(e, "unknown_dest", t, Unknown("destination", "apply"), "aws_vpc_peering_connection.ab")
    route(e, "outside", t, "10.7.0.0/16", "aws_vpc_peering_connection.ax")
    findings = {f.resource.address: f for f in pcx6_peer_destination.evaluate(e, Settings())}
    assert findings["aws_route.unknown_dest"].verdict is Verdict.UNKNOWN
    assert findings["aws_route.outside"].verdict is Verdict.UNKNOWN
    assert "vpc-0outside" in findings["aws_route.outside"].missing[0]


# ---------------------------------------------------------------- CKV2_PCX_7
def test_pcx7_route_in_third_vpc_table_fails():
    e = pair_estate()
    route(e, "a_to_b", table(e, "a", "a"), "10.1.0.0/16", "aws_vpc_peering_connection.ab")
    route(e, "c_to_b", table(e, "c", "c"), "10.1.0.0/16", "aws_vpc_peering_connection.ab")
    findings = {f.resource.address: f for f in pcx7_route_table_side.evaluate(e, Settings())}
    assert findings["aws_route.a_to_b"].verdict is Verdict.PASSED
    bad = findings["aws_route.c_to_b"]
    assert bad.verdict is Verdict.FAILED
    for part in ("aws_route_table.c", "aws_vpc.c", "aws_vpc_peering_connection.ab", "aws_vpc.a", "aws_vpc.b"):
        assert part in bad.message
    assert "aws_vpc.a or aws_vpc.b" in bad.fix


def test_pcx7_unknown_sides_are_unknown():
    e = pair_estate()
    e.peerings["aws_vpc_peering_connection.ab"].accepter_vpc = Unknown("peer_vpc_id", "apply")
    route(e, "c_to_b", table(e, "c", "c"), "10.1.0.0/16", "aws_vpc_peering_connection.ab")
    f = only(pcx7_route_table_side.evaluate(e, Settings()))
    assert f.verdict is Verdict.UNKNOWN and "peer_vpc_id" in f.missing[0]


# ---------------------------------------------------------------- CKV2_PCX_8
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


# ---------------------------------------------------------------- CKV2_PCX_9
def test_pcx9_quota_default_and_setting():
    e = Estate("t")
    vpc(e, "hub", "10.0.0.0/16")
    for i in range(51):
        vpc(e, f"s{i}", f"10.{i + 1}.0.0/16")
        peer(e, f"p{i}", "hub", f"s{i}", auto_accept=True)
    findings = {f.resource.address: f for f in pcx9_peering_quota.evaluate(e, Settings())}
    assert findings["aws_vpc.hub"].verdict is Verdict.FAILED
    assert "51 peering connections" in findings["aws_vpc.hub"].message and "quota of 50" in findings["aws_vpc.hub"].message
    assert findings["aws_vpc.s0"].verdict is Verdict.PASSED
    raised = {f.resource.address: f for f in pcx9_peering_quota.evaluate(e, Settings(active_peerings_per_vpc=60))}
    assert raised["aws_vpc.hub"].verdict is Verdict.PASSED


def test_pcx9_unknown_peerings_could_pass_the_quota():
    e = Estate("t")
    vpc(e, "hub", "10.0.0.0/16")
    for i in range(2):
        vpc(e, f"s{i}", f"10.{i + 1}.0.0/16")
        peer(e, f"p{i}", "hub", f"s{i}")
    e.peerings["aws_vpc_peering_connection.x"] = PeeringConnection(
        "aws_vpc_peering_connection.x", src("aws_vpc_peering_connection.x"), Unknown("vpc_id"), "aws_vpc.s0")
    f = only(pcx9_peering_quota.evaluate(e, Settings(active_peerings_per_vpc=2)), "aws_vpc.hub")
    assert f.verdict is Verdict.UNKNOWN and f.missing == ("the VPCs of aws_vpc_peering_connection.x",)


# ---------------------------------------------------------------- CKV2_PCX_10
def overlapping_estate() -> Estate:
    e = Estate("t")
    vpc(e, "a", "10.0.0.0/16")
    vpc(e, "b", "10.1.0.0/16")
    vpc(e, "c", "10.1.0.0/16")
    peer(e, "ab", "a", "b")
    peer(e, "ac", "a", "c")
    return e


def test_pcx10_one_table_with_overlapping_routes_to_two_peers_fails():
    e = overlapping_estate()
    t = table(e, "a", "a")
    route(e, "to_b", t, "10.1.0.0/16", "aws_vpc_peering_connection.ab")
    route(e, "to_c", t, "10.1.2.0/24", "aws_vpc_peering_connection.ac")
    f = only(pcx10_overlapping_peers.evaluate(e, Settings()), "aws_vpc.a")
    assert f.verdict is Verdict.FAILED
    for part in ("aws_vpc.b", "aws_vpc.c", "10.1.0.0/16", "10.1.2.0/24", "aws_route_table.a", "reverse-path"):
        assert part in f.message


def test_pcx10_specific_routes_or_separate_tables_pass():
    e = overlapping_estate()
    t = table(e, "a", "a")
    route(e, "to_b", t, "10.1.1.0/24", "aws_vpc_peering_connection.ab")
    route(e, "to_c", t, "10.1.2.0/24", "aws_vpc_peering_connection.ac")
    assert only(pcx10_overlapping_peers.evaluate(e, Settings()), "aws_vpc.a").verdict is Verdict.PASSED
    e2 = overlapping_estate()
    route(e2, "to_b", table(e2, "ab", "a"), "10.1.0.0/16", "aws_vpc_peering_connection.ab")
    route(e2, "to_c", table(e2, "ac", "a"), "10.1.0.0/16", "aws_vpc_peering_connection.ac")
    assert only(pcx10_overlapping_peers.evaluate(e2, Settings()), "aws_vpc.a").verdict is Verdict.PASSED


def test_pcx10_peer_outside_scan_is_unknown_and_single_peer_is_not_judged():
    e = Estate("t")
    vpc(e, "a", "10.0.0.0/16")
    vpc(e, "b", "10.1.0.0/16")
    peer(e, "ab", "a", "b")
    peer(e, "ax", "a", "vpc-0outside")
    f = only(pcx10_overlapping_peers.evaluate(e, Settings()), "aws_vpc.a")
    assert f.verdict is Verdict.UNKNOWN and "vpc-0outside" in f.missing[0]
    assert [x.resource.address for x in pcx10_overlapping_peers.evaluate(e, Settings())] == ["aws_vpc.a"]


# ---------------------------------------------------------------- CKV2_PCX_11
def sg(estate: Estate, name: str, v: str) -> SecurityGroup:
    g = SecurityGroup(f"aws_security_group.{name}", src(f"aws_security_group.{name}"), vpc=f"aws_vpc.{v}")
    estate.security_groups[g.key] = g
    return g


def ref_rule(estate: Estate, name: str, group: str, referenced: object, **kw) -> SecurityGroupRule:
    r = SecurityGroupRule(f"aws_security_group_rule.{name}", src(f"aws_security_group_rule.{name}"),
                          group=f"aws_security_group.{group}", direction="ingress", protocol="tcp",
                          referenced_group=referenced, **kw)
    estate.sg_rules.append(r)
    return r


def test_pcx11_reference_without_peering_fails_with_peering_passes():
    e = pair_estate()
    for n in "abc":
        sg(e, n, n)
    ref_rule(e, "from_b", "a", "aws_security_group.b")
    ref_rule(e, "from_c", "a", "aws_security_group.c")
    ref_rule(e, "own", "a", "aws_security_group.a", self_reference=True)
    findings = {f.resource.address: f for f in pcx11_sg_peer_reference.evaluate(e, Settings())}
    assert set(findings) == {"aws_security_group_rule.from_b", "aws_security_group_rule.from_c"}
    assert findings["aws_security_group_rule.from_b"].verdict is Verdict.PASSED
    bad = findings["aws_security_group_rule.from_c"]
    assert bad.verdict is Verdict.FAILED
    assert "aws_vpc.c" in bad.message and "no peering connection" in bad.message and "Peer aws_vpc.a with aws_vpc.c" in bad.fix


def test_pcx11_cross_account_needs_account_form():
    e = pair_estate()
    e.vpcs["aws_vpc.b"].account = "222222222222"
    e.peerings["aws_vpc_peering_connection.ab"].peer_owner_id = "222222222222"
    sg(e, "a", "a")
    sg(e, "b", "b")
    ref_rule(e, "bare", "a", "aws_security_group.b")
    ref_rule(e, "with_account", "a", "222222222222/aws_security_group.b")
    ref_rule(e, "from_plan", "a", "aws_security_group.b", reference_text_known=False)
    findings = {f.resource.address: f for f in pcx11_sg_peer_reference.evaluate(e, Settings())}
    bare = findings["aws_security_group_rule.bare"]
    assert bare.verdict is Verdict.FAILED and "222222222222/sg-" in bare.message and "gives no account" in bare.message
    assert findings["aws_security_group_rule.with_account"].verdict is Verdict.PASSED
    assert findings["aws_security_group_rule.from_plan"].verdict is Verdict.UNKNOWN


def test_pcx11_group_outside_scan_is_unknown():
    e = pair_estate()
    sg(e, "a", "a")
    ref_rule(e, "outside", "a", "sg-0123456789abcdef0")
    f = only(pcx11_sg_peer_reference.evaluate(e, Settings()))
    assert f.verdict is Verdict.UNKNOWN and "sg-0123456789abcdef0" in f.missing[0]


# ---------------------------------------------------------------- CKV2_PCX_12
def test_pcx12_ipv6_route_needs_ipv6_on_both_sides():
    e = Estate("t")
    vpc(e, "a", "10.0.0.0/16", "2600:1f18:aa00::/56")
    vpc(e, "b", "10.1.0.0/16", "2600:1f18:bb00::/56")
    vpc(e, "c", "10.2.0.0/16")
    peer(e, "ab", "a", "b")
    peer(e, "ac", "a", "c")
    t = table(e, "a", "a")
    route(e, "v6_b", t, "2600:1f18:bb00::/56", "aws_vpc_peering_connection.ab")
    route(e, "v6_c", t, "2600:1f18:cc00::/56", "aws_vpc_peering_connection.ac")
    route(e, "v4_c", t, "10.2.0.0/16", "aws_vpc_peering_connection.ac")
    findings = {f.resource.address: f for f in pcx12_ipv6_peering_route.evaluate(e, Settings())}
    assert set(findings) == {"aws_route.v6_b", "aws_route.v6_c"}
    assert findings["aws_route.v6_b"].verdict is Verdict.PASSED
    bad = findings["aws_route.v6_c"]
    assert bad.verdict is Verdict.FAILED and "aws_vpc.c has no IPv6 block" in bad.message


def test_pcx12_peer_outside_scan_is_unknown():
    e = Estate("t")
    vpc(e, "a", "10.0.0.0/16", "2600:1f18:aa00::/56")
    peer(e, "ax", "a", "vpc-0outside")
    route(e, "v6", table(e, "a", "a"), "2600:1f18:cc00::/56", "aws_vpc_peering_connection.ax")
    f = only(pcx12_ipv6_peering_route.evaluate(e, Settings()))
    assert f.verdict is Verdict.UNKNOWN


# ---------------------------------------------------------------- CKV2_PCX_13
def dns_estate(cross_region: bool) -> tuple[Estate, PeeringConnection]:
    e = Estate("t")
    vpc(e, "a", "10.0.0.0/16", dns_hostnames=True)
    vpc(e, "b", "10.1.0.0/16", dns_hostnames=True, region="us-west-2" if cross_region else "us-east-1")
    p = peer(e, "ab", "a", "b", peer_region="us-west-2" if cross_region else None)
    return e, p


def test_pcx13_accepter_block_on_requester_resource_fails_across_regions():
    e, p = dns_estate(True)
    p.accepter_options = PeeringOptions(True, p.source, set_in_region="us-east-1")
    f = only(pcx13_peering_dns.evaluate(e, Settings()))
    assert f.verdict is Verdict.FAILED and "accepter {} block" in f.message
    accepter = src("aws_vpc_peering_connection_accepter.ab")
    p.accepter_options = PeeringOptions(True, accepter, set_in_region="us-west-2")
    assert only(pcx13_peering_dns.evaluate(e, Settings())).verdict is Verdict.PASSED
    options = src("aws_vpc_peering_connection_options.ab")
    p.accepter_options = PeeringOptions(True, options, set_in_region="us-east-1")
    f = only(pcx13_peering_dns.evaluate(e, Settings()))
    assert f.verdict is Verdict.FAILED and "region us-east-1" in f.message and "region us-west-2" in f.message


def test_pcx13_same_region_accepter_block_passes_but_dns_hostnames_off_fails():
    e, p = dns_estate(False)
    p.accepter_options = PeeringOptions(True, p.source)
    assert only(pcx13_peering_dns.evaluate(e, Settings())).verdict is Verdict.PASSED
    e.vpcs["aws_vpc.b"].dns_hostnames = False
    f = only(pcx13_peering_dns.evaluate(e, Settings()))
    assert f.verdict is Verdict.FAILED and "aws_vpc.b (accepter) has enable_dns_hostnames = false" in f.message


def test_pcx13_not_asked_is_not_judged_and_unknown_option_is_unknown():
    e, p = dns_estate(False)
    assert list(pcx13_peering_dns.evaluate(e, Settings())) == []
    p.requester_options = PeeringOptions(Unknown("dns option"), p.source)
    assert only(pcx13_peering_dns.evaluate(e, Settings())).verdict is Verdict.UNKNOWN


# ---------------------------------------------------------------- CKV2_PCX_14
def pmtud_estate() -> tuple[Estate, Host, SecurityGroup]:
    e = Estate("t")
    vpc(e, "east", "10.0.0.0/16")
    vpc(e, "west", "10.1.0.0/16", region="us-west-2")
    p = peer(e, "ew", "east", "west", peer_region="us-west-2")
    p.accepters.append(src("aws_vpc_peering_connection_accepter.ew"))
    t = table(e, "east", "east")
    route(e, "to_west", t, "10.1.0.0/16", "aws_vpc_peering_connection.ew")
    subnet = Subnet("aws_subnet.app", src("aws_subnet.app"), vpc="aws_vpc.east", blocks=[IPNetwork("10.0.1.0/24")],
                    route_table=t.key)
    e.subnets[subnet.key] = subnet
    g = sg(e, "app", "east")
    e.sg_rules.append(SecurityGroupRule("aws_security_group.app/ingress[0]", g.source, group=g.key,
                                        direction="ingress", protocol="tcp", from_port=443, to_port=443,
                                        cidrs=[IPNetwork("10.1.0.0/16")]))
    host = Host("aws_instance.app", src("aws_instance.app"), subnets=[subnet.key], security_groups=[g.key],
                user_data="ip link set dev eth0 mtu 9001", interface_mtu=9001)
    e.hosts[host.key] = host
    return e, host, g


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


# ---------------------------------------------------------------- settings for these rules
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
