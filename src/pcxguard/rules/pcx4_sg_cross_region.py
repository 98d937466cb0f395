"""CKV2_PCX_4: no security-group references across an inter-region peering
(VPC Peering Guide, "Update your security groups to reference peer security groups")."""

from __future__ import annotations

from typing import Iterator

from pcxguard.findings import Finding, cannot_tell, failed, passed
from pcxguard.model import Estate, SecurityGroupRule, is_known, place_text, same
from pcxguard.rules._describe import block_list
from pcxguard.rules._sg_reference import Reference, resolve
from pcxguard.settings import Settings

CHECK_ID = "CKV2_PCX_4"


def judge(estate: Estate, rule: SecurityGroupRule) -> Finding | None:
    found = resolve(estate, rule, CHECK_ID)
    if not isinstance(found, Reference):
        return found
    label, subject = found.label, rule.key
    own, theirs, own_vpc, their_vpc = found.own, found.theirs, found.own_vpc, found.their_vpc
    verdict = same(own_vpc.region, their_vpc.region)  # "the region of provider aws" is the same as itself
    if verdict is None:
        return cannot_tell(CHECK_ID, rule.holder, f"Cannot tell whether {label} crosses regions.",
                           [f"region of {v.source.address}: {v.region.describe()}"  # type: ignore[union-attr]
                            for v in (own_vpc, their_vpc) if not is_known(v.region)], subject=subject)
    if verdict:
        return passed(CHECK_ID, rule.holder,
                      f"{label} references {theirs.source.address} in the same region ({place_text(own_vpc.region)}).",
                      subject=subject)
    peerings = [p for p in estate.peerings_of(own_vpc) if estate.other_side(p, own_vpc) is not None
                and estate.vpc(estate.other_side(p, own_vpc)) is their_vpc]
    via = f" across {peerings[0].source.address}" if peerings else ""
    peer_blocks = block_list(their_vpc, 4)
    return failed(
        CHECK_ID,
        rule.holder,
        f"{label} references {theirs.source.address} in {their_vpc.source.address} ({their_vpc.region}) from "
        f"{own.source.address} in {own_vpc.source.address} ({own_vpc.region}){via}. AWS accepts a reference to a "
        "peer VPC's security group only when the peering is within one region; across regions the rule is "
        "rejected (VPC Peering Guide, security groups).",
        related=tuple([theirs.source, their_vpc.source] + [p.source for p in peerings]),
        fix=f"Replace the reference to {theirs.source.address} with the peer VPC's CIDR block(s) {peer_blocks} "
        "(cidr_blocks / cidr_ipv4 / CidrIp).",
        subject=subject,
    )


def evaluate(estate: Estate, settings: Settings) -> Iterator[Finding]:
    for rule in estate.sg_rules:
        finding = judge(estate, rule)
        if finding is not None:
            yield finding
