"""Network ACLs: facts -> ``NetworkAcl``, ``NetworkAclRule``, subnet associations.

One translation for every format: an entry's range is validated (``common.network``), its action is
lower case, a numeric protocol is text (``"6"``); an entry the scan cannot read whole is recorded with
why (``NetworkAcl.rules_unknown``), never dropped; the default ACL AWS creates with a VPC allows
everything both ways (``default_acl``); a subnet is on one ACL, listed once.
"""

from __future__ import annotations

from typing import Any

from netaddr import IPNetwork

from pcxguard.mapping.common import Origin, network
from pcxguard.model import Estate, NetworkAcl, NetworkAclRule, Source, Subnet, Vpc


def new_acl(estate: Estate, key: str, source: Source, *, vpc: Any, is_default: bool = False) -> NetworkAcl:
    acl = NetworkAcl(key, source, vpc=vpc, is_default=is_default)
    estate.network_acls[key] = acl
    return acl


def new_entry(origin: Origin, *, egress: bool, number: int, action: Any, protocol: Any, cidr: tuple[Any, str],
              icmp_type: Any = None, icmp_code: Any = None, from_port: Any = None, to_port: Any = None) -> NetworkAclRule:
    """An entry declared by ``origin``; ``cidr`` is ``(value, attribute)`` of the range it gives."""
    value, attribute = cidr
    return NetworkAclRule(
        egress=egress, rule_number=number, action=str(action).lower(),
        protocol=str(protocol) if isinstance(protocol, (int, str)) else protocol,
        cidr=network(origin, value, attribute), icmp_type=icmp_type, icmp_code=icmp_code,
        declared_by=origin.source, from_port=from_port, to_port=to_port)


def add_entry(acl: NetworkAcl, entry: NetworkAclRule | str) -> None:
    """An entry of ``acl``, or why one cannot be read (then the ACL's rules are not a complete set)."""
    if isinstance(entry, str):
        acl.rules_unknown.append(entry)
    else:
        acl.rules.append(entry)


def default_acl(estate: Estate, vpc: Vpc, key: str) -> NetworkAcl:
    """The default network ACL AWS creates with ``vpc`` (declared nowhere): rule 100 allows all IPv4 and
    rule 101 all IPv6 traffic, both ways; placed where the VPC is."""
    acl = new_acl(estate, key, Source(vpc.source.kind, "default network ACL", f"default network ACL of {vpc.key}",
                                      vpc.source.file, vpc.source.start_line, vpc.source.end_line),
                  vpc=vpc.key, is_default=True)
    for egress in (False, True):
        acl.rules.append(NetworkAclRule(egress, 100, "allow", "-1", IPNetwork("0.0.0.0/0")))
        acl.rules.append(NetworkAclRule(egress, 101, "allow", "-1", IPNetwork("::/0")))
    return acl


def attach(subnet: Subnet, acl: NetworkAcl) -> None:
    """``subnet`` on ``acl`` (a later association wins: a subnet is on one ACL)."""
    subnet.network_acl = acl.key
    if subnet.key not in acl.subnets:
        acl.subnets.append(subnet.key)
