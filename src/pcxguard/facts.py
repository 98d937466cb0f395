"""Facts about an estate that several rules need, worked out in one place.

A rule never imports another rule: what two rules both need to know lives here, as a named function
of the model (a route's context, the range a table serves, the peer tables that must route back, the
routes back, whether a peering crosses accounts or regions, the route tables a host uses and the
inter-region routes among them). Each answer is a value or the list of what is missing to know it
("cannot tell"), never a verdict. Facts that every route of a table shares are worked out once per
estate through ``Estate.derived``, keyed by element keys (never ``id()``). Nothing here reads a file
or knows an input format; tests/test_facts.py tests each function on small estates.
"""

from __future__ import annotations

from netaddr import IPNetwork, IPSet

from pcxguard.model import (
    Estate,
    Host,
    Maybe,
    PeeringConnection,
    PeeringRequest,
    Route,
    RouteTable,
    Source,
    Subnet,
    Unknown,
    Vpc,
    is_known,
    place_text,
    same,
)

INVENTORY_HINT = (
    "add it to the inventory of known VPCs in .pcxguard.yaml "
    "(id, cidr_blocks, region, account, route_tables, security_groups)"
)


def missing_vpc(estate: Estate, ref: Maybe[str] | None, role: str) -> str:
    """Why a VPC reference does not resolve, and how to fix that. ``role`` may start with "the "."""
    the = "" if role.startswith("the ") else "the "
    if ref is None:
        return f"{the}{role} VPC is not set"
    if isinstance(ref, Unknown):
        return f"{the}{role} VPC: {ref.describe()}"
    if not ref.startswith("vpc-"):  # a resource address: declared, perhaps, but not read by this scan
        return f"{the}{role} VPC {ref} is not in the scan; scan the code that declares it, or {INVENTORY_HINT}"
    return f"{the}{role} VPC {ref} is not declared in the scanned code; {INVENTORY_HINT}"


# --------------------------------------------------------------------------- routes over a peering


def peering_route_context(
    estate: Estate, route: Route
) -> tuple[RouteTable, Vpc, PeeringConnection] | list[str]:
    """A route's table, the table's VPC and the peering it targets, or what is missing to know them
    (CKV2_PCX_2, 6, 7 and 12 ask)."""
    return estate.derived(("peering_route_context", route.route_table, route.key),
                          lambda: _route_context(estate, route))


def _route_context(estate: Estate, route: Route) -> tuple[RouteTable, Vpc, PeeringConnection] | list[str]:
    table = estate.route_table(route.route_table)
    if table is None:
        return [f"the route table of {route.holder.address} is not known"]
    vpc = estate.table_vpc(table)
    if vpc is None:
        return [missing_vpc(estate, table.vpc, f"{table.source.address}'s")]
    if route.target is None or not is_known(route.target):
        what = route.target.describe() if isinstance(route.target, Unknown) else "not set"
        return [f"which peering connection {route.holder.address} targets: {what}"]
    peering = estate.peering(route.target)
    if peering is None:
        where = "is not declared in the scanned code" if str(route.target).startswith("pcx-") else "is not in the scan"
        return [
            f"peering connection {route.target} {where}; scan the code that declares it, or add both VPCs to the "
            "inventory in .pcxguard.yaml"
        ]
    return table, vpc, peering


def served_range(estate: Estate, table: RouteTable, vpc: Vpc, version: int) -> tuple[IPSet, list[str], str]:
    """The addresses whose traffic ``table`` routes: its subnets' blocks, else the VPC's blocks.

    Returns (known range, what is unknown, description of where the range comes from).
    """
    subnets = estate.subnets_using(table)
    unknown: list[str] = []
    if subnets:
        networks = []
        for subnet in subnets:
            for block in subnet.blocks:
                if not is_known(block):
                    unknown.append(f"CIDR block of {subnet.source.address}: {block.describe()}")
                elif block.version == version:
                    networks.append(block)
        names = ", ".join(s.source.address for s in subnets)
        return IPSet(networks), unknown, f"the subnets using {table.source.address}: {names}"
    for block in vpc.unknown_blocks(version):
        unknown.append(f"{block.role} block of {vpc.source.address}: {block.network.describe()}")
    return vpc.known_set(version), unknown, f"the blocks of {vpc.source.address}"


def shared_served_range(estate: Estate, table: RouteTable, vpc: Vpc, version: int) -> tuple[IPSet, list[str], str]:
    """``served_range`` worked out once per estate for each (table, VPC, family): every route of a
    table asks the same."""
    return estate.derived(("served_range", table.key, vpc.key, version),
                          lambda: served_range(estate, table, vpc, version))


