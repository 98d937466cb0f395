"""CKV2_PCX_2: a route over a peering connection needs a route back (VPC Peering Guide, routing)."""

from __future__ import annotations

from typing import Iterator

from netaddr import IPNetwork, IPSet

from pcxguard.findings import Finding, cannot_tell, failed, passed
from pcxguard.model import Estate, PeeringConnection, Route, RouteTable, Source, Unknown, Vpc, is_known
from pcxguard.rules._describe import cidrs, missing_vpc
from pcxguard.rules._gaps import incomplete
from pcxguard.settings import Settings

CHECK_ID = "CKV2_PCX_2"


def peering_route_context(
    estate: Estate, route: Route
) -> tuple[RouteTable, Vpc, PeeringConnection] | list[str]:
    """The route's table, its VPC and its peering, or what is missing to know them (four rules ask)."""
    return estate.derived(("peering_route_context", id(route)), lambda: _route_context(estate, route))


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
                    unknown.append(f"CIDR block of {subnet.source.address}: {block.describe()}")  # type: ignore[union-attr]
                elif block.version == version:
                    networks.append(block)
        names = ", ".join(s.source.address for s in subnets)
        return IPSet(networks), unknown, f"the subnets using {table.source.address}: {names}"
    for block in vpc.unknown_blocks(version):
        unknown.append(f"{block.role} block of {vpc.source.address}: {block.network.describe()}")  # type: ignore[union-attr]
    return vpc.known_set(version), unknown, f"the blocks of {vpc.source.address}"


def _served(estate: Estate, table: RouteTable, vpc: Vpc, version: int
            ) -> tuple[tuple[IPSet, list[str], str], list[IPNetwork], str]:
    """``served_range`` with its CIDRs and their text, which every route of the table reuses."""
    served = served_range(estate, table, vpc, version)
    return served, list(served[0].iter_cidrs()), cidrs(served[0])


def peer_tables(estate: Estate, peer: Vpc, destination: IPNetwork | None) -> tuple[list[RouteTable], list[str]]:
    """The peer VPC's tables that must route back: those of its subnets inside the destination."""
    unknown: list[str] = []
    tables: list[RouteTable] = []
    subnets = estate.subnets_of(peer)
    if destination is not None:
        inside = []
        for subnet in subnets:
            for block in subnet.blocks:
                if is_known(block) and block.version == destination.version and (
                    block in destination or destination in block
                ):
                    inside.append(subnet)
                    break
        subnets = inside
    for subnet in subnets:
        table = estate.table_of_subnet(subnet)
        if isinstance(table, Unknown):
            unknown.append(f"route table of {subnet.source.address}: {table.describe()}")
        elif table is None:
            tables.append(_implicit_main(estate, peer))
        elif table not in tables:
            tables.append(table)
    if not subnets:
        tables = list(estate.tables_of(peer)) or [_implicit_main(estate, peer)]
    return tables, unknown


def _implicit_main(estate: Estate, vpc: Vpc) -> RouteTable:
    """The main route table AWS creates with every VPC; undeclared, it has only the local route."""
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
    _, by_peering, unsure, anywhere = estate.derived(
        ("routes_back", id(table), version), lambda: _routes_back_index(estate, table, version))
    return by_peering.get(peering.key, []), anywhere or peering.key in unsure


def _routes_back_index(estate: Estate, table: RouteTable, version: int
                       ) -> tuple[RouteTable, dict[str, list[IPNetwork]], set[str], bool]:
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
            by_peering.setdefault(over.key, []).append(route.destination)  # type: ignore[arg-type]
        else:
            unsure.add(over.key)  # its destination, or whether it exists at all, is not known
    return table, by_peering, unsure, anywhere  # holds the table (it may be an implicit one): its id stays unique


def _gap(needed: IPSet, needed_cidrs: list[IPNetwork], covered: list[IPNetwork]) -> IPSet:
    """The part of ``needed`` (whose CIDRs are ``needed_cidrs``) no route covers. Most needs sit inside
    one route's destination: that is a containment test; only the rest pays for set arithmetic."""
    if all(any(cidr in net for net in covered) for cidr in needed_cidrs):
        return IPSet()
    return needed - IPSet(covered)


