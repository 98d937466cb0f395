"""CKV2_PCX_7: a route over a peering connection must sit in a table of one of its two VPCs
(VPC Peering Guide: a peering connection joins exactly two VPCs)."""

from __future__ import annotations

from typing import Iterator

from pcxguard.facts import peering_route_context
from pcxguard.findings import Finding, cannot_tell, failed, passed
from pcxguard.model import Estate, Route, Unknown, Vpc
from pcxguard.rules._describe import route_label, vpc_name
from pcxguard.settings import Settings

CHECK_ID = "CKV2_PCX_7"


def _distinct_from_literal(vpc: Vpc) -> bool:
    """Whether a VPC whose id does not match a literal id is certainly another VPC.

    True when its id is known (and differs), or when a plan creates it (a new VPC cannot be an
    existing one); raw Terraform and templates never know ids, so there it cannot be told.
    """
    if isinstance(vpc.aws_id, str):
        return True
    return vpc.created and vpc.aws_id is None


def judge_route(estate: Estate, route: Route) -> Finding:
    subject = route.key
    label = route_label(route)
    context = peering_route_context(estate, route)
    if isinstance(context, list):
        return cannot_tell(CHECK_ID, route.holder, f"Cannot tell whether {label} is in a VPC of its peering.",
                           context, subject=subject)
    table, vpc, peering = context
    if estate.other_side(peering, vpc) is not None:
        side = "requester" if estate.canonical(peering.requester_vpc) == vpc.key else "accepter"
        return passed(CHECK_ID, route.holder,
                      f"{table.source.address} belongs to {vpc.source.address}, the {side} of {peering.source.address}.",
                      related=(peering.source,), subject=subject)
    sides = (peering.requester_vpc, peering.accepter_vpc)
    missing = []
    for role, ref in zip(("requester", "accepter"), sides, strict=True):
        if ref is None or isinstance(ref, Unknown):
            missing.append(f"the {role} VPC of {peering.source.address}: "
                           + (ref.describe() if isinstance(ref, Unknown) else "not set"))
        elif estate.vpc(ref) is None and not _distinct_from_literal(vpc):
            # a literal id outside the scan might be this very VPC when its id is not known here
            missing.append(f"whether {ref} ({role} of {peering.source.address}) is {vpc.source.address}: "
                           f"the id of {vpc.source.address} is not known")
    if missing:
        return cannot_tell(CHECK_ID, route.holder, f"Cannot tell whether {label} is in a VPC of its peering.",
                           missing, related=(peering.source,), subject=subject)
    requester, accepter = (vpc_name(estate, ref) for ref in sides)
    return failed(
        CHECK_ID,
        route.holder,
        f"{label} is in {table.source.address} of {vpc.source.address}, but {peering.source.address} joins "
        f"{requester} and {accepter}. A VPC can send traffic only over its own peering connections; AWS rejects "
        f"a route to a peering connection the table's VPC is not part of (VPC Peering Guide, peering basics).",
        related=(peering.source, vpc.source) + tuple(v.source for v in (estate.vpc(r) for r in sides) if v),
        fix=f"Move the route to a route table of {requester} or {accepter}, or target the peering connection "
            f"that joins {vpc.source.address} to the destination's VPC (create one if none exists).",
        subject=subject,
    )


def evaluate(estate: Estate, settings: Settings) -> Iterator[Finding]:
    for route in estate.routes():
        if route.via_peering:
            yield judge_route(estate, route)
