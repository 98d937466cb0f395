"""CloudFormation templates -> the peering model.

How a scan becomes estates: **all templates of one scan form one estate.**
``load_cloudformation(paths)`` takes files and directories (searched
recursively for ``.yaml``, ``.yml``, ``.json`` and ``.template`` files), and
joins the templates where they name each other: ``Export`` / ``Fn::ImportValue``,
a ``Ref`` inside one template, and physical ids given in the configuration
(``resource_ids``) that another template uses literally. A template is one
region's stack: its region and account come from ``.pcxguard.yaml``
(``cloudformation.stacks``, see ``pcxguard.stack_config``) or, for the peer
side of a peering, from the peering's ``PeerRegion`` / ``PeerOwnerId`` (and a
same-region peering without ``PeerRegion`` puts both stacks in one region).

Element keys are ``<template path>#<LogicalId>``; a ``Source``'s address is the
logical id, its file the template path, its lines the logical id's line to
the last line of the resource's body.

Bad input never raises: a template that cannot be read, a YAML alias bomb, a
file that is not a template, a bogus CIDR become ``LoadProblem``s and the rest
of the scan goes on.

The builder reads each resource's properties (intrinsics resolved, conditions
and stack placement applied) and hands the facts to the family mappers of
``pcxguard.mapping``, which create the model elements.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any, Iterable

from pcxguard import limits
from pcxguard.loaders.cfn_foreach import expand as expand_foreach
from pcxguard.loaders.cfn_foreach import mentions
from pcxguard.loaders.cfn_intrinsics import (
    ACCOUNT_HINT,
    NO_VALUE,
    REGION_HINT,
    Base64Text,
    ResourceRef,
    Scope,
    Template,
    finish_text,
)
from pcxguard.loaders.cfn_yaml import LineDict, NotATemplate, TemplateError, load_template_text
from pcxguard.loaders.completeness import gaps_for, why_unplaced
from pcxguard.model import (
    Placed,
    SameAs,
    Estate,
    LoadProblem,
    NetworkAcl,
    Source,
    Unknown,
)
from pcxguard.stack_config import StackConfigError, StackSettings, stack_settings_for
from pcxguard.mapping import hosts, network_acls, peerings, routing, security_groups, vpcs
from pcxguard.mapping.common import Origin, checked

TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")
MAX_TEMPLATE_BYTES = limits.MAX_TEMPLATE_BYTES
KIND = "cloudformation"

# how CloudFormation spells each kind of route target (mapping.routing.TARGET_KINDS, in its order)
ROUTE_TARGETS = {
    "VpcPeeringConnectionId": "vpc_peering_connection",
    "GatewayId": "gateway",
    "NatGatewayId": "nat_gateway",
    "TransitGatewayId": "transit_gateway",
    "NetworkInterfaceId": "network_interface",
    "EgressOnlyInternetGatewayId": "egress_only_gateway",
    "VpcEndpointId": "vpc_endpoint",
    "CarrierGatewayId": "carrier_gateway",
    "LocalGatewayId": "local_gateway",
    "CoreNetworkArn": "core_network",
    "InstanceId": "instance",
}


def template_files(paths: Iterable[str | os.PathLike[str]]) -> list[str]:
    """The candidate template files under ``paths`` (files are taken as given), sorted."""
    found: list[str] = []
    for path in paths:
        path = os.fspath(path)
        if os.path.isdir(path):
            for directory, subdirs, files in os.walk(path):
                subdirs[:] = sorted(d for d in subdirs if not d.startswith(".") and d != "node_modules")
                for name in sorted(files):
                    if name.endswith(TEMPLATE_SUFFIXES) and not name.startswith("."):
                        found.append(os.path.join(directory, name))
        else:
            found.append(path)
    return sorted(dict.fromkeys(found))


def _looks_like_template(body: Any) -> bool:
    return isinstance(body, dict) and (isinstance(body.get("Resources"), dict) or "AWSTemplateFormatVersion" in body)


def read_template(path: str, problems: list[LoadProblem], root: str | None = None,
                  config_file: str | None = None) -> Template | None:
    """One template, bounded (a regular file inside ``root``, size, depth, aliases); None and a problem
    when it cannot be read. A template that cannot be read, or whose stack settings are broken, fails
    closed; a document that is not a template at all is a note."""
    try:
        size = os.path.getsize(path)
        if size > MAX_TEMPLATE_BYTES:
            problems.append(LoadProblem(path, f"{path} is {size:,} bytes, larger than any CloudFormation template "
                                              f"({MAX_TEMPLATE_BYTES:,} bytes, the limit); skipped", fails_closed=True))
            return None
        text = limits.read_text(path, MAX_TEMPLATE_BYTES, root, encoding="utf-8-sig")
    except limits.InputRefused as error:
        problems.append(LoadProblem(path, f"cannot read {error}", fails_closed=True))
        return None
    except OSError as error:
        problems.append(LoadProblem(path, f"cannot read {path}: {error}", fails_closed=True))
        return None
    try:
        body = load_template_text(text)
        if limits.depth_exceeds(body):
            raise TemplateError(f"the document nests deeper than {limits.MAX_DEPTH} levels (the limit)")
    except TemplateError as error:
        problems.append(LoadProblem(path, f"{path} is not a readable template: {error}; skipped",
                                    fails_closed=not isinstance(error, NotATemplate)))
        return None
    except RecursionError:
        problems.append(LoadProblem(path, f"{path} is not a readable template: it nests deeper than "
                                          f"{limits.MAX_DEPTH} levels (the limit); skipped", fails_closed=True))
        return None
    if not _looks_like_template(body):
        problems.append(LoadProblem(path, f"{path} is not a CloudFormation template (no Resources section); skipped"))
        return None
    try:
        stack = stack_settings_for(path, config_file)
    except (StackConfigError, limits.InputRefused) as error:
        problems.append(LoadProblem(path, f"{error}; region and account of {path} left unknown", fails_closed=True))
        stack = StackSettings()
    return Template(path, body, stack)


def load_cloudformation(paths: Iterable[str | os.PathLike[str]], name: str | None = None,
                        config_file: str | None = None) -> Estate:
    """Every template under ``paths`` -> one Estate. Never raises on bad input. ``config_file``: the
    configuration whose ``cloudformation.stacks`` place every template (else each template's own)."""
    paths = [os.fspath(p) for p in paths]
    problems: list[LoadProblem] = []
    templates: dict[str, Template] = {}
    for path in template_files(paths):
        template = read_template(path, problems, config_file=config_file)
        if template is not None:
            templates[path] = template
    name = name or ", ".join(map(str, paths))
    try:
        estate = CloudFormationBuilder(templates, name).build()
    except Exception:  # noqa: BLE001 - one template must not hide the others: find it and leave it out
        good: dict[str, Template] = {}
        for path, template in templates.items():
            try:
                CloudFormationBuilder({path: template}, name).build()
            except Exception as error:  # noqa: BLE001
                problems.append(LoadProblem(path, f"{path} could not be read: {type(error).__name__}: {error}; "
                                                  "skipped, the other templates are judged without it", fails_closed=True))
            else:
                good[path] = template
        try:
            estate = CloudFormationBuilder(good, name).build()
        except Exception as error:  # noqa: BLE001 - only the templates together fail: judge each alone
            problems.append(LoadProblem(name, f"the templates could not be joined ({type(error).__name__}: {error}); "
                                              "each is judged on its own", fails_closed=True))
            estate = Estate(name=name)
            for path, template in good.items():
                alone = CloudFormationBuilder({path: template}, name).build()
                _absorb(estate, alone)
            estate.freeze()
    estate.problems[:0] = problems
    return estate


def _absorb(estate: Estate, other: Estate) -> None:
    for table in ("vpcs", "peerings", "route_tables", "subnets", "security_groups", "network_acls", "hosts", "sources"):
        getattr(estate, table).update(getattr(other, table))
    estate.sg_rules.extend(other.sg_rules)
    estate.problems.extend(other.problems)
    estate.gaps.extend(other.gaps)
    estate.loop_made.update(other.loop_made)


class CloudFormationBuilder:
    def __init__(self, templates: dict[str, Template], name: str) -> None:
        self.templates = templates
        self.scope = Scope(templates)
        self.estate = Estate(name=name)
        self._loops: list[tuple[Template, Any]] = []
        self._expand_loops()

    def _expand_loops(self) -> None:
        """Fn::ForEach loops become the resources they make; a loop whose collection is not known leaves
        every set its resources would belong to incomplete (cfn_foreach)."""
        for template in self.templates.values():
            resources = template.body.get("Resources")
            if not isinstance(resources, dict):
                continue
            expanded, unexpanded = expand_foreach(resources, functools.partial(self.scope.resolve, template))
            if expanded is not resources:
                template.body = {**template.body, "Resources": expanded}
                for name, loop in getattr(expanded, "made_by", {}).items():
                    self.estate.loop_made[self.key(template, name)] = loop
            self._loops.extend((template, loop) for loop in unexpanded)

    def _record_loops(self) -> None:
        """A gap for each loop that could not be expanded, in the sets its resources would belong to: of
        the VPC its outputs name when that does not depend on the loop's item, else of any VPC."""
        hint = "give the collection literal values, or its parameter a value in .pcxguard.yaml " \
               "(cloudformation.stacks.<template glob>.parameters)"
        for template, loop in self._loops:
            line = loop.lines[0] if loop.lines else None
            what = f"the resources of {loop.key} in {template.path}: {loop.why}"
            for resource in loop.outputs.values():
                kind = resource.get("Type") if isinstance(resource, dict) else None
                if not isinstance(kind, str) or not kind.startswith("AWS::"):
                    continue
                vpc = self._loop_vpc(template, loop, resource)
                self.estate.gaps.extend(gaps_for(kind, vpc, what, hint, loop.key, template.path, line))

    def _loop_vpc(self, template: Template, loop: Any, resource: dict[str, Any]) -> str | None:
        props = resource.get("Properties")
        if not isinstance(props, dict):
            return None
        for name in ("VpcId", "RouteTableId"):
            value = props.get(name)
            if value is None or mentions(value, loop.identifier):
                continue
            ref = self.link(self.value(template, value), name)
            if not isinstance(ref, str):
                continue
            if name == "VpcId":
                return ref if ref in self.estate.vpcs else None
            table = self.estate.route_tables.get(ref)
            return table.vpc if table is not None and isinstance(table.vpc, str) else None
        return None

    # -- helpers ---------------------------------------------------------------
    def key(self, template: Template, logical: str) -> str:
        return f"{template.path}#{logical}"

    def source(self, template: Template, logical: str) -> Source:
        resources = template.resources
        start = end = None
        if isinstance(resources, LineDict) and logical in resources.lines:
            start, end = resources.lines[logical]
        return Source(KIND, template.type_of(logical) or "", logical, template.path, start, end)

    def problem(self, template: Template, logical: str | None, message: str, fails_closed: bool = True) -> None:
        """An invalid value of ``logical`` (fail closed, see ``LoadProblem``), or with ``fails_closed=False``
        a note about a value that was still read (host bits dropped). Named by template, resource and line."""
        line = None
        resources = template.resources
        if logical is not None and isinstance(resources, LineDict) and logical in resources.lines:
            line = resources.lines[logical][0]
        problem = LoadProblem(template.path, message, logical, line, fails_closed)
        if problem not in self.estate.problems:  # a value may be read twice (placing peers, then the peering)
            self.estate.problems.append(problem)

    def value(self, template: Template, value: Any, text: bool = False) -> Any:
        result = self.scope.resolve(template, value, text=text)
        return None if result is NO_VALUE else result

    def prop(self, template: Template, logical: str, name: str, text: bool = False) -> Any:
        return self.value(template, template.properties(logical).get(name), text)

    def link(self, value: Any, what: str = "") -> Any:
        """A resolved value as a reference: element key, literal id, None or Unknown."""
        if value is None or value is NO_VALUE or value == "":
            return None
        if isinstance(value, ResourceRef):
            return value.key
        if isinstance(value, str):
            return value
        if isinstance(value, Unknown):
            return value
        return Unknown(f"{what}: {value!r} is not an id")

    def links(self, value: Any, what: str) -> list[Any]:
        if value is None:
            return []
        if isinstance(value, list):
            return [self.link(v, what) for v in value if self.link(v, what) is not None]
        return [self.link(value, what)]

    def origin(self, template: Template, logical: str) -> Origin:
        """A resource as the origin of the facts a mapper reads: named by its logical id, problems on it."""
        def report(message: str, fails_closed: bool = True) -> None:
            self.problem(template, logical, message, fails_closed)
        return Origin(self.source(template, logical), logical, report, where=f"{logical} in {template.path}")

    def _included(self, template: Template, logical: str) -> bool:
        resource = template.resources.get(logical)
        condition = resource.get("Condition") if isinstance(resource, dict) else None
        if condition is None:
            return True
        return self.scope.condition(template, condition) is not False

    def park(self, template: Template, logical: str, why: str, vpc: Any = None, hint: str = "") -> None:
        """An element the loader cannot place: its source stays reportable, and every set it belongs to
        is marked incomplete (in ``vpc`` when known, else in any VPC)."""
        source = self.source(template, logical)
        self.estate.sources[self.key(template, logical)] = source
        self.estate.gaps.extend(gaps_for(template.type_of(logical) or "", vpc if isinstance(vpc, str) else None,
                                         f"{logical} in {template.path}: {why}", hint, logical, template.path,
                                         source.start_line))

    _why = staticmethod(why_unplaced)

    def _record_conditions(self) -> None:
        """A resource under a Condition the scan cannot evaluate may or may not exist: a Gap in its sets."""
        for template in self.templates.values():
            for logical, resource in template.resources.items():
                condition = resource.get("Condition") if isinstance(resource, dict) else None
                if condition is None:
                    continue
                truth = self.scope.condition(template, condition)
                if truth is False:
                    self.estate.left_out[self.key(template, str(logical))] = (
                        f"{logical} is not deployed: its Condition {condition} is false with the configured "
                        "parameters, so pcxguard does not judge it")
                if isinstance(truth, Unknown):
                    source = self.source(template, str(logical))
                    self.estate.gaps.extend(gaps_for(
                        template.type_of(logical) or "", None,
                        f"{logical} in {template.path} exists only if condition {condition} holds, which is not known "
                        f"({truth.describe()})", "give the parameters it depends on values in the stack configuration",
                        str(logical), template.path, source.start_line))

    # -- regions and accounts ---------------------------------------------------
    def _place_stacks(self) -> None:
        """Region and account per template: configuration, then what peerings say about their peers."""
        for template in self.templates.values():
            config_name = Path(template.stack.config_file or ".pcxguard.yaml").name
            settings = f"the stack settings of {template.path} in {config_name}"
            # unknown ones are still one place each: a stack's AWS::Region / AWS::AccountId equal themselves
            template.region = Placed(template.stack.region, settings) if template.stack.region else \
                SameAs(f"region of stack {template.path}", REGION_HINT, identity=f"region of stack {template.path}")
            template.account = Placed(template.stack.account, settings) if template.stack.account else \
                SameAs(f"account of stack {template.path}", ACCOUNT_HINT, identity=f"account of stack {template.path}")
        self.scope.collect_exports()
        # physical ids the configuration gives resources: a literal id in one template names them
        owners = {physical: template for template in self.templates.values()
                  for physical in template.stack.resource_ids.values()}
        for _ in range(len(self.templates) + 1):
            changed = False
            for template in self.templates.values():
                for logical in template.resources:
                    if template.type_of(logical) != "AWS::EC2::VPCPeeringConnection" or not self._included(template, logical):
                        continue
                    peer = self.prop(template, logical, "PeerVpcId")
                    if isinstance(peer, ResourceRef):
                        other = self.templates.get(peer.template)
                    else:
                        other = owners.get(peer) if isinstance(peer, str) else None
                    if other is None or other is template:
                        continue
                    peer_region = self.prop(template, logical, "PeerRegion")
                    peer_account = self._peer_account(template, logical)
                    changed |= self._settle(other, "region", peer_region, template, f"the PeerRegion of {logical}")
                    changed |= self._settle(other, "account", peer_account, template,
                                            f"the PeerOwnerId (or PeerRoleArn) of {logical}")
            if not changed:
                break
            self.scope.collect_exports()

    @staticmethod
    def _settle(other: Template, attribute: str, stated: Any, requester: Template, via: str = "") -> bool:
        """Give ``other`` (the peer's stack) the region/account the peering states, or the requester's.

        Such a place is inferred from the request itself (``Placed.inferred``): it is no evidence that the
        request names the right place (CKV2_PCX_16)."""
        current = getattr(other, attribute)
        where = f"{via} in {requester.path}"
        if isinstance(current, str):
            if stated is None and isinstance(getattr(requester, attribute), Unknown):
                # unset PeerRegion: the requester is in the peer's region
                setattr(requester, attribute, Placed(current, f"{where}, unset, so {other.path}'s", inferred=True))
                return True
            return False
        if isinstance(stated, str) and stated:
            setattr(other, attribute, Placed(stated, where, inferred=True))
            return True
        if stated is None and isinstance(getattr(requester, attribute), str):
            setattr(other, attribute, Placed(getattr(requester, attribute), f"{where}, unset, so the requester's",
                                             inferred=True))
            return True
        return False

    def _peer_account(self, template: Template, logical: str) -> Any:
        owner = self.prop(template, logical, "PeerOwnerId")
        if owner == "" or isinstance(owner, bool):
            self.problem(template, logical, f"PeerOwnerId of {logical} in {template.path} is {owner!r}, not an "
                                            "account id")
            return Unknown(f"PeerOwnerId of {logical} in {template.path} ({owner!r} is not an account id)",
                           "fix the value")
        if owner is not None:
            return owner if isinstance(owner, str) else str(owner) if isinstance(owner, int) else owner
        role = self.prop(template, logical, "PeerRoleArn")
        if isinstance(role, str) and role.count(":") >= 5 and role.split(":")[4].isdigit():
            return role.split(":")[4]
        return None

    # -- the build -----------------------------------------------------------------
    def build(self) -> Estate:
        self._place_stacks()
        first = {
            "AWS::EC2::VPC": self._vpc,
            "AWS::EC2::VPCPeeringConnection": self._peering,
            "AWS::EC2::RouteTable": self._route_table,
            "AWS::EC2::Subnet": self._subnet,
            "AWS::EC2::SecurityGroup": self._security_group,
            "AWS::EC2::NetworkAcl": self._network_acl,
            "AWS::EC2::Instance": self._host,
            "AWS::EC2::LaunchTemplate": self._host,
            "AWS::AutoScaling::LaunchConfiguration": self._host,
        }
        later = {
            "AWS::EC2::VPCCidrBlock": self._cidr_block,
            "AWS::EC2::Route": self._route,
            "AWS::EC2::SubnetRouteTableAssociation": self._association,
            "AWS::EC2::SecurityGroupIngress": self._sg_rule,
            "AWS::EC2::SecurityGroupEgress": self._sg_rule,
            "AWS::EC2::NetworkAclEntry": self._nacl_entry,
            "AWS::EC2::SubnetNetworkAclAssociation": self._nacl_association,
        }
        for phase in (first, later):
            for template in self.templates.values():
                for logical, resource in template.resources.items():
                    if not isinstance(resource, dict):
                        self.problem(template, str(logical), f"resource {logical} of {template.path} is not a mapping")
                        continue
                    handler = phase.get(template.type_of(logical) or "")
                    if handler is None or not self._included(template, logical):
                        continue
                    try:
                        handler(template, logical)
                    except (KeyError, IndexError, TypeError, AttributeError, ValueError, ArithmeticError,
                            RecursionError) as error:
                        self.problem(template, logical, f"could not read {logical} in {template.path}: "
                                                        f"{type(error).__name__}: {error}")
        self._record_conditions()
        self._record_loops()
        for file, message, address in dict.fromkeys(self.scope.problems):
            # an intrinsic CloudFormation itself would refuse (Fn::Cidr with a count out of range)
            self.estate.problems.append(LoadProblem(file, message, address, fails_closed=True))
        return self.estate.freeze()

    def _vpc(self, template: Template, logical: str) -> None:
        props = template.properties(logical)
        blocks = []
        if "CidrBlock" in props:
            blocks.append((vpcs.BlockFacts(self.prop(template, logical, "CidrBlock"), "CidrBlock", written=True),
                           "primary"))
        elif "Ipv4IpamPoolId" in props:
            blocks.append((vpcs.BlockFacts(allocated=Unknown(
                f"CidrBlock of {logical} is allocated from an IPAM pool at deployment",
                "give the VPC a literal CidrBlock")), "primary"))
        dns = []
        for attribute in ("EnableDnsSupport", "EnableDnsHostnames"):
            value = self.prop(template, logical, attribute)
            if isinstance(value, str) and value.lower() in ("true", "false"):
                value = value.lower() == "true"  # CloudFormation takes a boolean as a string too
            dns.append((attribute, value))
        vpcs.map_vpc(self.estate, self.key(template, logical), self.origin(template, logical),
                     aws_id=template.stack.resource_ids.get(logical), region=template.region, account=template.account,
                     blocks=blocks, dns_support=dns[0], dns_hostnames=dns[1])

    def _cidr_block(self, template: Template, logical: str) -> None:
        ref = self.link(self.prop(template, logical, "VpcId"), "VpcId")
        vpc = self.estate.vpc(ref) if isinstance(ref, str) else None
        if vpc is None:
            vpc = next((v for v in self.estate.vpcs.values() if isinstance(ref, str) and v.aws_id == ref), None)
        if vpc is None:
            self.park(template, logical, self._why(ref, "VpcId"), vpc=ref)
            return
        origin = self.origin(template, logical)
        props = template.properties(logical)
        if "CidrBlock" in props:
            vpcs.add_block(vpc, origin, vpcs.BlockFacts(self.prop(template, logical, "CidrBlock"), "CidrBlock",
                                                        written=True), "secondary")
        elif "Ipv4IpamPoolId" in props:
            vpcs.add_block(vpc, origin, vpcs.BlockFacts(allocated=Unknown(
                f"CidrBlock of {logical} is allocated from an IPAM pool at deployment")), "secondary")
        if "Ipv6CidrBlock" in props:
            vpcs.add_block(vpc, origin, vpcs.BlockFacts(self.prop(template, logical, "Ipv6CidrBlock"), "Ipv6CidrBlock",
                                                        written=True), "ipv6")
        elif self.prop(template, logical, "AmazonProvidedIpv6CidrBlock") in (True, "true", "True"):
            vpcs.add_block(vpc, origin, vpcs.BlockFacts(amazon=True), "ipv6")
        elif "Ipv6IpamPoolId" in props:
            vpcs.add_block(vpc, origin, vpcs.BlockFacts(allocated=Unknown(
                f"IPv6 block of {logical} is allocated from an IPAM pool at deployment")), "ipv6")

    def _peering(self, template: Template, logical: str) -> None:
        origin = self.origin(template, logical)
        peer_region = checked(origin, "PeerRegion", self.prop(template, logical, "PeerRegion"), str, "a region")
        peer_account = self._peer_account(template, logical)
        peerings.map_peering(
            self.estate, self.key(template, logical), origin,
            requester_vpc=self.link(self.prop(template, logical, "VpcId"), "VpcId") or
            Unknown(f"VpcId of {logical} is not set"),
            accepter_vpc=self.link(self.prop(template, logical, "PeerVpcId"), "PeerVpcId") or
            Unknown(f"PeerVpcId of {logical} is not set"),
            aws_id=template.stack.resource_ids.get(logical),
            region=template.region,
            peer_region=peer_region,
            account=template.account,
            peer_owner_id=peer_account,
            peer_role_arn=self.prop(template, logical, "PeerRoleArn"),
            requested_owner=self._named_owner(template, logical),
            creator_accepts=True,
        )

    def _named_owner(self, template: Template, logical: str) -> Any:
        """The account the request itself names: PeerOwnerId (PeerRoleArn only says who accepts)."""
        owner = self.prop(template, logical, "PeerOwnerId")
        return owner if isinstance(owner, str) else str(owner) if isinstance(owner, int) else owner

    def _route_table(self, template: Template, logical: str) -> None:
        routing.new_route_table(self.estate, self.key(template, logical), self.source(template, logical),
                                vpc=self.link(self.prop(template, logical, "VpcId"), "VpcId"),
                                aws_id=template.stack.resource_ids.get(logical))

    def _route(self, template: Template, logical: str) -> None:
        key = self.key(template, logical)
        table_ref = self.link(self.prop(template, logical, "RouteTableId"), "RouteTableId")
        destinations = [(self.prop(template, logical, "DestinationCidrBlock"), "DestinationCidrBlock", 4)]
        if destinations[0][0] in (None, ""):
            destinations.append((self.prop(template, logical, "DestinationIpv6CidrBlock"), "DestinationIpv6CidrBlock", 6))
        prefix_list = self.prop(template, logical, "DestinationPrefixListId")
        route = routing.new_route(key, self.origin(template, logical),
                                  table_ref if isinstance(table_ref, str) else key + "#table",
                                  destinations=destinations, prefix_list=prefix_list,
                                  prefix_link=self.link(prefix_list, "DestinationPrefixListId"),
                                  targets=self._route_targets(template, logical))
        resource = template.resources.get(logical)
        condition = resource.get("Condition") if isinstance(resource, dict) else None
        truth = self.scope.condition(template, condition) if condition is not None else True
        if isinstance(truth, Unknown):
            route.conditional = f"{logical} exists only if its Condition {condition} holds ({truth.describe()})"
        table = self.estate.route_table(table_ref) if isinstance(table_ref, str) else None
        if table is None:
            table = routing.table_outside_scan(
                self.estate, table_ref, kind=KIND, name=logical, fallback_key=f"{key}#table", scanned="templates",
                declarer="the template", unknown_hint="give RouteTableId a value in the stack configuration")
        routing.place(route, table)

    def _route_targets(self, template: Template, logical: str) -> Iterable[tuple[str, Any, Any]]:
        """The route's target properties that are set: (kind, value, link), in ``ROUTE_TARGETS`` order."""
        for attribute, kind in ROUTE_TARGETS.items():
            value = self.prop(template, logical, attribute)
            if value not in (None, ""):
                yield kind, value, self.link(value, attribute)

    def _subnet(self, template: Template, logical: str) -> None:
        vpcs.new_subnet(self.estate, self.key(template, logical), self.origin(template, logical),
                        vpc=self.link(self.prop(template, logical, "VpcId"), "VpcId"),
                        aws_id=template.stack.resource_ids.get(logical),
                        blocks=[(self.prop(template, logical, attribute), attribute)
                                for attribute in ("CidrBlock", "Ipv6CidrBlock")])

    def _association(self, template: Template, logical: str) -> None:
        subnet = self.estate.subnet(self.link(self.prop(template, logical, "SubnetId"), "SubnetId"))
        table_ref = self.link(self.prop(template, logical, "RouteTableId"), "RouteTableId")
        if subnet is None:
            subnet_ref = self.link(self.prop(template, logical, "SubnetId"), "SubnetId")
            if isinstance(subnet_ref, str):
                self.estate.sources[self.key(template, logical)] = self.source(template, logical)  # outside the scan
            else:
                self.park(template, logical, self._why(subnet_ref, "SubnetId"))
            return
        routing.associate(subnet, self.estate.route_table(table_ref) if isinstance(table_ref, str) else None, table_ref)

    # -- security groups -------------------------------------------------------------
    def _rule(self, origin: Origin, key: str, group: Any, direction: str, spec: Any) -> None:
        """A rule of ``group`` from its properties ``spec`` (inline in the group, or a separate resource)."""
        spec = spec if isinstance(spec, dict) else {}
        if direction == "ingress":
            referenced = self.link(spec.get("SourceSecurityGroupId"), "SourceSecurityGroupId")
            owner = spec.get("SourceSecurityGroupOwnerId")
        else:
            referenced = self.link(spec.get("DestinationSecurityGroupId"), "DestinationSecurityGroupId")
            owner = None
        protocol = spec.get("IpProtocol", "-1")
        security_groups.new_rule(
            self.estate, key, origin, group=group, direction=direction,
            protocol=str(protocol) if isinstance(protocol, (int, str)) else protocol,
            from_port=spec.get("FromPort"), to_port=spec.get("ToPort"), referenced=referenced,
            referenced_owner=str(owner) if isinstance(owner, (int, str)) else owner,
            cidrs=[(spec.get(name), name) for name in ("CidrIp", "CidrIpv6") if spec.get(name) not in (None, "")],
        )

    def _security_group(self, template: Template, logical: str) -> None:
        key = self.key(template, logical)
        origin = self.origin(template, logical)
        security_groups.new_group(self.estate, key, origin, vpc=self.link(self.prop(template, logical, "VpcId"), "VpcId"),
                                  aws_id=template.stack.resource_ids.get(logical), vpc_attribute="VpcId")
        for direction, attribute in (("ingress", "SecurityGroupIngress"), ("egress", "SecurityGroupEgress")):
            rules = self.prop(template, logical, attribute)
            if isinstance(rules, Unknown):
                security_groups.new_rule(self.estate, f"{key}/{direction}", origin, group=key, direction=direction,
                                         referenced=rules)
                continue
            for index, spec in enumerate(rules if isinstance(rules, list) else []):
                self._rule(origin, f"{key}/{direction}[{index}]", key, direction, spec)

    def _sg_rule(self, template: Template, logical: str) -> None:
        spec = self.value(template, template.properties(logical))
        direction = "ingress" if template.type_of(logical) == "AWS::EC2::SecurityGroupIngress" else "egress"
        group = self.link(spec.get("GroupId") if isinstance(spec, dict) else None, "GroupId")
        if group is None:
            group = Unknown(f"{logical} names its group by GroupName (default VPC)", "use GroupId")
        self._rule(self.origin(template, logical), self.key(template, logical), group, direction, spec)

    # -- network ACLs ------------------------------------------------------------------
    def _network_acl(self, template: Template, logical: str) -> None:
        network_acls.new_acl(self.estate, self.key(template, logical), self.source(template, logical),
                             vpc=self.link(self.prop(template, logical, "VpcId"), "VpcId"))

    def _nacl(self, template: Template, logical: str) -> NetworkAcl | None:
        ref = self.link(self.prop(template, logical, "NetworkAclId"), "NetworkAclId")
        acl = self.estate.network_acls.get(ref) if isinstance(ref, str) else None
        if acl is None:
            self.park(template, logical, self._why(ref, "NetworkAclId"))
        return acl

    def _nacl_entry(self, template: Template, logical: str) -> None:
        acl = self._nacl(template, logical)
        if acl is None:
            return
        spec = self.value(template, template.properties(logical))
        attribute = "CidrBlock" if spec.get("CidrBlock") is not None else "Ipv6CidrBlock"
        egress = spec.get("Egress", False)
        icmp = spec.get("Icmp") if isinstance(spec.get("Icmp"), dict) else {}
        ports = spec.get("PortRange") if isinstance(spec.get("PortRange"), dict) else {}
        network_acls.add_entry(acl, network_acls.new_entry(
            self.origin(template, logical), egress=egress is True or str(egress).lower() == "true",
            number=int(spec.get("RuleNumber", 0)), action=spec.get("RuleAction", ""), protocol=spec.get("Protocol"),
            cidr=(spec.get(attribute), attribute), icmp_type=icmp.get("Type"), icmp_code=icmp.get("Code"),
            from_port=ports.get("From"), to_port=ports.get("To")))

    def _nacl_association(self, template: Template, logical: str) -> None:
        acl = self._nacl(template, logical)
        subnet = self.estate.subnet(self.link(self.prop(template, logical, "SubnetId"), "SubnetId"))
        if acl is None:
            return
        if subnet is None:
            self.park(template, logical, "its SubnetId is not a subnet in the scan")
            return
        network_acls.attach(subnet, acl)

    # -- hosts --------------------------------------------------------------------------
    def _user_data(self, template: Template, logical: str, raw: Any) -> Any:
        """The user data as the instance gets it: text, bytes (decoded base64), None or Unknown."""
        resolved = self.value(template, raw, text=True)
        if isinstance(resolved, Base64Text):
            return finish_text(str(resolved), f"the user data of {logical}")
        if isinstance(resolved, str) and resolved:
            return hosts.decoded(self.origin(template, logical), resolved, " (wrap it in Fn::Base64)")
        if isinstance(resolved, Unknown):
            return resolved
        return None

    def _interfaces(self, interfaces: Any, group_key: str) -> tuple[list[Any], list[Any]]:
        subnets: list[Any] = []
        groups: list[Any] = []
        for interface in interfaces if isinstance(interfaces, list) else []:
            if not isinstance(interface, dict):
                continue
            subnet = self.link(interface.get("SubnetId"), "SubnetId")
            if subnet is not None:
                subnets.append(subnet)
            groups.extend(self.links(interface.get(group_key), group_key))
        return subnets, groups

    def _host(self, template: Template, logical: str) -> None:
        kind = template.type_of(logical)
        subnets: list[Any] = []
        if kind == "AWS::EC2::Instance":
            props = self.value(template, template.properties(logical))
            props = props if isinstance(props, dict) else {}
            subnet = self.link(props.get("SubnetId"), "SubnetId")
            interface_subnets, interface_groups = self._interfaces(props.get("NetworkInterfaces"), "GroupSet")
            subnets = [subnet] + interface_subnets
            groups = (self.links(props.get("SecurityGroupIds"), "SecurityGroupIds")
                      + self.links(props.get("SecurityGroups"), "SecurityGroups") + interface_groups)
            raw_user_data = template.properties(logical).get("UserData")
            instance_type = props.get("InstanceType")
        elif kind == "AWS::AutoScaling::LaunchConfiguration":
            props = self.value(template, template.properties(logical))
            props = props if isinstance(props, dict) else {}
            groups = self.links(props.get("SecurityGroups"), "SecurityGroups")
            raw_user_data = template.properties(logical).get("UserData")
            instance_type = props.get("InstanceType")
        else:
            data = template.properties(logical).get("LaunchTemplateData")
            resolved = self.value(template, data)
            resolved = resolved if isinstance(resolved, dict) else {}
            subnets, interface_groups = self._interfaces(resolved.get("NetworkInterfaces"), "Groups")
            groups = (self.links(resolved.get("SecurityGroupIds"), "SecurityGroupIds")
                      + self.links(resolved.get("SecurityGroups"), "SecurityGroups") + interface_groups)
            raw_user_data = data.get("UserData") if isinstance(data, dict) else None
            instance_type = resolved.get("InstanceType")
        hosts.map_host(self.estate, self.key(template, logical), self.origin(template, logical), subnets=subnets,
                       security_groups=groups, instance_type=instance_type,
                       user_data=self._user_data(template, logical, raw_user_data))
