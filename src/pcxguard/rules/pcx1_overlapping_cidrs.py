"""CKV2_PCX_1: peered VPCs must not have overlapping CIDR blocks (VPC Peering Guide, limitations)."""

from __future__ import annotations

from typing import Iterator

from pcxguard.facts import INVENTORY_HINT, own_place, requested_place
from pcxguard.findings import Finding, cannot_tell, failed, passed
from pcxguard.model import CidrBlock, Estate, PeeringConnection, Vpc, is_known, place_text, same
from pcxguard.rules._describe import missing_vpc
from pcxguard.rules._gaps import incomplete
from pcxguard.settings import Settings
from pcxguard.syntax import attribute as spelled

CHECK_ID = "CKV2_PCX_1"


def overlapping_pairs(a: Vpc, b: Vpc) -> list[tuple[CidrBlock, CidrBlock]]:
    pairs = []
    for version in (4, 6):
        for mine in a.blocks_of(version):
            if not is_known(mine.network):
                continue
            for theirs in b.blocks_of(version):
                if is_known(theirs.network) and (mine.network in theirs.network or theirs.network in mine.network):
                    pairs.append((mine, theirs))
    return pairs


def _block(block: CidrBlock) -> str:
    role = {"primary": "primary block", "secondary": "secondary block", "ipv6": "IPv6 block"}[block.role]
    return f"{block.network} ({role}, declared by {block.declared_by.address})"


def _place(what: str, value: object) -> str:
    """``region eu-west-1`` for a value, ``the account of provider aws`` for one known only by identity."""
    return f"{what} {place_text(value)}" if isinstance(value, str) else place_text(value)


def _looked_up_elsewhere(peering: PeeringConnection, requester: Vpc | None) -> tuple[list[str], list[str]]:
    """Where the request names a place for its accepter other than its own (AWS looks for the accepter
    id there), and where it cannot be told: (elsewhere, unsure), each a list of sentences."""
    elsewhere: list[str] = []
    unsure: list[str] = []
    for what, attribute in (("region", "peer_region"), ("account", "peer_owner_id")):
        named, stated = requested_place(peering, requester, what)
        if not stated:
            continue  # unset: the request's own region / account
        own = own_place(peering, requester, what)
        verdict = same(named, own)
        text = (f"{spelled(peering.source, attribute)} of {peering.source.address} names {_place(what, named)}; "
                f"the request is made in {_place(what, own)}")
        if verdict is False:
            elsewhere.append(text)
        elif verdict is None:
            unsure.append(text)
    return elsewhere, unsure


def evaluate(estate: Estate, settings: Settings) -> Iterator[Finding]:
    for peering in estate.peerings.values():
        same = estate.canonical(peering.requester_vpc)
        if same is not None and same == estate.canonical(peering.accepter_vpc):
            name = estate.vpc(same).source.address if estate.vpc(same) is not None else same  # type: ignore[union-attr]
            elsewhere, unsure = _looked_up_elsewhere(peering, estate.vpc(same))
            if elsewhere or unsure:
                # the accepter id is looked up in another region or account (or may be): a VPC found there
                # is not the requester, and the scan does not hold it
                yield cannot_tell(
                    CHECK_ID, peering.source,
                    f"Cannot tell whether {peering.source.address} peers {name} with itself: its accepter has "
                    f"the id of {name}, but the request " + ("looks for it in another region or account"
                                                              if elsewhere else "may look for it in another region "
                                                              "or account") + ", where a VPC is not this one.",
                    [*elsewhere, *unsure,
                     f"the accepter VPC {name} in the place the request names: not in the scan ({INVENTORY_HINT})"])
                continue
            yield failed(
                CHECK_ID,
                peering.source,
                f"{peering.source.address} requests a peering of {name} with itself: its requester and accepter "
                "are the same VPC. A VPC overlaps itself entirely, and AWS refuses the request (VPC Peering Guide, "
                "peering limitations).",
                fix=f"Set peer_vpc_id (PeerVpcId) of {peering.source.address} to the other VPC.",
            )
            continue
        requester, accepter = estate.peering_sides(peering)
        missing = []
        if requester is None:
            missing.append(missing_vpc(estate, peering.requester_vpc, "requester"))
        if accepter is None:
            missing.append(missing_vpc(estate, peering.accepter_vpc, "accepter"))
        if requester is None or accepter is None:
            yield cannot_tell(CHECK_ID, peering.source, "Cannot tell whether the peered VPCs overlap.", missing)
            continue
        pairs = overlapping_pairs(requester, accepter)
        if pairs:
            details = "; ".join(f"{_block(m)} overlaps {_block(t)}" for m, t in pairs)
            declarers = {t.declared_by for _, t in pairs} | {m.declared_by for m, _ in pairs}
            secondary = [b for pair in pairs for b in pair if b.role != "primary"]
            fix = (
                f"Re-address {accepter.source.address} or {requester.source.address} so that no block of one "
                "overlaps a block of the other"
                + (
                    f", or remove the overlapping association ({', '.join(sorted({b.declared_by.address for b in secondary}))})"
                    if secondary
                    else ""
                )
                + "."
            )
            yield failed(
                CHECK_ID,
                peering.source,
                f"{requester.source.address} and {accepter.source.address} overlap: {details}. AWS cannot peer VPCs "
                "whose IPv4 or IPv6 blocks overlap, even when only one of several blocks does; the request fails "
                "(VPC Peering Guide, peering limitations).",
                related=tuple(sorted(declarers | {requester.source, accepter.source}, key=lambda s: s.address)),
                fix=fix,
            )
            continue
        unknown = [b for vpc in (requester, accepter) for v in (4, 6) for b in vpc.unknown_blocks(v)]
        if unknown:
            yield cannot_tell(
                CHECK_ID,
                peering.source,
                "No known blocks overlap, but some blocks are not known yet.",
                [f"{b.role} block declared by {b.declared_by.address}: {b.network.describe()}" for b in unknown],
            )
            continue
        gaps = incomplete(estate, ("vpc_blocks",), (requester, accepter))
        if gaps:
            yield cannot_tell(CHECK_ID, peering.source,
                              "No known blocks overlap, but the scan does not see every block of the two VPCs.", gaps)
            continue
        yield passed(
            CHECK_ID,
            peering.source,
            f"No block of {requester.source.address} overlaps a block of {accepter.source.address}.",
        )
