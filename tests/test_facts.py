"""pcxguard.facts: the facts several rules share, each tested on a small estate (no loader, no rule)."""

from __future__ import annotations

import ast
from pathlib import Path

from netaddr import IPNetwork, IPSet

from estate_builder import EstateBuilder
from pcxguard import facts
from pcxguard.model import RouteMtuPin, Unknown

ROOT = Path(__file__).resolve().parents[1]


def _pair() -> EstateBuilder:
    """a (10.0.0.0/16, us-east-1) peered with b (10.1.0.0/16); a routes b's range over the peering."""
    b = EstateBuilder()
    b.vpc("aws_vpc.a", "10.0.0.0/16")
    b.vpc("aws_vpc.b", "10.1.0.0/16")
    b.peering("aws_vpc_peering_connection.ab", "aws_vpc.a", "aws_vpc.b")
    b.table("aws_route_table.a", "aws_vpc.a")
    b.table("aws_route_table.b", "aws_vpc.b")
    b.route("aws_route.a_to_b", "aws_route_table.a", "10.1.0.0/16", "aws_vpc_peering_connection.ab")
    return b


def test_no_rule_imports_another_rule():
    rules = ROOT / "src" / "pcxguard" / "rules"
    names = {p.stem for p in rules.glob("*.py") if not p.stem.startswith("_")}
    for path in rules.glob("*.py"):
        if path.stem == "__init__":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported = {node.module.rsplit(".", 1)[-1]} | {a.name for a in node.names}
                if node.module.startswith("pcxguard.rules"):
                    assert not imported & (names - {"__init__"}), f"{path.name} imports a rule: {node.module}"


def test_route_context_names_table_vpc_and_peering():
    estate = _pair().done()
    route = estate.route_tables["aws_route_table.a"].routes[0]
    table, vpc, peering = facts.peering_route_context(estate, route)
    assert (table.key, vpc.key, peering.key) == ("aws_route_table.a", "aws_vpc.a", "aws_vpc_peering_connection.ab")


def test_route_context_says_what_is_missing():
    b = _pair()
    b.route("aws_route.unknown", "aws_route_table.a", "10.2.0.0/16", Unknown("the peering id", "apply first"))
    b.route("aws_route.outside", "aws_route_table.a", "10.3.0.0/16", "pcx-0abc")
    estate = b.done()
    unknown, outside = estate.route_tables["aws_route_table.a"].routes[1:]
    assert facts.peering_route_context(estate, unknown) == [
        "which peering connection aws_route.unknown targets: the peering id (apply first)"]
    assert facts.peering_route_context(estate, outside) == [
        "peering connection pcx-0abc is not declared in the scanned code; scan the code that declares it, or add "
        "both VPCs to the inventory in .pcxguard.yaml"]


def test_served_range_is_the_subnets_of_the_table_else_the_vpc():
    b = _pair()
    estate = b.done()
    table, vpc = estate.route_tables["aws_route_table.a"], estate.vpcs["aws_vpc.a"]
    assert facts.served_range(estate, table, vpc, 4) == (IPSet(["10.0.0.0/16"]), [], "the blocks of aws_vpc.a")
    b.subnet("aws_subnet.a1", "aws_vpc.a", "10.0.1.0/24", table="aws_route_table.a")
    estate = b.done()
    assert facts.served_range(estate, table, vpc, 4) == (
        IPSet(["10.0.1.0/24"]), [], "the subnets using aws_route_table.a: aws_subnet.a1")


def test_peer_tables_are_those_of_the_subnets_inside_the_destination_or_the_main_table():
    b = _pair()
    b.subnet("aws_subnet.b1", "aws_vpc.b", "10.1.1.0/24", table="aws_route_table.b")
    b.subnet("aws_subnet.b2", "aws_vpc.b", "10.1.2.0/24")  # no table of its own: the main table
    estate = b.done()
    peer = estate.vpcs["aws_vpc.b"]
    tables, unknown = facts.peer_tables(estate, peer, IPNetwork("10.1.1.0/24"))
    assert [t.key for t in tables] == ["aws_route_table.b"] and unknown == []
    tables, unknown = facts.peer_tables(estate, peer, IPNetwork("10.1.2.0/24"))
    assert [(t.key, t.implicit) for t in tables] == [("aws_vpc.b#main", True)]
    assert facts.implicit_main_table(estate, peer).source.address == "main route table of aws_vpc.b"


