"""Routing: facts -> ``RouteTable``, ``Route`` and subnet associations.

One translation for every format: a route's destination is its first CIDR attribute that is set
(validated), else the prefix list it names (whose entries the scan cannot know); its target is the
first target attribute that is set, as one of ``TARGET_KINDS`` (``gateway_id = "local"`` is the local
route); a target written as an id is of the kind its prefix says (``kind_of_id``). A route on a table
the scan does not declare still gets a table (``table_outside_scan``), with its VPC Unknown, so it is
judged and never dropped; the main table AWS creates for a VPC is ``implicit_main_table``.
"""

from __future__ import annotations

from typing import Any, Iterable

from netaddr import IPNetwork

from pcxguard.mapping.common import Origin, network
from pcxguard.model import Estate, Route, RouteTable, Source, Subnet, Unknown, Vpc

# the kinds of route target, in the order a route's target attributes are read (the first set one wins)
TARGET_KINDS = (
    "vpc_peering_connection", "gateway", "nat_gateway", "transit_gateway", "network_interface",
    "egress_only_gateway", "vpc_endpoint", "carrier_gateway", "local_gateway", "core_network", "instance",
)

# a target named by its AWS id: the kind its prefix says
_ID_PREFIXES = {
    "pcx-": "vpc_peering_connection",
    "igw-": "gateway",
    "vgw-": "gateway",
    "nat-": "nat_gateway",
    "tgw-": "transit_gateway",
    "eni-": "network_interface",
    "vpce-": "vpc_endpoint",
    "eigw-": "egress_only_gateway",
}

OUTSIDE_SCAN_HINT = ("if its VPC is outside the scan, list the table under that VPC in the inventory "
                     "(inventory: vpcs: route_tables)")


def kind_of_id(estate: Estate, target: str) -> str:
    """The kind of a target given as an id (or the key of a peering in the scan); "other" when unsure."""
    if target == "local":
        return "local"
    if target in estate.peerings:  # the address of a peering in the scan, not created yet
        return "vpc_peering_connection"
    for prefix, kind in _ID_PREFIXES.items():
        if target.startswith(prefix):
            return kind
    return "other"


def new_route_table(estate: Estate, key: str, source: Source, *, vpc: Any, aws_id: Any = None,
                    is_main: bool = False) -> RouteTable:
    table = RouteTable(key, source, vpc=vpc, aws_id=aws_id, is_main=is_main)
    estate.route_tables[key] = table
    return table


def new_route(key: str, origin: Origin, table: Any, *, destinations: Iterable[tuple[Any, str, int]],
              prefix_list: Any = None, prefix_link: Any = None,
              targets: Iterable[tuple[str, Any, Any]] = ()) -> Route:
    """A route declared by ``origin`` on ``table`` (a key, placed later by ``place``).

    ``destinations``: ``(value, attribute, family)`` in the order the format reads them (the first set one
    is the destination); ``prefix_list``: the prefix list as written (``prefix_link`` as a link);
    ``targets``: ``(kind, value as written, value as a link)`` of each target attribute that is set, in
    ``TARGET_KINDS`` order (only the first is read: give a generator to read no more than needed)."""
    route = Route(key, origin.source, route_table=table)
    for value, attribute, version in destinations:
        if value not in (None, ""):
            route.destination = network(origin, value, attribute)
            route.version = version
            break
    if prefix_list not in (None, "") and route.destination is None:
        route.prefix_list = prefix_link
        route.destination = Unknown(f"the entries of prefix list {prefix_list}",
                                    "use CIDR destinations for peering routes")
    for kind, value, link in targets:
        if kind == "gateway" and value == "local":
            route.target_kind, route.target = "local", "local"
        else:
            route.target_kind, route.target = kind, link
        break
    return route


def listed_route(estate: Estate, key: str, holder: Source, table: str, destination: Any, target: str) -> Route:
    """A route listed by id (the inventory): its destination already read, its target's kind from the id."""
    return Route(key=key, holder=holder, route_table=table, destination=destination,
                 target_kind=kind_of_id(estate, target), target=target,
                 version=destination.version if isinstance(destination, IPNetwork) else None)


def place(route: Route, table: RouteTable) -> None:
    """``route`` on ``table``."""
    route.route_table = table.key
    table.routes.append(route)


def table_outside_scan(estate: Estate, ref: Any, *, kind: str, name: str, fallback_key: str, scanned: str,
                       declarer: str, unknown_hint: str) -> RouteTable:
    """The table a route of ``name`` is on when the scan does not declare it (a literal id, a parameter,
    an inventory table), so the route is still judged: a placeholder whose VPC is unknown, which the
    estate reports as a gap in the routes of the VPCs the route's peering joins. Keyed by ``ref`` when it
    is an id, else ``fallback_key``. ``scanned`` / ``declarer`` word the hint ("code" / "the code"),
    ``unknown_hint`` is the hint when the link itself is unknown and says none."""
    key = ref if isinstance(ref, str) else fallback_key
    table = estate.route_tables.get(key)
    if table is None:
        what = f"route table {ref}" if isinstance(ref, str) else f"the route table of {name}"
        if isinstance(ref, Unknown):  # the table may well be declared: its link is what is unknown
            vpc = Unknown(f"which route table {name} is on: {ref.what}", ref.hint or unknown_hint)
        else:
            vpc = Unknown(f"{what} is not declared in the scanned {scanned}",
                          f"scan {declarer} that declares it; {OUTSIDE_SCAN_HINT}")
        table = RouteTable(key, Source(kind, "route table", what), implicit=True, vpc=vpc)
        estate.route_tables[key] = table
    return table


def implicit_main_table(estate: Estate, vpc: Vpc, key: str, source: Source | None = None) -> RouteTable:
    """The main route table AWS creates with ``vpc`` (declared nowhere): by default placed where the VPC is."""
    if source is None:
        source = Source(vpc.source.kind, "main route table", f"main route table of {vpc.key}", vpc.source.file,
                        vpc.source.start_line, vpc.source.end_line)
    table = RouteTable(key, source, vpc=vpc.key, is_main=True, implicit=True)
    estate.route_tables[key] = table
    return table


def associate(subnet: Subnet, table: RouteTable | None, ref: Any) -> None:
    """``subnet`` explicitly on the table ``ref`` names: ``table`` when the scan has it, else the link."""
    subnet.route_table = table.key if table is not None else ref
    if table is not None:
        table.subnets.append(subnet.key)