def judge_route(estate: Estate, route: Route) -> Finding:
    """The per-table work (served range, peer tables, routes back) is shared between routes through
    ``estate.derived``."""
    subject = route.key
    context = peering_route_context(estate, route)
    if isinstance(context, list):
        return cannot_tell(CHECK_ID, route.holder, "Cannot tell whether the peer routes back.", context, subject=subject)
    table, vpc, peering = context
    peer_ref = estate.other_side(peering, vpc)
    if peer_ref is None:
        return passed(
            CHECK_ID,
            route.holder,
            f"{table.source.address} is in neither VPC of {peering.source.address} (see CKV2_PCX_7).",
            subject=subject,
        )
    peer = estate.vpc(peer_ref)
    if peer is None:
        return cannot_tell(
            CHECK_ID,
            route.holder,
            f"Cannot tell whether the peer of {peering.source.address} routes back.",
            [missing_vpc(estate, peer_ref, "peer")],
            related=(peering.source,),
            subject=subject,
        )
    version = route.family or 4
    (needed, unknown, origin), needed_cidrs, needed_text = estate.derived(
        ("served_range", id(table), id(vpc), version), lambda: _served(estate, table, vpc, version))
    unknown = list(unknown)
    if not needed_cidrs and unknown:
        needed_text = f"the range {table.source.address} serves (not known)"
    destination = route.destination if route.destination is not None and is_known(route.destination) else None
    tables, table_unknown = estate.derived(
        ("peer_tables", id(peer), destination), lambda: peer_tables(estate, peer, destination))  # type: ignore[arg-type]
    unknown += table_unknown
    lacking: list[tuple[RouteTable, IPSet]] = []
    for peer_table in tables:
        covered, uncertain = routes_back(estate, peer_table, peering, version)
        gap = _gap(needed, needed_cidrs, covered)
        if gap and not uncertain:
            lacking.append((peer_table, gap))
        elif gap:
            unknown.append(f"some routes of {peer_table.source.address} are not known at plan time")
    dest = str(destination) if destination is not None else "its destination"
    # "no route back" concludes from absence: only from complete sets. The peer's subnets, tables and
    # associations decide which tables must route back; its routes, whether they do; this VPC's subnets
    # and associations, which range must come back.
    kinds = ("routes", "route_tables", "associations", "subnets") if lacking else \
        ("route_tables", "associations", "subnets")
    gaps = incomplete(estate, kinds, [peer]) + incomplete(estate, ("associations", "subnets"), [vpc])
    if gaps:
        lines = [f"{t.source.address} lacks {cidrs(gap)} among the routes the scan sees" for t, gap in lacking]
        return cannot_tell(
            CHECK_ID,
            route.holder,
            f"Cannot tell whether {peer.source.address} routes {needed_text} back over {peering.source.address}: "
            "the scan does not see all of the sets that decide it.",
            gaps + lines + unknown,
            related=(peering.source, peer.source),
            subject=subject,
        )
    if lacking:
        lines = [f"{t.source.address} lacks {cidrs(gap)}" for t, gap in lacking]
        fixes = [
            f"add to {t.source.address} a route to {n} with target {peering.source.address}"
            for t, gap in lacking
            for n in gap.iter_cidrs()
        ]
        return failed(
            CHECK_ID,
            route.holder,
            f"{route.holder.address} sends {dest} over {peering.source.address} to {peer.source.address}, but "
            f"{peer.source.address} has no route back over {peering.source.address} to {needed_text} ({origin}): "
            f"{'; '.join(lines)}. Traffic reaches the peer and the replies are dropped: each VPC must route the "
            "other's range to the peering connection (VPC Peering Guide, routing).",
            related=tuple([peering.source, peer.source] + [t.source for t, _ in lacking]),
            fix="; ".join(fixes).capitalize() + ".",
            subject=subject,
        )
    if unknown:
        return cannot_tell(
            CHECK_ID,
            route.holder,
            f"Cannot tell whether {peer.source.address} routes {needed_text} back over {peering.source.address}.",
            unknown,
            related=(peering.source, peer.source),
            subject=subject,
        )
    return passed(
        CHECK_ID,
        route.holder,
        f"{peer.source.address} routes {needed_text if needed else 'nothing needed'} back over "
        f"{peering.source.address}.",
        related=(peering.source, peer.source),
        subject=subject,
    )


def evaluate(estate: Estate, settings: Settings) -> Iterator[Finding]:
    for route in estate.routes():
        if route.via_peering:
            yield judge_route(estate, route)
