"""Peering connections: facts -> ``PeeringConnection``, its request as written, accepters, DNS options.

One translation for every format: the request records what it names for its accepter
(``PeeringRequest``) before anything the loader later learns about the peer's place (an accepter's
region, another stack's) fills in ``peer_region``; an accepter in another region than the request
names that region; a DNS option is only "set" by a resource that sets it, with where that resource acts.
Values arrive checked (``common.checked``): the caller knows the order its format reads them in.
"""

from __future__ import annotations

from typing import Any

from pcxguard.mapping.common import Origin
from pcxguard.model import Estate, PeeringConnection, PeeringOptions, PeeringRequest, Source, Unknown

_AS_STATED = object()  # the request names the account it states as the peer's owner


def map_peering(estate: Estate, key: str, origin: Origin, *, requester_vpc: Any, accepter_vpc: Any, aws_id: Any,
                region: Any, account: Any, peer_region: Any, peer_owner_id: Any, requested_owner: Any = _AS_STATED,
                auto_accept: Any = None, peer_role_arn: Any = None, creator_accepts: bool = False,
                requester_options: PeeringOptions | None = None, accepter_options: PeeringOptions | None = None,
                reason_unaccepted: str | None = None) -> PeeringConnection:
    """A peering of the estate. ``peer_owner_id``: the account the accepter is in, as far as the input
    says; ``requested_owner``: the account the request itself names when that differs (CloudFormation's
    PeerOwnerId, where ``peer_owner_id`` may come from PeerRoleArn); ``creator_accepts``: what creates the
    request accepts it too (a CloudFormation stack does)."""
    peering = PeeringConnection(
        key, origin.source, requester_vpc=requester_vpc, accepter_vpc=accepter_vpc, aws_id=aws_id, region=region,
        peer_region=peer_region, account=account, peer_owner_id=peer_owner_id, auto_accept=auto_accept,
        requester_options=requester_options or PeeringOptions(), accepter_options=accepter_options or PeeringOptions(),
        peer_role_arn=peer_role_arn, creator_accepts=creator_accepts, reason_unaccepted=reason_unaccepted)
    # what the request names, before accepters or other stacks add to what is known of the peer's place
    peering.request = PeeringRequest(peer_region, peer_owner_id if requested_owner is _AS_STATED else requested_owner)
    estate.peerings[key] = peering
    return peering


def dns_options(value: Any, set_by: Source, region: Any, account: Any) -> PeeringOptions:
    """The DNS resolution option one side's settings give (None: not set there), set by ``set_by``,
    acting in ``region`` and ``account``."""
    if value is None:
        return PeeringOptions()
    return PeeringOptions(value, set_by, set_in_region=region, set_in_account=account)


def set_options(peering: PeeringConnection, side: str, options: PeeringOptions) -> None:
    """``options`` for ``side`` ("requester" / "accepter") when a resource sets them."""
    if options.set_by is not None:
        setattr(peering, f"{side}_options", options)


def accept(peering: PeeringConnection, accepter: Source, options: PeeringOptions, region: Any,
           account: Any = None) -> None:
    """An accepter of ``peering`` in the scan, acting in ``region`` and ``account`` (None: not known to the
    format), with the accepter side's options."""
    peering.accepters.append(accepter)
    if account is not None:
        peering.accepter_accounts.append((accepter, account))
    set_options(peering, "accepter", options)
    if peering.peer_region is None or isinstance(peering.peer_region, Unknown):
        if isinstance(region, str) and region != peering.region:
            peering.peer_region = region
