"""CKV2_PCX_14: a jumbo-frame host talking across an inter-region peering must let path-MTU
discovery work: admit ICMP "fragmentation needed" (IPv4 type 3 code 4) and ICMPv6 "packet too big"
(type 2) from the peer (EC2 User Guide, network MTU: path MTU discovery; VPC User Guide,
security group rules for path MTU discovery; network ACL rule evaluation)."""

from __future__ import annotations

from typing import Iterator

from netaddr import IPNetwork, IPSet

from pcxguard.facts import crossing_routes, host_tables, host_vpc_refs, route_pinned
from pcxguard.findings import Finding, Verdict, cannot_tell, failed, passed
from pcxguard.model import Estate, Host, NetworkAcl, Route, is_known
from pcxguard.rules import _mtu
from pcxguard.rules._describe import cidrs
from pcxguard.rules._gaps import incomplete
from pcxguard.settings import Settings
from pcxguard.syntax import phrase

CHECK_ID = "CKV2_PCX_14"
ALL = {"-1", "all"}
ICMP = {4: ({"icmp", "1"}, 3, 4, 'ICMP "fragmentation needed" (type 3 code 4)'),
        6: ({"icmpv6", "58"}, 2, 0, 'ICMPv6 "packet too big" (type 2)')}


def _matches(protocol: object, icmp_type: object, icmp_code: object, version: int) -> bool | None:
    """Whether a rule with this protocol and ICMP type/code admits the PMTUD message; None: unknown."""
    if not is_known(protocol) or protocol is None:
        return None
    text = str(protocol).lower()
    if text in ALL:
        return True
    names, wanted_type, wanted_code, _ = ICMP[version]
    if text not in names:
        return False
    if not is_known(icmp_type) or not is_known(icmp_code):
        return None
    type_ok = icmp_type in (None, -1, wanted_type)
    code_ok = icmp_code in (None, -1, wanted_code) or version == 6  # packet too big has only code 0
    return type_ok and code_ok


def sg_admits(estate: Estate, host: Host, source: IPNetwork) -> tuple[IPSet | None, list[str], list[str]]:
    """The part of ``source`` whose PMTUD messages the host's groups admit (None: unknown), groups, unknowns."""
    admitted = IPSet()
    unknown: list[str] = []
    names: list[str] = []
    if not host.security_groups:
        return None, [], [f"the security groups of {host.source.address}: none set, so the VPC's default group, "
                          "whose rules are outside the scan"]
    groups = []
    for ref in host.security_groups:
        group = estate.security_group(ref) if is_known(ref) else None
        if group is None:
            unknown.append(f"security group {ref} of {host.source.address} is outside the scan" if is_known(ref)
                           else f"a security group of {host.source.address}: {ref.describe()}")  # type: ignore[union-attr]
            continue
        groups.append(group)
        names.append(group.source.address)
    for rule in estate.rules_of_groups(g.key for g in groups):
        if rule.direction != "ingress":
            continue
        verdict = _matches(rule.protocol, rule.from_port, rule.to_port, source.version)
        if verdict is False:
            continue
        for cidr in rule.cidrs:
            if not is_known(cidr):
                unknown.append(f"a CIDR of {rule.holder.address}")
                continue
            if cidr.version == source.version and verdict:
                admitted.add(cidr)
        if verdict is None and any(is_known(c) and c.version == source.version for c in rule.cidrs):
            unknown.append(f"the protocol or ICMP type of {rule.holder.address}")
    if unknown and (IPSet([source]) - admitted):
        return None, names, unknown
    return admitted & IPSet([source]), names, []


def acl_admits(acl: NetworkAcl, source: IPNetwork) -> tuple[IPSet | None, list[str]]:
    """The part of ``source`` whose PMTUD messages the ACL lets in: rules in number order, first match wins."""
    if acl.rules_unknown:
        return None, list(acl.rules_unknown)
    remaining = IPSet([source])
    admitted = IPSet()
    for rule in sorted((r for r in acl.rules if not r.egress), key=lambda r: r.rule_number):
        if rule.cidr is None or not is_known(rule.cidr) or rule.cidr.version != source.version:
            if rule.cidr is not None and not is_known(rule.cidr):
                return None, [f"the CIDR of inbound rule {rule.rule_number} of {acl.source.address}"]
            continue
        verdict = _matches(rule.protocol, rule.icmp_type, rule.icmp_code, source.version)
        if verdict is None:
            return None, [f"the protocol or ICMP type of inbound rule {rule.rule_number} of {acl.source.address}"]
        if not verdict:
            continue
        part = remaining & IPSet([rule.cidr])
        if rule.action == "allow":
            admitted |= part
        remaining -= part
        if not remaining:
            break
    return admitted, []


