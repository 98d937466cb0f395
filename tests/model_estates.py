"""Estates built element by element from the model (no loader, no builder object): the second
builder style of the per-check unit tests (tests/test_pcxN_<topic>.py), and helpers they share."""

from __future__ import annotations

from netaddr import IPNetwork

from pcxguard.model import (
    CidrBlock, Estate, Host, PeeringConnection, Route, RouteTable,
    SecurityGroup, SecurityGroupRule, Source, Subnet, Vpc,
)


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
