"""CKV2_PCX_12: an IPv6 route over a peering connection needs IPv6 on both VPCs
(VPC Peering Guide: IPv6 communication over a peering needs an IPv6 block in each VPC)."""

from __future__ import annotations

from typing import Iterator

from pcxguard.facts import peering_route_context
from pcxguard.findings import Finding, cannot_tell, failed, passed
from pcxguard.model import Estate, Route
from pcxguard.rules._describe import missing_vpc, route_label
from pcxguard.rules._gaps import incomplete
from pcxguard.settings import Settings
from pcxguard.syntax import phrase

CHECK_ID = "CKV2_PCX_12"


def judge_route(estate: Estate, route: Route) -> Finding:
    subject = route.key
    label = route_label(route)
    context = peering_route_context(estate, route)
    if isinstance(context, list):
        return cannot_tell(CHECK_ID, route.holder, f"Cannot tell whether both VPCs of {label} have IPv6.",
                           context, subject=subject)
    table, vpc, peering = context
    requester, accepter = estate.peering_sides(peering)
    missing = [missing_vpc(estate, ref, role) for ref, side, role in
               ((peering.requester_vpc, requester, "requester"), (peering.accepter_vpc, accepter, "accepter"))
               if side is None]
    without = [side for side in (requester, accepter) if side is not None and not side.blocks_of(6)]
    gaps = incomplete(estate, ("vpc_blocks",), without)
    if without and gaps:
        return cannot_tell(CHECK_ID, route.holder, f"Cannot tell whether both VPCs of {label} have IPv6: the scan "
                           "sees no IPv6 block, but not every block.", gaps + missing, related=(peering.source,),
                           subject=subject)
    if without:
        names = " and ".join(v.source.address for v in without)
        return failed(
            CHECK_ID, route.holder,
            f"{label} sends IPv6 traffic ({route.destination if route.destination is not None else 'an IPv6 prefix'}) "
            f"over {peering.source.address}, but {names} {'has' if len(without) == 1 else 'have'} no IPv6 block. "
            "IPv6 traffic crosses a peering only when both VPCs have IPv6 blocks and route them (VPC Peering Guide, "
            "IPv6 over peering connections).",
            related=(peering.source,) + tuple(v.source for v in without),
            fix=f"Give {names} an IPv6 block ({phrase(route.holder, 'ipv6_block')}), or remove the IPv6 route.",
            subject=subject,
        )
    if missing:
        return cannot_tell(CHECK_ID, route.holder, f"Cannot tell whether both VPCs of {label} have IPv6.", missing,
                           related=(peering.source,), subject=subject)
    return passed(CHECK_ID, route.holder,
                  f"Both VPCs of {peering.source.address} have IPv6 blocks.", related=(peering.source,), subject=subject)


def evaluate(estate: Estate, settings: Settings) -> Iterator[Finding]:
    for route in estate.routes():
        if route.via_peering and route.family == 6:
            yield judge_route(estate, route)
