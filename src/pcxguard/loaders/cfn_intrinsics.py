"""CloudFormation intrinsic functions, resolved as far as the templates allow.

``Scope`` holds the parsed templates of one scan. ``Scope.resolve(template,
value)`` returns a plain value where it is knowable, a ``ResourceRef`` where the
value is the identity of a resource in the scan (a ``Ref`` or an id-valued
``Fn::GetAtt``), ``Base64Text`` for the text inside ``Fn::Base64`` (so user data
is read decoded), ``NO_VALUE`` for ``AWS::NoValue``, and an ``Unknown`` saying
what is missing for anything else. Nothing here raises on bad input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from netaddr import AddrFormatError, IPNetwork

from pcxguard.limits import MAX_CIDR_COUNT
from pcxguard.model import Placed, Unknown
from pcxguard.stack_config import StackSettings

REGION_HINT = "set cloudformation.stacks.<template glob>.region in .pcxguard.yaml"
ACCOUNT_HINT = "set cloudformation.stacks.<template glob>.account in .pcxguard.yaml"
_MAX_DEPTH = 40
_PLACEHOLDER = "\x00unknown\x00"
_PROBE = "\x00stack\x00"  # the stack name while an export name is probed (never a real name)



def _language_extensions(template: Template) -> bool:
    transform = template.body.get("Transform")
    names = transform if isinstance(transform, list) else [transform]
    return "AWS::LanguageExtensions" in names


def _whole(value: Any) -> int | None:
    """A whole number given as an int or its decimal text (``.inf``, ``1.5``, ``True`` are not)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() and len(value) < 12:
        return int(value)
    return None

class _NoValue:
    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "NO_VALUE"


NO_VALUE = _NoValue()


class Base64Text(str):
    """The (decoded) text given to ``Fn::Base64``."""


@dataclass(frozen=True)
class ResourceRef:
    """The identity of a resource of a template in the scan (its physical id, unknown until deployed)."""

    template: str  # template path
    logical_id: str
    attribute: str | None = None  # None: Ref / the id itself; else e.g. "DefaultSecurityGroup"

    @property
    def key(self) -> str:
        base = f"{self.template}#{self.logical_id}"
        return base + {"DefaultSecurityGroup": "#default_sg", "DefaultNetworkAcl": "#default_nacl"}.get(
            self.attribute or "", "")


@dataclass
class Template:
    path: str
    body: dict[str, Any]
    stack: StackSettings
    region: Any = None  # str or Unknown, set by Scope
    account: Any = None

    @property
    def resources(self) -> dict[str, Any]:
        resources = self.body.get("Resources")
        return resources if isinstance(resources, dict) else {}

    def section(self, name: str) -> dict[str, Any]:
        value = self.body.get(name)
        return value if isinstance(value, dict) else {}

    def properties(self, logical_id: str) -> dict[str, Any]:
        resource = self.resources.get(logical_id)
        props = resource.get("Properties") if isinstance(resource, dict) else None
        return props if isinstance(props, dict) else {}

    def type_of(self, logical_id: str) -> str | None:
        resource = self.resources.get(logical_id)
        kind = resource.get("Type") if isinstance(resource, dict) else None
        return kind if isinstance(kind, str) else None


# attributes of Fn::GetAtt that are the resource's own id
_ID_ATTRIBUTES = {"Id", "GroupId", "SubnetId", "RouteTableId", "VpcId", "NetworkAclId", "AllocationId",
                  "LaunchTemplateId", "InstanceId", "Arn"}
# attributes that are another element's identity
_DERIVED_ATTRIBUTES = {"DefaultSecurityGroup", "DefaultNetworkAcl"}


