"""mapping.routing: routes, tables and associations, one translation for every format."""

from __future__ import annotations

from netaddr import IPNetwork

from mapping_inputs import cloudformation, neutral, origin, terraform
from pcxguard.mapping import routing
from pcxguard.model import Estate, PeeringConnection, RouteTable, Source, Subnet, Unknown, Vpc


def test_the_first_set_destination_and_target_win():
    o, problems = origin("aws_route.r", resource_type="aws_route")
    read: list[str] = []

    def targets():
        for kind in ("vpc_peering_connection", "gateway"):
            read.append(kind)
            yield kind, "pcx-1" if kind.startswith("vpc") else "igw-1", "link-" + kind

    route = routing.new_route("aws_route.r", o, "rtb", destinations=[("", "destination_cidr_block", 4),
                                                                      ("fd00::/64", "destination_ipv6_cidr_block", 6)],
                              prefix_list="pl-1", prefix_link="pl-1", targets=targets())
    assert (route.destination, route.version, route.prefix_list) == (IPNetwork("fd00::/64"), 6, None)
    assert (route.target_kind, route.target, route.route_table) == ("vpc_peering_connection", "link-vpc_peering_connection",
                                                                    "rtb")
    assert read == ["vpc_peering_connection"]  # the later target attributes are never read
    assert route.holder == o.source and problems == []


def test_a_prefix_list_destination_is_unknown_and_gateway_local_is_the_local_route():
    o, _ = origin("R")
    route = routing.new_route("t#R", o, "t#T", destinations=[(None, "DestinationCidrBlock", 4)], prefix_list="pl-1",
                              prefix_link="pl-1", targets=[("gateway", "local", "local")])
    assert route.destination == Unknown("the entries of prefix list pl-1", "use CIDR destinations for peering routes")
    assert (route.prefix_list, route.target_kind, route.target, route.version) == ("pl-1", "local", "local", None)


def test_an_invalid_destination_is_a_problem_in_the_callers_words():
    o, problems = origin("R", where="R in t.yaml")
    route = routing.new_route("t#R", o, "t#T", destinations=[("10.0.0.0/33", "DestinationCidrBlock", 4)])
    assert isinstance(route.destination, Unknown) and route.target_kind == "unknown" and route.target is None
    assert problems == [("DestinationCidrBlock '10.0.0.0/33' of R in t.yaml is not a valid CIDR block (not an "
                         "address/prefix-length CIDR block); ignored", True)]


def test_target_kind_of_an_id():
    estate = Estate("t")
    estate.peerings["aws_vpc_peering_connection.p"] = PeeringConnection(
        "aws_vpc_peering_connection.p", Source("terraform", "aws_vpc_peering_connection", "p"), "a", "b")
    assert [routing.kind_of_id(estate, t) for t in ("local", "aws_vpc_peering_connection.p", "pcx-1", "vgw-1",
                                                    "eigw-1", "vpce-1", "x-1")] == [
        "local", "vpc_peering_connection", "vpc_peering_connection", "gateway", "egress_only_gateway",
        "vpc_endpoint", "other"]
    route = routing.listed_route(estate, "rtb-1/route[0]", Source("inventory", "aws_route", "x"), "rtb-1",
                                 IPNetwork("10.1.0.0/16"), "pcx-1")
    assert (route.target_kind, route.version, route.route_table) == ("vpc_peering_connection", 4, "rtb-1")


def test_a_table_outside_the_scan_is_a_placeholder_with_an_unknown_vpc():
    estate = Estate("t")
    words = dict(kind="terraform", name="aws_route.r", fallback_key="aws_route.r#route_table", scanned="code",
                 declarer="the code", unknown_hint="reference the route table directly")
    table = routing.table_outside_scan(estate, "rtb-1", **words)
    assert estate.route_tables == {"rtb-1": table} and table.implicit
    assert table.source == Source("terraform", "route table", "route table rtb-1")
    assert table.vpc == Unknown("route table rtb-1 is not declared in the scanned code",
                                "scan the code that declares it; if its VPC is outside the scan, list the table under "
                                "that VPC in the inventory (inventory: vpcs: route_tables)")
    assert routing.table_outside_scan(estate, "rtb-1", **words) is table  # one placeholder per table
    unknown = routing.table_outside_scan(estate, Unknown("var.rtb has no value"), **words)
    assert unknown.key == "aws_route.r#route_table"
    assert unknown.vpc == Unknown("which route table aws_route.r is on: var.rtb has no value",
                                  "reference the route table directly")


