"""CKV2_PCX_13: remote DNS resolution over a peering needs DNS on both VPCs, and each side's option
set by that side's owner (VPC Peering Guide, "Enable DNS resolution for a VPC peering connection";
Terraform AWS provider, aws_vpc_peering_connection / _accepter / _options)."""

from __future__ import annotations

from typing import Iterator

from pcxguard.facts import crossing
from pcxguard.findings import Finding, cannot_tell, failed, passed
from pcxguard.model import Estate, Maybe, PeeringConnection, PeeringOptions, Unknown, is_known, place_text, same
from pcxguard.rules._describe import missing_vpc, sentence
from pcxguard.settings import Settings

CHECK_ID = "CKV2_PCX_13"
# resource types that act for the requester / accepter side of a peering
REQUESTER_SETTERS = ("aws_vpc_peering_connection", "AWS::EC2::VPCPeeringConnection")
ACCEPTER_SETTERS = ("aws_vpc_peering_connection_accepter",)


def _wrong_side(estate: Estate, peering: PeeringConnection, side: str, options: PeeringOptions,
                where: tuple[Maybe[str], Maybe[str]]) -> tuple[str | None, list[str]]:
    """Why ``options`` is set from a place that cannot set ``side``, or what is unknown."""
    setter = options.set_by
    if setter is None:
        return None, []
    account, region = where
    if side == "accepter" and setter.resource_type in REQUESTER_SETTERS:
        return (f"the accepter {{}} block of {setter.address} is set by the requester, which cannot set the "
                "accepter's side of a cross-account or cross-region peering"), []
    if side == "requester" and setter.resource_type in ACCEPTER_SETTERS:
        return (f"the requester {{}} block of {setter.address} is set from the accepter's side, which cannot set "
                "the requester's side of a cross-account or cross-region peering"), []
    unknown = []
    for what, expected, actual in (("account", account, options.set_in_account), ("region", region, options.set_in_region)):
        if actual is None or expected is None:
            continue
        verdict = same(expected, actual)
        if verdict is False:
            return (f"{setter.address} sets the {side} side from {what} {place_text(actual)}, but the {side} VPC is "
                    f"in {what} {place_text(expected)}"), []
        elif verdict is None and (what == "region" or is_known(expected) or is_known(actual)):
            unknown.append(f"the {what} {setter.address} acts in: "
                           + "; ".join(v.describe() for v in (expected, actual) if isinstance(v, Unknown)))
    return None, unknown


def judge(estate: Estate, peering: PeeringConnection) -> Finding | None:
    asked = {side: getattr(peering, f"{side}_options") for side in ("requester", "accepter")}
    wanted = {side: o for side, o in asked.items() if o.allow_remote_vpc_dns_resolution is True}
    undecided = {side: o for side, o in asked.items() if isinstance(o.allow_remote_vpc_dns_resolution, Unknown)}
    name = peering.source.address
    if not wanted and not undecided:
        return None
    if not wanted:
        return cannot_tell(CHECK_ID, peering.source, f"Cannot tell whether {name} asks for remote DNS resolution.",
                           [f"allow_remote_vpc_dns_resolution ({side}): {o.allow_remote_vpc_dns_resolution.describe()}"
                            for side, o in undecided.items()])
    requester, accepter = estate.peering_sides(peering)
    problems: list[str] = []
    missing: list[str] = []
    related = []
    for role, vpc, ref in (("requester", requester, peering.requester_vpc), ("accepter", accepter, peering.accepter_vpc)):
        if vpc is None:
            missing.append(missing_vpc(estate, ref, role))
            continue
        lacking = [attr for attr, value in (("enable_dns_support", vpc.dns_support),
                                            ("enable_dns_hostnames", vpc.dns_hostnames)) if value is False]
        unknown = [attr for attr, value in (("enable_dns_support", vpc.dns_support),
                                            ("enable_dns_hostnames", vpc.dns_hostnames)) if isinstance(value, Unknown)]
        if lacking:
            problems.append(f"{vpc.source.address} ({role}) has {' and '.join(a + ' = false' for a in lacking)}")
            related.append(vpc.source)
        missing.extend(f"{attr} of {vpc.source.address}" for attr in unknown)
    crosses, how, cross_unknown = crossing(estate, peering)
    sides = {"requester": (estate.peering_accounts(peering)[0], estate.peering_regions(peering)[0]),
             "accepter": (estate.peering_accounts(peering)[1], estate.peering_regions(peering)[1])}
    if crosses:
        for side, options in wanted.items():
            wrong, unknown = _wrong_side(estate, peering, side, options, sides[side])
            if wrong:
                problems.append(wrong)
                if options.set_by is not None:
                    related.append(options.set_by)
            missing.extend(unknown)
    elif crosses is None:
        missing.extend(cross_unknown)
    asked_by = ", ".join(f"{side} (set by {o.set_by.address if o.set_by else name})" for side, o in wanted.items())
    if problems:
        fix = []
        if any("enable_dns" in p for p in problems):
            fix.append("set enable_dns_support = true and enable_dns_hostnames = true on both VPCs")
        if any("side" in p for p in problems):
            fix.append("set each side's allow_remote_vpc_dns_resolution from its own account and region: the "
                       "requester {} block on the aws_vpc_peering_connection (or an aws_vpc_peering_connection_options "
                       "with the requester's provider), the accepter {} block on the aws_vpc_peering_connection_accepter "
                       "(or an aws_vpc_peering_connection_options with the accepter's provider)")
        return failed(
            CHECK_ID, peering.source,
            f"{name} asks for remote DNS resolution on the {asked_by} side, but {'; '.join(problems)}. Resolving the "
            "peer's private hostnames needs DNS resolution and DNS hostnames on both VPCs, and for a cross-account or "
            f"cross-region peering{(' (' + '; '.join(how) + ')') if how else ''} each owner must set its own side "
            "(VPC Peering Guide, DNS resolution for peering connections).",
            related=tuple(dict.fromkeys(related)),
            fix=sentence("; ".join(fix)),
        )
    if missing:
        return cannot_tell(CHECK_ID, peering.source,
                           f"Cannot tell whether remote DNS resolution over {name} can work.", missing)
    return passed(CHECK_ID, peering.source,
                  f"{name} asks for remote DNS resolution ({asked_by}); both VPCs have DNS support and hostnames"
                  + (" and each side is set by its owner." if crosses else "."))


def evaluate(estate: Estate, settings: Settings) -> Iterator[Finding]:
    for peering in estate.peerings.values():
        finding = judge(estate, peering)
        if finding is not None:
            yield finding
