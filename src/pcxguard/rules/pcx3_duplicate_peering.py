"""CKV2_PCX_3: one peering connection per VPC pair (VPC Peering Guide, limitations)."""

from __future__ import annotations

from collections import defaultdict
from typing import Iterator

from pcxguard.findings import Finding, cannot_tell, failed, passed
from pcxguard.model import Estate, PeeringConnection
from pcxguard.rules._describe import missing_vpc
from pcxguard.rules._gaps import incomplete
from pcxguard.settings import Settings

CHECK_ID = "CKV2_PCX_3"


def evaluate(estate: Estate, settings: Settings) -> Iterator[Finding]:
    by_pair: dict[frozenset[str], list[PeeringConnection]] = defaultdict(list)
    undecided: list[PeeringConnection] = []
    for peering in estate.peerings.values():
        requester = estate.canonical(peering.requester_vpc)
        accepter = estate.canonical(peering.accepter_vpc)
        if requester is None or accepter is None:
            undecided.append(peering)
        else:
            by_pair[frozenset((requester, accepter))].append(peering)

    for pair, peerings in by_pair.items():
        names = " and ".join(sorted(_vpc_name(estate, ref) for ref in pair))
        for peering in peerings:
            others = [p for p in peerings if p is not peering]
            if others:
                other_names = ", ".join(p.source.address for p in others)
                yield failed(
                    CHECK_ID,
                    peering.source,
                    f"{peering.source.address} joins {names}, which {other_names} already joins. AWS allows one "
                    "peering connection between the same two VPCs, whichever side requests it; the provider returns "
                    "the existing connection for a duplicate request, and a swapped pair fails at acceptance.",
                    related=tuple(p.source for p in others),
                    fix=f"Keep one peering connection for {names}: remove {peering.source.address} or "
                    f"{other_names} and point its routes and accepter at the one you keep.",
                )
            elif gaps := incomplete(estate, ("peerings",), sorted(pair), links=False):
                yield cannot_tell(CHECK_ID, peering.source,
                                  f"{peering.source.address} is the only peering between {names} the scan sees, but "
                                  "it does not see every peering of these VPCs.", gaps)
            else:
                yield passed(CHECK_ID, peering.source, f"{peering.source.address} is the only peering between {names}.")

    for peering in undecided:
        missing = []
        if estate.canonical(peering.requester_vpc) is None:
            missing.append(missing_vpc(estate, peering.requester_vpc, "requester"))
        if estate.canonical(peering.accepter_vpc) is None:
            missing.append(missing_vpc(estate, peering.accepter_vpc, "accepter"))
        yield cannot_tell(
            CHECK_ID, peering.source, "Cannot tell whether another peering joins the same VPCs.", missing
        )


def _vpc_name(estate: Estate, ref: str) -> str:
    vpc = estate.vpc(ref)
    return vpc.source.address if vpc else ref
