"""CKV2_PCX_6: a route over a peering connection must stay inside the peer VPC's own blocks
(VPC Peering Guide: no transitive peering, no edge-to-edge routing)."""

from __future__ import annotations

from typing import Iterator

from netaddr import IPNetwork, IPSet

from pcxguard.facts import peering_route_context
from pcxguard.findings import Finding, cannot_tell, failed, passed
from pcxguard.model import Estate, Route, Unknown, Vpc, is_known
from pcxguard.rules._describe import block_list, cidrs, missing_vpc, route_label, vpc_name
from pcxguard.rules._gaps import incomplete
from pcxguard.settings import Settings

CHECK_ID = "CKV2_PCX_6"

# The largest block a VPC can own: IPv4 /16 (VPC User Guide, CIDR blocks); IPv6 /44 (IPAM-allocated,
# the largest size AWS allows; Amazon-provided blocks are /56). A wider destination cannot lie
# inside any one VPC block, whatever the unknown blocks turn out to be.
LARGEST_VPC_BLOCK = {4: 16, 6: 44}


def _beyond(estate: Estate, peer: Vpc, own: Vpc, destination: IPNetwork, outside: IPSet, version: int) -> str:
    """Say what the part of a destination outside the peer is: a default route, a third VPC, or other."""
    if destination.prefixlen == 0:
        return "the default route: everything beyond the peer (edge-to-edge, through its gateways)"
    thirds = []
    for vpc in estate.vpcs.values():
        if vpc is peer or vpc is own:
            continue
        if vpc.known_set(version) & outside:
            thirds.append(vpc.source.address)
    if thirds:
        return f"the range of {', '.join(sorted(thirds))}, a third VPC reached only through the peer (transitive)"
    return "a range the peer does not own (on-premises, another VPC or the internet reached through the peer)"


