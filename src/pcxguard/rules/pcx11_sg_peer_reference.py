"""CKV2_PCX_11: a security-group reference to another VPC needs a peering with that VPC, and the
``ACCOUNT/sg-...`` form when the peer is in another account
(VPC Peering Guide, "Update your security groups to reference peer security groups")."""

from __future__ import annotations

from typing import Iterator

from pcxguard.findings import Finding, cannot_tell, failed, passed
from pcxguard.model import Estate, Maybe, PeeringConnection, SecurityGroupRule, Vpc, is_known, same
from pcxguard.rules._sg_reference import Reference, resolve
from pcxguard.rules._gaps import incomplete
from pcxguard.settings import Settings
from pcxguard.syntax import phrase

CHECK_ID = "CKV2_PCX_11"


def peerings_between(estate: Estate, a: Vpc, b: Vpc) -> list[PeeringConnection]:
    return [p for p in estate.peerings_of(a) if estate.vpc(estate.other_side(p, a)) is b]


def _account_written(rule: SecurityGroupRule) -> str | None:
    """The account the reference names: ``ACCOUNT/sg-...`` or a separate owner id (CloudFormation)."""
    if isinstance(rule.referenced_owner, str) and rule.referenced_owner:
        return rule.referenced_owner
    if isinstance(rule.referenced_group, str) and "/" in rule.referenced_group and \
            rule.referenced_group.split("/", 1)[0].isdigit():
        return rule.referenced_group.split("/", 1)[0]
    return None


def _accounts(estate: Estate, own_vpc: Vpc, their_vpc: Vpc, peering: PeeringConnection) -> tuple[Maybe[str], Maybe[str]]:
    """(own account, their account): the VPCs' own accounts, else the peering's sides."""
    requester, accepter = estate.peering_accounts(peering)
    own_is_requester = estate.canonical(peering.requester_vpc) == own_vpc.key
    own = own_vpc.account if is_known(own_vpc.account) else (requester if own_is_requester else accepter)
    theirs = their_vpc.account if is_known(their_vpc.account) else (accepter if own_is_requester else requester)
    if not is_known(own) and not is_known(theirs) and peering.peer_owner_id is None:
        return "the requester's account", "the requester's account"  # peer_owner_id unset: one account
    return own, theirs


def judge(estate: Estate, rule: SecurityGroupRule) -> Finding | None:
    found = resolve(estate, rule, CHECK_ID)
    if not isinstance(found, Reference):
        return found
    label, subject = found.label, rule.key
    own, theirs, own_vpc, their_vpc = found.own, found.theirs, found.own_vpc, found.their_vpc
    regions_known = is_known(own_vpc.region) and is_known(their_vpc.region)
    if regions_known and own_vpc.region != their_vpc.region:
        return passed(CHECK_ID, rule.holder,
                      f"{label} references a group in another region; CKV2_PCX_4 judges that.", subject=subject)
    peerings = peerings_between(estate, own_vpc, their_vpc)
    gaps = incomplete(estate, ("peerings",), (own_vpc, their_vpc)) if not peerings else []
    if gaps:
        return cannot_tell(CHECK_ID, rule.holder,
                           f"{label} references {theirs.source.address} in {their_vpc.source.address}; the scan sees "
                           f"no peering between it and {own_vpc.source.address}, but not every peering.",
                           gaps, related=(theirs.source,), subject=subject)
    if not peerings:
        where = "in the same region" if regions_known else "in another VPC"
        return failed(
            CHECK_ID, rule.holder,
            f"{label} references {theirs.source.address} in {their_vpc.source.address}, {where}, but "
            f"{own_vpc.source.address} (the VPC of {own.source.address}) has no peering connection with "
            f"{their_vpc.source.address}. A rule may reference a group of another VPC only across an active "
            "peering connection; otherwise AWS rejects the rule (VPC Peering Guide, security groups).",
            related=(theirs.source, own_vpc.source, their_vpc.source),
            fix=f"Peer {own_vpc.source.address} with {their_vpc.source.address} ({phrase(rule.holder, 'peering_resource')}, "
                f"with routes both ways), or replace the reference to {theirs.source.address} with the CIDR blocks "
                "the traffic comes from.",
            subject=subject,
        )
    peering = peerings[0]
    mine, others = _accounts(estate, own_vpc, their_vpc, peering)
    written = _account_written(rule)
    verdict = same(mine, others)  # "the account of provider aws" is the same account as itself
    if verdict is not None:
        if verdict:
            return passed(CHECK_ID, rule.holder,
                          f"{label} references {theirs.source.address} across {peering.source.address} "
                          "within one account.", related=(peering.source,), subject=subject)
        if written == others:
            return passed(CHECK_ID, rule.holder,
                          f"{label} references {theirs.source.address} as {others}/... across the cross-account "
                          f"{peering.source.address}.", related=(peering.source,), subject=subject)
        if written is None and not rule.reference_text_known:
            return cannot_tell(
                CHECK_ID, rule.holder,
                f"{label} references {theirs.source.address} across the cross-account {peering.source.address}; "
                f"cannot tell whether it is written {others}/sg-....",
                [f"the written form of the reference in {label}: a plan shows only that it refers to "
                 f"{theirs.source.address}; scan the Terraform source (checkov -d) to see the text"],
                related=(peering.source,), subject=subject)
        wrote = f"names account {written}" if written else "gives no account"
        return failed(
            CHECK_ID, rule.holder,
            f"{label} references {theirs.source.address}, a group of account {others}, across the cross-account "
            f"{peering.source.address} from account {mine}, but {wrote}. A peer account's group must be written "
            f"{others}/sg-...; without the account AWS looks for the group in the rule's own account and rejects "
            "the rule (VPC Peering Guide, security groups).",
            related=(theirs.source, peering.source),
            fix=f"Write the reference as \"{others}/<id of {theirs.source.address}>\" (Terraform: "
                f"\"{others}/${{{theirs.source.address}.id}}\"; CloudFormation: SourceSecurityGroupOwnerId {others}).",
            subject=subject,
        )
    if written is not None:
        return passed(CHECK_ID, rule.holder,
                      f"{label} references {theirs.source.address} with its account ({written}/...).",
                      related=(peering.source,), subject=subject)
    return cannot_tell(
        CHECK_ID, rule.holder, f"Cannot tell whether {peering.source.address} crosses accounts, so whether {label} "
        f"must write the reference as ACCOUNT/sg-....",
        [f"the account of {v}: {a.describe()}" for v, a in ((own_vpc.source.address, mine),  # type: ignore[union-attr]
                                                              (their_vpc.source.address, others)) if not is_known(a)],
        related=(peering.source,), subject=subject)


def evaluate(estate: Estate, settings: Settings) -> Iterator[Finding]:
    for rule in estate.sg_rules:
        finding = judge(estate, rule)
        if finding is not None:
            yield finding