@dataclass
class Scope:
    templates: dict[str, Template]
    exports: dict[str, list[tuple[Template, Any]]] = field(default_factory=dict)
    problems: list[tuple[str, str, str | None]] = field(default_factory=list)  # (file, message, address)
    # export names that depend on the stack name, which the stack settings do not give: (template, pattern
    # with the stack name as its one group, the name as written), to say which setting would resolve an import
    named_by_stack: list[tuple[Template, re.Pattern[str], str]] = field(default_factory=list)
    _probe: str | None = None  # while a name is probed: the stack name ${AWS::StackName} stands for

    # -- exports --------------------------------------------------------------
    def collect_exports(self) -> None:
        self.exports.clear()
        self.named_by_stack.clear()
        for template in self.templates.values():
            for output in template.section("Outputs").values():
                if not isinstance(output, dict) or not isinstance(output.get("Export"), dict):
                    continue
                export_name = self.resolve(template, output["Export"].get("Name"))
                if isinstance(export_name, str):
                    self.exports.setdefault(export_name, []).append((template, output.get("Value")))
                elif template.stack.stack_name is None:
                    self._probe_stack_name(template, output["Export"].get("Name"))

    def _probe_stack_name(self, template: Template, name: Any) -> None:
        """An export name unknown only for want of the stack name: remember its shape, so an import that
        matches it can say which stack_name setting would resolve it (never a guess at the name itself)."""
        self._probe = _PROBE
        try:
            probed = self.resolve(template, name)
        finally:
            self._probe = None
        # bounded: an export name is at most 255 characters, and a name that repeats the stack name more than
        # a few times is not worth a pattern (a hostile one would make matching slow)
        if isinstance(probed, str) and 0 < probed.count(_PROBE) <= 4 and len(probed) <= 1024:
            pieces = probed.split(_PROBE)
            pattern = re.compile("(.+)".join(re.escape(p) for p in pieces[:2]) + "".join(
                "(?:\\1)" + re.escape(p) for p in pieces[2:]) + "\\Z", re.DOTALL)
            self.named_by_stack.append((template, pattern, probed.replace(_PROBE, "${AWS::StackName}")))

    def _stack_name_hint(self, name: str) -> str:
        """For an import no scanned template exports: which templates would export it, under which stack
        name, and the setting that says so ("" when none would)."""
        by_name: dict[str, list[str]] = {}
        written: dict[str, str] = {}
        for template, pattern, shape in self.named_by_stack:
            match = pattern.match(name)
            if match:
                by_name.setdefault(match.group(1), []).append(template.path)
                written.setdefault(match.group(1), shape)
        return "; ".join(
            f"a stack named {stack!r} of {' or '.join(paths)} exports it ({written[stack]!r}): set "
            f"cloudformation.stacks.<that template>.stack_name: {stack} in .pcxguard.yaml"
            for stack, paths in by_name.items())

    def import_value(self, template: Template, name: Any, depth: int) -> Any:
        if not isinstance(name, str):
            return Unknown(f"the export name imported in {template.path} is not known",
                           "use a literal export name, or set stack_name in .pcxguard.yaml")
        found = self.exports.get(name, [])
        if len(found) > 1:  # the same name may be exported in several regions or accounts
            found = [(t, v) for t, v in found
                     if t.region == template.region and t.account == template.account and isinstance(t.region, str)]
        if not found:
            by_stack = self._stack_name_hint(name)
            if by_stack:
                return Unknown(f"export {name!r} imported by {template.path} is not exported under a name the scan "
                               "knows (the stack names are not set)", by_stack)
            return Unknown(f"export {name!r} imported by {template.path} is not exported by any scanned template",
                           "scan the template that exports it")
        if len(found) > 1:
            return Unknown(f"export {name!r} is exported by several scanned templates "
                           f"({', '.join(t.path for t, _ in found)})",
                           "set each template's region and account in .pcxguard.yaml")
        exporter, value = found[0]
        return self.resolve(exporter, value, depth=depth + 1)

    # -- conditions ------------------------------------------------------------
    def condition(self, template: Template, name: Any, depth: int = 0) -> Any:
        conditions = template.section("Conditions")
        if not isinstance(name, str) or name not in conditions:
            return Unknown(f"condition {name!r} is not declared in {template.path}")
        if depth > _MAX_DEPTH:
            return Unknown(f"condition {name} of {template.path} refers to itself")
        return self._truth(self.resolve(template, conditions[name], depth=depth + 1))

    @staticmethod
    def _truth(value: Any) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if isinstance(value, Unknown):
            return value
        return Unknown(f"condition value {value!r} is not a boolean")

    # -- resolution ------------------------------------------------------------
    def resolve(self, template: Template, value: Any, depth: int = 0, text: bool = False) -> Any:
        """Resolve intrinsics in ``value``. With ``text``, unknown pieces of a string stay as
        placeholders unless they sit on a line that mentions an MTU (user data)."""
        if depth > _MAX_DEPTH:
            return Unknown(f"intrinsic functions in {template.path} nest too deep or refer to themselves")
        if isinstance(value, dict):
            if len(value) == 1:
                (name, argument), = value.items()
                if name == "Ref" or name == "Condition" or (isinstance(name, str) and name.startswith("Fn::")):
                    try:
                        result = self._function(template, name, argument, depth + 1, text)
                    except (TypeError, ValueError, IndexError, KeyError, AttributeError, AddrFormatError, OverflowError) as error:
                        result = Unknown(f"{name} in {template.path} cannot be evaluated ({error})")
                    return result
            resolved = {}
            for key, item in value.items():
                item = self.resolve(template, item, depth + 1, text)
                if item is not NO_VALUE:
                    resolved[key] = item
            return resolved
        if isinstance(value, list):
            items = [self.resolve(template, item, depth + 1, text) for item in value]
            return [item for item in items if item is not NO_VALUE]
        return value

    def _text_piece(self, piece: Any, text: bool) -> Any:
        """A piece of a Sub / Join result as a string, or an Unknown (never a placeholder without ``text``)."""
        if isinstance(piece, bool):
            return "true" if piece else "false"
        if isinstance(piece, (str, int, float)):
            return str(piece)
        if isinstance(piece, ResourceRef):
            unknown = Unknown(f"the physical id of {piece.logical_id} in {piece.template} (known only after deployment)")
        elif isinstance(piece, Unknown):
            unknown = piece
        else:
            unknown = Unknown(f"a non-text value {piece!r} inside a string")
        return _PLACEHOLDER if text else unknown

    def _function(self, template: Template, name: str, argument: Any, depth: int, text: bool) -> Any:
        if name == "Ref":
            if isinstance(argument, dict) and _language_extensions(template):
                # AWS::LanguageExtensions lets Ref take an intrinsic that resolves to a name (Fn::Sub in a loop)
                argument = self.resolve(template, argument, depth + 1)
                if isinstance(argument, Unknown):
                    return argument
            return self.ref(template, argument, depth)
        if name == "Condition":
            return self.condition(template, argument, depth)
        if name == "Fn::GetAtt":
            if isinstance(argument, str):
                argument = argument.split(".", 1)
            logical, attribute = argument[0], self.resolve(template, argument[1], depth)
            return self.get_att(template, logical, attribute, depth)
        if name == "Fn::Sub":
            return self._sub(template, argument, depth, text)
        if name == "Fn::Join":
            delimiter, items = argument[0], self.resolve(template, argument[1], depth, text)
            if isinstance(items, Unknown):
                return items
            pieces = [self._text_piece(item, text) for item in items]
            unknown = next((p for p in pieces if isinstance(p, Unknown)), None)
            return unknown if unknown is not None else str(delimiter).join(pieces)
        if name == "Fn::Select":
            index = self.resolve(template, argument[0], depth)
            items = self.resolve(template, argument[1], depth, text)
            if isinstance(index, Unknown):
                return index
            if isinstance(items, Unknown):
                return items
            return items[int(index)]
        if name == "Fn::Split":
            delimiter, source = argument[0], self.resolve(template, argument[1], depth)
            if isinstance(source, Unknown):
                return source
            if not isinstance(source, str):
                return Unknown(f"Fn::Split of a non-text value in {template.path}")
            return source.split(delimiter)
        if name == "Fn::FindInMap":
            keys = [self.resolve(template, part, depth) for part in argument[:3]]
            for key in keys:
                if isinstance(key, Unknown):
                    return key
            mapping: Any = template.section("Mappings").get(keys[0])  # None: the lookup below raises
            try:
                return self.resolve(template, mapping[keys[1]][keys[2]], depth)
            except (KeyError, TypeError):
                if len(argument) > 3 and isinstance(argument[3], dict) and "DefaultValue" in argument[3]:
                    return self.resolve(template, argument[3]["DefaultValue"], depth)
                return Unknown(f"Fn::FindInMap {keys} has no entry in {template.path}")
        if name == "Fn::Cidr":
            block, count, bits = (self.resolve(template, part, depth) for part in argument)
            for part in (block, count, bits):
                if isinstance(part, Unknown):
                    return Unknown(f"Fn::Cidr in {template.path}: {part.describe()}")
            if not isinstance(block, str):
                return Unknown(f"Fn::Cidr in {template.path}: {block!r} is not a CIDR block")
            count_n, bits_n = _whole(count), _whole(bits)
            if count_n is None or not 1 <= count_n <= MAX_CIDR_COUNT:
                message = (f"Fn::Cidr in {template.path}: count {count!r} is not a whole number from 1 to "
                           f"{MAX_CIDR_COUNT} (CloudFormation's limit, and pcxguard's); not expanded")
                self.problems.append((template.path, message, None))
                return Unknown(message, "fix the template")
            network = IPNetwork(block)
            width = 32 if network.version == 4 else 128
            if bits_n is None or not 0 <= bits_n <= width:
                message = f"Fn::Cidr in {template.path}: cidrBits {bits!r} is not a whole number from 0 to {width}"
                self.problems.append((template.path, message, None))
                return Unknown(message, "fix the template")
            new_prefix = width - bits_n
            if new_prefix < network.prefixlen:
                return Unknown(f"Fn::Cidr in {template.path}: {bits} host bits do not fit in {network}")
            subnets = list(network.subnet(new_prefix, count=count_n))
            return [str(s) for s in subnets]
        if name == "Fn::If":
            condition = self.condition(template, argument[0], depth)
            if isinstance(condition, Unknown):
                when_true = self.resolve(template, argument[1], depth, text)
                when_false = self.resolve(template, argument[2], depth, text)
                if when_true == when_false and not isinstance(when_true, Unknown):
                    return when_true
                return Unknown(f"condition {argument[0]} of {template.path}: {condition.describe()}")
            return self.resolve(template, argument[1] if condition else argument[2], depth, text)
        if name == "Fn::Base64":
            inner = self.resolve(template, argument, depth, text)
            if isinstance(inner, str):
                return Base64Text(inner)
            return inner if isinstance(inner, Unknown) else Unknown(f"Fn::Base64 of a non-text value in {template.path}")
        if name == "Fn::ImportValue":
            return self.import_value(template, self.resolve(template, argument, depth), depth)
        if name == "Fn::GetAZs":
            return Unknown(f"the availability zones of {template.path}'s region (known only at deployment)")
        if name == "Fn::Equals":
            left, right = (self.resolve(template, part, depth) for part in argument)
            for part in (left, right):
                if isinstance(part, (Unknown, ResourceRef)):
                    return part if isinstance(part, Unknown) else Unknown("Fn::Equals on a physical id")
            return str(left) == str(right)
        if name in ("Fn::And", "Fn::Or"):
            values = [self._truth(self.resolve(template, part, depth)) for part in argument]
            decisive = name == "Fn::Or"
            if decisive in values:
                return decisive
            unknown = next((v for v in values if isinstance(v, Unknown)), None)
            return unknown if unknown is not None else not decisive
        if name == "Fn::Not":
            inner = self._truth(self.resolve(template, argument[0], depth))
            return inner if isinstance(inner, Unknown) else not inner
        return Unknown(f"{name} in {template.path} is not evaluated by pcxguard")

    def ref(self, template: Template, name: Any, depth: int) -> Any:
        if not isinstance(name, str):
            return Unknown(f"Ref to a non-name value in {template.path}")
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in ("AWS::Region", "AWS::AccountId"):
            value = template.region if name == "AWS::Region" else template.account
            if isinstance(value, Placed):
                return Placed(str(value), f"{name} of {template.path}: {value.source}", value.inferred)
            return value
        if name == "AWS::StackName":
            return self._probe or template.stack.stack_name or Unknown(f"the stack name of {template.path}",
                                                        "set cloudformation.stacks.<template glob>.stack_name")
        if name == "AWS::Partition":
            return "aws-cn" if isinstance(template.region, str) and template.region.startswith("cn-") else "aws"
        if name == "AWS::URLSuffix":
            return "amazonaws.com"
        if name.startswith("AWS::"):
            return Unknown(f"pseudo parameter {name} of {template.path}")
        parameters = template.section("Parameters")
        if name in parameters:
            if name in template.stack.parameters:
                value = template.stack.parameters[name]
            else:
                spec = parameters[name] if isinstance(parameters[name], dict) else {}
                if "Default" not in spec:
                    return Unknown(f"parameter {name} of {template.path} has no Default",
                                   "give it a Default, or set cloudformation.stacks.<template glob>.parameters")
                value = spec["Default"]
                kind = str(spec.get("Type", ""))
                if isinstance(value, str) and (kind.startswith("List<") or kind == "CommaDelimitedList"):
                    return [v.strip() for v in value.split(",")]
            return value
        if name in template.resources:
            resource_id = template.stack.resource_ids.get(name)
            return resource_id if resource_id else ResourceRef(template.path, name)
        return Unknown(f"Ref {name} names nothing in {template.path}")

    def get_att(self, template: Template, logical: Any, attribute: Any, depth: int) -> Any:
        if not isinstance(logical, str) or logical not in template.resources:
            return Unknown(f"Fn::GetAtt names {logical!r}, not a resource of {template.path}")
        if not isinstance(attribute, str):
            return Unknown(f"Fn::GetAtt {logical} with an attribute not known before deployment")
        kind = template.type_of(logical)
        props = template.properties(logical)
        if kind == "AWS::EC2::VPC" and attribute == "Ipv6CidrBlocks":
            return self._vpc_ipv6_blocks(template, logical, depth)
        if kind == "AWS::EC2::VPC" and attribute == "CidrBlockAssociations":
            return Unknown(f"the CIDR block association ids of {logical} (known only after deployment)")
        if kind == "AWS::EC2::Subnet" and attribute == "Ipv6CidrBlocks":
            block = self.resolve(template, props.get("Ipv6CidrBlock"), depth)
            return [block] if block is not None else []
        if attribute in _DERIVED_ATTRIBUTES:
            return ResourceRef(template.path, logical, attribute)
        if attribute in props and attribute not in ("Id",) and not (kind == "AWS::EC2::VPC" and attribute == "VpcId"):
            return self.resolve(template, props[attribute], depth)
        if attribute in _ID_ATTRIBUTES:
            resource_id = template.stack.resource_ids.get(logical)
            return resource_id if resource_id else ResourceRef(template.path, logical)
        return Unknown(f"{logical}.{attribute} of {template.path} is known only after deployment")

    def _vpc_ipv6_blocks(self, template: Template, vpc: str, depth: int) -> Any:
        blocks: list[Any] = []
        for logical, resource in template.resources.items():
            if not isinstance(resource, dict) or resource.get("Type") != "AWS::EC2::VPCCidrBlock":
                continue
            props = template.properties(logical)
            target = self.resolve(template, props.get("VpcId"), depth)
            if not (isinstance(target, ResourceRef) and target.logical_id == vpc and target.template == template.path):
                continue
            if props.get("Ipv6CidrBlock") is not None:
                blocks.append(self.resolve(template, props["Ipv6CidrBlock"], depth))
            elif self.resolve(template, props.get("AmazonProvidedIpv6CidrBlock"), depth) is True:
                blocks.append(Unknown(f"the Amazon-provided IPv6 block of {vpc} (allocated at deployment)"))
        return blocks or Unknown(f"{vpc} of {template.path} has no IPv6 block")

    def _sub(self, template: Template, argument: Any, depth: int, text: bool) -> Any:
        if isinstance(argument, list):
            source, variables = argument[0], argument[1] if len(argument) > 1 else {}
        else:
            source, variables = argument, {}
        if not isinstance(source, str):
            return Unknown(f"Fn::Sub with a non-text template in {template.path}")
        variables = variables if isinstance(variables, dict) else {}
        unknown: list[Unknown] = []

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                value = self.resolve(template, variables[name], depth, text)
            elif "." in name and not name.startswith("AWS::"):
                logical, attribute = name.split(".", 1)
                value = self.get_att(template, logical, attribute, depth)
            else:
                value = self.ref(template, name, depth)
            piece = self._text_piece(value, text)
            if isinstance(piece, Unknown):
                unknown.append(piece)
                return ""
            return piece

        result = re.sub(r"\$\{([^}]*)\}", substitute, source)
        if unknown:
            return unknown[0]
        return result


def finish_text(value: Any, what: str) -> Any:
    """Text resolved with ``text=True``: unknown pieces become ``<unknown>``, unless one sits on a
    line that mentions an MTU, in which case the MTU is what is unknown."""
    if not isinstance(value, str) or _PLACEHOLDER not in value:
        return value
    if any(_PLACEHOLDER in line and re.search(r"mtu", line, re.I) for line in value.splitlines()):
        return Unknown(f"an MTU setting in {what} uses a value not known before deployment",
                       "use a literal MTU, or give the parameter a Default")
    return value.replace(_PLACEHOLDER, "<unknown>")