def test_implicit_main_table_and_association():
    estate = Estate("t")
    vpc = Vpc("aws_vpc.a", Source("terraform", "aws_vpc", "aws_vpc.a", "main.tf", 3, 9))
    table = routing.implicit_main_table(estate, vpc, "aws_vpc.a#main")
    assert (table.is_main, table.implicit, table.vpc) == (True, True, "aws_vpc.a")
    assert table.source == Source("terraform", "main route table", "main route table of aws_vpc.a", "main.tf", 3, 9)
    subnet = Subnet("aws_subnet.s", Source("terraform", "aws_subnet", "aws_subnet.s"), vpc="aws_vpc.a")
    routing.associate(subnet, table, "aws_vpc.a#main")
    assert (subnet.route_table, table.subnets) == ("aws_vpc.a#main", ["aws_subnet.s"])
    elsewhere = Subnet("aws_subnet.t", Source("terraform", "aws_subnet", "aws_subnet.t"), vpc="aws_vpc.a")
    routing.associate(elsewhere, None, "rtb-9")
    assert elsewhere.route_table == "rtb-9"


def test_terraform_and_cloudformation_give_the_same_routes():
    tf = terraform({
        "aws_vpc.a": {"cidr_block": "10.0.0.0/16"},
        "aws_route_table.t": {"vpc_id": "aws_vpc.a"},
        "aws_route.r": {"route_table_id": "aws_route_table.t", "destination_cidr_block": "10.1.0.0/16",
                        "vpc_peering_connection_id": "pcx-1"},
        "aws_route.outside": {"route_table_id": "rtb-9", "destination_ipv6_cidr_block": "fd00::/64",
                              "gateway_id": "local"},
    })
    cfn = cloudformation({
        "A": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
        "T": {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": {"Ref": "A"}}},
        "R": {"Type": "AWS::EC2::Route", "Properties": {"RouteTableId": {"Ref": "T"},
                                                        "DestinationCidrBlock": "10.1.0.0/16",
                                                        "VpcPeeringConnectionId": "pcx-1"}},
        "Outside": {"Type": "AWS::EC2::Route", "Properties": {"RouteTableId": "rtb-9",
                                                              "DestinationIpv6CidrBlock": "fd00::/64",
                                                              "GatewayId": "local"}},
    })
    tf_table, cfn_table = tf.route_tables["aws_route_table.t"], cfn.route_tables["t.yaml#T"]
    assert neutral(tf_table, "vpc", "route_table") == neutral(cfn_table, "vpc", "route_table")
    assert [(r.destination, r.target_kind, r.target) for r in tf_table.routes] == [
        (IPNetwork("10.1.0.0/16"), "vpc_peering_connection", "pcx-1")]
    tf_outside, cfn_outside = tf.route_tables["rtb-9"], cfn.route_tables["rtb-9"]
    assert neutral(tf_outside, "vpc") == neutral(cfn_outside, "vpc")
    assert isinstance(tf_outside, RouteTable) and tf_outside.implicit
    assert [(r.destination, r.target_kind) for r in cfn_outside.routes] == [(IPNetwork("fd00::/64"), "local")]
    # the placeholder's VPC is worded for the format the user writes
    assert tf_outside.vpc.what == "route table rtb-9 is not declared in the scanned code"
    assert cfn_outside.vpc.what == "route table rtb-9 is not declared in the scanned templates"


def test_each_format_spells_every_target_kind_in_one_order():
    from pcxguard.loaders import cloudformation as cfn_loader
    from pcxguard.loaders import terraform_common

    assert tuple(terraform_common.ROUTE_TARGETS.values()) == routing.TARGET_KINDS
    assert tuple(cfn_loader.ROUTE_TARGETS.values()) == routing.TARGET_KINDS
