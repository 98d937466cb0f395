"""Property tests of the reachability engine on generated estates (hypothesis): the verdict does not
depend on element order; adding a deny rule never opens a path; removing the only route blocks it."""

from __future__ import annotations

import random

from estate_builder import src
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from netaddr import IPNetwork
from path_estates import acl, pair

from pcxguard.model import NetworkAclRule, SecurityGroupRule
from pcxguard.reachability import PathVerdict, Query, analyse_path

CIDRS = ["0.0.0.0/0", "10.0.0.0/16", "10.0.1.0/24", "10.0.1.0/25", "10.1.0.0/16", "10.1.1.0/24", "192.168.0.0/16"]
PROTOCOLS = ["tcp", "udp", "-1", "icmp", "6"]
PORTS = [0, 3, 8, 22, 443, 5432, 1024, 32768, 65535]

port_range = st.tuples(st.sampled_from([0, 22, 1024, 5000, 32768, 49152]),
                       st.sampled_from([22, 443, 5432, 6000, 60999, 65535]))
acl_rule = st.tuples(st.booleans(), st.integers(1, 300), st.sampled_from(["allow", "deny"]), st.sampled_from(PROTOCOLS),
                     st.sampled_from(CIDRS), port_range)
sg_rule = st.tuples(st.sampled_from(["ingress", "egress"]), st.sampled_from(["tcp", "udp", "-1"]),
                    st.sampled_from(CIDRS), port_range)
query = st.tuples(st.sampled_from(["tcp", "udp", "icmp", "-1"]), st.sampled_from(PORTS))


def build(acl_rules, sg_rules, back_route=True):
    b = pair(back_route=back_route)
    for name, subnet, vpc, rules in (("aws_network_acl.db", "aws_subnet.db", "aws_vpc.b", acl_rules[0]),
                                     ("aws_network_acl.app", "aws_subnet.app", "aws_vpc.a", acl_rules[1])):
        if rules is not None:
            acl(b, name, vpc, [subnet], [(e, n, a, p, c, lo, hi) for e, n, a, p, c, (lo, hi) in _unique(rules)])
    for index, (direction, protocol, cidr, (lo, hi)) in enumerate(sg_rules):
        group = "aws_security_group.db" if direction == "ingress" else "aws_security_group.app"
        b.estate.sg_rules.append(SecurityGroupRule(f"aws_security_group_rule.r{index}", src(f"aws_security_group_rule.r{index}"),
                                                   group=group, direction=direction, protocol=protocol, from_port=lo,
                                                   to_port=hi, cidrs=[IPNetwork(cidr)]))
    b.estate.reindex()
    return b


def _unique(rules):
    """AWS rule numbers are unique per direction."""
    seen, kept = set(), []
    for rule in rules:
        if (rule[0], rule[1]) not in seen:
            seen.add((rule[0], rule[1]))
            kept.append(rule)
    return kept


def ask(estate, protocol, port):
    if protocol == "icmp":
        port = port if port <= 255 else 8
    return analyse_path(estate, Query("aws_instance.app", "aws_instance.db", port, protocol)).verdict


estates = st.tuples(st.tuples(st.one_of(st.none(), st.lists(acl_rule, max_size=6)),
                              st.one_of(st.none(), st.lists(acl_rule, max_size=6))),
                    st.lists(sg_rule, max_size=5), st.booleans())
COMMON = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@COMMON
@given(estates, query, st.randoms(use_true_random=False))
def test_verdict_does_not_depend_on_element_order(spec, q, rnd: random.Random):
    acl_rules, sg_rules, back = spec
    before = ask(build(acl_rules, sg_rules, back).estate, *q)
    shuffled = build(tuple(None if r is None else rnd.sample(r, len(r)) for r in acl_rules),
                     rnd.sample(sg_rules, len(sg_rules)), back)
    estate = shuffled.estate
    rnd.shuffle(estate.sg_rules)
    for table in estate.route_tables.values():
        rnd.shuffle(table.routes)
    for name in ("subnets", "route_tables", "security_groups", "vpcs", "peerings", "network_acls", "hosts"):
        items = list(getattr(estate, name).items())
        rnd.shuffle(items)
        setattr(estate, name, dict(items))
    estate.reindex()
    assert ask(estate, *q) is before


@COMMON
@given(estates, query, acl_rule, st.sampled_from(["aws_network_acl.db", "aws_network_acl.app"]))
def test_adding_a_deny_never_opens_a_path(spec, q, extra, which):
    acl_rules, sg_rules, back = spec
    acl_rules = tuple(r if r is not None else [(e, 32766, "allow", "-1", "0.0.0.0/0", (0, 0)) for e in (False, True)]
                      for r in acl_rules)
    before = ask(build(acl_rules, sg_rules, back).estate, *q)
    b = build(acl_rules, sg_rules, back)
    found = b.estate.network_acls[which]
    egress, number, _, protocol, cidr, (lo, hi) = extra
    if any(r.egress == egress and r.rule_number == number for r in found.rules):
        number = 0  # a free number, lowest of all
    found.rules.append(NetworkAclRule(egress, number, "deny", protocol, IPNetwork(cidr), declared_by=src(which),
                                      from_port=lo, to_port=hi))
    after = ask(b.estate, *q)
    if before is PathVerdict.BLOCKED:
        assert after is PathVerdict.BLOCKED
    if before is PathVerdict.CANNOT_TELL:
        assert after is not PathVerdict.REACHABLE


@COMMON
@given(estates, query)
def test_removing_the_only_route_blocks_the_path(spec, q):
    acl_rules, sg_rules, back = spec
    b = build(acl_rules, sg_rules, back)
    b.estate.route_tables["aws_route_table.a"].routes.clear()
    b.estate.reindex()
    assert ask(b.estate, *q) is PathVerdict.BLOCKED
    b = build(acl_rules, sg_rules, True)
    b.estate.route_tables["aws_route_table.b"].routes.clear()
    b.estate.reindex()
    assert ask(b.estate, *q) is PathVerdict.BLOCKED
