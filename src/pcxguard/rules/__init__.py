"""Rules read the model and yield findings. One module per check, named for it:
``pcxN_<topic>.py`` holds CKV2_PCX_N, whose catalogue entry ``policies/CKV2_PCX_N.yaml`` gives the topic."""

from __future__ import annotations

from typing import Callable, Iterable

from pcxguard.findings import Finding
from pcxguard.model import Estate
from pcxguard.rules import (
    pcx1_overlapping_cidrs,
    pcx2_reverse_route,
    pcx3_duplicate_peering,
    pcx4_sg_cross_region,
    pcx5_jumbo_mtu,
    pcx6_peer_destination,
    pcx7_route_table_side,
    pcx8_peering_acceptance,
    pcx9_peering_quota,
    pcx10_overlapping_peers,
    pcx11_sg_peer_reference,
    pcx12_ipv6_peering_route,
    pcx13_peering_dns,
    pcx14_pmtud_icmp,
    pcx15_network_intent,
    pcx16_peer_place,
)
from pcxguard.settings import Settings

Rule = Callable[[Estate, Settings], Iterable[Finding]]

RULES: dict[str, Rule] = {
    pcx1_overlapping_cidrs.CHECK_ID: pcx1_overlapping_cidrs.evaluate,
    pcx2_reverse_route.CHECK_ID: pcx2_reverse_route.evaluate,
    pcx3_duplicate_peering.CHECK_ID: pcx3_duplicate_peering.evaluate,
    pcx4_sg_cross_region.CHECK_ID: pcx4_sg_cross_region.evaluate,
    pcx5_jumbo_mtu.CHECK_ID: pcx5_jumbo_mtu.evaluate,
    pcx6_peer_destination.CHECK_ID: pcx6_peer_destination.evaluate,
    pcx7_route_table_side.CHECK_ID: pcx7_route_table_side.evaluate,
    pcx8_peering_acceptance.CHECK_ID: pcx8_peering_acceptance.evaluate,
    pcx9_peering_quota.CHECK_ID: pcx9_peering_quota.evaluate,
    pcx10_overlapping_peers.CHECK_ID: pcx10_overlapping_peers.evaluate,
    pcx11_sg_peer_reference.CHECK_ID: pcx11_sg_peer_reference.evaluate,
    pcx12_ipv6_peering_route.CHECK_ID: pcx12_ipv6_peering_route.evaluate,
    pcx13_peering_dns.CHECK_ID: pcx13_peering_dns.evaluate,
    pcx14_pmtud_icmp.CHECK_ID: pcx14_pmtud_icmp.evaluate,
    pcx15_network_intent.CHECK_ID: pcx15_network_intent.evaluate,
    pcx16_peer_place.CHECK_ID: pcx16_peer_place.evaluate,
}

# Checks that judge what a declaration names (a network intent), not every resource of their types:
# their silence about a resource is no verdict, so they never stand for an unjudged resource.
DECLARATION_CHECKS = frozenset({pcx15_network_intent.CHECK_ID})
