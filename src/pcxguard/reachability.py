"""Static reachability over the peering model: can SRC reach DST on this protocol and port?

A pure reading of the ``Estate`` (never of files): the forward path and the return path, hop by hop,
each hop naming the resource that decides it. The semantics follow the AWS documentation:

- security groups are stateful and deny what they do not allow; a group reference admits members of
  that group in the same VPC or in a VPC peered in the same region, never across regions (VPC Peering
  Guide, "Update your security groups to reference peer security groups"); an instance with no
  group uses its VPC's default group (inbound only from itself, outbound to everywhere) unless the
  scan declares that group's rules (VPC User Guide, "Default security groups");
- network ACLs are stateless: rules in number order, the first match decides, and a packet no rule
  matches is denied (the ``*`` rule); a subnet with no association uses the VPC's default ACL, which
  allows everything unless declared (VPC User Guide, "Network ACL rules", "Default network ACL");
  replies travel on the client's ephemeral ports (1024-65535);
- a subnet uses its associated route table, else its VPC's main table; the most specific route
  that matches wins, and every table holds the local route for the VPC's ranges (VPC User Guide,
  "Route priority", "Subnet route tables");
- a peering carries traffic only once accepted, only to the two VPCs it joins (no transitive or
  edge-to-edge routing), and across regions at the inter-region MTU (VPC Peering Guide, EC2 User
  Guide "Network MTU").

Anything a decision depends on that the scan does not know (an ``Unknown`` value, a set with a
``Gap``, a resource outside the scan) makes that hop, and so the path, CANNOT_TELL naming it. A
hop that certainly denies makes the path BLOCKED whatever else is unknown: every hop must admit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

from netaddr import AddrFormatError, IPAddress, IPNetwork

from pcxguard.model import (
    Estate,
    Host,
    NetworkAcl,
    NetworkAclRule,
    PeeringConnection,
    Route,
    RouteTable,
    SecurityGroup,
    SecurityGroupRule,
    Source,
    Subnet,
    Unknown,
    Vpc,
    is_known,
)
from pcxguard.settings import Settings

EPHEMERAL = (1024, 65535)
PROTOCOLS = ("tcp", "udp", "icmp", "-1")
_NUMBERS = {"tcp": "6", "udp": "17", "icmp": "1", "icmpv6": "58"}
_NAMES = {v: k for k, v in _NUMBERS.items()}
ECHO_REQUEST, ECHO_REPLY = 8, 0


class PathVerdict(str, Enum):
    REACHABLE = "REACHABLE"
    BLOCKED = "BLOCKED"
    CANNOT_TELL = "CANNOT_TELL"


# a hop's own outcome
ALLOW, DENY, UNKNOWN, NOTE = "allow", "deny", "unknown", "note"


@dataclass(frozen=True)
class Hop:
    step: str  # "security group egress", "route table", ...
    outcome: str  # ALLOW | DENY | UNKNOWN | NOTE (says something, decides nothing)
    detail: str
    resource: Source | None = None
    missing: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"step": self.step, "outcome": self.outcome, "detail": self.detail,
                "resource": self.resource.address if self.resource else None,
                "resource_type": self.resource.resource_type if self.resource else None,
                "file": self.resource.file if self.resource else None,
                "line": self.resource.start_line if self.resource else None,
                "missing": list(self.missing)}


def _fold(hops: Sequence[Hop]) -> PathVerdict:
    if any(h.outcome == DENY for h in hops):
        return PathVerdict.BLOCKED
    if any(h.outcome == UNKNOWN for h in hops):
        return PathVerdict.CANNOT_TELL
    return PathVerdict.REACHABLE


@dataclass
class Endpoint:
    """One end of a path as the question names it."""

    text: str
    network: IPNetwork | None = None  # the addresses it stands for (a host: its subnet's block)
    vpc: Vpc | None = None
    subnet: Subnet | None = None
    host: Host | None = None
    source: Source | None = None  # the resource named, if any
    problems: list[str] = field(default_factory=list)  # why it cannot be placed (unknown)
    outside: bool = False  # an address in no VPC of the estate

    @property
    def label(self) -> str:
        return self.source.address if self.source is not None else self.text


@dataclass
class Query:
    source: str
    destination: str
    port: int | None = None
    protocol: str = "tcp"


@dataclass
class PathResult:
    query: Query
    verdict: PathVerdict
    forward_verdict: PathVerdict
    return_verdict: PathVerdict | None
    forward: list[Hop]
    back: list[Hop]
    source: Endpoint
    destination: Endpoint
    mtu: int | None = None  # the path MTU when an inter-region peering is crossed
    notes: list[str] = field(default_factory=list)

    @property
    def deciding(self) -> Hop | None:
        """The hop that blocks the path (first denying hop, forward before return)."""
        for hop in [*self.forward, *self.back]:
            if hop.outcome == DENY:
                return hop
        return None

    @property
    def missing(self) -> list[str]:
        found: list[str] = []
        for hop in [*self.forward, *self.back]:
            if hop.outcome == UNKNOWN:
                for item in hop.missing or (hop.detail,):
                    if item not in found:
                        found.append(item)
        return found

    def to_dict(self) -> dict:
        return {
            "verdict": self.verdict.value,
            "query": {"from": self.query.source, "to": self.query.destination, "port": self.query.port,
                      "protocol": self.query.protocol},
            "source": _endpoint_dict(self.source),
            "destination": _endpoint_dict(self.destination),
            "forward": {"verdict": self.forward_verdict.value, "hops": [h.to_dict() for h in self.forward]},
            "return": {"verdict": self.return_verdict.value if self.return_verdict else None,
                       "hops": [h.to_dict() for h in self.back]},
            "path_mtu": self.mtu,
            "missing": self.missing,
            "notes": list(self.notes),
        }


def _endpoint_dict(end: Endpoint) -> dict:
    return {"name": end.text, "resource": end.source.address if end.source else None,
            "addresses": str(end.network) if end.network is not None else None,
            "vpc": end.vpc.source.address if end.vpc else None,
            "subnet": end.subnet.source.address if end.subnet else None}


# --------------------------------------------------------------------------- endpoints


def _parse_network(text: str) -> IPNetwork | None:
    try:
        if "/" in text:
            return IPNetwork(text).cidr
        return IPNetwork(IPAddress(text))
    except (AddrFormatError, ValueError, TypeError):
        return None


def _by_name(table: dict, text: str) -> object | None:
    """An element by key, AWS id, address or CloudFormation logical id (keys there are ``file#Id``)."""
    if text in table:
        return table[text]
    matches = [e for k, e in table.items()
               if k.endswith("#" + text) or getattr(e, "aws_id", None) == text or e.source.address == text]
    return matches[0] if len(matches) == 1 else None


def _vpc_containing(estate: Estate, network: IPNetwork) -> tuple[Vpc | None, list[str]]:
    found = [v for v in estate.vpcs.values() if any(network in b for b in v.known_set(network.version).iter_cidrs())]
    if len(found) == 1:
        return found[0], []
    if len(found) > 1:
        names = ", ".join(sorted(v.source.address for v in found))
        return None, [f"{network} lies in more than one VPC of the scan ({names}); name a resource instead"]
    unsure = [v for v in estate.vpcs.values() if v.unknown_blocks(network.version)]
    if unsure or estate.gaps_in("vpc_blocks"):
        names = ", ".join([*sorted(v.source.address for v in unsure),
                           *(g.describe() for g in estate.gaps_in("vpc_blocks"))])
        return None, [f"which VPC holds {network}: some CIDR blocks are not known ({names})"]
    return None, []


def _subnet_containing(estate: Estate, vpc: Vpc, network: IPNetwork) -> tuple[Subnet | None, list[str]]:
    unsure: list[str] = []
    for subnet in estate.subnets_of(vpc):
        for block in subnet.blocks:
            if not is_known(block):
                unsure.append(f"the CIDR block of {subnet.source.address}: {block.describe()}")
            elif block.version == network.version and network in block:
                return subnet, []
    gaps = estate.gaps_in("subnets", vpc)
    unsure += [g.describe() for g in gaps]
    if unsure:
        return None, unsure
    return None, [f"{network} is in {vpc.source.address} but in none of its subnets in the scan"]


def resolve(estate: Estate, text: str) -> Endpoint:
    """SRC or DST of a query: a host, a subnet, an IP address or a CIDR."""
    end = Endpoint(text)
    host = _by_name(estate.hosts, text)
    subnet = _by_name(estate.subnets, text) if host is None else None
    if isinstance(host, Host):
        end.host, end.source = host, host.source
        known = [r for r in host.subnets if is_known(r)]
        if not host.subnets:
            end.problems.append(f"the subnet of {host.source.address}: none is set (a launch template's subnet is "
                                "chosen where it is launched); name the subnet instead")
            return end
        if len(host.subnets) > 1:
            end.problems.append(f"{host.source.address} may run in any of {len(host.subnets)} subnets; name one")
            return end
        if not known:
            end.problems.append(f"the subnet of {host.source.address}: {host.subnets[0].describe()}")  # type: ignore[union-attr]
            return end
        found = estate.subnet(known[0])
        if found is None:
            end.problems.append(f"subnet {known[0]} of {host.source.address} is outside the scan")
            return end
        subnet = found
    if isinstance(subnet, Subnet):
        end.subnet = subnet
        end.source = end.source or subnet.source
        end.vpc = estate.vpc(subnet.vpc)
        if end.vpc is None:
            end.problems.append(f"the VPC of {subnet.source.address} is outside the scan")
        known_blocks: list[IPNetwork] = [b for b in subnet.blocks if is_known(b)]
        blocks = [b for b in known_blocks if b.version == 4] or known_blocks
        if not blocks:
            end.problems.append(f"the CIDR block of {subnet.source.address} is not known"
                                + (f": {subnet.blocks[0].describe()}" if subnet.blocks else ""))
        else:
            end.network = blocks[0]
        return end
    network = _parse_network(text)
    if network is None:
        end.problems.append(f"{text!r} is neither a host or subnet of the scan nor an IP address or CIDR")
        return end
    end.network = network
    vpc, unsure = _vpc_containing(estate, network)
    if vpc is None:
        if unsure:
            end.problems.extend(unsure)
        else:
            end.outside = True
        return end
    end.vpc = vpc
    subnet, unsure = _subnet_containing(estate, vpc, network)
    end.subnet = subnet
    end.problems.extend(unsure)
    return end


class UsageError(ValueError):
    """A question that cannot be asked (an endpoint that names nothing, a bad port)."""


# --------------------------------------------------------------------------- matching


def _int(value: object) -> int | None | Unknown:
    if value is None or isinstance(value, Unknown):
        return value
    if isinstance(value, bool):
        return Unknown(f"{value!r} is not a number")
    try:
        return int(value)  # type: ignore[call-overload]  # text or a number; anything else raises below
    except (TypeError, ValueError):
        return Unknown(f"{value!r} is not a number")


def _protocol_name(protocol: object) -> str | None:
    if protocol is None or not is_known(protocol):
        return None
    text = str(protocol).strip().lower()
    if text in ("-1", "all"):
        return "-1"
    return _NAMES.get(text, text)


def _covers(lo: int, hi: int, want: tuple[int, int]) -> str:
    """How the range lo..hi covers ``want``: 'all', 'some' or 'none'."""
    if lo <= want[0] and hi >= want[1]:
        return "all"
    if hi < want[0] or lo > want[1]:
        return "none"
    return "some"


def _rule_covers(protocol: object, from_port: object, to_port: object, want_protocol: str,
                 want: tuple[int, int] | None, icmp: bool = False) -> str | Unknown:
    """Whether a rule's protocol and ports cover the traffic asked about: 'all', 'some', 'none', or Unknown.

    ``want``: the port range (tcp/udp) or (type, type) for ICMP; None with protocol -1 (all traffic).
    ``icmp``: for an ICMP rule, from/to are type and code (security groups) or given separately (ACLs).
    """
    name = _protocol_name(protocol)
    if name is None:
        return protocol if isinstance(protocol, Unknown) else Unknown("the protocol of a rule")
    if name == "-1":
        return "all"
    if want_protocol == "-1":
        return "some"  # one protocol of all traffic
    if name != want_protocol and not (want_protocol == "icmp" and name == "icmpv6"):
        return "none"
    assert want is not None
    if name == "icmp" or name == "icmpv6":
        kind = _int(from_port)
        if isinstance(kind, Unknown):
            return kind
        if kind is None or kind == -1:
            return "all"
        return "all" if kind == want[0] else "none"  # any code of that type: codes are not asked about
    lo, hi = _int(from_port), _int(to_port)
    if isinstance(lo, Unknown):
        return lo
    if isinstance(hi, Unknown):
        return hi
    if lo is None and hi is None:
        return Unknown("the port range of a rule")
    lo = 0 if lo is None or lo == -1 else lo
    hi = 65535 if hi is None or hi == -1 else hi
    return _covers(lo, hi, want)


def _address_relation(rule_cidr: IPNetwork, network: IPNetwork) -> str:
    if rule_cidr.version != network.version:
        return "none"
    if network in rule_cidr:
        return "all"
    if rule_cidr in network:
        return "some"
    return "none"


# --------------------------------------------------------------------------- network ACLs


def _acl_of(estate: Estate, subnet: Subnet) -> tuple[NetworkAcl | None, str | None, list[str]]:
    """(the subnet's ACL, or None for the undeclared default; how it was chosen; what is unknown)."""
    vpc = estate.vpc(subnet.vpc)
    if subnet.network_acl:
        acl = estate.network_acls.get(subnet.network_acl)
        if acl is not None:
            return acl, "associated", []
        return None, None, [f"network ACL {subnet.network_acl} of {subnet.source.address} is outside the scan"]
    gaps = estate.gaps_in("acl_associations", vpc) if vpc is not None else estate.gaps_in("acl_associations")
    if gaps:
        return None, None, [g.describe() for g in gaps]
    for acl in estate.network_acls.values():  # associations recorded on the ACL side
        if subnet.key in acl.subnets or (isinstance(subnet.aws_id, str) and subnet.aws_id in acl.subnets):
            return acl, "associated", []
    if vpc is not None:
        default = estate.default_acl(vpc)
        if default is not None:
            return default, "the VPC's default network ACL (no association)", []
    return None, "default", []


def acl_hop(estate: Estate, subnet: Subnet | None, egress: bool, peer: IPNetwork, protocol: str,
            want: tuple[int, int] | None, step: str, why: str = "") -> Hop:
    """One network ACL decision: rules of that direction in number order, first match wins, else deny."""
    if subnet is None:
        return Hop(step, NOTE, "no subnet named: network ACLs not evaluated")
    acl, _how, unknown = _acl_of(estate, subnet)
    if unknown:
        return Hop(step, UNKNOWN, f"the network ACL of {subnet.source.address} is not known", None, tuple(unknown))
    direction = "outbound" if egress else "inbound"
    traffic = _traffic(protocol, want)
    if acl is None:
        return Hop(step, ALLOW, f"{subnet.source.address} uses its VPC's default network ACL, not declared in the "
                                f"scan: AWS creates it allowing all {direction} traffic{why}", subnet.source)
    vpc = estate.vpc(acl.vpc)
    gaps = estate.gaps_in("acl_rules", vpc) if vpc is not None else estate.gaps_in("acl_rules")
    missing = list(acl.rules_unknown) + [g.describe() for g in gaps]
    rules = sorted((r for r in acl.rules if r.egress == egress), key=lambda r: r.rule_number)
    partial: list[str] = []
    for rule in rules:
        matched, unknown_what = _acl_rule_matches(rule, peer, protocol, want)
        if unknown_what:
            return Hop(step, UNKNOWN, f"rule {rule.rule_number} of {acl.source.address} may or may not match",
                       rule.declared_by or acl.source, (unknown_what,))
        if matched == "none":
            continue
        holder = rule.declared_by or acl.source
        if matched == "some":
            partial.append(f"rule {rule.rule_number} ({rule.action}) covers part of {traffic}")
            if rule.action == "deny" and protocol == "-1":
                return Hop(step, DENY, f"{direction} rule {rule.rule_number} of {acl.source.address} denies part of "
                                       f"all traffic {_with(peer)}", holder)
            continue
        if missing:
            return Hop(step, UNKNOWN, f"{direction} rules of {acl.source.address} are not all known", acl.source,
                       tuple(missing))
        if partial:
            return Hop(step, UNKNOWN, f"{acl.source.address}: {'; '.join(partial)}{why}", holder,
                       (f"which {why.strip(' ()') or 'port'} is used: {acl.source.address} treats the range unevenly",))
        if rule.action == "allow":
            return Hop(step, ALLOW, f"{direction} rule {rule.rule_number} of {acl.source.address} allows {traffic} "
                                    f"{_with(peer)}{why}", holder)
        return Hop(step, DENY, f"{direction} rule {rule.rule_number} of {acl.source.address} denies {traffic} "
                               f"{_with(peer)}{why} (rules are evaluated in number order; the first match decides)",
                   holder)
    if missing:
        return Hop(step, UNKNOWN, f"{direction} rules of {acl.source.address} are not all known", acl.source,
                   tuple(missing))
    if partial:
        return Hop(step, UNKNOWN, f"{acl.source.address}: {'; '.join(partial)}, the rest falls to the implicit "
                                  f"deny{why}", acl.source,
                   (f"which {why.strip(' ()') or 'port'} is used: {acl.source.address} treats the range unevenly",))
    return Hop(step, DENY, f"no {direction} rule of {acl.source.address} matches {traffic} {_with(peer)}{why}: the "
                           "implicit deny (rule *) drops it", acl.source)


def _acl_rule_matches(rule: NetworkAclRule, peer: IPNetwork, protocol: str, want: tuple[int, int] | None
                      ) -> tuple[str, str | None]:
    if rule.cidr is None:
        return "none", f"the CIDR of rule {rule.rule_number} is not in the model"
    if not is_known(rule.cidr):
        return "none", f"the CIDR of rule {rule.rule_number}: {rule.cidr.describe()}"
    where = _address_relation(rule.cidr, peer)
    if where == "none":
        return "none", None
    name = _protocol_name(rule.protocol)
    if name in ("icmp", "icmpv6"):
        covered = _rule_covers(rule.protocol, rule.icmp_type, None, protocol, want, icmp=True)
    else:
        covered = _rule_covers(rule.protocol, rule.from_port, rule.to_port, protocol, want)
    if isinstance(covered, Unknown):
        return "none", f"{covered.describe()} (rule {rule.rule_number})"
    if covered == "none":
        return "none", None
    if where == "some" or covered == "some":
        return "some", None
    return "all", None


def _traffic(protocol: str, want: tuple[int, int] | None) -> str:
    if protocol == "-1":
        return "all traffic"
    if protocol == "icmp":
        return f"ICMP type {want[0]}" if want else "ICMP"
    if want is None:
        return protocol.upper()
    return f"{protocol.upper()} {want[0]}" if want[0] == want[1] else f"{protocol.upper()} {want[0]}-{want[1]}"


def _with(peer: IPNetwork) -> str:
    return f"for {peer}"


# --------------------------------------------------------------------------- security groups


def _groups_of(estate: Estate, end: Endpoint) -> tuple[list[SecurityGroup] | None, str, list[str]]:
    """(the host's groups, how they were found, unknown); None groups: not a host (not evaluated)."""
    if end.host is None:
        return None, "", []
    groups: list[SecurityGroup] = []
    unknown: list[str] = []
    for ref in end.host.security_groups:
        if not is_known(ref):
            unknown.append(f"a security group of {end.host.source.address}: {ref.describe()}")  # type: ignore[union-attr]
            continue
        group = estate.security_group(ref)
        if group is None:
            unknown.append(f"security group {ref} of {end.host.source.address} is outside the scan")
        else:
            groups.append(group)
    if not end.host.security_groups:
        return [], "default", []
    return groups, "listed", unknown


def _default_group(estate: Estate, vpc: Vpc | None) -> SecurityGroup | None:
    if vpc is None:
        return None
    for group in estate.security_groups.values():
        if group.source.resource_type == "aws_default_security_group" and estate.vpc(group.vpc) is vpc:
            return group
    return None


def sg_hop(estate: Estate, end: Endpoint, other: Endpoint, egress: bool, protocol: str,
           want: tuple[int, int] | None, crosses_region: bool | None, same_vpc: bool) -> Hop:
    """Does ``end``'s security groups let the traffic out to (egress) or in from (ingress) ``other``?"""
    step = "security group egress" if egress else "security group ingress"
    direction = "egress" if egress else "ingress"
    groups, how, unknown = _groups_of(estate, end)
    if groups is None:
        return Hop(step, NOTE, f"{end.label} is not a host: its security groups are not part of the question")
    if unknown:
        return Hop(step, UNKNOWN, f"the security groups of {end.label} are not all known", end.source, tuple(unknown))
    if other.network is None:
        return Hop(step, UNKNOWN, f"the addresses of {other.label} are not known", end.source,
                   (f"the addresses of {other.label}",))
    traffic = _traffic(protocol, want)
    if how == "default":
        declared = _default_group(estate, end.vpc)
        if declared is None:
            if estate.gaps_in("security_groups", end.vpc) if end.vpc else estate.gaps_in("security_groups"):
                return Hop(step, UNKNOWN, f"{end.label} sets no security group, and the VPC's groups are not all "
                                          "known", end.source,
                           tuple(g.describe() for g in estate.gaps_in("security_groups", end.vpc)))
            if egress:
                return Hop(step, ALLOW, f"{end.label} sets no security group: the VPC's default group (not declared) "
                                        "allows all outbound traffic", end.source)
            other_default = other.host is not None and not other.host.security_groups and same_vpc
            if other_default:
                return Hop(step, ALLOW, f"{end.label} and {other.label} both use their VPC's default group, which "
                                        "admits traffic from its own members", end.source)
            return Hop(step, DENY, f"{end.label} sets no security group: the VPC's default group (not declared) "
                                   f"admits inbound traffic only from its own members, not {other.label}", end.source)
        groups = [declared]
    names = ", ".join(g.source.address for g in groups)
    gaps = []
    for group in groups:
        vpc = estate.vpc(group.vpc) if group.vpc is not None else None
        gaps += estate.gaps_in("sg_rules", vpc) if vpc is not None else estate.gaps_in("sg_rules")
    other_groups, other_how, other_unknown = _groups_of(estate, other)
    if other_groups is not None and other_how == "default":
        found = _default_group(estate, other.vpc)
        other_groups = [found] if found is not None else []
    if egress:
        for group in groups:
            if group.source.kind == "cloudformation" and not any(
                    r.direction == "egress" and r.key.startswith(f"{group.key}/egress")
                    for r in estate.rules_of_groups([group.key])):
                return Hop(step, ALLOW, f"{group.source.address} declares no SecurityGroupEgress, so AWS adds its "
                                        "default rule allowing all outbound traffic (CloudFormation reference, "
                                        "AWS::EC2::SecurityGroup)", group.source)
    maybe: list[str] = []
    partial: list[str] = []
    for rule in estate.rules_of_groups(g.key for g in groups):
        if rule.direction != direction:
            continue
        covered = _rule_covers(rule.protocol, rule.from_port, rule.to_port, protocol, want,
                               icmp=_protocol_name(rule.protocol) in ("icmp", "icmpv6"))
        if isinstance(covered, Unknown):
            maybe.append(f"the protocol or ports of {rule.holder.address}: {covered.describe()}")
            continue
        if covered == "none":
            continue
        for cidr in rule.cidrs:
            if not is_known(cidr):
                maybe.append(f"a CIDR of {rule.holder.address}: {cidr.describe()}")
                continue
            where = _address_relation(cidr, other.network)
            if where == "all" and covered == "all":
                return Hop(step, ALLOW, f"{_rule_name(estate, rule, direction)} allows "
                                        f"{traffic} {'to' if egress else 'from'} {cidr}", rule.holder)
            if where != "none":
                partial.append(f"{rule.holder.address} covers part of it ({cidr})")
        ref = rule.referenced_group if not rule.self_reference else rule.group
        if ref is None:
            if not rule.cidrs:  # every AWS rule names a source: this one's (a prefix list?) is not in the model
                maybe.append(f"what {rule.holder.address} admits: its source or destination is neither a CIDR nor a "
                             "security group the scan can read (a prefix list?)")
            continue
        if not is_known(ref):
            maybe.append(f"the group {rule.holder.address} references: {ref.describe()}")  # type: ignore[union-attr]
            continue
        if other_groups is None:
            maybe.append(f"whether {other.label} is a member of {ref} ({rule.holder.address} references it); name "
                         "the host instead")
            continue
        if other_unknown:
            maybe.extend(other_unknown)
            continue
        target = estate.security_group(ref)
        member = target is not None and target in other_groups
        if not member:
            continue
        if crosses_region and not same_vpc:
            partial.append(f"{rule.holder.address} references {target.source.address} across an inter-region "  # type: ignore[union-attr]
                           "peering, which AWS does not allow (it matches nothing)")
            continue
        if crosses_region is None and not same_vpc:
            maybe.append(f"whether the peering is in one region: {rule.holder.address} references a peer group")
            continue
        if covered == "all":
            return Hop(step, ALLOW, f"{_rule_name(estate, rule, direction)} allows "
                                    f"{traffic} {'to' if egress else 'from'} members of {target.source.address}, "  # type: ignore[union-attr]
                                    f"which include {other.label}", rule.holder)
        partial.append(f"{rule.holder.address} covers part of {traffic}")
    if maybe or gaps:
        return Hop(step, UNKNOWN, f"whether {names} {'allow' if len(groups) > 1 else 'allows'} {traffic} "
                                  f"{'to' if egress else 'from'} {other.label}", groups[0].source,
                   tuple(maybe + [g.describe() for g in gaps]))
    extra = f" ({'; '.join(partial)})" if partial else ""
    return Hop(step, DENY, f"no {direction} rule of {names} allows {traffic} {'to' if egress else 'from'} "
                           f"{other.label} ({other.network}){extra}; security groups deny what they do not allow",
               groups[0].source)


def _group_name(estate: Estate, rule: SecurityGroupRule) -> str:
    group = estate.security_group(rule.group) if is_known(rule.group) else None
    return group.source.address if group is not None else str(rule.group)


def _rule_name(estate: Estate, rule: SecurityGroupRule, direction: str) -> str:
    group = _group_name(estate, rule)
    if rule.holder.address == group:
        return f"an inline {direction} rule of {group}"
    return f"{rule.holder.address} ({direction} rule of {group})"



# --------------------------------------------------------------------------- routing


def _main_table(estate: Estate, vpc: Vpc) -> RouteTable | None:
    return estate.main_table(vpc)


def table_for(estate: Estate, subnet: Subnet, vpc: Vpc) -> tuple[RouteTable | None, str, list[str]]:
    """(table, how it was chosen, unknown). None table with no unknowns: the undeclared main table."""
    if subnet.route_table is not None:
        if not is_known(subnet.route_table):
            return None, "", [f"the route table of {subnet.source.address}: {subnet.route_table.describe()}"]  # type: ignore[union-attr]
        table = estate.route_table(subnet.route_table)
        if table is None:
            return None, "", [f"route table {subnet.route_table} of {subnet.source.address} is outside the scan"]
        return table, "by association", []
    gaps = estate.gaps_in("associations", vpc)
    if gaps:
        return None, "", [g.describe() for g in gaps]
    main = _main_table(estate, vpc)
    if main is None and estate.gaps_in("route_tables", vpc):
        return None, "", [g.describe() for g in estate.gaps_in("route_tables", vpc)]
    return main, "which has no association: the main table", []


@dataclass
class RouteChoice:
    route: Route | None  # None: the local route
    hop: Hop


def route_hop(estate: Estate, subnet: Subnet, vpc: Vpc, destination: IPNetwork, step: str) -> RouteChoice:
    """The route the subnet's table uses for ``destination``: the most specific match, local included."""
    table, how, unknown = table_for(estate, subnet, vpc)
    if unknown:
        return RouteChoice(None, Hop(step, UNKNOWN, f"which route table {subnet.source.address} uses", subnet.source,
                                     tuple(unknown)))
    where = table.source if table is not None and not table.implicit else vpc.source
    name = table.source.address if table is not None and not table.implicit else \
        f"the main route table of {vpc.source.address}, not declared, so only the local route"
    local_blocks = [b for b in vpc.known_set(destination.version).iter_cidrs()]
    best: tuple[int, Route | None] | None = None
    for block in local_blocks:
        if destination in block and (best is None or block.prefixlen > best[0]):
            best = (block.prefixlen, None)
    unsure: list[str] = []
    if vpc.unknown_blocks(destination.version) and best is None:
        unsure.append(f"the CIDR blocks of {vpc.source.address} (its local route) are not all known")
    split: list[str] = []
    for route in (table.routes if table is not None else []):
        if route.family not in (destination.version, None):
            continue
        if route.destination is None:
            continue
        if not is_known(route.destination):
            if best is not None and best[1] is None and route.prefix_list is not None:
                continue  # an AWS-managed prefix list never overrides the VPC's own range (local route)
            unsure.append(f"the destination of {route.holder.address}: {route.destination.describe()}")
            continue
        net: IPNetwork = route.destination
        if destination in net:
            if best is None or net.prefixlen > best[0]:
                best = (net.prefixlen, route)
        elif net in destination:
            split.append(f"{route.holder.address} routes {net} (part of {destination}) separately")
    gaps = [g.describe() for g in estate.gaps_in("routes", vpc)]
    if split:
        return RouteChoice(None, Hop(step, UNKNOWN, f"{name} routes parts of {destination} differently", where,
                                     tuple(split + ["ask about a narrower range"])))
    if unsure or gaps:  # a route the scan cannot see or read could be the more specific match
        return RouteChoice(None, Hop(step, UNKNOWN, f"which route of {name} matches {destination}", where,
                                     tuple(unsure + gaps)))
    if best is None:
        return RouteChoice(None, Hop(step, DENY, f"{name} (used by {subnet.source.address} {how}) has no route to "
                                                 f"{destination}: the packet is dropped", where))
    chosen = best[1]
    if chosen is None:
        return RouteChoice(None, Hop(step, ALLOW, f"{name} (used by {subnet.source.address} {how}): the local route covers "
                                                  f"{destination} (within {vpc.source.address})", where))
    target = chosen.target
    target_text = target if isinstance(target, str) else (target.describe() if isinstance(target, Unknown) else "none")
    detail = (f"{name} (used by {subnet.source.address} {how}): {chosen.holder.address} ({chosen.destination}) is the most "
              f"specific match for {destination}, target {chosen.target_kind} {target_text}")
    return RouteChoice(chosen, Hop(step, NOTE, detail, chosen.holder))


def _target_kind(route: Route) -> str:
    kind = route.target_kind
    target = route.target if isinstance(route.target, str) else ""
    if kind == "gateway":
        if target.startswith("vgw-"):
            return "vpn_gateway"
        if target.startswith("igw-") or "internet_gateway" in target:
            return "internet_gateway"
        if "vpn_gateway" in target:
            return "vpn_gateway"
    return kind


# --------------------------------------------------------------------------- the path


def _is_accepted(estate: Estate, peering: PeeringConnection, settings: Settings) -> Hop:
    from pcxguard.findings import Verdict
    from pcxguard.rules import pcx8_peering_acceptance

    finding = pcx8_peering_acceptance.judge(estate, peering, settings)
    if finding.verdict is Verdict.PASSED:
        return Hop("peering connection", ALLOW, finding.message, peering.source)
    if finding.verdict is Verdict.UNKNOWN:
        return Hop("peering connection", UNKNOWN, finding.message, peering.source, finding.missing)
    return Hop("peering connection", DENY, f"not accepted, so it carries no traffic: {finding.message}",
               peering.source)


def _regions(estate: Estate, peering: PeeringConnection) -> bool | None:
    mine, theirs = estate.peering_regions(peering)
    if is_known(mine) and is_known(theirs):
        return mine != theirs
    return None


def _validate(query: Query) -> tuple[str, tuple[int, int] | None]:
    protocol = query.protocol.lower()
    if protocol in ("all",):
        protocol = "-1"
    if protocol not in PROTOCOLS:
        raise UsageError(f"protocol must be one of {', '.join(PROTOCOLS)}, not {query.protocol!r}")
    if protocol == "-1":
        return protocol, None
    if protocol == "icmp":
        kind = ECHO_REQUEST if query.port is None else query.port
        if not 0 <= kind <= 255:
            raise UsageError(f"an ICMP type is 0-255, not {kind}")
        return protocol, (kind, kind)
    if query.port is None:
        raise UsageError(f"--port is required for {protocol}")
    if not 0 <= query.port <= 65535:
        raise UsageError(f"a port is 0-65535, not {query.port}")
    return protocol, (query.port, query.port)


def analyse_path(estate: Estate, query: Query, settings: Settings | None = None) -> PathResult:
    """The forward and return path of ``query`` through ``estate``. Raises UsageError for a bad question."""
    settings = settings or Settings()
    protocol, want = _validate(query)
    src, dst = resolve(estate, query.source), resolve(estate, query.destination)
    for end in (src, dst):
        if end.network is None and not end.problems:
            end.problems.append(f"the addresses of {end.text}")
    forward: list[Hop] = []
    back: list[Hop] = []
    result = PathResult(query, PathVerdict.CANNOT_TELL, PathVerdict.CANNOT_TELL, None, forward, back, src, dst)
    for role, end in (("source", src), ("destination", dst)):
        if end.problems:
            forward.append(Hop(f"{role} endpoint", UNKNOWN, f"cannot place the {role} {end.text}", end.source,
                               tuple(end.problems)))
    if src.outside:
        forward.append(Hop("source endpoint", UNKNOWN, f"{src.text} is in no VPC of the scan; pcxguard follows "
                                                       "paths that start inside the scanned estate", None,
                           (f"a VPC of the scan holding {src.text}; add it to the inventory",)))
    if any(h.outcome == UNKNOWN for h in forward):
        result.forward_verdict = result.verdict = PathVerdict.CANNOT_TELL
        return result
    assert src.vpc is not None and src.network is not None and dst.network is not None
    if src.subnet is None:
        forward.append(Hop("source endpoint", UNKNOWN, f"which subnet of {src.vpc.source.address} holds {src.text}",
                           None, (f"{src.text} is in no subnet of the scan",)))
        result.forward_verdict = result.verdict = PathVerdict.CANNOT_TELL
        return result
    same_vpc = dst.vpc is src.vpc and dst.vpc is not None
    # 1. source security-group egress (decided once the peering's region is known, below)
    # 2. source network ACL outbound
    # 3. the source subnet's route table
    choice = route_hop(estate, src.subnet, src.vpc, dst.network, "route table")
    peering: PeeringConnection | None = None
    crosses: bool | None = False
    route_hops: list[Hop] = [choice.hop]
    reaches = choice.hop.outcome != DENY and choice.hop.outcome != UNKNOWN
    if reaches and choice.route is not None:
        route = choice.route
        kind = _target_kind(route)
        if kind == "vpc_peering_connection":
            peering, hop = _peering_hop(estate, route, src.vpc, dst, settings)
            route_hops.extend(hop)
            reaches = all(h.outcome in (ALLOW, NOTE) for h in hop)
            if peering is not None and reaches:
                crosses = _regions(estate, peering)
                if crosses:
                    result.mtu = settings.inter_region_mtu
                    route_hops.append(Hop("path MTU", NOTE, f"{peering.source.address} crosses regions: packets above "
                                                            f"{settings.inter_region_mtu} bytes are fragmented, or "
                                                            "dropped with Don't Fragment set (EC2 User Guide, network "
                                                            "MTU)", peering.source))
                elif crosses is None:
                    route_hops.append(Hop("path MTU", NOTE, f"the regions of {peering.source.address} are not known, "
                                                            "so neither is the path MTU", peering.source))
        elif kind == "blackhole":
            route_hops.append(Hop("route target", DENY, f"{route.holder.address} is a blackhole route: the packet is "
                                                        "dropped", route.holder))
            reaches = False
        elif kind == "local":
            if not same_vpc:
                route_hops.append(Hop("route target", DENY, f"{route.holder.address} keeps {dst.network} inside "
                                                            f"{src.vpc.source.address}, but {dst.label} is not there",
                                      route.holder))
                reaches = False
        else:
            names = {"internet_gateway": "internet gateway", "nat_gateway": "NAT gateway", "vpn_gateway":
                     "virtual private gateway (VPN)", "transit_gateway": "transit gateway", "gateway": "gateway"}
            what = names.get(kind, kind.replace("_", " "))
            if dst.vpc is not None and kind in ("internet_gateway", "gateway") and route.target_kind == "gateway" \
                    and kind == "internet_gateway":
                route_hops.append(Hop("route target", DENY, f"{route.holder.address} sends {dst.network} to an "
                                                            f"internet gateway, but {dst.label} is a private address "
                                                            f"of {dst.vpc.source.address}", route.holder))
                reaches = False
            else:
                route_hops.append(Hop("route target", UNKNOWN, f"the path leaves {src.vpc.source.address} through a "
                                                               f"{what} ({route.holder.address}); pcxguard does not "
                                                               "follow it further", route.holder,
                                      (f"where the {what} of {route.holder.address} delivers {dst.network}",)))
                reaches = False
    elif reaches and choice.route is None and not same_vpc:
        route_hops.append(Hop("route target", DENY, f"{dst.network} is in {src.vpc.source.address}'s own range, "
                                                    f"but {dst.label} is not in that VPC", src.vpc.source))
        reaches = False
    forward.append(sg_hop(estate, src, dst, True, protocol, want, crosses, same_vpc))
    forward.append(acl_hop(estate, src.subnet, True, dst.network, protocol, want, "network ACL outbound"))
    forward.extend(route_hops)
    if reaches and dst.vpc is None:
        forward.append(Hop("destination endpoint", UNKNOWN, f"{dst.text} is outside the scanned estate", None,
                           (f"the VPC holding {dst.text}; add it to the inventory or scan its code",)))
        reaches = False
    if reaches and dst.subnet is None:
        forward.append(Hop("destination endpoint", UNKNOWN, f"which subnet of {dst.vpc.source.address} holds "  # type: ignore[union-attr]
                                                            f"{dst.text}", None, tuple(dst.problems) or
                           (f"{dst.text} is in no subnet of the scan",)))
        reaches = False
    if reaches:
        forward.append(acl_hop(estate, dst.subnet, False, src.network, protocol, want, "network ACL inbound"))
        forward.append(sg_hop(estate, dst, src, False, protocol, want, crosses, same_vpc))
    result.forward_verdict = _fold(forward)
    if reaches:
        _return_path(estate, result, src, dst, protocol, want, peering, same_vpc)
        result.return_verdict = _fold(back)
    result.verdict = _combine(result.forward_verdict, result.return_verdict)
    return result


def _combine(forward: PathVerdict, back: PathVerdict | None) -> PathVerdict:
    if forward is PathVerdict.BLOCKED or back is PathVerdict.BLOCKED:
        return PathVerdict.BLOCKED
    if forward is PathVerdict.CANNOT_TELL or back in (PathVerdict.CANNOT_TELL, None):
        return PathVerdict.CANNOT_TELL
    return PathVerdict.REACHABLE


def _peering_hop(estate: Estate, route: Route, vpc: Vpc, dst: Endpoint, settings: Settings
                 ) -> tuple[PeeringConnection | None, list[Hop]]:
    if route.target is None or not is_known(route.target):
        return None, [Hop("peering connection", UNKNOWN, f"which peering {route.holder.address} targets",
                          route.holder, (route.target.describe() if isinstance(route.target, Unknown) else
                                         f"the target of {route.holder.address}",))]
    peering = estate.peering(route.target)
    if peering is None:
        return None, [Hop("peering connection", UNKNOWN, f"peering connection {route.target} is outside the scan",
                          route.holder, (f"peering connection {route.target}: scan the code that declares it, or "
                                         "add both VPCs to the inventory",))]
    peer_ref = estate.other_side(peering, vpc)
    if peer_ref is None:
        return peering, [Hop("peering connection", DENY, f"{peering.source.address} does not join "
                                                         f"{vpc.source.address}: the route cannot use it (see "
                                                         "CKV2_PCX_7)", route.holder)]
    peer = estate.vpc(peer_ref)
    hops = [_is_accepted(estate, peering, settings)]
    if peer is None:
        if dst.vpc is not None:
            hops.append(Hop("peering connection", DENY, f"{peering.source.address} leads to {peer_ref}, not to "
                                                        f"{dst.vpc.source.address}: peering is not transitive",
                            route.holder))
        else:
            hops.append(Hop("peering connection", UNKNOWN, f"the peer VPC {peer_ref} of {peering.source.address} is "
                                                           "outside the scan", peering.source,
                            (f"the peer VPC {peer_ref}; add it to the inventory",)))
        return peering, hops
    if dst.vpc is not peer:
        where = dst.vpc.source.address if dst.vpc is not None else "no VPC of the scan"
        hops.append(Hop("peering connection", DENY, f"{route.holder.address} sends {dst.network} over "
                                                    f"{peering.source.address} to {peer.source.address}, but "
                                                    f"{dst.label} is in {where}: a peering reaches only the peer's "
                                                    "own addresses, never through it (no transitive or edge-to-edge "
                                                    "routing; see CKV2_PCX_6)", route.holder))
        return peering, hops
    if hops[0].outcome == ALLOW:
        hops[0] = Hop(hops[0].step, ALLOW, f"{hops[0].detail} (Its DNS options do not affect reachability.)",
                      peering.source)
    return peering, hops


def _return_path(estate: Estate, result: PathResult, src: Endpoint, dst: Endpoint, protocol: str,
                 want: tuple[int, int] | None, peering: PeeringConnection | None, same_vpc: bool) -> None:
    back = result.back
    assert dst.subnet is not None and dst.vpc is not None and src.network is not None and dst.network is not None
    reply_protocol, reply_want, why = protocol, want, ""
    if protocol in ("tcp", "udp"):
        reply_want, why = EPHEMERAL, f" (replies go to the client's ephemeral ports {EPHEMERAL[0]}-{EPHEMERAL[1]})"
    elif protocol == "icmp":
        reply_want, why = (ECHO_REPLY, ECHO_REPLY) if want == (ECHO_REQUEST, ECHO_REQUEST) else want, " (the ICMP reply)"
    back.append(Hop("security group (stateful)", NOTE, "security groups are stateful: replies to allowed traffic "
                                                       "pass whatever their rules say"))
    back.append(_reply_acl_hop(estate, dst.subnet, True, src.network, reply_protocol, reply_want, "network ACL outbound",
                               why))
    choice = route_hop(estate, dst.subnet, dst.vpc, src.network, "route table")
    back.append(choice.hop)
    if choice.hop.outcome in (DENY, UNKNOWN):
        if choice.hop.outcome == DENY and peering is not None:
            back[-1] = Hop(choice.hop.step, DENY, choice.hop.detail.replace(": the packet is dropped", "") +
                           f": replies cannot return over {peering.source.address} (asymmetric path; see CKV2_PCX_2)",
                           choice.hop.resource)
        return
    route = choice.route
    if same_vpc:
        if route is not None:
            back.append(Hop("route target", UNKNOWN if _target_kind(route) != "blackhole" else DENY,
                            f"{route.holder.address} overrides the local route for {src.network}", route.holder,
                            (f"where {route.holder.address} delivers replies",)))
    elif route is None:
        back.append(Hop("route target", DENY, f"{src.network} falls under {dst.vpc.source.address}'s local route, "
                                              "so replies never leave the VPC", dst.vpc.source))
        return
    elif peering is not None:
        over = estate.peering(route.target) if route.via_peering and is_known(route.target) else None
        if over is not peering:
            where = f"{_target_kind(route).replace('_', ' ')} {route.target}" if over is None else \
                over.source.address
            back.append(Hop("route target", DENY, f"{route.holder.address} sends replies for {src.network} to {where}, "
                                                  f"not back over {peering.source.address}: an asymmetric path "
                                                  "(AWS has no reverse-path routing; see CKV2_PCX_2)", route.holder))
            return
        back.append(Hop("peering connection", ALLOW, f"{route.holder.address} routes {route.destination} back over "
                                                     f"{peering.source.address}", route.holder))
    back.append(_reply_acl_hop(estate, src.subnet, False, dst.network, reply_protocol, reply_want, "network ACL inbound",
                               why))
    back.append(Hop("security group (stateful)", NOTE, f"the reply is admitted by {src.label}'s security groups as "
                                                       "part of the tracked connection"))


# the clients' own ephemeral ranges, for an ACL that admits only part of 1024-65535 (VPC User Guide, ephemeral
# ports: Linux kernels use 32768-60999, Windows Server 2008 and later 49152-65535)
CLIENT_RANGES = ((32768, 60999), (49152, 65535))


def _reply_acl_hop(estate: Estate, subnet: Subnet | None, egress: bool, peer: IPNetwork, protocol: str,
                   want: tuple[int, int] | None, step: str, why: str) -> Hop:
    hop = acl_hop(estate, subnet, egress, peer, protocol, want, step, why)
    if hop.outcome != UNKNOWN or want != EPHEMERAL or not hop.missing or "unevenly" not in hop.missing[-1]:
        return hop
    narrower = [acl_hop(estate, subnet, egress, peer, protocol, r, step, f" (client ports {r[0]}-{r[1]})")
                for r in CLIENT_RANGES]
    if all(h.outcome == ALLOW for h in narrower):
        return Hop(step, ALLOW, f"{hop.detail}; it admits the ephemeral ports of Linux (32768-60999) and Windows "
                                "(49152-65535) clients", hop.resource)
    if all(h.outcome == DENY for h in narrower):
        return Hop(step, DENY, f"{hop.detail}; it admits neither the Linux (32768-60999) nor the Windows "
                               "(49152-65535) ephemeral ports, so replies are dropped", hop.resource)
    return hop
