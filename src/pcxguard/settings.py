"""Settings the rules read. Defaults follow the current AWS documentation."""

from __future__ import annotations

from dataclasses import dataclass, field

# EC2 User Guide, "Network MTU for your EC2 instance" (2025): traffic over an
# inter-region VPC peering connection is limited to 8500 bytes. The older
# peering guide said 1500; set ``inter_region_mtu: 1500`` to follow it.
DEFAULT_INTER_REGION_MTU = 8500
# VPC Peering Guide, quotas: active peering connections per VPC, default 50, adjustable to 125.
DEFAULT_ACTIVE_PEERINGS_PER_VPC = 50
MAX_ACTIVE_PEERINGS_PER_VPC = 125
# CKV2_PCX_5 / 14: the MTU a host runs when its user data sets none. "1500" keeps the verdicts of
# pcxguard <= 0.1 (a host that sets nothing passes); "jumbo" follows the EC2 User Guide: a host of
# a jumbo-capable (current generation) instance type runs 9001 unless told otherwise
# (policies/data/instance_mtu.yaml lists the types and cites the guide; the choices are the enum of
# instance_default_mtu in schemas/config.schema.json).
DEFAULT_INSTANCE_DEFAULT_MTU = "1500"
JUMBO_MTU = 9001


@dataclass(frozen=True)
class Intent:
    """A network intent from ``.pcxguard.yaml`` (CKV2_PCX_15): SRC should reach DST, or be isolated from it."""

    name: str
    source: str
    destination: str
    expect: str  # "reachable" | "isolated"
    port: int | None = None
    protocol: str = "tcp"
    line: int | None = None  # where the intent is written in the configuration


@dataclass(frozen=True)
class Settings:
    inter_region_mtu: int = DEFAULT_INTER_REGION_MTU
    active_peerings_per_vpc: int = DEFAULT_ACTIVE_PEERINGS_PER_VPC
    disabled_checks: frozenset[str] = field(default_factory=frozenset)
    severity_overrides: tuple[tuple[str, str], ...] = ()
    # CKV2_PCX_8: peerings accepted outside the scan, (peering address or pcx id, where) pairs;
    # the tag ``pcxguard:accepter`` on the peering says the same from the code itself.
    accepted_elsewhere: tuple[tuple[str, str], ...] = ()
    # CKV2_PCX_8: also fail a same-account, same-region peering with neither auto_accept nor an
    # accepter (it stays pending-acceptance like any other request).
    require_acceptance_same_account: bool = True
    # CKV2_PCX_5 / 14: "1500" or "jumbo", the MTU of a host whose user data sets none
    instance_default_mtu: str = DEFAULT_INSTANCE_DEFAULT_MTU
    # CKV2_PCX_15: network intents to hold on every scan
    intents: tuple[Intent, ...] = ()

    def severity_for(self, check_id: str, default: str) -> str:
        return dict(self.severity_overrides).get(check_id, default)
