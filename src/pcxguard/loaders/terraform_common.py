"""Terraform resources -> the peering model, for any reader of Terraform.

A *reader* (the plan reader, the HCL reader, the checkov-graph reader) answers
a handful of questions about resource instances: their attribute values (a
known value, an ``Unknown``, or a ``ResourceTarget`` when the value is another
resource's attribute), their region, account and source location. This module
knows the Terraform spelling of the AWS resource types: it reads their
attributes, resolves references and aliases, and hands the facts to the
family mappers of ``pcxguard.mapping``, which build the ``Estate``; it never
reads a file itself.
"""

from __future__ import annotations

import re
from dataclasses import replace, dataclass
from functools import lru_cache
from typing import Any, Iterable, Protocol

from pcxguard.model import (
    Estate,
    Gap,
    LoadProblem,
    NetworkAcl,
    NetworkAclRule,
    PeeringConnection,
    PeeringOptions,
    Placed,
    Route,
    RouteTable,
    Source,
    Unknown,
    Vpc,
    is_known,
)
from pcxguard.loaders.completeness import gaps_for, why_unplaced
from pcxguard.mapping import hosts, network_acls, peerings, routing, security_groups, vpcs
from pcxguard.mapping.common import Origin, checked

# --------------------------------------------------------------------------- addresses


@dataclass(frozen=True)
class Key:
    """An index in an address or reference: ``[0]`` or ``["a"]``."""

    key: Any


@dataclass(frozen=True)
class ModuleStep:
    name: str
    key: Any = None


@dataclass(frozen=True)
class ResourceTarget:
    """A value that is an attribute of another resource instance (``aws_vpc.a.id``)."""

    address: str
    attribute: tuple[str, ...]


_TOKEN = re.compile(r'\.?([A-Za-z_][\w-]*)|\[(?:"((?:[^"\\]|\\.)*)"|(\d+)|(\*))\]')


_DOTTED = re.compile(r"[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*")


def parse_reference(text: str) -> list[Any]:
    """``module.a["x"].aws_vpc.b[0].id`` -> ['module', 'a', Key('x'), 'aws_vpc', 'b', Key(0), 'id']."""
    return list(_parse_reference(text))


@lru_cache(maxsize=65536)
def _parse_reference(text: str) -> tuple[Any, ...]:
    # a plan repeats the same reference strings in every module instance: parse each once
    if _DOTTED.fullmatch(text):
        return tuple(text.split("."))
    parts: list[Any] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise ValueError(f"cannot read the Terraform address or reference {text!r}")
        name, string_key, int_key, splat = match.groups()
        if name is not None:
            parts.append(name)
        elif string_key is not None:
            parts.append(Key(string_key.encode().decode("unicode_escape")))
        elif int_key is not None:
            parts.append(Key(int(int_key)))
        elif splat:
            parts.append(Key("*"))
        position = match.end()
    if not parts or not isinstance(parts[0], str):
        raise ValueError(f"cannot read the Terraform address or reference {text!r}")
    return tuple(parts)


def parse_instance_address(address: str, module_address: str | None = None) -> tuple[tuple[ModuleStep, ...], str, str, Any]:
    """``module.a["x"].aws_vpc.b[0]`` -> ((ModuleStep('a', 'x'),), 'aws_vpc', 'b', 0).

    ``module_address``: the module part, when the caller knows it (plan records carry it); the
    many resources of one module instance then share one parse of it.
    """
    if module_address and address.startswith(module_address + "."):
        modules = _module_steps(module_address)
        parts = _parse_reference.__wrapped__(address[len(module_address) + 1:])
        i = 0
    else:
        parts = _parse_reference.__wrapped__(address)  # addresses are unique: no point caching them
        steps, i = _leading_modules(parts, address)
        modules = tuple(steps)
    if parts[i:i + 1] == ("data",):
        i += 1
    if len(parts) - i < 2 or not isinstance(parts[i + 1], str):
        raise ValueError(f"not a resource instance address: {address}")
    rtype, name = parts[i], parts[i + 1]
    index = parts[i + 2].key if len(parts) > i + 2 and isinstance(parts[i + 2], Key) else None
    return modules, rtype, name, index


def path_text(path: tuple[Any, ...]) -> str:
    """``("route", 0, "cidr_block")`` -> ``route.0.cidr_block``; one attribute (most questions) as it is."""
    if len(path) == 1 and type(path[0]) is str:
        return path[0]
    return ".".join(str(p) for p in path)


@lru_cache(maxsize=4096)
def _module_steps(module_address: str) -> tuple[ModuleStep, ...]:
    parts = _parse_reference(module_address)
    steps, i = _leading_modules(parts, module_address)
    if i != len(parts):
        raise ValueError(f"not a module instance address: {module_address}")
    return tuple(steps)


def _leading_modules(parts: tuple[Any, ...], address: str) -> tuple[list[ModuleStep], int]:
    modules: list[ModuleStep] = []
    i = 0
    while i < len(parts) and parts[i] == "module":
        if i + 1 >= len(parts) or not isinstance(parts[i + 1], str):
            raise ValueError(f"not a resource instance address: {address}")
        name = parts[i + 1]
        key = None
        i += 2
        if i < len(parts) and isinstance(parts[i], Key):
            key = parts[i].key
            i += 1
        modules.append(ModuleStep(name, key))
    return modules, i


# --------------------------------------------------------------------------- reader protocol


@dataclass(frozen=True)
class Unexpanded:
    """A resource (or module) block a reader could not turn into instances: its ``count`` or
    ``for_each`` is unknown, or it lives in a module the scan cannot read. The builder records a
    ``Gap`` for it in every set its instances would belong to (``loaders.completeness.KINDS_OF_TYPE``:
    ``aws_route`` -> routes, ``aws_route_table`` -> route_tables, routes, associations, ``module`` ->
    every set), with the VPC unknown, so no rule concludes from the absence of its instances.
    ``what`` says why and names the missing value (``var.x has no value``); ``hint`` how to give it."""

    resource_type: str  # "aws_route"; "module" for a whole module call whose resources are unknown
    address: str  # the block's address, without an instance key: module.a.aws_route.to_peer
    what: str  # why, e.g. "count of aws_route.to_peer is not known from the source"
    hint: str = ""
    file: str | None = None
    line: int | None = None
    attributes: frozenset[str] | None = None  # the block's top-level arguments, when its syntax is read whole
    nested: frozenset[str] | None = None  # its nested block names ("route", "dynamic.route"), likewise


