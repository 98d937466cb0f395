"""CKV2_PCX_16: a peering request must name the place its accepter VPC is in.

``peer_region`` (CloudFormation ``PeerRegion``) defaults to the region the request is made in, and
``peer_owner_id`` (``PeerOwnerId``) to the requester's account; AWS looks for the accepter VPC there,
so a peer VPC in another region or account that the request does not name makes the request fail
(Terraform ``aws_vpc_peering_connection``; CloudFormation ``AWS::EC2::VPCPeeringConnection``; EC2 API
``CreateVpcPeeringConnection``: PeerRegion, PeerOwnerId).

The place the request names is compared with the place the accepter VPC is *declared* in, learnt
independently of the request (its provider, the stack settings, the inventory). A place a loader
inferred from the request itself (``Placed.inferred``) is no evidence either way.
"""

from __future__ import annotations

from typing import Iterator

from pcxguard.facts import requested_place
from pcxguard.findings import Finding, cannot_tell, failed, passed
from pcxguard.model import (
    Estate,
    Maybe,
    PeeringConnection,
    Placed,
    SameAs,
    Unknown,
    Vpc,
    place_text,
    same,
)
from pcxguard.rules._describe import missing_vpc, sentence
from pcxguard.settings import Settings
from pcxguard.syntax import attribute as spelled

CHECK_ID = "CKV2_PCX_16"
_ATTRIBUTES = {
    "region": ("peer_region", "the region the request is made in"),
    "account": ("peer_owner_id", "the requester's account"),
}


def _named(estate: Estate, peering: PeeringConnection, requester: Vpc | None, what: str) -> tuple[Maybe[str], str]:
    """The place the request names for its accepter, and how it names it."""
    name, default = _ATTRIBUTES[what]
    attribute = spelled(peering.source, name)  # as the peering's format spells it
    place, stated = requested_place(peering, requester, what)
    return place, (f"its {attribute}" if stated else f"{default}, as its {attribute} is unset")


def _same_identity(what: str, named: object, how: str, declared: object) -> str:
    """Two places known only by identity, that are one place: say why."""
    why = "; providers with the same credentials act in one account" if isinstance(named, SameAs) and \
        named.identity.startswith("account of credentials") else ""
    if isinstance(named, Unknown) and isinstance(declared, Unknown):
        if named.what == declared.what:
            return f"the same {what} ({named.what}: {how})"
        return f"the same {what} ({named.what}: {how}; and {declared.what}{why})"
    return f"the same {what}"


def _from(value: object, before: str = "; from ", after: str = "") -> str:
    return f"{before}{value.source}{after}" if isinstance(value, Placed) and value.source else ""


def _declared(vpc: Vpc, what: str) -> Maybe[str]:
    value: Maybe[str] = getattr(vpc, what)
    if isinstance(value, Placed) and value.inferred:
        return Unknown(f"the {what} of {vpc.source.address} is known only from a peering request ({value.source})",
                       f"state the {what} of its stack independently, in .pcxguard.yaml "
                       f"(cloudformation.stacks.<template>.{what}) or in the inventory")
    return value


def judge(estate: Estate, peering: PeeringConnection) -> Finding:
    name = peering.source.address
    requester, accepter = estate.peering_sides(peering)
    if accepter is None:
        return cannot_tell(CHECK_ID, peering.source,
                           f"Cannot tell whether {name} names the place its accepter VPC is in.",
                           [missing_vpc(estate, peering.accepter_vpc, "accepter")])
    wrong: list[str] = []
    missing: list[str] = []
    right: list[str] = []
    for what in ("region", "account"):
        named, how = _named(estate, peering, requester, what)
        declared = _declared(accepter, what)
        verdict = same(named, declared)
        if verdict is False:
            wrong.append(f"it names {what} {named} ({how}{_from(named)}), but {accepter.source.address} is "
                         f"declared in {what} {declared}{_from(declared, ' (from ', ')')}")
        elif verdict is True:
            right.append(f"{what} {named}{_from(declared, ' (from ', ')')}" if isinstance(named, str) else
                         _same_identity(what, named, how, declared))
        else:
            missing.extend(
                f"the {what} {role}: {value.describe()}" for role, value in
                ((f"{name} names ({how})", named), (f"of {accepter.source.address}", declared))
                if isinstance(value, Unknown))
            if not any(isinstance(v, Unknown) for v in (named, declared)):  # two identities, values unknown
                missing.append(f"whether {place_text(named)} and {place_text(declared)} are one {what}")
    if wrong:
        fix = []
        if any(w.startswith("it names region") for w in wrong):
            fix.append(f"set {spelled(peering.source, 'peer_region')} on {name} "
                       f"to the region of {accepter.source.address}")
        if any(w.startswith("it names account") for w in wrong):
            fix.append(f"set {spelled(peering.source, 'peer_owner_id')} on "
                       f"{name} to the account of {accepter.source.address}")
        attributes = f"{spelled(peering.source, 'peer_region')} / {spelled(peering.source, 'peer_owner_id')}"
        return failed(
            CHECK_ID, peering.source,
            f"{name} requests a peering with {accepter.source.address}: {'; and '.join(wrong)}. AWS looks for "
            "the accepter VPC in the region and account the request names (the request's own region and account "
            f"when {attributes} are unset), so the request fails (Terraform AWS provider, "
            "aws_vpc_peering_connection; CloudFormation AWS::EC2::VPCPeeringConnection PeerRegion / PeerOwnerId).",
            related=(accepter.source,),
            fix=sentence("; ".join(fix)),
        )
    if missing:
        return cannot_tell(CHECK_ID, peering.source,
                           f"Cannot tell whether {name} names the place {accepter.source.address} is in"
                           + (f" (its {' and '.join(right)} matches)." if right else "."), missing,
                           related=(accepter.source,))
    return passed(CHECK_ID, peering.source,
                  f"{name} names the place {accepter.source.address} is declared in: {' and '.join(right)}.",
                  related=(accepter.source,))


def evaluate(estate: Estate, settings: Settings) -> Iterator[Finding]:
    for peering in estate.peerings.values():
        yield judge(estate, peering)
