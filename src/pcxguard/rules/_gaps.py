"""Where a rule concludes from absence: the gaps (``Estate.gaps_in``) that forbid it.

A rule that says "no route back", "uses the main table", "no peering joins these VPCs" or "nothing
admits ICMP" may say it only when the sets it read are complete. ``incomplete`` names every gap in
those sets, for a "cannot tell" that says what is missing.
"""

from __future__ import annotations

from typing import Iterable

from pcxguard.model import Estate, Maybe, Vpc

KIND_NAMES = {
    "vpc_blocks": "the CIDR blocks",
    "peerings": "the peering connections",
    "subnets": "the subnets",
    "route_tables": "the route tables",
    "associations": "the route table associations",
    "routes": "the routes",
    "security_groups": "the security groups",
    "sg_rules": "the security group rules",
    "acl_rules": "the network ACL rules",
    "acl_associations": "the network ACL associations",
    "hosts": "the instances and launch templates",
}


def incomplete(estate: Estate, kinds: Iterable[str], vpcs: Iterable[Vpc | Maybe[str] | None],
               links: bool = True) -> list[str]:
    """One line per gap in any of ``kinds`` of any of ``vpcs``: which set may be incomplete, and why.

    ``links=False`` leaves out the gaps the model derives from elements it holds with an unknown link
    (``Estate.link_gaps``), for a rule that already judges such an element as "cannot tell" itself
    and counts it (a peering whose side is unknown, for the duplicate and quota checks)."""
    if not estate.gaps and not estate.link_gaps():
        return []  # the usual case: a closed world
    lines: dict[str, None] = {}
    kinds = tuple(kinds)
    derived = set(estate.link_gaps()) if not links else set()
    for vpc in vpcs:
        if vpc is None or not isinstance(vpc, (Vpc, str)):
            continue  # a VPC that cannot be named: the caller already says it is unknown
        name = vpc.source.address if isinstance(vpc, Vpc) else vpc
        for kind in kinds:
            for gap in estate.gaps_in(kind, vpc):
                if gap not in derived:
                    lines[f"{KIND_NAMES[kind]} of {name} may be incomplete: {gap.describe()}"] = None
    return list(lines)