def judge_route(estate: Estate, route: Route) -> Finding:
    subject = route.key
    label = route_label(route)
    context = peering_route_context(estate, route)
    if isinstance(context, list):
        wide = _wider_than_any_vpc(estate, route)
        if wide is not None:
            return wide
        return cannot_tell(CHECK_ID, route.holder, f"Cannot tell whether {label} stays inside the peer VPC.",
                           context, subject=subject)
    table, vpc, peering = context
    peer_ref = estate.other_side(peering, vpc)
    if peer_ref is None:
        return passed(CHECK_ID, route.holder,
                      f"{table.source.address} is in neither VPC of {peering.source.address} (see CKV2_PCX_7).",
                      subject=subject)
    destination = route.destination
    if destination is None or not is_known(destination):
        what = destination.describe() if isinstance(destination, Unknown) else "no CIDR destination"
        return cannot_tell(CHECK_ID, route.holder, f"Cannot tell where {label} sends traffic.",
                           [f"the destination of {label}: {what}"], related=(peering.source,), subject=subject)
    assert isinstance(destination, IPNetwork)
    version = destination.version
    peer = estate.vpc(peer_ref)
    wide = destination.prefixlen < LARGEST_VPC_BLOCK[version]
    if peer is None and not wide:
        return cannot_tell(CHECK_ID, route.holder, f"Cannot tell whether {destination} lies inside the peer VPC.",
                           [missing_vpc(estate, peer_ref, "peer")], related=(peering.source,), subject=subject)
    if not wide and peer is not None:
        # "outside the peer's blocks" concludes from absence: only when the scan sees all of them
        gaps = incomplete(estate, ("vpc_blocks",), [peer])
        if gaps and not any(destination in b.network
                            for b in peer.blocks_of(version) if is_known(b.network)):
            return cannot_tell(CHECK_ID, route.holder, f"Cannot tell whether {destination} lies inside "
                               f"{peer.source.address}.", gaps, related=(peering.source,), subject=subject)
    if peer is not None and any(destination in b.network for b in peer.blocks_of(version) if is_known(b.network)):
        outside = IPSet()  # the usual case, inside one block: no set arithmetic
    else:
        owned = peer.known_set(version) if peer is not None else IPSet()
        outside = IPSet([destination]) - owned
    if not outside:
        assert peer is not None  # with no peer, nothing is owned and the whole destination is outside
        known_peer = peer
        return passed(CHECK_ID, route.holder,
                      f"{label} sends {destination} over {peering.source.address}, inside "
                      f"{peer.source.address}'s own blocks "
                      f"({estate.derived(('block_list', peer.key, version), lambda: block_list(known_peer, version))}).",
                      related=(peering.source, peer.source), subject=subject)
    unknown_blocks = peer.unknown_blocks(version) if peer is not None else []
    if version == 6 and peer is not None:
        unknown_blocks += [b for b in peer.blocks_of(6) if b.amazon_provided and not is_known(b.network)]
    if unknown_blocks and not wide:
        return cannot_tell(
            CHECK_ID, route.holder, f"Cannot tell whether {destination} lies inside {peer.source.address}.",  # type: ignore[union-attr]
            [f"{b.role} block declared by {b.declared_by.address}: "
             + (b.network.describe() if isinstance(b.network, Unknown) else str(b.network)) for b in unknown_blocks],
            related=(peering.source,), subject=subject)
    # a peer outside the scan is named by its reference once (an id, or in words what is unknown), then "a VPC"
    peer_name = peer.source.address if peer is not None else vpc_name(estate, peer_ref)
    owner = peer_name if peer is not None else "a VPC"
    owned_text = block_list(peer, version) if peer is not None else "blocks of at most /16 (IPv4) or /44 (IPv6)"
    beyond = _beyond(estate, peer, vpc, destination, outside, version) if peer is not None else \
        "a range wider than any VPC block, so beyond the peer"
    inside = IPSet([destination]) & owned
    outside_text = f"everything in {destination} but {cidrs(inside)}" if inside and destination.prefixlen == 0 \
        else cidrs(outside)
    fix = (f"Narrow the destination of {label} to {cidrs(inside)}, the part {peer_name} owns"
           if inside else f"Point {label} at {peer_name if peer is not None else 'the peer VPC'}'s own block(s) "
                          f"({owned_text}) or remove it")
    fix += (f"; send {outside_text} through a path that forwards it (the VPC's own NAT or internet gateway, "
            "a transit gateway, or a direct peering with the VPC that owns it).")
    return failed(
        CHECK_ID,
        route.holder,
        f"{label} sends {destination} over {peering.source.address} to {peer_name}, but {owner} owns only "
        f"{owned_text}; {outside_text} is {beyond}. AWS delivers traffic over a peering connection only to "
        "addresses of the peer VPC: it never forwards it on to a third VPC, an on-premises network or the peer's "
        "gateways (VPC Peering Guide: no transitive peering, no edge-to-edge routing).",
        related=(peering.source,) + ((peer.source,) if peer is not None else ()),
        fix=fix,
        subject=subject,
    )


def _wider_than_any_vpc(estate: Estate, route: Route) -> Finding | None:
    """A route over a peering to a destination wider than any VPC block can be fails whatever its table,
    VPC or peer: AWS never forwards it beyond the peer (no transitive peering, no edge-to-edge routing)."""
    destination = route.destination
    if destination is None or not is_known(destination):
        return None
    assert isinstance(destination, IPNetwork)
    largest = LARGEST_VPC_BLOCK[destination.version]
    if destination.prefixlen >= largest:
        return None
    label = route_label(route)
    what = ("the default route" if destination.prefixlen == 0
            else f"wider than any VPC block can be (/{largest} for IPv{destination.version})")
    peering = estate.peering(route.target)
    over = peering.source.address if peering is not None else \
        (route.target if isinstance(route.target, str) else "a peering connection")
    return failed(
        CHECK_ID, route.holder,
        f"{label} sends {destination} over {over}: {what}, so most of it lies beyond the peer VPC, whichever VPC "
        "that is. AWS delivers traffic over a peering connection only to addresses of the peer VPC: it never "
        "forwards it on to a third VPC, an on-premises network or the peer's gateways (VPC Peering Guide: no "
        "transitive peering, no edge-to-edge routing).",
        fix=f"Point {label} at the peer VPC's own block(s); send the rest through a path that forwards it (the "
            "VPC's own NAT or internet gateway, a transit gateway, or a direct peering with the VPC that owns it).",
        subject=route.key,
    )


def evaluate(estate: Estate, settings: Settings) -> Iterator[Finding]:
    for route in estate.routes():
        if route.via_peering:
            yield judge_route(estate, route)