def test_subnets_without_a_table_of_their_own_share_one_main_table():
    # Kali-Dev's shared-system.yaml: two subnets on the undeclared main table listed it twice in a
    # CKV2_PCX_2 message and its fix
    b = _pair()
    b.subnet("aws_subnet.b1", "aws_vpc.b", "10.1.1.0/24")
    b.subnet("aws_subnet.b2", "aws_vpc.b", "10.1.2.0/24")
    estate = b.done()
    tables, unknown = facts.peer_tables(estate, estate.vpcs["aws_vpc.b"], IPNetwork("10.1.0.0/16"))
    assert [t.key for t in tables] == ["aws_vpc.b#main"] and unknown == []


def test_routes_back_per_peering_and_uncertainty():
    b = _pair()
    b.route("aws_route.b_to_a", "aws_route_table.b", "10.0.0.0/16", "aws_vpc_peering_connection.ab")
    estate = b.done()
    table, peering = estate.route_tables["aws_route_table.b"], estate.peerings["aws_vpc_peering_connection.ab"]
    assert facts.routes_back(estate, table, peering, 4) == ([IPNetwork("10.0.0.0/16")], False)
    assert facts.routes_back(estate, table, peering, 6) == ([], False)
    b.route("aws_route.b_any", "aws_route_table.b", "10.9.0.0/16", Unknown("the target"))
    estate = b.done()
    assert facts.routes_back(estate, table, peering, 4) == ([IPNetwork("10.0.0.0/16")], True)


def test_crossing_accounts_and_regions():
    b = _pair()
    same_place = b.done()
    peering = same_place.peerings["aws_vpc_peering_connection.ab"]
    assert facts.crossing(same_place, peering) == (False, [], [])
    b.estate.vpcs["aws_vpc.b"].region = "eu-west-1"
    peering.peer_region = "eu-west-1"
    crosses, how, unknown = facts.crossing(b.done(), peering)
    assert crosses is True and unknown == [] and len(how) == 1 and "eu-west-1" in how[0]


def test_host_tables_crossing_routes_and_pins():
    b = _pair()
    b.estate.vpcs["aws_vpc.b"].region = "eu-west-1"
    b.estate.peerings["aws_vpc_peering_connection.ab"].peer_region = "eu-west-1"
    b.subnet("aws_subnet.a1", "aws_vpc.a", "10.0.1.0/24", table="aws_route_table.a")
    host = b.host("aws_instance.h", subnets=["aws_subnet.a1"], mtu=9001)
    estate = b.done()
    tables, unknown = facts.host_tables(estate, host)
    assert [(t.key, v.key) for t, v in tables] == [("aws_route_table.a", "aws_vpc.a")] and unknown == []
    assert facts.host_subnets_resolved(estate, host)
    assert [v.key for v in facts.host_vpc_refs(estate, host, tables)] == ["aws_vpc.a"]
    crossing, unknown = facts.crossing_routes(estate, tables)
    assert [(r.key, p.key, here, there) for r, p, here, there in crossing] == [
        ("aws_route.a_to_b", "aws_vpc_peering_connection.ab", "us-east-1", "eu-west-1")]
    route = crossing[0][0]
    assert facts.route_pinned(host, route, 8500) is False
    host.route_mtu_pins.append(RouteMtuPin(IPNetwork("10.1.0.0/16"), 8500))
    assert facts.route_pinned(host, route, 8500) is True


def test_requested_place_is_what_the_request_writes_else_its_own_place():
    from estate_builder import EstateBuilder

    from pcxguard.facts import own_place, requested_place
    from pcxguard.model import PeeringRequest, Unknown

    b = EstateBuilder()
    requester = b.vpc("aws_vpc.a", "10.0.0.0/16", region="eu-west-1")
    inferred = b.peering("aws_vpc_peering_connection.p", "aws_vpc.a", "aws_vpc.b", region=Unknown("region"),
                         peer_region="us-east-1", request=PeeringRequest())  # a loader inferred peer_region
    assert own_place(inferred, requester, "region") == "eu-west-1"  # the requester VPC's, the request's unknown
    assert requested_place(inferred, requester, "region") == ("eu-west-1", False)  # unset: its own region
    assert requested_place(inferred, requester, "account") == ("111111111111", False)  # the requester's
    account, stated = requested_place(inferred, None, "account")
    assert isinstance(account, Unknown) and account.what == "account" and stated is False
    stated = b.peering("aws_vpc_peering_connection.q", "aws_vpc.a", "aws_vpc.b", peer_owner_id="222222222222")
    assert requested_place(stated, requester, "account") == ("222222222222", True)
