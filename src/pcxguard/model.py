"""The peering model: one vendor-neutral picture of an estate.

Loaders translate Terraform plans, raw Terraform and CloudFormation into an
``Estate``; rules only ever read an ``Estate``. Nothing here imports checkov or
knows about file formats.

Every value a loader could not determine is an ``Unknown`` that says what is
missing and how to supply it. Rules treat ``Unknown`` as "cannot tell", never
as wrong.

References between elements are *keys*: the key of an element in this estate
(for Terraform its resource address, for CloudFormation ``file#LogicalId``) or,
for something outside the scan, its AWS id (``vpc-0abc...``). ``Estate.vpc()``
and friends resolve either form.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields
from typing import Any, Callable, Iterable, Iterator, TypeGuard, TypeVar, Union

from netaddr import IPNetwork, IPSet

T = TypeVar("T")


@dataclass(frozen=True)
class Unknown:
    """A value the scan cannot know. ``what`` names it, ``hint`` says how to supply it."""

    what: str
    hint: str = ""

    def __str__(self) -> str:  # pragma: no cover - debugging aid
        return f"<unknown: {self.what}>"

    def describe(self) -> str:
        return f"{self.what} ({self.hint})" if self.hint else self.what


Maybe = Union[T, Unknown]  # noqa: UP007 - mypy takes a TypeVar alias only in this spelling


def is_known(value: Maybe[T]) -> TypeGuard[T]:
    """True when ``value`` is a value, not an ``Unknown``; a type checker then treats it as ``T``."""
    return not isinstance(value, Unknown)


# --------------------------------------------------------------------------- places (accounts, regions)


class Placed(str):
    """An account or region that is known, with where it was learnt (``source``), so a message can say
    "account 111111111111 (from the role_arn of provider aws.prod)". It is a ``str``: every rule that
    compares accounts and regions as strings keeps working. ``inferred`` is True when the value was
    inferred from what a peering request itself names (CloudFormation peers placed by the requester's
    PeerRegion / PeerOwnerId): it is no independent evidence against that request (CKV2_PCX_16)."""

    source: str
    inferred: bool

    def __new__(cls, value: str, source: str, inferred: bool = False) -> Placed:
        placed = super().__new__(cls, value)
        placed.source = source
        placed.inferred = inferred
        return placed

    def __reduce__(self) -> Any:  # copy / pickle keep the provenance
        return (Placed, (str(self), self.source, self.inferred))


@dataclass(frozen=True)
class SameAs(Unknown):
    """An account or region whose value the scan does not know, but whose *identity* it does: "the account
    of provider aws" (``identity``). Two ``SameAs`` with one identity are the same place by construction
    (``peer_owner_id = data.aws_caller_identity.current.account_id`` read through the requester's own
    provider). It is an ``Unknown``: code that only knows ``is_known`` treats it as "cannot tell"; ``same``
    decides with it."""

    identity: str = ""


def same(a: object, b: object) -> bool | None:
    """Whether two accounts (or two regions) are the same place: True / False, None when it cannot be told."""
    if isinstance(a, SameAs) and isinstance(b, SameAs) and a.identity and a.identity == b.identity:
        return True
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    return None


def provenance(value: object) -> str:
    """`` (from ...)`` for a value whose source is recorded, else ``""``."""
    return f" (from {value.source})" if isinstance(value, Placed) and value.source else ""


def place_text(value: object) -> str:
    """An account or region for a message: ``111111111111 (from the role_arn of provider aws.prod)``, or for a
    value known only by identity, what it is (``the account of provider aws``)."""
    if isinstance(value, Unknown):
        return value.what
    return f"{value}{provenance(value)}"


@dataclass(frozen=True)
class Source:
    """Where an element comes from, so findings land on the right file and line."""

    kind: str  # "terraform_plan" | "terraform" | "cloudformation" | "inventory"
    resource_type: str  # "aws_route" or "AWS::EC2::Route"
    address: str  # Terraform address or CloudFormation logical id
    file: str | None = None
    start_line: int | None = None
    end_line: int | None = None

    @property
    def label(self) -> str:
        return self.address


# --------------------------------------------------------------------------- VPCs


@dataclass
class CidrBlock:
    """One address block of a VPC."""

    network: Maybe[IPNetwork]
    role: str  # "primary", "secondary" or "ipv6"
    declared_by: Source
    amazon_provided: bool = False  # Amazon-allocated IPv6: globally unique, never overlaps

    @property
    def version(self) -> int | None:
        if isinstance(self.network, IPNetwork):
            return self.network.version
        return 6 if self.role == "ipv6" else 4


@dataclass
class Vpc:
    key: str
    source: Source
    aws_id: Maybe[str] | None = None
    region: Maybe[str] = Unknown("region")
    account: Maybe[str] = Unknown("account")
    blocks: list[CidrBlock] = field(default_factory=list)
    main_route_table: str | None = None
    dns_support: Maybe[bool] = True
    dns_hostnames: Maybe[bool] = False
    # the change creates it (a plan's VPC that has no id yet), so it is none of the VPCs that exist
    created: bool = False

    def blocks_of(self, version: int) -> list[CidrBlock]:
        return [b for b in self.blocks if b.version == version]

    def known_set(self, version: int) -> IPSet:
        return IPSet(b.network for b in self.blocks_of(version) if is_known(b.network))

    def unknown_blocks(self, version: int) -> list[CidrBlock]:
        return [b for b in self.blocks_of(version) if not is_known(b.network) and not b.amazon_provided]


# --------------------------------------------------------------------------- peering


@dataclass
class PeeringOptions:
    allow_remote_vpc_dns_resolution: Maybe[bool] | None = None
    set_by: Source | None = None  # resource that sets the option
    set_in_region: Maybe[str] | None = None  # region the setting resource acts in
    set_in_account: Maybe[str] | None = None  # account the setting resource acts in


@dataclass
class PeeringConnection:
    key: str
    source: Source
    requester_vpc: Maybe[str]
    accepter_vpc: Maybe[str]
    aws_id: Maybe[str] | None = None
    region: Maybe[str] = Unknown("region")  # where the request is made (requester side)
    peer_region: Maybe[str] | None = None  # None: not set, so the requester's region
    account: Maybe[str] = Unknown("account")  # requester account
    peer_owner_id: Maybe[str] | None = None  # None: not set, so the requester's account
    auto_accept: Maybe[bool] | None = None
    accepters: list[Source] = field(default_factory=list)  # accepter resources in the scan
    # the account an accepter acts in (its provider's, known or Unknown), as (accepter, account), for each
    # accepter whose reader gives one; CKV2_PCX_8 looks them up by the accepter's address
    accepter_accounts: list[tuple[Source, Maybe[str]]] = field(default_factory=list)
    requester_options: PeeringOptions = field(default_factory=PeeringOptions)
    accepter_options: PeeringOptions = field(default_factory=PeeringOptions)
    reason_unaccepted: str | None = None  # a documented reason the accepter is elsewhere
    peer_role_arn: Maybe[str] | None = None  # CloudFormation PeerRoleArn: the stack accepts through it
    # what the request itself names, as written, before a loader infers the peer's place from an accepter or
    # another stack (peer_region / peer_owner_id may be filled in so): None when the loader did not record it
    request: PeeringRequest | None = None
    # what creates the request accepts it too, unless told otherwise (a CloudFormation stack does: within one
    # account, or across accounts through peer_role_arn; CloudFormation reference, AWS::EC2::VPCPeeringConnection)
    creator_accepts: bool = False


@dataclass(frozen=True)
class PeeringRequest:
    """The place a peering request names for its accepter: ``peer_region`` / ``peer_owner_id`` as the
    request sets them (None: not set, so the requester's own region / account)."""

    peer_region: Maybe[str] | None = None
    peer_owner_id: Maybe[str] | None = None


# --------------------------------------------------------------------------- routing


@dataclass
class Route:
    key: str  # stable id of this route, e.g. "aws_route_table.a/route[1]"
    holder: Source  # the resource that declares it (aws_route or the table)
    route_table: str
    destination: Maybe[IPNetwork] | None = None
    prefix_list: Maybe[str] | None = None
    target_kind: str = "unknown"  # "vpc_peering_connection", "nat_gateway", "gateway", ...
    target: Maybe[str] | None = None  # key or id of the target
    version: int | None = None  # address family of the destination attribute (4 or 6)
    # why the route may not exist (a CloudFormation Condition that cannot be evaluated); None: it exists
    conditional: str | None = None

    @property
    def via_peering(self) -> bool:
        return self.target_kind == "vpc_peering_connection"

    @property
    def family(self) -> int | None:
        if self.destination is not None and is_known(self.destination):
            return self.destination.version
        return self.version


@dataclass
class RouteTable:
    key: str
    source: Source
    vpc: Maybe[str]
    aws_id: Maybe[str] | None = None
    is_main: bool = False
    implicit: bool = False  # the main table AWS creates, not declared anywhere
    routes: list[Route] = field(default_factory=list)
    subnets: list[str] = field(default_factory=list)  # explicitly associated subnets


@dataclass
class Subnet:
    key: str
    source: Source
    vpc: Maybe[str]
    aws_id: Maybe[str] | None = None
    blocks: list[Maybe[IPNetwork]] = field(default_factory=list)
    route_table: Maybe[str] | None = None  # explicit association; None: the main table
    network_acl: str | None = None


# --------------------------------------------------------------------------- security


@dataclass
class SecurityGroupRule:
    key: str
    holder: Source  # inline: the group; else the rule resource
    group: Maybe[str]  # the group this rule belongs to
    direction: str  # "ingress" | "egress"
    protocol: Maybe[str] = "-1"
    from_port: Maybe[int] | None = None
    to_port: Maybe[int] | None = None
    referenced_group: Maybe[str] | None = None  # key, "sg-..." or "ACCOUNT/sg-..."
    referenced_owner: Maybe[str] | None = None  # account of the referenced group, when given
    self_reference: bool = False
    cidrs: list[Maybe[IPNetwork]] = field(default_factory=list)
    # False when the reference was recovered from a configuration expression (a plan shows no
    # literal text of "ACCOUNT/${aws_security_group.x.id}"), so its written form is not known
    reference_text_known: bool = True


@dataclass
class SecurityGroup:
    key: str
    source: Source
    vpc: Maybe[str] | None
    aws_id: Maybe[str] | None = None


@dataclass
class NetworkAclRule:
    egress: bool
    rule_number: int
    action: str  # "allow" | "deny"
    protocol: Maybe[str]
    cidr: Maybe[IPNetwork] | None
    icmp_type: Maybe[int] | None = None
    icmp_code: Maybe[int] | None = None
    declared_by: Source | None = None
    # TCP/UDP port range the rule covers; None: not given (all ports, or a loader that does not read them)
    from_port: Maybe[int] | None = None
    to_port: Maybe[int] | None = None


@dataclass
class NetworkAcl:
    key: str
    source: Source
    vpc: Maybe[str]
    subnets: list[str] = field(default_factory=list)
    rules: list[NetworkAclRule] = field(default_factory=list)
    is_default: bool = False  # the VPC's default network ACL (subnets without an association use it)
    rules_unknown: list[str] = field(default_factory=list)  # rules the scan cannot read, and why


# --------------------------------------------------------------------------- hosts


@dataclass(frozen=True)
class RouteMtuPin:
    destination: IPNetwork
    mtu: int
    where: str = field(default="", compare=False)  # the statement of the user data that pins it

    @property
    def family(self) -> int:
        return self.destination.version


@dataclass
class Host:
    key: str
    source: Source
    subnets: list[Maybe[str]] = field(default_factory=list)
    security_groups: list[Maybe[str]] = field(default_factory=list)
    user_data: Maybe[str] | None = None  # decoded text; None: no user data
    interface_mtu: Maybe[int] | None = None  # None: not set
    route_mtu_pins: list[RouteMtuPin] = field(default_factory=list)
    # route pins the user data makes that the reader cannot read whole (a variable, a download):
    # a route no known pin covers may still be pinned, so the rules cannot conclude "unpinned"
    route_pins_unknown: list[str] = field(default_factory=list)
    # what the user data reader read and where (pcxguard.userdata.Reading.evidence)
    mtu_evidence: list[str] = field(default_factory=list)
    # the instance type (CKV2_PCX_5 / 14 with instance_default_mtu: jumbo); None: not set
    instance_type: Maybe[str] | None = None


# --------------------------------------------------------------------------- estate


@dataclass(frozen=True)
class LoadProblem:
    """Input the loader could not use. Always reported; never stops the other inputs' results.

    ``fails_closed``: the input is broken, not merely incomplete (an invalid value inside a resource, a
    ``.tf`` file or root module that could not be read or evaluated, a resource the loader had to drop).
    Such a problem is never a "cannot tell": under checkov it fails every pcxguard check on the resources
    it concerns at HIGH severity, whatever silences CKV2_PCX_0, and ``pcxguard scan`` exits 2. A problem
    without it is a note (a limitation, an input that is not one pcxguard reads). ``line``: the line of
    the file it is on, when known.
    """

    file: str
    message: str
    address: str | None = None
    line: int | None = None
    fails_closed: bool = False

    @property
    def where(self) -> str:
        """``file:line`` (or the file alone when the line is not known)."""
        return f"{self.file}:{self.line}" if self.line else self.file


# The hint of an Unknown that stands for an invalid value in the input (a loader recorded a fail-closed
# problem for it). A verdict that rests on one is not a "cannot tell" but a broken input (fail closed).
INVALID_VALUE_HINTS = ("fix the value", "fix the template")


# The element sets a rule may conclude from absence about ("no route back", "uses the main table",
# "nothing admits ICMP"). A Gap in one of them means the scan could not see that set whole.
GAP_KINDS = frozenset({
    "vpc_blocks",        # CIDR blocks of a VPC (associations)
    "peerings",          # peering connections of a VPC
    "subnets",           # subnets of a VPC
    "route_tables",      # route tables of a VPC
    "associations",      # subnet <-> route table associations (and main-table associations)
    "routes",            # routes of a VPC's route tables
    "security_groups",   # security groups of a VPC
    "sg_rules",          # security-group rules
    "acl_rules",         # network ACL rules
    "acl_associations",  # subnet <-> network ACL associations
    "hosts",             # instances, launch templates, launch configurations
    "accepters",         # peering accepters (one whose peering cannot be named may accept any peering)
})


@dataclass(frozen=True)
class Gap:
    """A set of the estate the scan could not see whole, so no rule may conclude from its absence.

    ``vpc`` is the key (or AWS id) of the VPC whose set is incomplete; ``None`` when the missing
    element could belong to any VPC of the estate (its VPC is unknown too). Loaders record gaps for
    what they could not expand or place (``Estate.gaps``); the estate adds those its own unresolved
    links show (``Estate.link_gaps``). Rules read both through ``Estate.gaps_in`` (see
    ``rules._gaps.incomplete``). A gap only ever takes a conclusion away: adding one never adds a
    FAILED or a PASSED (tests/test_completeness_property.py).
    """

    kind: str  # one of GAP_KINDS
    vpc: str | None
    what: str  # what is missing, e.g. "aws_route.to_peer: count is not known from the source"
    hint: str = ""  # how to supply it
    address: str | None = None  # the resource (block) that could not be expanded or linked
    file: str | None = None
    line: int | None = None
    resource_type: str | None = None  # the type of the resource at ``address`` ("aws_route", "AWS::EC2::Route")
    not_over_peering: bool = False  # an unexpanded route block whose syntax names no peering connection

    def describe(self) -> str:
        return f"{self.what} ({self.hint})" if self.hint else self.what


@dataclass
class Estate:
    """Everything one scan unit (a plan, a root module, a set of templates) declares."""

    name: str
    vpcs: dict[str, Vpc] = field(default_factory=dict)
    peerings: dict[str, PeeringConnection] = field(default_factory=dict)
    route_tables: dict[str, RouteTable] = field(default_factory=dict)
    subnets: dict[str, Subnet] = field(default_factory=dict)
    security_groups: dict[str, SecurityGroup] = field(default_factory=dict)
    sg_rules: list[SecurityGroupRule] = field(default_factory=list)
    network_acls: dict[str, NetworkAcl] = field(default_factory=dict)
    hosts: dict[str, Host] = field(default_factory=dict)
    problems: list[LoadProblem] = field(default_factory=list)
    # sources of resources the checks report on but the model has no element for
    sources: dict[str, Source] = field(default_factory=dict)
    # where the picture is incomplete: sets a rule must not conclude from absence about
    gaps: list[Gap] = field(default_factory=list)
    # resources a loader read but left out of the model on purpose (a CloudFormation resource under a
    # Condition that is false), by key (``file#LogicalId``), with why: no check judges them
    left_out: dict[str, str] = field(default_factory=dict)
    # CloudFormation resources made by an Fn::ForEach loop, by key (``file#LogicalId``), with the loop's key
    loop_made: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._indexed = False
        self._frozen = False

    # -- building, then reading --------------------------------------------
    # A loader builds an estate, then ``freeze``s it: the indexes are built once, from the finished
    # sets, and a frozen estate is only ever read (``reindex`` is refused). To add to a loaded estate
    # (the inventory does), take a ``thawed`` copy, add, and freeze that.
    def freeze(self) -> Estate:
        """The estate is built: index it once. Returns the estate (frozen ones unchanged)."""
        if not self._frozen:
            self._index()
            self._frozen = True
        return self

    @property
    def frozen(self) -> bool:
        return self._frozen

    def thawed(self) -> Estate:
        """A copy to add to, not frozen: new sets holding the same elements, so adding to it leaves
        this estate as it is."""
        return Estate(**{f.name: copy.copy(getattr(self, f.name)) for f in fields(self)})

    # -- lookups by key or AWS id ------------------------------------------
    def _index(self) -> None:
        self._by_id: dict[str, str] = {}
        for elements in (self.vpcs, self.peerings, self.route_tables, self.subnets, self.security_groups):
            for key, element in elements.items():
                aws_id = getattr(element, "aws_id", None)
                if isinstance(aws_id, str):
                    self._by_id[aws_id] = key
        self._indexed = True  # lookups below may use _by_id
        self._derived: dict[tuple, Any] = {}
        self._tables_by_vpc: dict[str, list[RouteTable]] = {}
        for table in self.route_tables.values():
            if is_known(table.vpc):
                vpc = self.vpc(table.vpc)
                if vpc is not None:
                    self._tables_by_vpc.setdefault(vpc.key, []).append(table)
        self._subnets_by_vpc: dict[str, list[Subnet]] = {}
        for subnet in self.subnets.values():
            if is_known(subnet.vpc):
                vpc = self.vpc(subnet.vpc)
                if vpc is not None:
                    self._subnets_by_vpc.setdefault(vpc.key, []).append(subnet)
        self._peerings_by_vpc: dict[str, list[PeeringConnection]] = {}
        for peering in self.peerings.values():
            for side in (peering.requester_vpc, peering.accepter_vpc):
                vpc_key = self.canonical(side)
                if vpc_key is not None:
                    self._peerings_by_vpc.setdefault(vpc_key, []).append(peering)
        self._index_rules()
        self._default_acls_by_vpc: dict[str, NetworkAcl] = {}
        for acl in self.network_acls.values():
            if acl.is_default:
                vpc = self.vpc(acl.vpc)
                if vpc is not None:
                    self._default_acls_by_vpc.setdefault(vpc.key, acl)
        self._indexed = True

    def reindex(self) -> None:
        """For estates built by hand (tests): changed after a lookup, index again. Loaders ``freeze``."""
        if self._frozen:
            raise RuntimeError(f"estate {self.name} is frozen: change a thawed() copy and freeze that")
        self._indexed = False

    def derived(self, key: tuple, compute: Callable[[], T]) -> T:
        """A fact derived from the estate, worked out once and shared by the rules (a frozen estate
        keeps it; one built by hand drops it with ``reindex``). ``key`` names elements by their keys."""
        if not self._indexed:
            self._index()
        try:
            return self._derived[key]
        except KeyError:
            value = self._derived[key] = compute()
            return value

    def _lookup(self, table: dict[str, T], ref: Maybe[str] | None) -> T | None:
        if ref is None or isinstance(ref, Unknown):  # not is_known(ref), without a call: asked 100,000 times
            return None
        if not self._indexed:
            self._index()
        found = table.get(ref)
        if found is None:
            key = self._by_id.get(ref)
            if key is not None:
                found = table.get(key)
        return found

    def canonical(self, ref: Maybe[str] | None) -> str | None:
        """A reference as a stable identity: the element key if in the scan, else the literal id."""
        if ref is None or isinstance(ref, Unknown):  # as _lookup
            return None
        if not self._indexed:
            self._index()
        if ref in self.vpcs or ref in self.peerings or ref in self.security_groups:
            return ref
        return self._by_id.get(ref, ref)

    def vpc(self, ref: Maybe[str] | None) -> Vpc | None:
        return self._lookup(self.vpcs, ref)

    def peering(self, ref: Maybe[str] | None) -> PeeringConnection | None:
        return self._lookup(self.peerings, ref)

    def route_table(self, ref: Maybe[str] | None) -> RouteTable | None:
        return self._lookup(self.route_tables, ref)

    def subnet(self, ref: Maybe[str] | None) -> Subnet | None:
        return self._lookup(self.subnets, ref)

    def security_group(self, ref: Maybe[str] | None) -> SecurityGroup | None:
        if isinstance(ref, str) and "/" in ref and ref.split("/", 1)[0].isdigit():  # "ACCOUNT/sg-..." (CloudFormation keys hold paths)
            ref = ref.split("/", 1)[1]
        return self._lookup(self.security_groups, ref)

    # -- derived relations --------------------------------------------------
    def routes(self) -> Iterator[Route]:
        for table in self.route_tables.values():
            yield from table.routes

    def tables_of(self, vpc: Vpc) -> list[RouteTable]:
        if not self._indexed:
            self._index()
        return self._tables_by_vpc.get(vpc.key, [])

    def subnets_of(self, vpc: Vpc) -> list[Subnet]:
        if not self._indexed:
            self._index()
        return self._subnets_by_vpc.get(vpc.key, [])

    def peerings_of(self, vpc: Vpc) -> list[PeeringConnection]:
        if not self._indexed:
            self._index()
        return self._peerings_by_vpc.get(vpc.key, [])

    def _index_rules(self) -> None:
        # rules by the group they belong to (its key, or the reference as written): a rule lookup per
        # host must not scan every rule of the estate
        self._rules_by_group: dict[str, list[tuple[int, SecurityGroupRule]]] = {}
        for position, rule in enumerate(self.sg_rules):
            names = {self.canonical(rule.group)}
            if isinstance(rule.group, str):
                names.add(rule.group)
            for name in names - {None}:
                self._rules_by_group.setdefault(name, []).append((position, rule))  # type: ignore[arg-type]
        self._rules_indexed = len(self.sg_rules)

    def rules_of_groups(self, keys: Iterable[str]) -> list[SecurityGroupRule]:
        """The rules of these groups (named by key or by the reference a rule uses), in estate order."""
        if not self._indexed:
            self._index()
        if not self._frozen and self._rules_indexed != len(self.sg_rules):  # rules appended since (tests)
            self._index_rules()
        found: dict[int, SecurityGroupRule] = {}
        for key in keys:
            found.update(self._rules_by_group.get(key, ()))
        return [found[position] for position in sorted(found)]

    def gaps_in(self, kind: str, vpc: Vpc | str | None = None) -> list[Gap]:
        """The gaps in one set (``kind``) of ``vpc``: those recorded on that VPC, and those whose VPC is
        unknown (they could belong to it). With ``vpc=None``, every gap of that kind.

        Two sources: ``gaps``, recorded by the loaders (blocks they could not expand, elements they
        could not place), and the gaps the model itself shows (``link_gaps``): elements in the estate
        whose link to their VPC is unknown, so they might belong to any VPC."""
        if kind not in GAP_KINDS:
            raise ValueError(f"unknown gap kind {kind!r}")
        found = [gap for gap in (*self.gaps, *self.link_gaps()) if gap.kind == kind]
        if vpc is None:
            return found
        key = vpc.key if isinstance(vpc, Vpc) else self.canonical(vpc)
        return [gap for gap in found if gap.vpc is None or self.canonical(gap.vpc) == key]

    def link_gaps(self) -> list[Gap]:
        """Gaps the estate shows by itself, whatever the loader: a route on a table whose VPC is not known
        (outside the scan, or unknown at plan time), a subnet, route table, security group, rule or
        network ACL whose VPC or owner is unknown, a peering whose side is unknown. Worked out once per
        estate (it is frozen once built)."""
        return self.derived(("link_gaps",), self._link_gaps)

    def _link_gaps(self) -> list[Gap]:
        found: list[Gap] = []

        def add(kind: str, vpc: str | None, what: str, hint: str, source: Source) -> None:
            found.append(Gap(kind, vpc, what, hint, source.address, source.file, source.start_line))

        for table in self.route_tables.values():
            if self.vpc(table.vpc) is not None:
                continue
            unknown_vpc = not isinstance(table.vpc, str)
            reason = table.vpc.describe() if isinstance(table.vpc, Unknown) else f"VPC {table.vpc} is outside the scan"
            reason_what = table.vpc.what if isinstance(table.vpc, Unknown) else f"VPC {table.vpc} is outside the scan"
            for route in table.routes:
                if not (route.via_peering or route.target_kind == "unknown"):
                    continue
                vpcs: list[str | None] = [table.vpc] if not unknown_vpc else [None]  # type: ignore[list-item]
                peering = self.peering(route.target) if route.via_peering else None
                if unknown_vpc and peering is not None:
                    # AWS accepts a route to a peering only in a table of one of its two VPCs
                    sides = [self.canonical(side) for side in (peering.requester_vpc, peering.accepter_vpc)]
                    if all(side is not None for side in sides):
                        vpcs = list(dict.fromkeys(sides))
                hint = table.vpc.hint if isinstance(table.vpc, Unknown) else ""
                for vpc_key in vpcs:
                    add("routes", vpc_key, f"{route.holder.address} is on {table.source.address}, which the scan "
                        f"does not place in a VPC ({reason_what})", hint, route.holder)
            if unknown_vpc and not table.implicit:
                for kind in ("route_tables", "associations"):
                    add(kind, None, f"the VPC of {table.source.address} is not known ({reason})", "", table.source)
        for subnet in self.subnets.values():
            if isinstance(subnet.vpc, Unknown):
                add("subnets", None, f"the VPC of {subnet.source.address} is not known ({subnet.vpc.describe()})", "",
                    subnet.source)
            elif isinstance(subnet.route_table, Unknown):
                add("associations", subnet.vpc, f"the route table of {subnet.source.address} is not known "
                    f"({subnet.route_table.describe()})", "", subnet.source)
        for group in self.security_groups.values():
            if isinstance(group.vpc, Unknown):
                add("security_groups", None, f"the VPC of {group.source.address} is not known "
                    f"({group.vpc.describe()})", "", group.source)
        for rule in self.sg_rules:
            if isinstance(rule.group, Unknown):
                add("sg_rules", None, f"the security group of {rule.holder.address} is not known "
                    f"({rule.group.describe()})", "", rule.holder)
        for acl in self.network_acls.values():
            if isinstance(acl.vpc, Unknown):
                for kind in ("acl_rules", "acl_associations"):
                    add(kind, None, f"the VPC of {acl.source.address} is not known ({acl.vpc.describe()})", "",
                        acl.source)
        for peering in self.peerings.values():
            for role, side in (("requester", peering.requester_vpc), ("accepter", peering.accepter_vpc)):
                if side is None or isinstance(side, Unknown):
                    what = side.describe() if isinstance(side, Unknown) else "not set"
                    add("peerings", None, f"the {role} VPC of {peering.source.address} is not known ({what})", "",
                        peering.source)
        return found

    def default_acl(self, vpc: Vpc) -> NetworkAcl | None:
        """The VPC's default network ACL, when the scan declares it."""
        if not self._indexed:
            self._index()
        return self._default_acls_by_vpc.get(vpc.key)

    def main_table(self, vpc: Vpc) -> RouteTable | None:
        if vpc.main_route_table:
            table = self.route_table(vpc.main_route_table)
            if table is not None:
                return table
        for table in self.tables_of(vpc):
            if table.is_main:
                return table
        return None

    def table_of_subnet(self, subnet: Subnet) -> Maybe[RouteTable] | None:
        """The table a subnet uses: its explicit association, else its VPC's main table."""
        if subnet.route_table is not None:
            if not is_known(subnet.route_table):
                return subnet.route_table  # type: ignore[return-value]
            table = self.route_table(subnet.route_table)
            if table is None:  # associated with a table outside the scan: not the main table
                return Unknown(f"route table {subnet.route_table} of {subnet.source.address} is outside the scan",
                               "scan the code that declares it; if its VPC is outside the scan, list the "
                               "table under that VPC in the inventory (inventory: vpcs: route_tables)")
            return table
        vpc = self.vpc(subnet.vpc)
        return self.main_table(vpc) if vpc else None

    def subnets_using(self, table: RouteTable) -> list[Subnet] | None:
        """Subnets whose traffic this table routes; None when that cannot be known."""
        vpc = self.vpc(table.vpc)
        if vpc is None:
            return None
        used: list[Subnet] = []
        for subnet in self.subnets_of(vpc):
            if subnet.route_table is None:
                if table.is_main:
                    used.append(subnet)
            elif not is_known(subnet.route_table):
                return None
            elif self.route_table(subnet.route_table) is table:
                used.append(subnet)
        return used

    def table_vpc(self, table: RouteTable) -> Vpc | None:
        return self.vpc(table.vpc)

    def group_vpc(self, group: SecurityGroup) -> Vpc | None:
        return self.vpc(group.vpc) if group.vpc is not None else None

    def peering_sides(self, peering: PeeringConnection) -> tuple[Vpc | None, Vpc | None]:
        return self.vpc(peering.requester_vpc), self.vpc(peering.accepter_vpc)

    def other_side(self, peering: PeeringConnection, vpc: Vpc) -> Maybe[str] | None:
        """The reference of the VPC on the far side of ``peering`` from ``vpc``; None if ``vpc`` is neither."""
        if self.canonical(peering.requester_vpc) == vpc.key:
            return peering.accepter_vpc
        if self.canonical(peering.accepter_vpc) == vpc.key:
            return peering.requester_vpc
        return None

    def peering_regions(self, peering: PeeringConnection) -> tuple[Maybe[str], Maybe[str]]:
        """(requester region, accepter region), preferring what the VPCs themselves say."""
        requester, accepter = self.peering_sides(peering)
        req_region: Maybe[str] = requester.region if requester is not None else peering.region
        if not is_known(req_region) and is_known(peering.region):
            req_region = peering.region
        if accepter is not None and is_known(accepter.region):
            acc_region: Maybe[str] = accepter.region
        elif peering.peer_region is not None:
            acc_region = peering.peer_region
        else:
            acc_region = req_region  # peer_region unset: same region as the request
        return req_region, acc_region

    def peering_accounts(self, peering: PeeringConnection) -> tuple[Maybe[str], Maybe[str]]:
        requester, accepter = self.peering_sides(peering)
        req_account: Maybe[str] = requester.account if requester is not None else peering.account
        if not is_known(req_account) and is_known(peering.account):
            req_account = peering.account
        if accepter is not None and is_known(accepter.account):
            acc_account: Maybe[str] = accepter.account
        elif peering.peer_owner_id is not None:
            acc_account = peering.peer_owner_id
        else:
            acc_account = req_account
        return req_account, acc_account

    def host_vpcs(self, host: Host) -> list[Maybe[Vpc]]:
        """The VPCs a host lives in, from its subnets, else from its security groups."""
        found: list[Maybe[Vpc]] = []
        seen: set[str] = set()
        for ref in host.subnets:
            if not is_known(ref):
                found.append(Unknown(f"subnet of {host.source.address}", ref.hint))  # type: ignore[union-attr]
                continue
            subnet = self.subnet(ref)
            if subnet is None:
                found.append(Unknown(f"subnet {ref} of {host.source.address}", "it is outside the scan"))
                continue
            vpc = self.vpc(subnet.vpc)
            if vpc is None:
                found.append(Unknown(f"VPC of subnet {subnet.source.address}"))
            elif vpc.key not in seen:
                seen.add(vpc.key)
                found.append(vpc)
        if host.subnets:
            return found
        for ref in host.security_groups:
            group = self.security_group(ref) if is_known(ref) else None
            vpc = self.group_vpc(group) if group else None
            if vpc is not None and vpc.key not in seen:
                seen.add(vpc.key)
                found.append(vpc)
        return found

    def all_sources(self) -> Iterable[Source]:
        for vpc in self.vpcs.values():
            yield vpc.source
        for peering in self.peerings.values():
            yield peering.source
            yield from peering.accepters
        for table in self.route_tables.values():
            if not table.implicit:
                yield table.source
            for route in table.routes:
                yield route.holder
        placed: list[Subnet | SecurityGroup | Host] = [*self.subnets.values(), *self.security_groups.values(),
                                                       *self.hosts.values()]
        for element in placed:
            yield element.source
        for rule in self.sg_rules:
            yield rule.holder
        yield from self.sources.values()
