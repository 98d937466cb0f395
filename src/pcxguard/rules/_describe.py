"""Shared wording for messages: how to name things and what is missing."""

from __future__ import annotations

from typing import Iterable

from netaddr import IPNetwork, IPSet

from pcxguard.model import Estate, Maybe, Route, Unknown, Vpc, is_known

from pcxguard.facts import INVENTORY_HINT, missing_vpc  # what is missing, worded once (rules import it from here)

__all__ = ["INVENTORY_HINT", "block_list", "cidrs", "missing_vpc", "route_label", "vpc_name"]


def sentence(text: str) -> str:
    """``text`` as a sentence: its first letter upper case, a full stop at the end. Only the first letter
    changes (``str.capitalize`` lowered the rest: ``VpcPeering`` became ``vpcpeering`` in fix texts)."""
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def cidrs(networks: Iterable[IPNetwork] | IPSet) -> str:
    items = list(networks.iter_cidrs()) if isinstance(networks, IPSet) else list(networks)
    return ", ".join(str(n) for n in items) or "(none)"


def block_list(vpc: Vpc, version: int) -> str:
    known = [str(b.network) for b in vpc.blocks_of(version) if is_known(b.network)]
    return ", ".join(known) or "(none)"


def route_label(route: Route) -> str:
    """A route as a reader finds it: the aws_route itself, or the inline route inside its table."""
    if route.holder.resource_type in ("aws_route", "AWS::EC2::Route"):
        return route.holder.address
    destination = route.destination if route.destination is not None and is_known(route.destination) else None
    return f"the route to {destination or route.prefix_list or 'an unknown destination'} in {route.holder.address}"


def vpc_name(estate: Estate, ref: Maybe[str] | None) -> str:
    """A VPC reference named for a message: its address when in the scan, else the reference itself."""
    vpc = estate.vpc(ref)
    if vpc is not None:
        return vpc.source.address
    if isinstance(ref, Unknown):
        return f"an unknown VPC ({ref.what})"
    return str(ref)
