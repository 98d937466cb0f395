"""CKV2_PCX_10: a VPC peered with two overlapping VPCs must route them apart
(VPC Peering Guide, "Configurations with specific routes": AWS has no unicast reverse-path
forwarding, so replies follow the route table, not the peering the request came in on)."""

from __future__ import annotations

from itertools import combinations
from typing import Iterator

from netaddr import IPSet

from pcxguard.findings import Finding, cannot_tell, failed, passed
from pcxguard.model import Estate, PeeringConnection, Route, RouteTable, Vpc, is_known
from pcxguard.rules._describe import cidrs, missing_vpc, route_label
from pcxguard.rules._gaps import incomplete
from pcxguard.settings import Settings

CHECK_ID = "CKV2_PCX_10"


def _peer_set(estate: Estate, vpc: Vpc) -> IPSet:
    return estate.derived(("peer_set", vpc.key), lambda: vpc.known_set(4) | vpc.known_set(6))


def _may_overlap(a: Vpc, b: Vpc) -> bool:
    """Two lists of CIDR blocks share addresses only if one block holds another: a quick test before
    the set arithmetic."""
    ours = [block.network for block in a.blocks if is_known(block.network)]
    theirs = [block.network for block in b.blocks if is_known(block.network)]
    return any(mine in other or other in mine for mine in ours for other in theirs)


def _routes_by_peering(estate: Estate, table: RouteTable) -> tuple[dict[str, list[Route]], list[str]]:
    found: dict[str, list[Route]] = {}
    unknown: list[str] = []
    for route in table.routes:
        if not route.via_peering:
            continue
        peering = estate.peering(route.target)  # None when unknown or outside the scan
        if peering is None:
            unknown.append(f"which peering connection {route_label(route)} targets")
            continue
        found.setdefault(peering.key, []).append(route)
    return found, unknown


def judge(estate: Estate, vpc: Vpc) -> Finding | None:
    peers: list[tuple[PeeringConnection, Vpc | None]] = []
    missing: list[str] = []
    for peering in estate.peerings_of(vpc):
        ref = estate.other_side(peering, vpc)
        peer = estate.vpc(ref)
        if peer is None:
            missing.append(missing_vpc(estate, ref, f"peer ({peering.source.address})"))
        peers.append((peering, peer))
    if len(peers) < 2:
        gaps = incomplete(estate, ("peerings",), [vpc], links=False)
        if gaps:  # "fewer than two peers" concludes from the absence of others
            return cannot_tell(CHECK_ID, vpc.source, f"Cannot tell whether {vpc.source.address} has overlapping "
                               "peers: the scan does not see all of its peerings.", gaps)
        return None
    overlapping = []
    for (p1, v1), (p2, v2) in combinations(peers, 2):
        if v1 is None or v2 is None or v1 is v2 or not _may_overlap(v1, v2):
            continue
        shared = _peer_set(estate, v1) & _peer_set(estate, v2)
        if shared:
            overlapping.append((p1, v1, p2, v2, shared))
    failures = []
    for table in estate.tables_of(vpc):
        by_peering, table_unknown = _routes_by_peering(estate, table)
        for p1, v1, p2, v2, shared in overlapping:
            if p1.key not in by_peering or p2.key not in by_peering:
                continue
            missing.extend(table_unknown)
            for r1 in by_peering[p1.key]:
                for r2 in by_peering[p2.key]:
                    d1, d2 = r1.destination, r2.destination
                    if d1 is None or d2 is None or not is_known(d1) or not is_known(d2):
                        missing.append(f"the destinations of {route_label(r1)} and {route_label(r2)}")
                        continue
                    clash = IPSet([d1]) & IPSet([d2]) & shared
                    if clash:
                        failures.append((table, p1, v1, r1, p2, v2, r2, shared, clash))
    if failures:
        lines = []
        related = set()
        for table, p1, v1, r1, p2, v2, r2, shared, clash in failures:
            lines.append(
                f"{v1.source.address} (over {p1.source.address}) and {v2.source.address} (over {p2.source.address}) "
                f"both own {cidrs(shared)}, and {table.source.address} sends {r1.destination} over "
                f"{p1.source.address} ({route_label(r1)}) and {r2.destination} over {p2.source.address} "
                f"({route_label(r2)}), so replies to {cidrs(clash)} reach only one of them")
            related |= {p1.source, p2.source, v1.source, v2.source, r1.holder, r2.holder}
        return failed(
            CHECK_ID, vpc.source,
            f"{vpc.source.address} cannot tell its overlapping peers apart: {'; '.join(lines)}. AWS routes a reply by "
            "the route table, not by the peering connection the request came in on (no unicast reverse-path "
            "forwarding), so traffic meant for one peer goes to the other (VPC Peering Guide, configurations with "
            "specific routes).",
            related=tuple(sorted(related, key=lambda s: s.address)),
            fix="In each of those route tables, send each peer only ranges the other peer does not use (for example "
                "the specific subnets each peer serves), or give the subnets that talk to each peer their own route "
                "table.",
        )
    # "no two peers overlap" and "routed apart" conclude from absence: of peerings and blocks, of routes
    peer_vpcs = [peer for _, peer in peers if peer is not None]
    missing += incomplete(estate, ("peerings",), [vpc]) + incomplete(estate, ("vpc_blocks",), peer_vpcs)
    if overlapping:
        missing += incomplete(estate, ("routes", "route_tables"), [vpc])
    if missing:
        return cannot_tell(CHECK_ID, vpc.source,
                           f"Cannot tell whether {vpc.source.address}'s routes tell its peers apart.",
                           sorted(set(missing)))
    if overlapping:
        return passed(CHECK_ID, vpc.source,
                      f"{vpc.source.address}'s overlapping peers are routed apart: no route table sends an overlapping "
                      "range to both.")
    return passed(CHECK_ID, vpc.source, f"No two peers of {vpc.source.address} overlap.")


def evaluate(estate: Estate, settings: Settings) -> Iterator[Finding]:
    for vpc in estate.vpcs.values():
        finding = judge(estate, vpc)
        if finding is not None:
            yield finding
