"""Rules read the model and yield findings. One module per check."""

from __future__ import annotations

from typing import Callable, Iterable

from pcxguard.findings import Finding
from pcxguard.model import Estate
from pcxguard.rules import duplicate_peering, jumbo_mtu, overlapping_cidrs, reverse_route, sg_cross_region
from pcxguard.settings import Settings

Rule = Callable[[Estate, Settings], Iterable[Finding]]

RULES: dict[str, Rule] = {
    overlapping_cidrs.CHECK_ID: overlapping_cidrs.evaluate,
    reverse_route.CHECK_ID: reverse_route.evaluate,
    duplicate_peering.CHECK_ID: duplicate_peering.evaluate,
    sg_cross_region.CHECK_ID: sg_cross_region.evaluate,
    jumbo_mtu.CHECK_ID: jumbo_mtu.evaluate,
}
