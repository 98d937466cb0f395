"""The inventory of known VPCs (``inventory:`` in the configuration) -> elements of an Estate.

Code often peers with a VPC it does not declare (``peer_vpc_id = "vpc-0a1b..."``).
The inventory describes such VPCs, their route tables, subnets and security
groups, so the rules can judge what was "cannot tell". Inventory elements are
keyed by their AWS ids, which is how literal references in the scanned code
name them; their ``Source`` has kind ``"inventory"`` and points at the entry in
the configuration file. Anything the scan itself declares wins: an inventory
VPC whose id a scanned VPC already has is left out.

A VPC without ``route_tables`` has routes pcxguard does not know (route checks
say "cannot tell"); ``route_tables: []`` means only the main table with its
local route.
"""

from __future__ import annotations

import os
from typing import Any

from netaddr import AddrFormatError, IPNetwork

from pcxguard.config import Config
from pcxguard.model import (
    CidrBlock,
    Estate,
    LoadProblem,
    Placed,
    Route,
    RouteTable,
    SecurityGroup,
    Source,
    Subnet,
    Unknown,
    Vpc,
)
from pcxguard.values import parse_cidr

KIND = "inventory"

_TARGET_KINDS = {
    "pcx-": "vpc_peering_connection",
    "igw-": "gateway",
    "vgw-": "gateway",
    "nat-": "nat_gateway",
    "tgw-": "transit_gateway",
    "eni-": "network_interface",
    "vpce-": "vpc_endpoint",
    "eigw-": "egress_only_gateway",
}


def _target_kind(estate: Estate, target: str) -> str:
    if target == "local":
        return "local"
    if target in estate.peerings:  # the address of a peering in the scan, not created yet
        return "vpc_peering_connection"
    for prefix, kind in _TARGET_KINDS.items():
        if target.startswith(prefix):
            return kind
    return "other"


def _network(text: str) -> IPNetwork | Unknown:
    try:
        return parse_cidr(text)  # exactly a CIDR block, like every loader's values
    except (AddrFormatError, ValueError, TypeError) as error:
        return Unknown(f"CIDR block {text!r} ({error})", "it is not a valid CIDR block")