class Reader(Protocol):
    """What ``EstateBuilder`` asks a Terraform reader. A reader may also carry ``unexpanded``: a list
    of ``Unexpanded`` blocks (read with ``getattr(reader, "unexpanded", [])``)."""

    kind: str

    def resources(self) -> Iterable[Any]: ...

    def value(self, instance: Any, path: tuple[Any, ...]) -> Any: ...

    def references(self, instance: Any, path: tuple[Any, ...]) -> list[Any]: ...

    def configuration_text(self, instance: Any, attribute: str) -> Any: ...

    def region_of(self, instance: Any) -> Any: ...

    def account_of(self, instance: Any) -> Any: ...

    def source_location(self, instance: Any) -> tuple[str | None, int | None, int | None]: ...


# how Terraform spells each kind of route target (mapping.routing.TARGET_KINDS, in its order)
ROUTE_TARGETS = {
    "vpc_peering_connection_id": "vpc_peering_connection",
    "gateway_id": "gateway",
    "nat_gateway_id": "nat_gateway",
    "transit_gateway_id": "transit_gateway",
    "network_interface_id": "network_interface",
    "egress_only_gateway_id": "egress_only_gateway",
    "vpc_endpoint_id": "vpc_endpoint",
    "carrier_gateway_id": "carrier_gateway",
    "local_gateway_id": "local_gateway",
    "core_network_arn": "core_network",
    "instance_id": "instance",
}
PEERING_TYPES = ("aws_vpc_peering_connection", "aws_vpc_peering_connection_accepter")
_HASH = re.compile(r"^[0-9a-f]{40}$")
_IDENTITY_ATTRIBUTES = {"id", "arn", "name", "latest_version", "default_version"}
ACCEPTER_TAG = "pcxguard:accepter"  # documented reason an accepter is outside the scan (CKV2_PCX_8)
_DERIVED_KEYS = {
    "main_route_table_id": "#main",
    "default_route_table_id": "#main",
    "default_security_group_id": "#default_sg",
    "default_network_acl_id": "#default_nacl",
}


def _as_list(value: Any) -> list[Any]:
    """A list attribute's items; an unknown list is one unknown item (never an empty list)."""
    if isinstance(value, Unknown):
        return [value]
    return value if isinstance(value, list) else []


