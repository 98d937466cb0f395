"""CKV2_PCX_9: a VPC must stay within the active-peerings quota
(VPC Peering Guide, quotas: 50 active peering connections per VPC by default, adjustable to 125)."""

from __future__ import annotations

from typing import Iterator

from pcxguard.findings import Finding, cannot_tell, failed, passed
from pcxguard.model import Estate, PeeringConnection
from pcxguard.rules._gaps import incomplete
from pcxguard.settings import MAX_ACTIVE_PEERINGS_PER_VPC, Settings

CHECK_ID = "CKV2_PCX_9"


def evaluate(estate: Estate, settings: Settings) -> Iterator[Finding]:
    limit = min(settings.active_peerings_per_vpc, MAX_ACTIVE_PEERINGS_PER_VPC)
    undecided: list[PeeringConnection] = [
        p for p in estate.peerings.values()
        if estate.canonical(p.requester_vpc) is None or estate.canonical(p.accepter_vpc) is None
    ]
    for vpc in estate.vpcs.values():
        peerings = estate.peerings_of(vpc)
        count = len(peerings)
        if count > limit:
            names = ", ".join(p.source.address for p in peerings)
            raise_to = (f"request a quota increase to at least {count} (up to {MAX_ACTIVE_PEERINGS_PER_VPC}) and set "
                        f"active_peerings_per_vpc: {count} in .pcxguard.yaml, or " if count <= MAX_ACTIVE_PEERINGS_PER_VPC
                        else "")
            yield failed(
                CHECK_ID, vpc.source,
                f"{vpc.source.address} has {count} peering connections in the scan, above the quota of {limit} "
                f"active peering connections per VPC: {names}. Requests beyond the quota fail (VPC Peering Guide, "
                "quotas).",
                related=tuple(p.source for p in peerings),
                fix=f"For {vpc.source.address}, {raise_to}replace some of its {count} peerings with a transit gateway.",
            )
        elif undecided and count + len(undecided) > limit:
            yield cannot_tell(
                CHECK_ID, vpc.source,
                f"{vpc.source.address} has {count} peering connections in the scan; {len(undecided)} more might "
                f"join it and pass the quota of {limit}.",
                [f"the VPCs of {p.source.address}" for p in undecided],
            )
        elif gaps := incomplete(estate, ("peerings",), [vpc], links=False):
            yield cannot_tell(
                CHECK_ID, vpc.source,
                f"{vpc.source.address} has {count} peering connection(s) in the scan, within the quota of {limit}, "
                "but the scan does not see all of its peerings.", gaps)
        else:
            yield passed(CHECK_ID, vpc.source,
                         f"{vpc.source.address} has {count} peering connection(s) in the scan, within the quota of "
                         f"{limit} (peerings made outside the scan also count).")
