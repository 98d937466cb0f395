"""CKV2_PCX_2: a route over a peering connection needs a route back (VPC Peering Guide, routing)."""

from __future__ import annotations

from typing import Iterator

from netaddr import IPNetwork, IPSet

from pcxguard.facts import (
    missing_vpc,
    peering_route_context,
    reached,
    routes_back,
    shared_peer_tables,
    shared_served_range,
)
from pcxguard.findings import Finding, cannot_tell, failed, passed
from pcxguard.model import Estate, Route, RouteTable, is_known
from pcxguard.rules._describe import cidrs, sentence
from pcxguard.rules._gaps import incomplete
from pcxguard.settings import Settings
from pcxguard.syntax import phrase

CHECK_ID = "CKV2_PCX_2"


def _gap(needed: IPSet, needed_cidrs: list[IPNetwork], covered: list[IPNetwork]) -> IPSet:
    """The part of ``needed`` (whose CIDRs are ``needed_cidrs``) no route covers. Most needs sit inside
    one route's destination: that is a containment test; only the rest pays for set arithmetic."""
    if all(any(cidr in net for net in covered) for cidr in needed_cidrs):
        return _NO_GAP
    return needed - IPSet(covered)


_NO_GAP = IPSet()  # only ever tested for truth, never changed: one empty set for every covered route


def _used_by(estate: Estate, table: RouteTable, destination: IPNetwork | None, shown: int = 4) -> str:
    """" (the table of SUBNETS)": the peer subnets inside the route's destination whose replies ``table``
    routes."""
    subnets = [s for s in estate.subnets_using(table) or [] if destination is None or reached(s, destination)]
    if not subnets:
        return ""
    names = [s.source.address for s in subnets[:shown]]
    more = f" and {len(subnets) - shown} more" if len(subnets) > shown else ""
    return f" (the table of {', '.join(names)}{more})"


def judge_route(estate: Estate, route: Route) -> Finding:
    """The per-table work (served range, peer tables, routes back) is shared between routes
    (pcxguard.facts)."""
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
    needed, unknown, origin = shared_served_range(estate, table, vpc, version)
    needed_cidrs, needed_text = estate.derived(("served_cidrs", table.key, vpc.key, version),
                                               lambda: (list(needed.iter_cidrs()), cidrs(needed)))
    unknown = list(unknown)
    if not needed_cidrs and unknown:
        needed_text = f"the range {table.source.address} serves (not known)"
    destination = route.destination if route.destination is not None and is_known(route.destination) else None
    tables, table_unknown = shared_peer_tables(estate, peer, destination)
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
        lines = [f"{t.source.address} lacks {cidrs(gap)}{_used_by(estate, t, destination)}" for t, gap in lacking]
        # the peer may route back from some of its tables: then only the subnets on the others cannot answer
        routing_back = [t.source.address for t in tables if all(t.key != lt.key for lt, _ in lacking)]
        fixes = [
            phrase(peering.source, "main_table_route").format(
                vpc=peer.source.address, destination=n, target=peering.source.address,
                destination_attribute="destination_ipv6_cidr_block" if n.version == 6 else "destination_cidr_block")
            if t.implicit and t.is_main else
            f"add to {t.source.address} a route to {n} with target {peering.source.address}"
            for t, gap in lacking
            for n in gap.iter_cidrs()
        ]
        if routing_back:
            which = (f"only part of {peer.source.address} routes {needed_text} back over {peering.source.address} "
                     f"({', '.join(routing_back)} {'does' if len(routing_back) == 1 else 'do'}; {origin})")
            dropped = "Traffic to the subnets on those tables arrives and their replies are dropped"
        else:
            which = (f"{peer.source.address} has no route back over {peering.source.address} to {needed_text} "
                     f"({origin})")
            dropped = "Traffic reaches the peer and the replies are dropped"
        return failed(
            CHECK_ID,
            route.holder,
            f"{route.holder.address} sends {dest} over {peering.source.address} to {peer.source.address}, but "
            f"{which}: {'; '.join(lines)}. {dropped}: each VPC must route the other's range to the peering "
            "connection (VPC Peering Guide, routing).",
            related=tuple([peering.source, peer.source] + [t.source for t, _ in lacking]),
            fix=sentence("; ".join(fixes)),
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