class _Merger:
    def __init__(self, estate: Estate, config: Config) -> None:
        self.estate = estate
        self.config = config
        self.file = os.path.relpath(config.path) if config.path else None

    def source(self, resource_type: str, address: str, path: tuple) -> Source:
        line = self.config.lines.get(path)
        return Source(KIND, resource_type, address, self.file, line, line)

    def merge(self) -> None:
        known_ids = {v.aws_id for v in self.estate.vpcs.values() if isinstance(v.aws_id, str)}
        for index, entry in enumerate(self.config.inventory.get("vpcs") or []):
            vpc_id = entry["id"]
            if vpc_id in known_ids or vpc_id in self.estate.vpcs:
                continue
            self.vpc(entry, ("inventory", "vpcs", index))

    def vpc(self, entry: dict[str, Any], path: tuple) -> None:
        vpc_id = entry["id"]
        source = self.source("aws_vpc", vpc_id, path)
        blocks = [
            CidrBlock(_network(text), "primary" if i == 0 else "secondary", source)
            for i, text in enumerate(entry.get("cidr_blocks") or [])
        ] + [CidrBlock(_network(text), "ipv6", source) for text in entry.get("ipv6_cidr_blocks") or []]
        hint = f"add {{}} to {vpc_id} in the inventory in {self.file or '.pcxguard.yaml'}"
        listed = f"the inventory entry of {vpc_id} in {os.path.basename(self.file or '.pcxguard.yaml')}"
        vpc = Vpc(
            key=vpc_id,
            source=source,
            aws_id=vpc_id,
            region=_placed(entry.get("region"), listed) or Unknown(f"the region of {vpc_id}", hint.format("region")),
            account=_placed(entry.get("account"), listed) or Unknown(f"the account of {vpc_id}",
                                                                     hint.format("account")),
            blocks=blocks,
        )
        self.estate.vpcs[vpc_id] = vpc
        for ref in [b.network for b in blocks if isinstance(b.network, Unknown)]:
            self.estate.problems.append(LoadProblem(self.file or "", f"{vpc_id}: {ref.what}: {ref.hint}"))

        tables = entry.get("route_tables")
        table_of_subnet: dict[str, str] = {}
        if tables is None:
            self._unknown_routes(vpc, path)
        for t_index, table in enumerate(tables or []):
            t_path = path + ("route_tables", t_index)
            t_source = self.source("aws_route_table", table["id"], t_path)
            rtb = RouteTable(key=table["id"], source=t_source, vpc=vpc_id, aws_id=table["id"],
                             is_main=bool(table.get("main")), subnets=list(table.get("subnets") or []))
            for r_index, route in enumerate(table.get("routes") or []):
                destination = _network(route["destination"])
                target = route["target"]
                rtb.routes.append(Route(
                    key=f"{table['id']}/route[{r_index}]",
                    holder=self.source("aws_route", f"{table['id']}/route[{r_index}]", t_path + ("routes", r_index)),
                    route_table=table["id"],
                    destination=destination,
                    target_kind=_target_kind(self.estate, target),
                    target=target,
                    version=destination.version if isinstance(destination, IPNetwork) else None,
                ))
            for subnet_id in rtb.subnets:
                table_of_subnet[subnet_id] = table["id"]
            placeholder = self.estate.route_tables.get(table["id"])
            if placeholder is not None and placeholder.implicit:
                # routes the scan adds to this table (it names the table by its id): keep them
                rtb.routes.extend(placeholder.routes)
            self.estate.route_tables[table["id"]] = rtb
        for s_index, subnet in enumerate(entry.get("subnets") or []):
            blocks_of_subnet = [_network(subnet["cidr_block"])]
            if subnet.get("ipv6_cidr_block"):
                blocks_of_subnet.append(_network(subnet["ipv6_cidr_block"]))
            self.estate.subnets[subnet["id"]] = Subnet(
                key=subnet["id"],
                source=self.source("aws_subnet", subnet["id"], path + ("subnets", s_index)),
                vpc=vpc_id,
                aws_id=subnet["id"],
                blocks=blocks_of_subnet,
                route_table=table_of_subnet.get(subnet["id"]),
            )
        for g_index, group in enumerate(entry.get("security_groups") or []):
            self.estate.security_groups[group["id"]] = SecurityGroup(
                key=group["id"],
                source=self.source("aws_security_group", group["id"], path + ("security_groups", g_index)),
                vpc=vpc_id,
                aws_id=group["id"],
            )

    def _unknown_routes(self, vpc: Vpc, path: tuple) -> None:
        """Routes not listed: a main table whose content is unknown, so route checks cannot tell."""
        key = f"{vpc.key}#main"
        table = RouteTable(key=key, source=self.source("aws_route_table", f"main route table of {vpc.key}", path),
                           vpc=vpc.key, is_main=True, implicit=True)
        table.routes.append(Route(
            key=f"{key}/unlisted",
            holder=table.source,
            route_table=key,
            target_kind="unknown",
            target=Unknown(f"the routes of {vpc.key}",
                           f"list its route_tables in the inventory in {self.file or '.pcxguard.yaml'}"),
        ))
        self.estate.route_tables[key] = table


def merge_inventory(estate: Estate, config: Config) -> Estate:
    """``estate`` with the configuration's inventory added: a new frozen estate when there is one
    (the loaded estate stays as it is: it may be cached), else ``estate`` itself."""
    if config.inventory.get("vpcs"):
        estate = estate.thawed()
        _Merger(estate, config).merge()
    return estate.freeze()


def _placed(value: Any, source: str) -> Any:
    """An inventory region or account, with where it was learnt."""
    return Placed(str(value), source) if isinstance(value, (str, int)) and not isinstance(value, bool) \
        and str(value) else None