def host_acls(estate: Estate, host: Host) -> tuple[list[NetworkAcl], list[str]]:
    """The network ACLs of the host's subnets: the associated one, else the VPC's default (allows all)."""
    acls: list[NetworkAcl] = []
    unknown: list[str] = []
    for ref in host.subnets:
        subnet = estate.subnet(ref) if is_known(ref) else None
        if subnet is None:
            unknown.append(f"subnet {ref if is_known(ref) else ref.describe()} of {host.source.address}")  # type: ignore[union-attr]
            continue
        acl = estate.network_acls.get(subnet.network_acl) if subnet.network_acl else None
        if acl is None:
            vpc = estate.vpc(subnet.vpc)
            acl = estate.default_acl(vpc) if vpc is not None else None
        if acl is not None and acl not in acls:
            acls.append(acl)
    return acls, unknown


def _peer_range(estate: Estate, route: Route) -> IPNetwork | None:
    return route.destination if route.destination is not None and is_known(route.destination) else None


def judge(estate: Estate, host: Host, limit: int, instance_default: str = "1500") -> Finding:
    base = _mtu.judge(estate, host, limit, instance_default)  # CKV2_PCX_5's judgement
    name = host.source.address
    if base.verdict is Verdict.PASSED:
        return passed(CHECK_ID, host.source, f"{name} needs no path-MTU discovery across regions: {base.message}")
    if base.verdict is Verdict.UNKNOWN:
        return cannot_tell(CHECK_ID, host.source, f"Cannot tell whether {name} relies on path-MTU discovery.",
                           base.missing)
    tables, _ = host_tables(estate, host)
    crossing, _ = crossing_routes(estate, tables)
    unpinned = [(r, p, here, there) for r, p, here, there in crossing if route_pinned(host, r, limit) is False]
    blocked: list[str] = []
    missing: list[str] = []
    related = set()
    acls, acl_unknown = host_acls(estate, host)
    missing.extend(acl_unknown)
    for route, peering, here, there in unpinned:
        source = _peer_range(estate, route)
        if source is None:
            missing.append(f"the destination of {route.holder.address}")
            continue
        message = ICMP[source.version][3]
        admitted, groups, unknown = sg_admits(estate, host, source)
        if admitted is None:
            missing.extend(unknown)
        elif IPSet([source]) - admitted:
            gap = IPSet([source]) - admitted
            blocked.append(f"its security groups ({', '.join(groups)}) admit no {message} from {cidrs(gap)} "
                           f"(the peer behind {peering.source.address}, {here} to {there})")
            related.add(peering.source)
        for acl in acls:
            let_in, unknown = acl_admits(acl, source)
            if let_in is None:
                missing.extend(unknown)
            elif IPSet([source]) - let_in:
                gap = IPSet([source]) - let_in
                blocked.append(f"network ACL {acl.source.address} denies inbound {message} from {cidrs(gap)}")
                related.add(acl.source)
    if blocked:
        # "admits no ICMP" concludes from the absence of a rule that admits it
        vpcs = host_vpc_refs(estate, host, tables)
        gaps = incomplete(estate, ("sg_rules", "security_groups", "acl_rules", "acl_associations"), vpcs)
        if gaps:
            return cannot_tell(CHECK_ID, host.source,
                               f"Nothing the scan sees lets path-MTU discovery messages reach {name} "
                               f"({'; '.join(blocked)}), but the scan does not see every rule.", gaps + missing)
    if blocked:
        return failed(
            CHECK_ID, host.source,
            f"{name} sends packets larger than the {limit}-byte inter-region limit across an inter-region peering, "
            f"and path-MTU discovery cannot shrink them: {'; '.join(blocked)}. Without that ICMP message, packets "
            "with Don't Fragment set are dropped silently and TCP connections hang (EC2 User Guide, network MTU: "
            "path MTU discovery).",
            related=tuple(sorted(related, key=lambda s: s.address)),
            fix=f"Lower the MTU of {name} to {limit} or pin it on the peer routes (see CKV2_PCX_5: "
                f"{'; '.join(_mtu.pin_command(r.destination, limit) for r, *_ in unpinned)}); or admit the "
                f"message from the peer's range: {phrase(host.source, 'icmp_ingress')}.",
        )
    if missing:
        return cannot_tell(CHECK_ID, host.source,
                           f"Cannot tell whether {name} admits path-MTU discovery messages from its inter-region peers.",
                           sorted(set(missing)))
    return passed(CHECK_ID, host.source,
                  f"{name} exceeds the inter-region MTU but admits path-MTU discovery messages from its peers.")


def evaluate(estate: Estate, settings: Settings) -> Iterator[Finding]:
    for host in estate.hosts.values():
        yield judge(estate, host, settings.inter_region_mtu, settings.instance_default_mtu)
