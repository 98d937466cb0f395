"""Hand-built estates for the reachability tests (no loader involved)."""

from __future__ import annotations

from estate_builder import EstateBuilder, src
from netaddr import IPNetwork

from pcxguard.model import Host, NetworkAcl, NetworkAclRule, SecurityGroupRule


def pair(*, back_route: bool = True, accepted: bool = True, region_b: str = "us-east-1",
         dst_port: int = 5432) -> EstateBuilder:
    """app (10.0.1.0/24 in vpc a) -> db (10.1.1.0/24 in vpc b) over aws_vpc_peering_connection.ab."""
    b = EstateBuilder()
    b.vpc("aws_vpc.a", "10.0.0.0/16")
    b.vpc("aws_vpc.b", "10.1.0.0/16", region=region_b)
    b.peering("aws_vpc_peering_connection.ab", "aws_vpc.a", "aws_vpc.b", auto_accept=True if accepted else None,
              peer_region=region_b if region_b != "us-east-1" else None)
    if region_b != "us-east-1" and accepted:
        b.estate.peerings["aws_vpc_peering_connection.ab"].auto_accept = None
        b.estate.peerings["aws_vpc_peering_connection.ab"].accepters.append(src("aws_vpc_peering_connection_accepter.ab"))
    b.table("aws_route_table.a", "aws_vpc.a")
    b.table("aws_route_table.b", "aws_vpc.b")
    b.route("aws_route.a_to_b", "aws_route_table.a", "10.1.0.0/16", "aws_vpc_peering_connection.ab")
    if back_route:
        b.route("aws_route.b_to_a", "aws_route_table.b", "10.0.0.0/16", "aws_vpc_peering_connection.ab")
    b.subnet("aws_subnet.app", "aws_vpc.a", "10.0.1.0/24", table="aws_route_table.a")
    b.subnet("aws_subnet.db", "aws_vpc.b", "10.1.1.0/24", table="aws_route_table.b")
    b.group("aws_security_group.app", "aws_vpc.a")
    b.group("aws_security_group.db", "aws_vpc.b")
    b.estate.sg_rules.append(SecurityGroupRule("aws_security_group.app/egress[0]", src("aws_security_group.app"),
                                               group="aws_security_group.app", direction="egress", protocol="-1",
                                               from_port=0, to_port=0, cidrs=[IPNetwork("0.0.0.0/0")]))
    b.estate.sg_rules.append(SecurityGroupRule("aws_security_group_rule.db_in", src("aws_security_group_rule.db_in"),
                                               group="aws_security_group.db", direction="ingress", protocol="tcp",
                                               from_port=dst_port, to_port=dst_port, cidrs=[IPNetwork("10.0.0.0/16")]))
    app = Host("aws_instance.app", src("aws_instance.app"), subnets=["aws_subnet.app"],
               security_groups=["aws_security_group.app"])
    db = Host("aws_instance.db", src("aws_instance.db"), subnets=["aws_subnet.db"],
              security_groups=["aws_security_group.db"])
    b.estate.hosts[app.key] = app
    b.estate.hosts[db.key] = db
    return b


def acl(b: EstateBuilder, key: str, vpc: str, subnets: list[str], rules: list[tuple]) -> NetworkAcl:
    """rules: (egress, number, action, protocol, cidr, from_port, to_port)."""
    found = NetworkAcl(key, src(key), vpc=vpc, subnets=list(subnets))
    for egress, number, action, protocol, cidr, lo, hi in rules:
        found.rules.append(NetworkAclRule(egress, number, action, protocol, IPNetwork(cidr), declared_by=src(key),
                                          from_port=lo, to_port=hi))
    b.estate.network_acls[key] = found
    for name in subnets:
        b.estate.subnets[name].network_acl = key
    return found
