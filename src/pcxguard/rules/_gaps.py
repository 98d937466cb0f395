"""Where a rule concludes from absence: the gaps (``Estate.gaps_in``) that forbid it.

A rule that says "no route back", "uses the main table", "no peering joins these VPCs" or "nothing
admits ICMP" may say it only when the sets it read are complete. ``incomplete`` names every gap in
those sets, for a "cannot tell" that says what is missing.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Iterable

from pcxguard.model import Estate, Gap, Maybe, Vpc

# A finding names at most this many gaps, then how many more there are. An estate with thousands of
# gaps (a module's instances tfparse did not evaluate) made every "cannot tell" list all of them:
# output quadratic in the estate (4.5 million lines at 400 VPCs, out of memory at 1,000).
MAX_LISTED = 10

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
    more = 0
    kinds = tuple(kinds)
    index = _index(estate)
    # the index holds the loaders' gaps first, then the link gaps: links=False stops before those
    end = None if links else len(estate.gaps)
    for vpc in vpcs:
        if vpc is None or not isinstance(vpc, (Vpc, str)):
            continue  # a VPC that cannot be named: the caller already says it is unknown
        name = vpc.source.address if isinstance(vpc, Vpc) else vpc
        key = vpc.key if isinstance(vpc, Vpc) else estate.canonical(vpc)
        for kind in kinds:
            entry = index.get(kind)
            if entry is None:
                continue
            anywhere, per_vpc, every = entry
            own = per_vpc.get(key, [])
            last = -1
            for position in heapq.merge(anywhere, own):
                if (end is not None and position >= end) or len(lines) >= MAX_LISTED:
                    break
                last = position
                lines[f"{KIND_NAMES[kind]} of {name} may be incomplete: {every[position].describe()}"] = None
            # the rest are counted, not read: a finding costs the same with ten gaps or ten thousand
            for positions in (anywhere, own):
                stop = len(positions) if end is None else bisect.bisect_left(positions, end)
                more += max(0, stop - bisect.bisect_right(positions, last))
    if more:
        lines[f"and {more:,} more gap(s) like these, not listed here (each is a block the scan could not "
              "expand or place; the ones above say how to supply them)"] = None
    return list(lines)


def _index(estate: Estate) -> dict[str, tuple[list[int], dict[str | None, list[int]], list[Gap]]]:
    """kind -> (positions of the gaps that may belong to any VPC, positions per VPC key, every gap):
    ``Estate.gaps_in`` for many VPCs without reading every gap each time (it was findings x gaps)."""

    def build() -> dict[str, tuple[list[int], dict[str | None, list[int]], list[Gap]]]:
        found: dict[str, tuple[list[int], dict[str | None, list[int]], list[Gap]]] = {}
        for gap in (*estate.gaps, *estate.link_gaps()):
            anywhere, per_vpc, every = found.setdefault(gap.kind, ([], {}, []))
            position = len(every)
            every.append(gap)
            if gap.vpc is None:
                anywhere.append(position)
            else:
                per_vpc.setdefault(estate.canonical(gap.vpc), []).append(position)
        return found

    # gaps recorded after the index was built (a loader appending) give a new index
    return estate.derived(("rules._gaps.index", len(estate.gaps)), build)


def _gaps_in(index: dict[str, tuple[list[int], dict[str | None, list[int]], list[Gap]]], kind: str,
             key: str | None) -> list[Gap]:
    """What ``estate.gaps_in(kind, vpc)`` gives, in the same order, from the index."""
    entry = index.get(kind)
    if entry is None:
        return []
    anywhere, per_vpc, every = entry
    own = per_vpc.get(key, [])
    positions = sorted(anywhere + own) if anywhere and own else (own or anywhere)
    return [every[p] for p in positions]
