"""CKV2_PCX_8: every peering request must be accepted somewhere
(VPC Peering Guide, lifecycle: an unaccepted request expires after 7 days; Terraform provider:
``auto_accept`` works only within one account and region)."""

from __future__ import annotations

from typing import Iterator

from pcxguard.facts import crossing
from pcxguard.findings import Finding, cannot_tell, failed, passed
from pcxguard.model import Estate, Maybe, PeeringConnection, Unknown, is_known, place_text, same
from pcxguard.rules._describe import vpc_name
from pcxguard.rules._gaps import incomplete
from pcxguard.settings import Settings

CHECK_ID = "CKV2_PCX_8"
ACCEPTER_TAG = "pcxguard:accepter"


def documented_reason(peering: PeeringConnection, settings: Settings) -> str | None:
    if peering.reason_unaccepted:
        return f"tag {ACCEPTER_TAG} = \"{peering.reason_unaccepted}\""
    names = {peering.source.address}
    if isinstance(peering.aws_id, str):
        names.add(peering.aws_id)
    for name, where in settings.accepted_elsewhere:
        if name in names:
            return f"accepted_elsewhere in .pcxguard.yaml: \"{where}\""
    return None


def judge_cloudformation(estate: Estate, peering: PeeringConnection) -> Finding:
    """CloudFormation accepts the request itself: within one account with no role, across accounts
    through ``PeerRoleArn`` (CloudFormation reference, AWS::EC2::VPCPeeringConnection)."""
    name = peering.source.address
    if peering.peer_role_arn is not None:
        return passed(CHECK_ID, peering.source, f"{name} is accepted by the stack through PeerRoleArn.")
    mine, theirs = estate.peering_accounts(peering)
    if peering.peer_owner_id is None or same(mine, theirs):
        return passed(CHECK_ID, peering.source, f"{name} stays within one account, so CloudFormation accepts it.")
    if is_known(mine) and is_known(theirs):
        return failed(
            CHECK_ID, peering.source,
            f"{name} requests a peering from account {mine} to account {theirs} without PeerRoleArn. Across "
            "accounts CloudFormation can accept the request only by assuming a role in the accepter's account; "
            "without it the request stays pending and the stack fails to stabilize (CloudFormation reference, "
            "AWS::EC2::VPCPeeringConnection).",
            fix=f"Set PeerRoleArn on {name} to a role in account {theirs} that allows "
                "ec2:AcceptVpcPeeringConnection for the requester account.",
        )
    return cannot_tell(CHECK_ID, peering.source, f"Cannot tell whether {name} crosses accounts without PeerRoleArn.",
                       [f"the {role} account: {v.describe()}" for role, v in (("requester", mine), ("accepter", theirs))
                        if isinstance(v, Unknown)])


def _misplaced_accepters(estate: Estate, peering: PeeringConnection) -> Finding | None:
    """FAILED when every accepter in the scan acts in an account known to differ from the one the request
    goes to: only the owner of the accepter VPC can accept a request (VPC Peering Guide, accepting a
    request). An accepter whose account is not known is not judged here."""
    _, theirs = estate.peering_accounts(peering)
    acting = dict((s.address, account) for s, account in peering.accepter_accounts)
    if not peering.accepters or any(same(acting.get(s.address), theirs) is not False for s in peering.accepters):
        return None
    name = peering.source.address
    _, accepter_vpc = estate.peering_sides(peering)
    if accepter_vpc is not None and is_known(accepter_vpc.account):
        why = f" (the account of {accepter_vpc.source.address})"
    elif peering.peer_owner_id is not None:
        why = " (its peer_owner_id)"
    else:
        why = " (the requester's own: peer_owner_id is unset)"
    which = "its only accepter in the scan cannot" if len(peering.accepters) == 1 else \
        "none of its accepters in the scan can"
    where = "; ".join(f"{s.address} acts in account {place_text(acting[s.address])}" for s in peering.accepters)
    return failed(
        CHECK_ID, peering.source,
        f"{name} goes to account {place_text(theirs)}{why}, but {which} accept it: {where}. Only the owner of "
        "the accepter VPC can accept a peering request; the request stays pending-acceptance and expires after "
        "7 days (VPC Peering Guide, lifecycle).",
        related=tuple(peering.accepters),
        fix=f"Give the accepter of {name} the provider of account {place_text(theirs)} (the accepter VPC's owner), "
            "or correct peer_owner_id if the accepter VPC is in the accepter's account.",
    )


