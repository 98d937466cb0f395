"""Whether a host sends packets above the inter-region limit across an inter-region peering: the
judgement of CKV2_PCX_5 (rules/pcx5_jumbo_mtu.py), which CKV2_PCX_14 (rules/pcx14_pmtud_icmp.py) starts from.
Shared here so that no rule imports another; the host facts it rests on are in pcxguard.facts."""

from __future__ import annotations

from pcxguard.catalogue import instance_mtu
from pcxguard.facts import crossing_routes, host_subnets_resolved, host_tables, host_vpc_refs, route_pinned
from pcxguard.findings import Finding, cannot_tell, failed, passed
from pcxguard.model import Estate, Host, Maybe, Unknown, is_known
from pcxguard.rules._gaps import incomplete
from pcxguard.settings import DEFAULT_INSTANCE_DEFAULT_MTU, JUMBO_MTU

CHECK_ID = "CKV2_PCX_5"


_TYPE_HINT = ("set instance_type to a literal type, write the MTU in the user data, "
              "or set instance_default_mtu: 1500 in .pcxguard.yaml")


def host_mtu(host: Host, instance_default: str = DEFAULT_INSTANCE_DEFAULT_MTU) -> tuple[Maybe[int] | None, str]:
    """The MTU the host runs (None: at most 1500) and how pcxguard knows it, for messages.

    The user data's MTU when it sets one; otherwise, with ``instance_default_mtu: jumbo``, 9001 for
    a jumbo-capable instance type (policies/data/instance_mtu.yaml, EC2 User Guide, network MTU).
    """
    mtu = host.interface_mtu
    name = host.source.address
    if mtu is not None or instance_default != "jumbo":
        if mtu is None:
            return mtu, "does not set an interface MTU"
        where = [e.rsplit(" -> ", 1)[0] for e in host.mtu_evidence if e.endswith(f" -> MTU {mtu}")]
        return mtu, f"sets MTU {mtu}" + (f" ({where[-1]})" if where and is_known(mtu) else "")
    kind = host.instance_type
    if kind is None:
        return Unknown(f"the instance type of {name} (not set here; with instance_default_mtu: jumbo its MTU "
                       "depends on it)", _TYPE_HINT), "sets no MTU"
    if isinstance(kind, Unknown):
        return Unknown(f"the instance type of {name}: {kind.describe()}", _TYPE_HINT), "sets no MTU"
    jumbo = instance_mtu().jumbo(kind)
    if jumbo is None:
        return Unknown(f"whether instance type {kind!r} of {name} runs jumbo frames (not a family pcxguard's list "
                       "names)", _TYPE_HINT), "sets no MTU"
    if jumbo:
        return JUMBO_MTU, (f"sets no MTU, so runs {JUMBO_MTU}, the default of jumbo-capable instance type {kind} "
                           "(instance_default_mtu: jumbo; EC2 User Guide, network MTU)")
    return None, f"does not set an interface MTU and instance type {kind} runs 1500"


def pin_command(destination: object, limit: int) -> str:
    """The Linux command that pins a route's MTU, for the route's address family."""
    ip = "ip -6 route add" if getattr(destination, "version", 4) == 6 else "ip route add"
    return f"{ip} {destination} via <gateway> dev eth0 mtu lock {limit}"


def judge(estate: Estate, host: Host, limit: int, instance_default: str = DEFAULT_INSTANCE_DEFAULT_MTU) -> Finding:
    mtu, how = host_mtu(host, instance_default)
    if mtu is None:
        return passed(CHECK_ID, host.source, f"{host.source.address} {how}.")
    if is_known(mtu) and mtu <= limit:
        return passed(CHECK_ID, host.source, f"{host.source.address} {how}, within the {limit}-byte limit.")
    tables, unknown = host_tables(estate, host)
    crossing, route_unknown = crossing_routes(estate, tables)
    unknown += route_unknown
    vpcs = host_vpc_refs(estate, host, tables)
    if not crossing:
        # "uses no inter-region peering" concludes from the absence of such routes in its tables
        unknown += incomplete(estate, ("routes", "route_tables", "associations"), vpcs)
        if unknown:
            return cannot_tell(CHECK_ID, host.source,
                               f"Cannot tell whether {host.source.address}'s traffic crosses an inter-region peering.",
                               unknown)
        return passed(CHECK_ID, host.source,
                      f"{host.source.address}'s route tables use no inter-region peering connection.")
    if not is_known(mtu):
        return cannot_tell(CHECK_ID, host.source,
                           f"{host.source.address} routes over an inter-region peering but its MTU is not known.",
                           [mtu.describe()])  # type: ignore[union-attr]
    if not host_subnets_resolved(estate, host):
        # the host's tables are a guess (every table of its VPC): it crosses only if each of them does
        crossing_tables = {id(route_table) for route_table, _ in tables
                           for route in route_table.routes if any(route is c[0] for c in crossing)}
        if any(id(route_table) not in crossing_tables for route_table, _ in tables):
            return cannot_tell(CHECK_ID, host.source,
                               f"{host.source.address} sets MTU {mtu}; some route tables of its VPC cross an "
                               "inter-region peering, and which one it uses is not known.",
                               [f"the subnets of {host.source.address}: "
                                + ("not set" if not host.subnets else "not in the scan or not known")])
    unpinned = []
    undecided = []
    for route, peering, here, there in crossing:
        verdict = route_pinned(host, route, limit)
        if verdict is None:
            undecided.append(f"destination of {route.holder.address}" if not is_known(route.destination)
                             or route.destination is None else
                             f"whether the user data of {host.source.address} pins {route.destination}: "
                             + "; ".join(host.route_pins_unknown))
        elif not verdict:
            unpinned.append((route, peering, here, there))
    gaps = incomplete(estate, ("associations",), vpcs) if unpinned else []
    if gaps:
        # which table a subnet uses concludes from the absence of an association (the main table)
        return cannot_tell(CHECK_ID, host.source,
                           f"Cannot tell which route tables {host.source.address}'s subnets use.", gaps)
    if unpinned:
        paths = "; ".join(
            f"{r.holder.address} sends {r.destination} over {p.source.address} ({here} to {there})"
            for r, p, here, there in unpinned
        )
        pins = "; ".join(pin_command(r.destination, limit) for r, *_ in unpinned)
        return failed(
            CHECK_ID,
            host.source,
            f"{host.source.address} {how}, above the {limit}-byte inter-region peering limit, and its "
            f"traffic crosses an inter-region peering: {paths}. Larger packets are fragmented, or dropped when "
            "Don't Fragment is set (EC2 User Guide, network MTU).",
            related=tuple(dict.fromkeys([*(p.source for _, p, _, _ in unpinned), *(r.holder for r, *_ in unpinned)])),
            fix=f"Set the interface MTU to {limit} or less, or pin it on the routes to the peer in the user data: {pins}.",
        )
    if undecided:
        return cannot_tell(CHECK_ID, host.source,
                           f"Cannot tell whether {host.source.address} pins its MTU on every inter-region route.",
                           undecided)
    return passed(CHECK_ID, host.source,
                  f"{host.source.address} pins MTU at or below {limit} on every route to an inter-region peer.")
