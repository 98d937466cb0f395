"""VPCs, their address blocks and DNS flags, and subnets: facts -> ``Vpc``, ``CidrBlock``, ``Subnet``.

A block is described by ``BlockFacts``; the one order of translation for every format is:
a block written as text is validated (``common.network``); else an Amazon-provided IPv6 block is an
explicit Unknown (``amazon_provided``: globally unique, it never overlaps); else a block allocated from
an IPAM pool at apply or deployment time is the Unknown the loader words; else what is written
(an Unknown as given, nothing when unset, a problem when set but resolving to nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from pcxguard.mapping.common import Origin, checked, network, present_network
from pcxguard.model import CidrBlock, Estate, Subnet, Unknown, Vpc


@dataclass(frozen=True)
class BlockFacts:
    """What the input says about one address block."""

    value: Any = None  # as written: CIDR text, an Unknown, None (unset)
    attribute: str = "cidr_block"  # its name in the input, for messages (``cidr_block``, ``CidrBlock``)
    written: bool = False  # the input sets it: resolving to no value is then a problem
    amazon: bool = False  # Amazon provides it (IPv6)
    allocated: Unknown | None = None  # allocated from an IPAM pool when applied: what the scan cannot know


def map_vpc(estate: Estate, key: str, origin: Origin, *, aws_id: Any, region: Any, account: Any,
            blocks: Iterable[tuple[BlockFacts, str]] = (), dns_support: tuple[str, Any] = ("", None),
            dns_hostnames: tuple[str, Any] = ("", None), created: bool = False) -> Vpc:
    """A VPC of the estate (``key``) with the blocks it declares itself, each ``(facts, role)``, and its
    DNS flags, each ``(attribute, value)``; ``created``: the change creates it (it has no id yet)."""
    vpc = Vpc(key, origin.source, aws_id=aws_id, region=region, account=account)
    vpc.created = created
    for facts, role in blocks:
        add_block(vpc, origin, facts, role)
    set_dns(vpc, origin, dns_support, dns_hostnames)
    estate.vpcs[key] = vpc
    return vpc


def add_block(vpc: Vpc, origin: Origin, facts: BlockFacts, role: str) -> CidrBlock | None:
    """The block ``facts`` describe, added to ``vpc`` in ``role`` ("primary", "secondary", "ipv6"),
    declared by ``origin`` (the VPC, or an association); None when there is none."""
    value = facts.value
    if isinstance(value, str) and value:
        found: Any = network(origin, value, facts.attribute)
    elif facts.amazon:
        block = CidrBlock(Unknown(f"Amazon-provided IPv6 block of {vpc.source.address}"), role, origin.source,
                          amazon_provided=True)
        vpc.blocks.append(block)
        return block
    elif facts.allocated is not None:
        found = facts.allocated
    elif facts.written:
        found = present_network(origin, value, facts.attribute)
    else:
        found = network(origin, value, facts.attribute)
    if found is None:
        return None
    block = CidrBlock(found, role, origin.source)
    vpc.blocks.append(block)
    return block


def set_dns(vpc: Vpc, origin: Origin, support: tuple[str, Any], hostnames: tuple[str, Any]) -> None:
    """The VPC's DNS support and hostnames flags, each ``(attribute, value)``: unset keeps AWS's default
    (support on, hostnames off), anything but a boolean or an Unknown is a problem and an Unknown."""
    for (attribute, value), field_name in ((support, "dns_support"), (hostnames, "dns_hostnames")):
        if value is not None:
            setattr(vpc, field_name, checked(origin, attribute, value, bool))


def new_subnet(estate: Estate, key: str, origin: Origin, *, vpc: Any, aws_id: Any,
               blocks: Iterable[tuple[Any, str]]) -> Subnet:
    """A subnet of the estate with its blocks, each ``(value, attribute)`` validated; unset ones left out."""
    subnet = Subnet(key, origin.source, vpc=vpc, aws_id=aws_id)
    for value, attribute in blocks:
        found = network(origin, value, attribute)
        if found is not None:
            subnet.blocks.append(found)
    estate.subnets[key] = subnet
    return subnet