def judge(estate: Estate, peering: PeeringConnection, settings: Settings) -> Finding:
    name = peering.source.address
    if peering.creator_accepts and peering.auto_accept is None and not peering.accepters:
        return judge_cloudformation(estate, peering)
    pair = f"{vpc_name(estate, peering.requester_vpc)} and {vpc_name(estate, peering.accepter_vpc)}"
    crosses, how, unknown = crossing(estate, peering)
    auto: Maybe[bool] | None = peering.auto_accept
    accepters = ", ".join(s.address for s in peering.accepters)
    if auto is True and crosses:
        return failed(
            CHECK_ID, peering.source,
            f"{name} sets auto_accept = true but joins {pair} across {'; '.join(how)}. auto_accept works only when "
            "both VPCs are in the same account and region; the provider rejects it otherwise (Terraform AWS provider, "
            "aws_vpc_peering_connection).",
            fix=f"Remove auto_accept from {name} and accept the request in the accepter's account and region with an "
                "aws_vpc_peering_connection_accepter (provider for that account/region) that sets auto_accept = true.",
        )
    if peering.accepters:
        misplaced = _misplaced_accepters(estate, peering)
        if misplaced is not None:
            return misplaced
        return passed(CHECK_ID, peering.source, f"{name} is accepted by {accepters}.",
                      related=tuple(peering.accepters))
    reason = documented_reason(peering, settings)
    if reason is not None:
        return passed(CHECK_ID, peering.source, f"{name} is accepted outside the scan ({reason}).")
    gaps = incomplete(estate, ("peerings",), (peering.requester_vpc, peering.accepter_vpc, peering.key))
    if gaps and (crosses or (crosses is False and auto is not True and settings.require_acceptance_same_account)):
        return cannot_tell(CHECK_ID, peering.source,
                           f"Nothing the scan sees accepts {name}, but the scan does not see every peering resource.",
                           gaps)
    unplaced = estate.gaps_in("accepters")
    if unplaced and auto is not True:
        return cannot_tell(CHECK_ID, peering.source, f"Cannot tell whether {name} is accepted: an accepter in the "
                                                     "scan names a peering that is not known.",
                           [gap.describe() for gap in unplaced])
    if crosses:
        return failed(
            CHECK_ID, peering.source,
            f"{name} joins {pair} across {'; '.join(how)}, and nothing in the scan accepts it: no "
            f"aws_vpc_peering_connection_accepter or aws_vpc_peering_connection_options for it and no documented "
            "reason. The request stays pending-acceptance and expires after 7 days (VPC Peering Guide, lifecycle).",
            fix=f"Add an aws_vpc_peering_connection_accepter for {name} with the accepter's provider "
                "(its account and region) and auto_accept = true; if it is accepted in another configuration, say "
                f"where with the tag {ACCEPTER_TAG} = \"<where>\" on {name} or an accepted_elsewhere entry in "
                ".pcxguard.yaml.",
        )
    if isinstance(auto, Unknown):
        return cannot_tell(CHECK_ID, peering.source, f"Cannot tell whether {name} is accepted.",
                           [f"auto_accept of {name}: {auto.describe()}"])
    if crosses is None:
        return cannot_tell(
            CHECK_ID, peering.source,
            f"Cannot tell whether {name} crosses accounts or regions"
            + (" (auto_accept = true works only within one)." if auto is True else ", and nothing accepts it."),
            unknown + [f"or accept it in the scan, or document where with the tag {ACCEPTER_TAG}"] if auto is not True
            else unknown)
    if auto is True:
        return passed(CHECK_ID, peering.source, f"{name} joins {pair} within one account and region and is auto-accepted.")
    if not settings.require_acceptance_same_account:
        return passed(CHECK_ID, peering.source,
                      f"{name} joins {pair} within one account and region (require_acceptance_same_account is off).")
    return failed(
        CHECK_ID, peering.source,
        f"{name} joins {pair} within one account and region but neither sets auto_accept nor has an accepter in the "
        "scan. The request stays pending-acceptance and expires after 7 days (VPC Peering Guide, lifecycle).",
        fix=f"Set auto_accept = true on {name}, or document where it is accepted with the tag {ACCEPTER_TAG}.",
    )


def evaluate(estate: Estate, settings: Settings) -> Iterator[Finding]:
    for peering in estate.peerings.values():
        yield judge(estate, peering, settings)
