"""The inventory of known VPCs (``inventory:`` in the configuration) -> elements of an Estate.

Code often peers with a VPC it does not declare (``peer_vpc_id = "vpc-0a1b..."``).
The inventory describes such VPCs, their route tables, subnets and security
groups, so the rules can judge what was "cannot tell". Inventory elements are
keyed by their AWS ids, which is how literal references in the scanned code
name them; their ``Source`` has kind ``"inventory"`` and points at the entry in
the configuration file. Anything the scan itself declares wins: an inventory
VPC whose id a scanned VPC already has is left out.

The entries feed the same family mappers as the loaders (``pcxguard.mapping``).
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
    Estate,
    LoadProblem,
    Placed,
    Route,
    Source,
    Unknown,
    Vpc,
)
from pcxguard.mapping import routing, security_groups, vpcs
from pcxguard.mapping.common import Origin
from pcxguard.values import parse_cidr

KIND = "inventory"

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

    def origin(self, source: Source) -> Origin:
        """An inventory entry as the origin of facts: its values are read already (``_network``)."""
        def report(message: str, fails_closed: bool = True) -> None:
            self.estate.problems.append(LoadProblem(self.file or "", message, source.address, None, fails_closed))
        return Origin(source, source.address, report)

    def vpc(self, entry: dict[str, Any], path: tuple) -> None:
        vpc_id = entry["id"]
        source = self.source("aws_vpc", vpc_id, path)
        blocks = [(vpcs.BlockFacts(_network(text)), "primary" if i == 0 else "secondary")
                  for i, text in enumerate(entry.get("cidr_blocks") or [])]
        blocks += [(vpcs.BlockFacts(_network(text)), "ipv6") for text in entry.get("ipv6_cidr_blocks") or []]
        hint = f"add {{}} to {vpc_id} in the inventory in {self.file or '.pcxguard.yaml'}"
        listed = f"the inventory entry of {vpc_id} in {os.path.basename(self.file or '.pcxguard.yaml')}"
        vpc = vpcs.map_vpc(
            self.estate, vpc_id, self.origin(source), aws_id=vpc_id,
            region=_placed(entry.get("region"), listed) or Unknown(f"the region of {vpc_id}", hint.format("region")),
            account=_placed(entry.get("account"), listed) or Unknown(f"the account of {vpc_id}",
                                                                     hint.format("account")),
            blocks=blocks,
        )
        for ref in [b.network for b in vpc.blocks if isinstance(b.network, Unknown)]:
            self.estate.problems.append(LoadProblem(self.file or "", f"{vpc_id}: {ref.what}: {ref.hint}"))

        tables = entry.get("route_tables")
        table_of_subnet: dict[str, str] = {}
        if tables is None:
            self._unknown_routes(vpc, path)
        for t_index, table in enumerate(tables or []):
            t_path = path + ("route_tables", t_index)
            placeholder = self.estate.route_tables.get(table["id"])
            rtb = routing.new_route_table(self.estate, table["id"], self.source("aws_route_table", table["id"], t_path),
                                          vpc=vpc_id, aws_id=table["id"], is_main=bool(table.get("main")))
            rtb.subnets = list(table.get("subnets") or [])
            for r_index, route in enumerate(table.get("routes") or []):
                key = f"{table['id']}/route[{r_index}]"
                rtb.routes.append(routing.listed_route(
                    self.estate, key, self.source("aws_route", key, t_path + ("routes", r_index)), table["id"],
                    _network(route["destination"]), route["target"]))
            for subnet_id in rtb.subnets:
                table_of_subnet[subnet_id] = table["id"]
            if placeholder is not None and placeholder.implicit:
                # routes the scan adds to this table (it names the table by its id): keep them
                rtb.routes.extend(placeholder.routes)
        for s_index, subnet in enumerate(entry.get("subnets") or []):
            blocks_of_subnet = [(_network(subnet["cidr_block"]), "cidr_block")]
            if subnet.get("ipv6_cidr_block"):
                blocks_of_subnet.append((_network(subnet["ipv6_cidr_block"]), "ipv6_cidr_block"))
            s_source = self.source("aws_subnet", subnet["id"], path + ("subnets", s_index))
            vpcs.new_subnet(self.estate, subnet["id"], self.origin(s_source), vpc=vpc_id, aws_id=subnet["id"],
                            blocks=blocks_of_subnet).route_table = table_of_subnet.get(subnet["id"])
        for g_index, group in enumerate(entry.get("security_groups") or []):
            g_source = self.source("aws_security_group", group["id"], path + ("security_groups", g_index))
            security_groups.new_group(self.estate, group["id"], self.origin(g_source), vpc=vpc_id, aws_id=group["id"])

    def _unknown_routes(self, vpc: Vpc, path: tuple) -> None:
        """Routes not listed: a main table whose content is unknown, so route checks cannot tell."""
        key = f"{vpc.key}#main"
        table = routing.implicit_main_table(
            self.estate, vpc, key, self.source("aws_route_table", f"main route table of {vpc.key}", path))
        table.routes.append(Route(
            key=f"{key}/unlisted",
            holder=table.source,
            route_table=key,
            target_kind="unknown",
            target=Unknown(f"the routes of {vpc.key}",
                           f"list its route_tables in the inventory in {self.file or '.pcxguard.yaml'}"),
        ))


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