class EstateBuilder:
    """Builds an ``Estate`` from a reader; links are resolved in a final pass."""

    def __init__(self, reader: Reader, name: str) -> None:
        self.reader = reader
        self.estate = Estate(name=name)
        self.instances = {self._address(i): i for i in reader.resources()}
        self.aliases: dict[str, str] = {}
        self.inline_candidates: dict[str, list[str]] = {}
        # per element table of the estate ("vpcs", ...): (size when indexed, AWS id -> first element with it)
        self._id_indexes: dict[str, tuple[int, dict[str, Any]]] = {}

    # -- small helpers ------------------------------------------------------
    @staticmethod
    def _address(instance: Any) -> str:
        return instance.address

    def source(self, instance: Any) -> Source:
        file, start, end = self.reader.source_location(instance)
        return Source(self.reader.kind, instance.type, instance.address, file, start, end)

    def problem(self, instance: Any, message: str, fails_closed: bool = True) -> None:
        """An invalid value of ``instance`` (fail closed, see ``LoadProblem``), or with ``fails_closed=False``
        a note about a value that was still read (host bits dropped). Named by file, resource and line."""
        file, line, _ = self.reader.source_location(instance)
        if line is None:
            line_of = getattr(self.reader, "line_of", None)
            line = line_of(instance.address) if line_of is not None else None
        self.estate.problems.append(LoadProblem(file or self.estate.name, message, instance.address, line,
                                                fails_closed))

    def value(self, instance: Any, path: tuple[Any, ...], depth: int = 0) -> Any:
        """A plain value: follows ResourceTargets to the referenced attribute."""
        result = self.reader.value(instance, path)
        while isinstance(result, ResourceTarget) and depth < 10:
            target = self.instances.get(result.address)
            if target is None:
                return Unknown(f"{result.address} is not in the scan")
            result = self.reader.value(target, result.attribute)
            depth += 1
        return result

    def link(self, instance: Any, path: tuple[Any, ...], depth: int = 0) -> Any:
        """A reference to another element: its key, a literal AWS id, None (unset) or Unknown."""
        result = self.reader.value(instance, path)
        if isinstance(result, Unknown) and self._unset(instance, path):
            return None  # computed by AWS because the configuration leaves it out
        return self._as_link(result, depth)

    def _unset(self, instance: Any, path: tuple[Any, ...]) -> bool:
        configured = getattr(self.reader, "is_configured", None)
        return configured is not None and configured(instance, path) is False

    def _as_link(self, result: Any, depth: int = 0) -> Any:
        if isinstance(result, ResourceTarget):
            target = self.instances.get(result.address)
            attribute = result.attribute[0] if result.attribute else "id"
            if attribute in _DERIVED_KEYS:
                return result.address + _DERIVED_KEYS[attribute]
            if attribute in _IDENTITY_ATTRIBUTES or target is None:
                return result.address
            if depth > 10:
                return Unknown(f"{result.address}.{attribute}: reference chain too deep")
            return self.link(target, result.attribute, depth + 1)
        if isinstance(result, str):
            return result or None
        if result is None or isinstance(result, Unknown):
            return result
        return Unknown(f"unexpected value {result!r} where an id was expected")

    def links(self, instance: Any, attribute: str | tuple[Any, ...]) -> list[Any]:
        """A list of references (subnet ids, security group ids); ``attribute`` may be a nested path."""
        path = attribute if isinstance(attribute, tuple) else (attribute,)
        attribute = path_text(path)
        raw = self.reader.value(instance, path)
        found: list[Any] = []
        complete = isinstance(raw, list) and all(isinstance(v, str) and v for v in raw)
        if isinstance(raw, list):
            found.extend(v for v in raw if isinstance(v, str) and v)
        elif isinstance(raw, (ResourceTarget, str)):
            found.append(self._as_link(raw))
        if not complete and not isinstance(raw, (ResourceTarget, str)) and raw is not None:
            for target in self.reader.references(instance, path):
                link = self._as_link(target) if isinstance(target, (ResourceTarget, str)) else None
                if link is not None and link not in found:
                    found.append(link)
                elif isinstance(target, list):
                    found.extend(v for v in target if isinstance(v, str) and v not in found)
            if not found:
                if isinstance(raw, Unknown):  # say why: a value known only after apply, a variable without a value
                    found.append(Unknown(f"{attribute} of {instance.address}: {raw.what}",
                                         raw.hint or "reference the resources directly or give literal ids"))
                else:
                    found.append(Unknown(f"{attribute} of {instance.address} is not known",
                                         "reference the resources directly or give literal ids"))
        return found

    def optional(self, instance: Any, attribute: str) -> Any:
        """An optional+computed attribute: None when the configuration does not set it."""
        value = self.value(instance, (attribute,))
        if isinstance(value, Unknown) and self._unset(instance, (attribute,)):
            return None
        return value if value != "" else None

    def _raw_optional(self, instance: Any, attribute: str) -> Any:
        """Like ``optional`` but keeps ``""`` (for ``mapping.common.checked`` to refuse)."""
        value = self.value(instance, (attribute,))
        if isinstance(value, Unknown) and self._unset(instance, (attribute,)):
            return None
        return value

    def origin(self, instance: Any) -> Origin:
        """``instance`` as the origin of the facts a mapper reads: named by its address, problems on it."""
        def report(message: str, fails_closed: bool = True) -> None:
            self.problem(instance, message, fails_closed)
        return Origin(self.source(instance), instance.address, report, blank_ipv6_is_unset=True)

    def _with_aws_id(self, kind: str, ref: str) -> Any:
        """The first element of ``estate.<kind>`` whose AWS id is ``ref``, as a scan in order would find.

        The index is rebuilt only when the table has grown since; elements are never replaced or
        removed while building, and their AWS id never changes.
        """
        elements = getattr(self.estate, kind)
        cached = self._id_indexes.get(kind)
        if cached is None or cached[0] != len(elements):
            index: dict[str, Any] = {}
            for element in elements.values():
                if isinstance(element.aws_id, str):
                    index.setdefault(element.aws_id, element)
            cached = (len(elements), index)
            self._id_indexes[kind] = cached
        return cached[1].get(ref)

    def _added(self, kind: str, element: Any) -> None:
        """Keep an up-to-date index current after adding ``element`` to ``estate.<kind>``."""
        cached = self._id_indexes.get(kind)
        if cached is not None and cached[0] == len(getattr(self.estate, kind)) - 1:
            if isinstance(element.aws_id, str):
                cached[1].setdefault(element.aws_id, element)
            self._id_indexes[kind] = (cached[0] + 1, cached[1])

    def known_id(self, instance: Any) -> Any:
        value = self.reader.value(instance, ("id",))
        return value if isinstance(value, str) and value else None

    # -- the build ----------------------------------------------------------
    def build(self) -> Estate:
        handlers = {
            "aws_vpc": self._vpc,
            "aws_vpc_peering_connection": self._peering,
            "aws_subnet": self._subnet,
            "aws_route_table": self._route_table,
            "aws_default_route_table": self._route_table,
            "aws_security_group": self._security_group,
            "aws_default_security_group": self._security_group,
            "aws_instance": self._host,
            "aws_launch_template": self._host,
            "aws_launch_configuration": self._host,
            "aws_network_acl": self._network_acl,
            "aws_default_network_acl": self._network_acl,
        }
        later = {
            # after every VPC: an association listed before its VPC must not be dropped (order never decides)
            "aws_vpc_ipv4_cidr_block_association": self._ipv4_association,
            "aws_vpc_ipv6_cidr_block_association": self._ipv6_association,
            "aws_vpc_peering_connection_accepter": self._accepter,
            "aws_vpc_peering_connection_options": self._peering_options,
            "aws_route": self._route,
            "aws_route_table_association": self._association,
            "aws_main_route_table_association": self._main_association,
            "aws_security_group_rule": self._sg_rule,
            "aws_vpc_security_group_ingress_rule": self._sg_rule,
            "aws_vpc_security_group_egress_rule": self._sg_rule,
            "aws_autoscaling_group": self._autoscaling_group,
            "aws_network_acl_rule": self._network_acl_rule,
            "aws_network_acl_association": self._network_acl_association,
        }
        for phase in (handlers, later):
            for instance in self.instances.values():
                handler = phase.get(instance.type)
                if handler is None:
                    continue
                try:
                    handler(instance)
                except (KeyError, IndexError, TypeError, AttributeError, ValueError, ArithmeticError,
                        RecursionError) as error:
                    self.problem(instance, f"could not read {instance.address}: {type(error).__name__}: {error}")
        self._resolve_links()
        self._attach_network_acls()
        self._record_unexpanded()
        return self.estate.freeze()

    # -- completeness -------------------------------------------------------
    def _record_unexpanded(self) -> None:
        """A Gap for every block the reader could not turn into instances: its instances are missing
        from every set they would belong to, in a VPC the scan cannot name."""
        for block in getattr(self.reader, "unexpanded", None) or ():
            gaps = gaps_for(block.resource_type, None, block.what, block.hint, block.address, block.file, block.line)
            if _names_no_peering_route(block):
                # however many instances it has, none is a route over a peering (its syntax names no peering)
                gaps = [replace(g, not_over_peering=True) for g in gaps]
            self.estate.gaps.extend(gaps)

    def park(self, instance: Any, why: str, vpc: Any = None, hint: str = "") -> None:
        """An element the builder cannot place: its source stays reportable, and every set it belongs to
        is marked incomplete (in ``vpc`` when known, else in any VPC)."""
        source = self.source(instance)
        self.estate.sources[instance.address] = source
        self.estate.gaps.extend(gaps_for(instance.type, vpc if isinstance(vpc, str) else None,
                                         f"{instance.address}: {why}", hint, instance.address, source.file,
                                         source.start_line))

    _why = staticmethod(why_unplaced)

    def _vpc(self, instance: Any) -> None:
        key = instance.address
        origin = self.origin(instance)
        aws_id = self.known_id(instance)
        region, account = self.reader.region_of(instance), self.reader.account_of(instance)
        primary = self.value(instance, ("cidr_block",))
        allocated = None
        if isinstance(primary, Unknown) and primary.what.endswith("until apply"):
            allocated = Unknown(f"cidr_block of {key} is allocated at apply time (IPAM)",
                                "give the VPC a literal cidr_block, or list the VPC in the inventory")
        ipv6 = self.value(instance, ("ipv6_cidr_block",))
        pool = self.value(instance, ("ipv6_ipam_pool_id",))
        ipv6_facts = vpcs.BlockFacts(
            ipv6 if isinstance(ipv6, str) else None, "ipv6_cidr_block",
            amazon=self.value(instance, ("assign_generated_ipv6_cidr_block",)) is True,
            allocated=Unknown(f"IPv6 block of {key} is allocated from an IPAM pool at apply time")
            if isinstance(ipv6, Unknown) and pool not in (None, "") else None)
        vpcs.map_vpc(self.estate, key, origin, aws_id=aws_id, region=region, account=account,
                     blocks=[(vpcs.BlockFacts(primary, "cidr_block", allocated=allocated), "primary"),
                             (ipv6_facts, "ipv6")],
                     dns_support=("enable_dns_support", self.value(instance, ("enable_dns_support",))),
                     dns_hostnames=("enable_dns_hostnames", self.value(instance, ("enable_dns_hostnames",))),
                     created=self.reader.kind == "terraform_plan" and aws_id is None)  # a plan knows every existing id
        main = self.reader.value(instance, ("main_route_table_id",))
        if isinstance(main, str) and main:
            self.aliases.setdefault(key + "#main", main)

    def _association_vpc(self, instance: Any) -> Vpc | None:
        ref = self.link(instance, ("vpc_id",))
        vpc = self.estate.vpcs.get(ref) if isinstance(ref, str) else None
        if vpc is None and isinstance(ref, str):
            vpc = self._with_aws_id("vpcs", ref)
        if vpc is None:
            self.park(instance, self._why(ref, "VPC"), vpc=ref,
                      hint="scan the code that declares the VPC, or list it in the inventory")
        return vpc

    def _ipv4_association(self, instance: Any) -> None:
        vpc = self._association_vpc(instance)
        if vpc is not None:
            block = self.value(instance, ("cidr_block",))
            allocated = None
            if isinstance(block, Unknown) and self.value(instance, ("ipv4_ipam_pool_id",)) not in (None, ""):
                allocated = Unknown(f"cidr_block of {instance.address} is allocated from an IPAM pool at apply time")
            vpcs.add_block(vpc, self.origin(instance), vpcs.BlockFacts(block, "cidr_block", allocated=allocated),
                           "secondary")

    def _ipv6_association(self, instance: Any) -> None:
        vpc = self._association_vpc(instance)
        if vpc is None:
            return
        block = self.value(instance, ("ipv6_cidr_block",))
        pool = self.value(instance, ("ipv6_ipam_pool_id",))
        vpcs.add_block(vpc, self.origin(instance), vpcs.BlockFacts(
            block if isinstance(block, str) else None, "ipv6_cidr_block",
            amazon=pool in (None, "") or self.value(instance, ("assign_generated_ipv6_cidr_block",)) is True,
            allocated=Unknown(f"ipv6_cidr_block of {instance.address} is allocated at apply time")), "ipv6")

    def _options(self, instance: Any, side: str) -> PeeringOptions:
        value = self.value(instance, (side, 0, "allow_remote_vpc_dns_resolution"))
        if isinstance(value, Unknown) and not self.reader.references(instance, (side,)):
            value = None  # the provider computes it: the configuration sets no such block
        if value is None:
            return PeeringOptions()
        return peerings.dns_options(value, self.source(instance), self.reader.region_of(instance),
                                    self.reader.account_of(instance))

    def _placed(self, instance: Any, attribute: str, origin: Origin) -> Any:
        """An optional attribute that names a place, checked, with its source when the configuration gives
        one (``peer_region = data.aws_region.current.name``: a plan prints only the value)."""
        value = checked(origin, attribute, self._raw_optional(instance, attribute), str)
        if isinstance(value, str) and not isinstance(value, Placed):
            for ref in self.reader.references(instance, (attribute,)):
                if isinstance(ref, Placed) and ref == value:
                    return ref
        return value

    def _peering(self, instance: Any) -> None:
        origin = self.origin(instance)
        peer_region = self._placed(instance, "peer_region", origin)
        peerings.map_peering(
            self.estate, instance.address, origin,
            requester_vpc=self.link(instance, ("vpc_id",)),
            accepter_vpc=self.link(instance, ("peer_vpc_id",)),
            aws_id=self.known_id(instance),
            region=self.reader.region_of(instance),
            peer_region=peer_region,
            account=self.reader.account_of(instance),
            peer_owner_id=self._placed(instance, "peer_owner_id", origin),
            auto_accept=checked(origin, "auto_accept", self._raw_optional(instance, "auto_accept"), bool),
            requester_options=self._options(instance, "requester"),
            accepter_options=self._options(instance, "accepter"),
            reason_unaccepted=self._accepter_tag(instance),
        )

    def _find_peering(self, ref: Any) -> PeeringConnection | None:
        if not isinstance(ref, str):
            return None
        ref = self.aliases.get(ref, ref)
        return self.estate.peerings.get(ref) or self._with_aws_id("peerings", ref)

    def _accepter(self, instance: Any) -> None:
        ref = self.link(instance, ("vpc_peering_connection_id",))
        peering = self._find_peering(ref)
        if peering is None:
            self.park(instance, self._why(ref, "peering connection"))
            if not isinstance(ref, str):
                # it accepts a peering the scan cannot name: no peering may be judged "accepted by nothing"
                file, line, _ = self.reader.source_location(instance)
                self.estate.gaps.append(Gap(
                    "accepters", None, f"{instance.address} accepts a peering whose id is not known "
                    f"({ref.describe() if isinstance(ref, Unknown) else 'vpc_peering_connection_id is not set'})",
                    "reference the peering directly (aws_vpc_peering_connection.x.id)", instance.address, file, line,
                    instance.type))
            return
        self.aliases[instance.address] = peering.key
        peerings.accept(peering, self.source(instance), self._options(instance, "accepter"),
                        self.reader.region_of(instance), self.reader.account_of(instance))

    def _peering_options(self, instance: Any) -> None:
        ref = self.link(instance, ("vpc_peering_connection_id",))
        peering = self._find_peering(ref)
        if peering is None:
            self.park(instance, self._why(ref, "peering connection"))
            return
        for side in ("requester", "accepter"):
            peerings.set_options(peering, side, self._options(instance, side))

    def _subnet(self, instance: Any) -> None:
        ipv6_native = self.value(instance, ("ipv6_native",)) is True
        ipv6_block = self.value(instance, ("ipv6_cidr_block",))
        blocks = []
        for attribute in ("cidr_block", "ipv6_cidr_block"):
            value = self.value(instance, (attribute,))
            if value == "" and (ipv6_native or ipv6_block not in (None, "")):
                # no IPv4 block: the provider writes "" for an IPv6-only subnet, and sends no IPv4 range for
                # a cidr_block of "" (an optional argument's zero value is unset), as in the registry VPC
                # module's element(concat(var.outpost_subnets, [""]), count.index)
                continue
            blocks.append((value, attribute))
        vpcs.new_subnet(self.estate, instance.address, self.origin(instance), vpc=self.link(instance, ("vpc_id",)),
                        aws_id=self.known_id(instance), blocks=blocks)

    def _route_table(self, instance: Any) -> None:
        key = instance.address
        is_main = instance.type == "aws_default_route_table"
        if is_main:
            vpc_main = self.link(instance, ("default_route_table_id",))
            vpc = vpc_main[: -len("#main")] if isinstance(vpc_main, str) and vpc_main.endswith("#main") else \
                self.link(instance, ("vpc_id",))
            if isinstance(vpc_main, str):
                self.aliases[vpc_main] = key
        else:
            vpc = self.link(instance, ("vpc_id",))
        aws_id = self.known_id(instance)
        inline: list[Route] = []
        routes = self.reader.value(instance, ("route",))
        if isinstance(routes, Unknown) and self._unset(instance, ("route",)):
            # not written in the configuration: the plan shows the computed attribute as unknown, but the
            # table has no inline routes (aws_route resources, modelled on their own, add its routes)
            routes = None
        if isinstance(routes, list):
            peering_keys = [self._as_link(t) for t in self.reader.references(instance, ("route",))
                            if isinstance(t, ResourceTarget) and _resource_type(t.address) in PEERING_TYPES]
            for index, _ in enumerate(routes):
                route = self._route_fields(instance, ("route", index), f"{key}/route[{index}]", key,
                                           destination_attrs=("cidr_block", "ipv6_cidr_block", "destination_prefix_list_id"))
                if route.via_peering and isinstance(route.target, Unknown) and peering_keys:
                    self.inline_candidates[route.key] = peering_keys
                inline.append(route)
        elif routes is not None:
            # the inline route list is unknown (at plan time, or not a list): this table's routes are not a
            # complete set, so no rule may conclude "no route" from them
            file, line, _ = self.reader.source_location(instance)
            why = routes.describe() if isinstance(routes, Unknown) else f"route is not a list ({type(routes).__name__})"
            self.estate.gaps.append(Gap(
                "routes", vpc if isinstance(vpc, str) else None,
                f"the inline routes of {key} are not known ({why})",
                "plan again once the values they depend on are known, or use separate aws_route resources",
                key, file, line, instance.type))
        # registered once its inline routes are read: a table that cannot be read is not half in the estate
        table = routing.new_route_table(self.estate, key, self.source(instance), vpc=vpc, aws_id=aws_id, is_main=is_main)
        table.routes.extend(inline)

    def _route_fields(self, instance: Any, base: tuple[Any, ...], key: str, table: Any,
                      destination_attrs: tuple[str, str, str]) -> Route:
        v4, v6, prefix = destination_attrs
        prefix_list = self.value(instance, base + (prefix,))
        return routing.new_route(
            key, self.origin(instance), table,
            destinations=((self.value(instance, base + (attribute,)), attribute, version)
                          for attribute, version in ((v4, 4), (v6, 6))),
            prefix_list=prefix_list, prefix_link=prefix_list, targets=self._route_targets(instance, base, key))

    def _route_targets(self, instance: Any, base: tuple[Any, ...], key: str) -> Iterable[tuple[str, Any, Any]]:
        """The route's target attributes that are set: (kind, value, link), in ``ROUTE_TARGETS`` order."""
        for attribute, kind in ROUTE_TARGETS.items():
            value = self.reader.value(instance, base + (attribute,))
            if value in (None, ""):
                continue
            link = self._as_link(value)
            if isinstance(value, Unknown) and len(base) > 1:
                link = Unknown(f"{attribute} of {key}: {value.what}", "use separate aws_route resources, one per peering")
            yield kind, value, link

    def _route(self, instance: Any) -> None:
        table_ref = self.link(instance, ("route_table_id",))
        route = self._route_fields(instance, (), instance.address, table_ref,
                                   destination_attrs=("destination_cidr_block", "destination_ipv6_cidr_block",
                                                      "destination_prefix_list_id"))
        table_ref = self.aliases.get(table_ref, table_ref) if isinstance(table_ref, str) else table_ref
        table = self._table(table_ref) or routing.table_outside_scan(
            self.estate, table_ref, kind=self.reader.kind, name=instance.address,
            fallback_key=f"{instance.address}#route_table", scanned="code", declarer="the code",
            unknown_hint="reference the route table directly, or scan the plan with its source")
        routing.place(route, table)

    def _table(self, ref: Any) -> RouteTable | None:
        if not isinstance(ref, str):
            return None
        ref = self.aliases.get(ref, ref)
        table = self.estate.route_tables.get(ref) or self._with_aws_id("route_tables", ref)
        if table is None and ref.endswith("#main") and ref[: -len("#main")] in self.estate.vpcs:
            vpc = self.estate.vpcs[ref[: -len("#main")]]
            table = routing.implicit_main_table(self.estate, vpc, ref)
            self._added("route_tables", table)
            vpc.main_route_table = ref
        return table

    def _association(self, instance: Any) -> None:
        subnet_ref = self.link(instance, ("subnet_id",))
        table_ref = self.link(instance, ("route_table_id",))
        subnet = self.estate.subnets.get(subnet_ref) if isinstance(subnet_ref, str) else None
        if subnet is None and isinstance(subnet_ref, str):
            subnet = self._with_aws_id("subnets", subnet_ref)
        if subnet is None:
            if isinstance(subnet_ref, str):
                self.estate.sources[instance.address] = self.source(instance)  # a subnet outside the scan
            else:
                self.park(instance, self._why(subnet_ref, "subnet"))
            return
        routing.associate(subnet, self._table(table_ref), table_ref)

    def _main_association(self, instance: Any) -> None:
        vpc_ref = self.link(instance, ("vpc_id",))
        table_ref = self.link(instance, ("route_table_id",))
        table = self._table(table_ref)
        if table is None or not isinstance(vpc_ref, str):
            self.park(instance, self._why(table_ref, "route table") if table is None else self._why(vpc_ref, "VPC"),
                      vpc=vpc_ref)
        if table is not None and isinstance(vpc_ref, str):
            table.is_main = True
            vpc = self.estate.vpcs.get(vpc_ref)
            if vpc is not None:
                vpc.main_route_table = table.key

    def _security_group(self, instance: Any) -> None:
        key = instance.address
        origin = self.origin(instance)
        security_groups.new_group(self.estate, key, origin, vpc=self.link(instance, ("vpc_id",)),
                                  aws_id=self.known_id(instance))
        for direction in ("ingress", "egress"):
            blocks = self.reader.value(instance, (direction,))
            if not isinstance(blocks, list):
                continue
            referenced: list[Any] = []
            some_unknown = False
            for index in range(len(blocks)):
                groups = self.reader.value(instance, (direction, index, "security_groups"))
                rule = security_groups.new_rule(
                    self.estate, f"{key}/{direction}[{index}]", origin, group=key, direction=direction,
                    protocol=self.value(instance, (direction, index, "protocol")),
                    from_port=self.value(instance, (direction, index, "from_port")),
                    to_port=self.value(instance, (direction, index, "to_port")),
                    self_reference=self.value(instance, (direction, index, "self")) is True,
                    cidrs=[(c, attribute) for attribute in ("cidr_blocks", "ipv6_cidr_blocks")
                           for c in _as_list(self.value(instance, (direction, index, attribute)))
                           if isinstance(c, (str, Unknown))],
                )
                if isinstance(groups, list):
                    for group in groups:
                        if isinstance(group, str) and group:
                            referenced.append((rule, group))
                        else:
                            some_unknown = True
                elif isinstance(groups, (Unknown, ResourceTarget)):
                    some_unknown = True
            if some_unknown:
                targets = [t for t in self.reader.references(instance, (direction,))
                           if isinstance(t, ResourceTarget) and _resource_type(t.address) in
                           ("aws_security_group", "aws_default_security_group", "aws_vpc")]
                for n, target in enumerate(targets):
                    link = self._as_link(target)
                    if link == key:
                        continue
                    security_groups.new_rule(self.estate, f"{key}/{direction}/ref[{n}]", origin, group=key,
                                             direction=direction, referenced=link, reference_text_known=False,
                                             same_group_is_self=False)
            for rule, group in referenced:
                if rule.referenced_group is None:
                    rule.referenced_group = group
                else:
                    security_groups.new_rule(self.estate, f"{rule.key}/{group}", origin, group=key,
                                             direction=direction, referenced=group, same_group_is_self=False)

    def _sg_rule(self, instance: Any) -> None:
        if instance.type == "aws_security_group_rule":
            direction = self.value(instance, ("type",))
            referenced = self.link(instance, ("source_security_group_id",))
            # each list may be unknown on its own (an unknown list is one unknown range, never "no range")
            cidrs = [c for attribute in ("cidr_blocks", "ipv6_cidr_blocks")
                     for c in _as_items(self.value(instance, (attribute,)))]
            protocol = self.value(instance, ("protocol",))
            self_reference = self.value(instance, ("self",)) is True
        else:
            direction = "ingress" if instance.type.endswith("ingress_rule") else "egress"
            referenced = self.link(instance, ("referenced_security_group_id",))
            cidrs = [self.value(instance, ("cidr_ipv4",)), self.value(instance, ("cidr_ipv6",))]
            protocol = self.value(instance, ("ip_protocol",))
            self_reference = False
        group = self.link(instance, ("security_group_id",))
        reference_attr = "source_security_group_id" if instance.type == "aws_security_group_rule" \
            else "referenced_security_group_id"
        security_groups.new_rule(
            self.estate, instance.address, self.origin(instance), group=group, direction=direction, protocol=protocol,
            from_port=self.value(instance, ("from_port",)), to_port=self.value(instance, ("to_port",)),
            referenced=referenced, self_reference=self_reference,
            cidrs=[(c, "cidr") for c in cidrs if c not in (None, "")],
            reference_text_known=isinstance(self.reader.value(instance, (reference_attr,)), (str, type(None))),
        )

    def _set_links(self, instance: Any, path: tuple[Any, ...]) -> list[Any]:
        """``links`` of an optional attribute: nothing when the configuration leaves it out."""
        value = self.reader.value(instance, path)
        if value is None or value == [] or (isinstance(value, Unknown) and self._unset(instance, path)):
            return []
        return self.links(instance, path)

    def _user_data(self, instance: Any) -> Any:
        """The user data as given: text, bytes (decoded base64: possibly gzip), None or Unknown."""
        raw = self.value(instance, ("user_data",))
        encoded = self.value(instance, ("user_data_base64",))
        if isinstance(raw, Unknown) and self._unset(instance, ("user_data",)):
            raw = None  # computed by the provider: the configuration gives no user data
        if isinstance(encoded, Unknown) and self._unset(instance, ("user_data_base64",)):
            encoded = None
        if instance.type == "aws_launch_template":
            encoded, raw = raw, None
        if isinstance(raw, str) and raw:
            if _HASH.match(raw):
                return self.reader.configuration_text(instance, "user_data")
            return raw
        if isinstance(encoded, (str, bytes)) and encoded:
            return hosts.decoded(self.origin(instance), encoded, "; ignored")
        if isinstance(raw, Unknown):
            return raw
        if isinstance(encoded, Unknown):
            return encoded
        return None

    def _host(self, instance: Any) -> None:
        subnets: list[Any] = []
        groups: list[Any] = []
        if instance.type == "aws_instance":
            subnets = [self.link(instance, ("subnet_id",))]
            groups = self.links(instance, "vpc_security_group_ids") + self._set_links(instance, ("security_groups",))
        elif instance.type == "aws_launch_template":
            interfaces = self.reader.value(instance, ("network_interfaces",))
            for index, _ in enumerate(interfaces if isinstance(interfaces, list) else []):
                subnets.append(self.link(instance, ("network_interfaces", index, "subnet_id")))
                groups.extend(self._set_links(instance, ("network_interfaces", index, "security_groups")))
            for attribute in ("vpc_security_group_ids", "security_group_names"):
                groups.extend(self._set_links(instance, (attribute,)))
        else:
            groups = self.links(instance, "security_groups")
        hosts.map_host(self.estate, instance.address, self.origin(instance), subnets=subnets, security_groups=groups,
                       instance_type=self.value(instance, ("instance_type",)), user_data=self._user_data(instance))

    def _autoscaling_group(self, instance: Any) -> None:
        subnets = self.links(instance, "vpc_zone_identifier")
        launchers: list[Any] = []
        for path in (("launch_template", 0, "id"), ("launch_template", 0, "name"), ("launch_configuration",)):
            link = self.link(instance, path)
            if isinstance(link, str):
                launchers.append(link)
        for launcher in launchers:
            host = self.estate.hosts.get(launcher) or next(
                (h for h in self.estate.hosts.values() if launcher in (self.known_id(self.instances[h.key]),)), None)
            if host is not None and not host.subnets:
                host.subnets = [s for s in subnets if s is not None]

    # -- final pass ---------------------------------------------------------
    def _canon(self, ref: Any) -> Any:
        seen = 0
        while isinstance(ref, str) and ref in self.aliases and seen < 5:
            ref = self.aliases[ref]
            seen += 1
        return ref

    def _resolve_links(self) -> None:
        estate = self.estate
        for peering in estate.peerings.values():
            peering.requester_vpc = self._canon(peering.requester_vpc)
            peering.accepter_vpc = self._canon(peering.accepter_vpc)
        for table in estate.route_tables.values():
            for route in table.routes:
                route.target = self._canon(route.target)
        for subnet in estate.subnets.values():
            subnet.route_table = self._canon(subnet.route_table)
        for rule in estate.sg_rules:
            rule.group = self._canon(rule.group)
        # the lookups below are the build's first: the estate indexes itself now, from the links just resolved
        assert not estate._indexed, "a lookup before the links are resolved would index stale links"
        # inline routes whose peering id is unknown: pick the one peering whose far side owns the destination
        for table in estate.route_tables.values():
            vpc = estate.vpc(table.vpc)
            for route in table.routes:
                candidates = self.inline_candidates.get(route.key)
                if not candidates or vpc is None:
                    continue
                candidates = list(dict.fromkeys(self._canon(c) for c in candidates))
                if len(candidates) == 1:
                    route.target = candidates[0]
                    continue
                matches = []
                for candidate in candidates:
                    candidate_peering = estate.peering(candidate)
                    far = estate.vpc(estate.other_side(candidate_peering, vpc)) if candidate_peering else None
                    if far is not None and is_known(route.destination) and route.destination is not None and any(
                        is_known(b.network) and (route.destination in b.network or b.network in route.destination)
                        for b in far.blocks
                    ):
                        matches.append(candidate)
                if len(matches) == 1:
                    route.target = matches[0]

    # -- network ACLs and tags (CKV2_PCX_8, CKV2_PCX_14) ---------------------
    def _accepter_tag(self, instance: Any) -> str | None:
        """The documented reason a peering's accepter is outside the scan: tag ``pcxguard:accepter``."""
        for attribute in ("tags", "tags_all"):
            tags = self.value(instance, (attribute,))
            if isinstance(tags, dict):
                reason = tags.get(ACCEPTER_TAG)
                if isinstance(reason, str) and reason.strip():
                    return reason.strip()
        return None

    def _int_or(self, instance: Any, path: tuple[Any, ...]) -> Any:
        value = self.value(instance, path)
        if isinstance(value, bool) or value is None or value == "":
            return None
        if isinstance(value, Unknown):
            return value
        try:
            return int(value)
        except (TypeError, ValueError):
            return Unknown(f"{path_text(path)} of {instance.address} ({value!r} is not a number)")

    def _acl_rule(self, instance: Any, base: tuple[Any, ...], egress: bool, number_attr: str,
                  action_attr: str) -> NetworkAclRule | str:
        number = self._int_or(instance, base + (number_attr,))
        action = self.value(instance, base + (action_attr,))
        if not isinstance(number, int) or not isinstance(action, str):
            why = next((v.describe() for v in (number, action) if isinstance(v, Unknown)), "")
            return f"a rule of {instance.address} whose number or action is not known" + (f": {why}" if why else "")
        v4 = self.value(instance, base + ("cidr_block",))
        protocol = self.value(instance, base + ("protocol",))
        return network_acls.new_entry(
            self.origin(instance), egress=egress, number=number, action=action,
            protocol=protocol if isinstance(protocol, (str, int, Unknown)) else Unknown(f"protocol of {instance.address}"),
            cidr=(v4, "cidr_block") if v4 not in (None, "") else
            (self.value(instance, base + ("ipv6_cidr_block",)), "ipv6_cidr_block"),
            icmp_type=self._int_or(instance, base + ("icmp_type",)), icmp_code=self._int_or(instance, base + ("icmp_code",)),
            from_port=self._int_or(instance, base + ("from_port",)), to_port=self._int_or(instance, base + ("to_port",)))

    def _network_acl(self, instance: Any) -> None:
        key = instance.address
        if instance.type == "aws_default_network_acl":
            default_ref = self.link(instance, ("default_network_acl_id",))
            vpc: Any = Unknown(f"the VPC of {key}")
            if isinstance(default_ref, str) and default_ref.endswith("#default_nacl"):
                vpc = default_ref[: -len("#default_nacl")]
                self.aliases[default_ref] = key
            elif isinstance(default_ref, str):
                self.aliases[default_ref] = key
            is_default = True
        else:
            vpc, is_default = self.link(instance, ("vpc_id",)), False
        known_id = self.known_id(instance)
        if known_id:
            self.aliases[known_id] = key
        subnet_refs = self.links(instance, "subnet_ids") if self.reader.value(instance, ("subnet_ids",)) not in (None, []) \
            else []
        self._acl_subnets.extend((key, ref) for ref in subnet_refs)
        rules: list[NetworkAclRule | str] = []
        for direction in ("ingress", "egress"):
            blocks = self.reader.value(instance, (direction,))
            if isinstance(blocks, Unknown):
                rules.append(f"{direction} rules of {key} are not known: {blocks.describe()}")
                continue
            for index, _ in enumerate(blocks if isinstance(blocks, list) else []):
                rules.append(self._acl_rule(instance, (direction, index), direction == "egress", "rule_no", "action"))
        acl = network_acls.new_acl(self.estate, key, self.source(instance), vpc=vpc, is_default=is_default)
        for rule in rules:
            network_acls.add_entry(acl, rule)

    def _acl_for(self, ref: Any) -> NetworkAcl | None:
        if not isinstance(ref, str):
            return None
        ref = self._canon(ref)
        acl = self.estate.network_acls.get(ref)
        if acl is None and ref.endswith("#default_nacl") and ref[: -len("#default_nacl")] in self.estate.vpcs:
            acl = network_acls.default_acl(self.estate, self.estate.vpcs[ref[: -len("#default_nacl")]], ref)
        return acl

    def _network_acl_rule(self, instance: Any) -> None:
        acl_ref = self.link(instance, ("network_acl_id",))
        acl = self._acl_for(acl_ref)
        if acl is None:
            self.park(instance, self._why(acl_ref, "network ACL"))
            return
        egress = self.value(instance, ("egress",))
        if not isinstance(egress, bool):
            egress = False if egress is None else egress
        if isinstance(egress, Unknown):
            acl.rules_unknown.append(f"direction of {instance.address}: {egress.describe()}")
            return
        network_acls.add_entry(acl, self._acl_rule(instance, (), egress, "rule_number", "rule_action"))

    def _network_acl_association(self, instance: Any) -> None:
        acl_ref = self.link(instance, ("network_acl_id",))
        subnet_ref = self.link(instance, ("subnet_id",))
        if not isinstance(acl_ref, str) or self._acl_for(acl_ref) is None:
            self.park(instance, self._why(acl_ref, "network ACL"))
            return
        self._acl_subnets.append((self._canon(acl_ref), subnet_ref))

    def _attach_network_acls(self) -> None:
        """Subnets named by ACLs and associations -> ``Subnet.network_acl`` (the association wins)."""
        by_id = {s.aws_id: s for s in self.estate.subnets.values() if isinstance(s.aws_id, str)}
        for acl_key, ref in self._acl_subnets:
            if not isinstance(ref, str):
                acl = self.estate.network_acls.get(acl_key)
                if acl is not None and isinstance(ref, Unknown):
                    acl.rules_unknown.append(f"subnets of {acl_key}: {ref.describe()}")
                continue
            subnet = self.estate.subnets.get(ref) or by_id.get(ref)
            acl = self.estate.network_acls.get(acl_key)
            if subnet is None or acl is None:
                continue
            network_acls.attach(subnet, acl)

    @property
    def _acl_subnets(self) -> list[tuple[str, Any]]:
        if not hasattr(self, "_acl_subnet_links"):
            self._acl_subnet_links: list[tuple[str, Any]] = []
        return self._acl_subnet_links


def _names_no_peering_route(block: Unexpanded) -> bool:
    """Whether an unexpanded block, read whole, can hold no route over a peering whatever its count: an
    ``aws_route`` that names no peering connection, or a route table with no inline route (no ``route``
    argument, ``route`` block or ``dynamic "route"``; the routes of its table come from ``aws_route``
    resources, judged on their own)."""
    if block.attributes is None:
        return False
    if block.resource_type == "aws_route":
        return "vpc_peering_connection_id" not in block.attributes
    if block.resource_type in ("aws_route_table", "aws_default_route_table") and block.nested is not None:
        return not ({"route", "dynamic.route"} & (block.nested | block.attributes)
                    or any(a.startswith("route.") for a in block.attributes))
    return False


def _as_items(value: Any) -> list[Any]:
    """A list attribute as its items: unset is none, an unknown list is one unknown item, a single value
    (not a list) is itself, so value checks still see it."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _resource_type(address: str) -> str:
    try:
        return parse_instance_address(address)[1]
    except ValueError:
        return ""


def build_estate(reader: Reader, name: str) -> Estate:
    return EstateBuilder(reader, name).build()

