"""CKV2_PCX_5: no jumbo frames across an inter-region peering (EC2 User Guide, network MTU)."""

from __future__ import annotations

from typing import Iterator

from pcxguard.findings import Finding
from pcxguard.model import Estate
from pcxguard.rules._mtu import CHECK_ID, host_mtu, judge, pin_command
from pcxguard.settings import Settings

__all__ = ["CHECK_ID", "evaluate", "host_mtu", "judge", "pin_command"]


def evaluate(estate: Estate, settings: Settings) -> Iterator[Finding]:
    for host in estate.hosts.values():
        yield judge(estate, host, settings.inter_region_mtu, settings.instance_default_mtu)
