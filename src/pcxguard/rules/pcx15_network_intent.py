"""CKV2_PCX_15: network intents from ``.pcxguard.yaml`` hold (``pcxguard path`` semantics; see
``pcxguard.reachability`` for the AWS documentation each hop follows).

An intent is judged in an estate that holds at least one of its ends (a resource of the scan, or an
address inside one of its VPCs). It fails on the resource that breaks it: for ``expect: reachable``
the hop that denies (a group, an ACL rule, the table missing the route, the unaccepted peering);
for ``expect: isolated`` the resource that lets the traffic in. A path that rests on something
unknown is "cannot tell", never PASSED."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pcxguard.findings import Finding, cannot_tell, failed, passed
from pcxguard.model import Estate, LoadProblem, Source
from pcxguard.settings import Intent, Settings

if TYPE_CHECKING:  # the path engine is imported only when an intent is judged (most scans declare none)
    from pcxguard.reachability import Hop, PathResult

CHECK_ID = "CKV2_PCX_15"


def _question(intent: Intent) -> str:
    what = "all traffic" if intent.protocol == "-1" else (
        f"ICMP type {intent.port if intent.port is not None else 8}" if intent.protocol == "icmp"
        else f"{intent.protocol.upper()} {intent.port}")
    return f"{intent.source} -> {intent.destination} ({what})"


def path_text(result: PathResult) -> str:
    """The path in one line: each hop that decides something, forward then return."""
    parts = []
    for title, hops in (("forward", result.forward), ("return", result.back)):
        shown = [f"{h.step} {h.resource.address if h.resource else ''}: {h.outcome}".replace("  ", " ")
                 for h in hops if h.outcome != "note"]
        if shown:
            parts.append(f"{title}: " + " -> ".join(shown))
    return "; ".join(parts)


def _anchor(result: PathResult, estate: Estate, intent: Intent) -> Source:
    """Where a finding lands when no single hop decides: the destination, else the source, else the config."""
    for end in (result.destination, result.source):
        if end.source is not None:
            return end.source
    for end in (result.destination, result.source):
        if end.vpc is not None:
            return end.vpc.source
    return Source("configuration", "network intent", f"intent {intent.name}", None, intent.line)


def _remedy(hop: Hop, result: PathResult, side: str) -> str:
    """What to change at the hop that blocks, in the words of the AWS semantics it follows."""
    where = hop.resource.address if hop.resource is not None else "the hop"
    src, dst = result.source, result.destination
    if hop.step == "route table":
        far = src.network if side == "return" else dst.network
        table = f"the main route table of {where}" if hop.resource is not None and \
            hop.resource.resource_type in ("aws_vpc", "AWS::EC2::VPC") else where
        return f"Add to {table} a route to {far} whose target is the peering connection that joins the two VPCs"
    if hop.step.startswith("network ACL"):
        return (f"Add to {where} an allow rule for the traffic, numbered below any rule that denies it (replies "
                "need the ephemeral ports 1024-65535)")
    if hop.step.startswith("security group"):
        return (f"Add to {where} a rule for the port and protocol with the peer's CIDR (or, within one region, "
                "the peer's security group)")
    if hop.step == "peering connection":
        return f"Accept the peering, or route {dst.network} over a peering that joins {dst.label}'s VPC ({where})"
    return f"Change {where} so it lets the traffic through"


def _admitting(result: PathResult) -> Source | None:
    """For a broken isolation: the last hop that lets the traffic in (ingress group, ACL, peering)."""
    from pcxguard.reachability import ALLOW

    for hop in reversed(result.forward):
        if hop.outcome == ALLOW and hop.resource is not None:
            return hop.resource
    return None


def _concerns(estate: Estate, intent: Intent) -> bool:
    from pcxguard.reachability import resolve

    for text in (intent.source, intent.destination):
        end = resolve(estate, text)
        if end.source is not None or end.vpc is not None:
            return True
    return False


def judge(estate: Estate, intent: Intent, settings: Settings) -> Finding | None:
    from pcxguard.reachability import DENY, PathVerdict, Query, UsageError, analyse_path

    if not _concerns(estate, intent):
        return None
    name = f'intent "{intent.name}" ({_question(intent)}, expect {intent.expect})'
    title = "I" + name[1:]
    try:
        result = analyse_path(estate, Query(intent.source, intent.destination, intent.port, intent.protocol), settings)
    except UsageError as error:  # the schema rules most of these out
        return cannot_tell(CHECK_ID, Source("configuration", "network intent", f"intent {intent.name}", None,
                                            intent.line), f"{title} cannot be asked.", [str(error)],
                           subject=intent.name)
    path = path_text(result)
    mtu = f" Path MTU {result.mtu} bytes (inter-region peering)." if result.mtu else ""
    if result.verdict is PathVerdict.CANNOT_TELL:
        return cannot_tell(CHECK_ID, _anchor(result, estate, intent), f"Cannot tell whether {name} holds. Path: {path}.",
                           result.missing, subject=intent.name)
    deciding = result.deciding
    if intent.expect == "reachable":
        if result.verdict is PathVerdict.REACHABLE:
            return passed(CHECK_ID, _anchor(result, estate, intent), f"{title} holds: reachable both ways.{mtu} "
                                                                      f"Path: {path}.", subject=intent.name)
        assert deciding is not None
        side = "return" if deciding in result.back and deciding not in result.forward else "forward"
        return failed(
            CHECK_ID, deciding.resource or _anchor(result, estate, intent),
            f"{title} does not hold: the {side} path is blocked at the {deciding.step}: {deciding.detail}. "
            f"Path: {path}.",
            related=tuple(h.resource for h in result.forward + result.back
                          if h.outcome == DENY and h.resource is not None and h is not deciding),
            fix=f"{_remedy(deciding, result, side)}; or correct the intent. Run `pcxguard path --from "
                f"{intent.source} --to {intent.destination}"
                f"{f' --port {intent.port}' if intent.port is not None else ''} --protocol {intent.protocol}` "
                "to see every hop.",
            subject=intent.name,
        )
    if result.verdict is PathVerdict.BLOCKED:
        assert deciding is not None
        return passed(CHECK_ID, deciding.resource or _anchor(result, estate, intent),
                      f"{title} holds: blocked at the {deciding.step}: {deciding.detail}.", subject=intent.name)
    where = _admitting(result) or _anchor(result, estate, intent)
    return failed(
        CHECK_ID, where,
        f"{title} does not hold: the traffic is reachable both ways.{mtu} Path: {path}.",
        fix=f"Remove what admits it (for example {where.address}), or correct the intent.",
        subject=intent.name,
    )


def unmatched(intents: dict[str, tuple[Intent, ...]], findings: list[Finding]) -> list[LoadProblem]:
    """Intents (per configuration file) that no scanned estate held an end of: never evaluated, so
    say so rather than let silence look like "holds"."""
    judged = {f.subject for f in findings if f.check_id == CHECK_ID}
    return [LoadProblem(where, f'intent "{intent.name}" ({_question(intent)}) names nothing in the scanned inputs, '
                               "so it was not evaluated; check its from/to against the resource addresses")
            for where, listed in intents.items() for intent in listed if intent.name not in judged]


def evaluate(estate: Estate, settings: Settings) -> Iterator[Finding]:
    for intent in settings.intents:
        finding = judge(estate, intent, settings)
        if finding is not None:
            yield finding
