"""Small helpers to build estates by hand in unit tests (no loader involved)."""

from __future__ import annotations

from netaddr import IPNetwork

from pcxguard.model import (
    CidrBlock,
    Estate,
    Host,
    PeeringConnection,
    Route,
    RouteTable,
    SecurityGroup,
    SecurityGroupRule,
    Source,
    Subnet,
    Unknown,
    Vpc,
)


def src(address: str) -> Source:
    return Source("terraform_plan", address.split(".")[-2] if "." in address else address, address, "plan.json")


class EstateBuilder:
    def __init__(self) -> None:
        self.estate = Estate("test")

    def vpc(self, key: str, *blocks: str, region: str | Unknown = "us-east-1", aws_id: str | None = None,
            unknown: tuple[str, ...] = ()) -> Vpc:
        vpc = Vpc(key, src(key), aws_id=aws_id, region=region, account="111111111111",
                  created=aws_id is None)  # a plan's VPC (src) with no id yet is one the plan creates
        for i, block in enumerate(blocks):
            network = IPNetwork(block)
            role = "ipv6" if network.version == 6 else ("primary" if i == 0 else "secondary")
            vpc.blocks.append(CidrBlock(network, role, src(key if role != "secondary" else f"{key}_assoc{i}")))
        for what in unknown:
            vpc.blocks.append(CidrBlock(Unknown(what, "hint"), "secondary", src(f"{key}_pending")))
        self.estate.vpcs[key] = vpc
        return vpc

    def peering(self, key: str, requester, accepter, **kwargs) -> PeeringConnection:
        peering = PeeringConnection(key, src(key), requester_vpc=requester, accepter_vpc=accepter,
                                    region=kwargs.pop("region", "us-east-1"), **kwargs)
        self.estate.peerings[key] = peering
        return peering

    def table(self, key: str, vpc: str, main: bool = False) -> RouteTable:
        table = RouteTable(key, src(key), vpc=vpc, is_main=main)
        self.estate.route_tables[key] = table
        return table

    def route(self, key: str, table: str, destination, target: str | Unknown | None,
              kind: str = "vpc_peering_connection") -> Route:
        dest = IPNetwork(destination) if isinstance(destination, str) else destination
        route = Route(key, src(key), route_table=table, destination=dest, target_kind=kind, target=target)
        self.estate.route_tables[table].routes.append(route)
        return route

    def subnet(self, key: str, vpc: str, block: str, table: str | None = None) -> Subnet:
        subnet = Subnet(key, src(key), vpc=vpc, blocks=[IPNetwork(block)], route_table=table)
        self.estate.subnets[key] = subnet
        return subnet

    def group(self, key: str, vpc) -> SecurityGroup:
        group = SecurityGroup(key, src(key), vpc=vpc)
        self.estate.security_groups[key] = group
        return group

    def rule(self, key: str, group: str, referenced, direction: str = "ingress") -> SecurityGroupRule:
        rule = SecurityGroupRule(key, src(key), group=group, direction=direction, referenced_group=referenced)
        self.estate.sg_rules.append(rule)
        return rule

    def host(self, key: str, subnets=(), mtu=None, pins=()) -> Host:
        host = Host(key, src(key), subnets=list(subnets), interface_mtu=mtu, route_mtu_pins=list(pins))
        self.estate.hosts[key] = host
        return host

    def done(self) -> Estate:
        self.estate.reindex()
        return self.estate