def peer_tables(estate: Estate, peer: Vpc, destination: IPNetwork | None) -> tuple[list[RouteTable], list[str]]:
    """The peer VPC's tables that must route back: those of its subnets inside the destination (all
    of its subnets without one); a subnet with no table of its own uses the main table."""
    unknown: list[str] = []
    tables: list[RouteTable] = []
    subnets = estate.subnets_of(peer)
    if destination is not None:
        subnets = [subnet for subnet in subnets if reached(subnet, destination)]
    for subnet in subnets:
        table = estate.table_of_subnet(subnet)
        if isinstance(table, Unknown):
            unknown.append(f"route table of {subnet.source.address}: {table.describe()}")
            continue
        if table is None:
            table = implicit_main_table(estate, peer)  # every subnet without a table uses the one main table
        if all(t.key != table.key for t in tables):
            tables.append(table)
    if not subnets:
        tables = list(estate.tables_of(peer)) or [implicit_main_table(estate, peer)]
    return tables, unknown


def reached(subnet: Subnet, destination: IPNetwork) -> bool:
    """Whether a route to ``destination`` reaches some of ``subnet``: one of its known blocks of that family
    lies inside the destination, or holds it."""
    return any(is_known(block) and block.version == destination.version and (block in destination or destination in block)
               for block in subnet.blocks)


def shared_peer_tables(estate: Estate, peer: Vpc, destination: IPNetwork | None
                       ) -> tuple[list[RouteTable], list[str]]:
    """``peer_tables`` worked out once per estate for each (peer, destination)."""
    return estate.derived(("peer_tables", peer.key, destination), lambda: peer_tables(estate, peer, destination))


def implicit_main_table(estate: Estate, vpc: Vpc) -> RouteTable:
    """The VPC's main route table: the declared one, else the one AWS creates with every VPC, which,
    undeclared, has only the local route (VPC User Guide, route tables)."""
    table = estate.main_table(vpc)
    if table is not None:
        return table
    return RouteTable(
        key=f"{vpc.key}#main",
        source=Source(vpc.source.kind, "main route table", f"main route table of {vpc.source.address}", vpc.source.file,
                      vpc.source.start_line, vpc.source.end_line),
        vpc=vpc.key,
        is_main=True,
        implicit=True,
    )


def routes_back(estate: Estate, table: RouteTable, peering: PeeringConnection, version: int
                ) -> tuple[list[IPNetwork], bool]:
    """The destinations ``table`` sends over ``peering`` in this family, and whether some route's
    part is unknown. One pass over the table answers for every peering."""
    by_peering, unsure, anywhere = estate.derived(
        ("routes_back", table.key, version), lambda: _routes_back_index(estate, table, version))
    return by_peering.get(peering.key, []), anywhere or peering.key in unsure


def _routes_back_index(estate: Estate, table: RouteTable, version: int
                       ) -> tuple[dict[str, list[IPNetwork]], set[str], bool]:
    by_peering: dict[str, list[IPNetwork]] = {}
    unsure: set[str] = set()
    anywhere = False  # a route whose target is unknown could be over any peering
    for route in table.routes:
        if route.family not in (version, None):
            continue
        if not route.via_peering:
            anywhere = anywhere or route.target_kind == "unknown"
            continue
        if route.target is None or not is_known(route.target):
            anywhere = True
            continue
        over = estate.peering(route.target)
        if over is None:
            continue
        if route.destination is not None and is_known(route.destination) and route.conditional is None:
            by_peering.setdefault(over.key, []).append(route.destination)
        else:
            unsure.add(over.key)  # its destination, or whether it exists at all, is not known
    return by_peering, unsure, anywhere


# --------------------------------------------------------------------------- sides of a peering


def own_place(peering: PeeringConnection, requester: Vpc | None, what: str) -> Maybe[str]:
    """The region or account a peering request is made in: the request's own, else its requester VPC's
    (the requester VPC is in the request's region and account)."""
    own: Maybe[str] = peering.region if what == "region" else peering.account
    if not isinstance(own, str) and requester is not None and isinstance(getattr(requester, what), str):
        own = getattr(requester, what)
    return own


def requested_place(peering: PeeringConnection, requester: Vpc | None, what: str) -> tuple[Maybe[str], bool]:
    """The region or account a peering request names for its accepter VPC, as the request writes it
    (``peer_region`` / ``peer_owner_id``, before any loader inferred the peer's place), and whether the
    request states it: unset, AWS looks in the request's own region or account (CKV2_PCX_1, 16)."""
    request = peering.request or PeeringRequest(peering.peer_region, peering.peer_owner_id)
    stated = request.peer_region if what == "region" else request.peer_owner_id
    if stated is not None:
        return stated, True
    return own_place(peering, requester, what), False


