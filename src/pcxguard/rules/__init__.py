"""Rules read the model and yield findings. One module per check."""

from __future__ import annotations

from typing import Callable, Iterable

from pcxguard.findings import Finding
from pcxguard.model import Estate
from pcxguard.rules import duplicate_peering, jumbo_mtu, overlapping_cidrs, reverse_route, sg_cross_region
from pcxguard.rules import (
    ipv6_peering_route,
    network_intent,
    overlapping_peers,
    peer_destination,
    peer_place,
    peering_acceptance,
    peering_dns,
    peering_quota,
    pmtud_icmp,
    route_table_side,
    sg_peer_reference,
)
from pcxguard.settings import Settings

Rule = Callable[[Estate, Settings], Iterable[Finding]]

RULES: dict[str, Rule] = {
    overlapping_cidrs.CHECK_ID: overlapping_cidrs.evaluate,
    reverse_route.CHECK_ID: reverse_route.evaluate,
    duplicate_peering.CHECK_ID: duplicate_peering.evaluate,
    sg_cross_region.CHECK_ID: sg_cross_region.evaluate,
    jumbo_mtu.CHECK_ID: jumbo_mtu.evaluate,
    peer_destination.CHECK_ID: peer_destination.evaluate,
    route_table_side.CHECK_ID: route_table_side.evaluate,
    peering_acceptance.CHECK_ID: peering_acceptance.evaluate,
    peering_quota.CHECK_ID: peering_quota.evaluate,
    overlapping_peers.CHECK_ID: overlapping_peers.evaluate,
    sg_peer_reference.CHECK_ID: sg_peer_reference.evaluate,
    ipv6_peering_route.CHECK_ID: ipv6_peering_route.evaluate,
    peering_dns.CHECK_ID: peering_dns.evaluate,
    pmtud_icmp.CHECK_ID: pmtud_icmp.evaluate,
    network_intent.CHECK_ID: network_intent.evaluate,
    peer_place.CHECK_ID: peer_place.evaluate,
}

# Checks that judge what a declaration names (a network intent), not every resource of their types:
# their silence about a resource is no verdict, so they never stand for an unjudged resource.
DECLARATION_CHECKS = frozenset({network_intent.CHECK_ID})