def crossing(estate: Estate, peering: PeeringConnection) -> tuple[bool | None, list[str], list[str]]:
    """Whether a peering crosses accounts or regions: (True/False/None when unknown, how it crosses,
    what is unknown). An unset peer owner or peer region means the requester's own (CKV2_PCX_8, 13)."""
    how: list[str] = []
    unknown: list[str] = []
    for what, (mine, theirs), unset in (("account", estate.peering_accounts(peering), peering.peer_owner_id is None),
                                        ("region", estate.peering_regions(peering), peering.peer_region is None)):
        verdict = same(mine, theirs)  # "the account of provider aws" is the same account as itself
        if verdict is False:
            how.append(f"{what} {place_text(mine)} to {what} {place_text(theirs)}")
        elif verdict is None and not unset:  # unset: the accepter is in the requester's account / region
            unknown.extend(f"the {role} {what}: {v.describe()}" for role, v in (("requester", mine), ("accepter", theirs))
                           if isinstance(v, Unknown))
    if how:
        return True, how, unknown
    return (None if unknown else False), how, unknown


# --------------------------------------------------------------------------- hosts


def host_tables(estate: Estate, host: Host) -> tuple[list[tuple[RouteTable, Vpc]], list[str]]:
    """The route tables a host's traffic uses: its subnets' tables, else every table of its VPC."""
    tables: list[tuple[RouteTable, Vpc]] = []
    unknown: list[str] = []
    subnets_known = bool(host.subnets)
    for ref in host.subnets:
        subnet = estate.subnet(ref) if is_known(ref) else None
        if subnet is None:
            subnets_known = False
            unknown.append(f"subnet of {host.source.address}: "
                           + (ref.describe() if isinstance(ref, Unknown) else f"{ref} is outside the scan"))
            continue
        vpc = estate.vpc(subnet.vpc)
        table = estate.table_of_subnet(subnet)
        if vpc is None:
            unknown.append(missing_vpc(estate, subnet.vpc, f"{subnet.source.address}'s"))
        elif isinstance(table, Unknown):
            unknown.append(f"route table of {subnet.source.address}: {table.describe()}")
        elif table is not None:
            tables.append((table, vpc))
    if subnets_known:
        return tables, unknown
    for host_vpc in estate.host_vpcs(host):
        if isinstance(host_vpc, Vpc):
            tables.extend((t, host_vpc) for t in estate.tables_of(host_vpc))
            unknown = [u for u in unknown if "subnet" not in u]
    if not tables and not unknown:
        unknown.append(f"the VPC of {host.source.address}: set its subnet or security groups")
    return tables, unknown


def host_subnets_resolved(estate: Estate, host: Host) -> bool:
    """Whether every subnet of the host is in the scan (so its tables are known, not guessed)."""
    return bool(host.subnets) and all(is_known(ref) and estate.subnet(ref) is not None for ref in host.subnets)


def host_vpc_refs(estate: Estate, host: Host, tables: list[tuple[RouteTable, Vpc]]) -> list[Vpc]:
    """The VPCs whose route sets decide a host's tables: those of its tables, its subnets, its groups."""
    found: dict[str, Vpc] = {vpc.key: vpc for _, vpc in tables}
    for vpc in estate.host_vpcs(host):
        if isinstance(vpc, Vpc):
            found.setdefault(vpc.key, vpc)
    return list(found.values())


def crossing_routes(
    estate: Estate, tables: list[tuple[RouteTable, Vpc]]
) -> tuple[list[tuple[Route, PeeringConnection, str, str]], list[str]]:
    """The routes of these tables over an inter-region peering, with the two regions, and what is
    unknown (a peering or a region)."""
    crossing: list[tuple[Route, PeeringConnection, str, str]] = []
    unknown = []
    for table, _vpc in tables:
        for route in table.routes:
            if not route.via_peering:
                continue
            peering = estate.peering(route.target)  # None when unknown or outside the scan
            if peering is None:
                unknown.append(f"the peering connection {route.holder.address} targets is not known")
                continue
            here, there = estate.peering_regions(peering)
            if not is_known(here) or not is_known(there):
                unknown.append(f"the regions of {peering.source.address}: "
                               + "; ".join(r.describe() for r in (here, there) if isinstance(r, Unknown)))
                continue
            if here != there:
                crossing.append((route, peering, here, there))
    return crossing, unknown


def route_pinned(host: Host, route: Route, limit: int) -> bool | None:
    """Whether the host pins the route's destination at or below the limit; None: cannot tell."""
    if route.destination is None or not is_known(route.destination):
        return None
    if any(pin.mtu <= limit and route.destination in pin.destination for pin in host.route_mtu_pins):
        return True
    return None if host.route_pins_unknown else False
