"""Raw Terraform (``.tf`` files, no plan) -> one Estate per root module.

What a *root module* is: a directory holding ``.tf`` files that no other
scanned directory calls as a local module (``source = "./..."`` or
``"../..."``). Each root is its own estate: ``envs/prod`` and ``envs/stage``
that both declare ``aws_vpc.main`` are never mixed. Local modules are followed
with their inputs, ``count`` and ``for_each``, and their resources get the
instance addresses terraform would give them (``module.spoke["a"].aws_vpc.this``),
so verdicts are keyed exactly as in plan mode.

Values terraform knows from the source are known here: literals, variable
defaults, ``terraform.tfvars`` / ``*.auto.tfvars`` next to the root, locals,
references between resources, simple interpolations and functions, provider
aliases and their regions, the provider v6 ``region`` argument. Data sources,
remote state and modules not on disk are ``Unknown``; an expression the small
evaluator cannot read becomes ``Unknown`` too. Attributes AWS computes (``id``,
``main_route_table_id``) are ``ResourceTarget``s, as unknown ids are in a plan.

The reader parses with ``hcl2.loads`` from checkov's fork ``bc-python-hcl2``
(see README, "Why not python-hcl2 8").
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable

import hcl2
from netaddr import AddrFormatError, IPAddress, IPNetwork

from pcxguard.loaders.hcl_expressions import (
    Binary,
    Call,
    Conditional,
    ExpressionError,
    ForExpr,
    GetAttr,
    Index,
    ListExpr,
    Lit,
    ObjectExpr,
    Splat,
    Template,
    Unary,
    Var,
    parse_template,
)
from pcxguard.loaders.terraform_common import ModuleStep, ResourceTarget, build_estate
from pcxguard.loaders.provider_identity import ProviderPlace, data_source_value, provider_place, unknown_provider
from pcxguard.model import Estate, LoadProblem, Placed, Unknown

_LINES = ("__start_line__", "__end_line__")
_META = {"count", "for_each", "provider", "depends_on", "lifecycle", "provisioner", "connection"}
# Blocks of the resources pcxguard reads (block vs object attribute is ambiguous in hcl2's output).
_BLOCKS = {"route", "ingress", "egress", "accepter", "requester", "network_interfaces", "launch_template",
           "timeouts", "lifecycle", "dynamic", "root_block_device", "ebs_block_device", "metadata_options",
           "tag", "mixed_instances_policy", "filter"}
_OBJECTS = {"tags", "tags_all", "default_tags", "for_each", "providers"}
_SKIP_DIRS = {".terraform", ".git", "node_modules", ".venv", "__pycache__"}
_MAX_DEPTH = 20
_MAX_MODULE_DEPTH = 10
_UNSET = object()


# --------------------------------------------------------------------------- configuration


@dataclass
class Block:
    """One ``resource`` or ``module`` block as written."""

    kind: str
    name: str
    body: dict[str, Any]
    file: str
    start_line: int | None
    end_line: int | None


@dataclass
class ModuleConfig:
    """Everything the ``.tf`` files of one directory declare."""

    directory: str
    resources: dict[str, Block] = field(default_factory=dict)  # "aws_vpc.a" -> block
    modules: dict[str, Block] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)  # name -> default raw value or _UNSET
    locals: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    providers: dict[str, dict[str, Any]] = field(default_factory=dict)  # "aws" / "aws.west" -> body
    data_sources: dict[str, dict[str, Any]] = field(default_factory=dict)  # "aws_region.current" -> body
    problems: list[LoadProblem] = field(default_factory=list)

    @property
    def has_files(self) -> bool:
        return any(Path(self.directory).glob("*.tf"))


def _unwrap(value: Any) -> Any:
    return value[0] if isinstance(value, list) and len(value) == 1 else value


def _strip(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in _LINES}


@lru_cache(maxsize=256)
def _parse_file(path: str, stamp: tuple) -> tuple[dict[str, Any] | None, str | None]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return None, f"cannot read the file: {error}"
    try:
        return hcl2.loads(text), None
    except Exception as error:  # lark raises many types; a bad file must not stop the scan
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return None, f"not valid HCL ({first[:200]})"


def _stamp(path: Path) -> tuple:
    try:
        stat = path.stat()
        return (stat.st_size, stat.st_mtime_ns)
    except OSError:
        return (None, None)


@lru_cache(maxsize=128)
def _read_module_cached(directory: str, stamps: tuple) -> ModuleConfig:
    config = ModuleConfig(directory)
    for path in sorted(Path(directory).glob("*.tf")):
        name = str(path)
        if path.name == "override.tf" or path.name.endswith("_override.tf"):
            config.problems.append(LoadProblem(name, "override files are not merged; their settings are ignored"))
            continue
        data, error = _parse_file(name, _stamp(path))
        if data is None:
            config.problems.append(LoadProblem(name, error or "cannot parse"))
            continue
        for entry in data.get("resource") or []:
            for rtype, named in (entry or {}).items():
                for rname, body in (named or {}).items():
                    if isinstance(body, dict):
                        config.resources[f"{rtype}.{rname}"] = Block(rtype, rname, body, name,
                                                                     body.get("__start_line__"), body.get("__end_line__"))
        for entry in data.get("module") or []:
            for mname, body in (entry or {}).items():
                if isinstance(body, dict):
                    config.modules[mname] = Block("module", mname, body, name,
                                                  body.get("__start_line__"), body.get("__end_line__"))
        for entry in data.get("variable") or []:
            for vname, body in (entry or {}).items():
                body = body if isinstance(body, dict) else {}
                config.variables[vname] = _unwrap(body["default"]) if "default" in body else _UNSET
        for entry in data.get("locals") or []:
            for lname, value in _strip(entry or {}).items():
                config.locals[lname] = _unwrap(value)
        for entry in data.get("output") or []:
            for oname, body in (entry or {}).items():
                if isinstance(body, dict) and "value" in body:
                    config.outputs[oname] = _unwrap(body["value"])
        for entry in data.get("data") or []:
            for dtype, named in (entry or {}).items():
                for dname, body in (named or {}).items():
                    if isinstance(body, dict):
                        config.data_sources[f"{dtype}.{dname}"] = body
        for entry in data.get("provider") or []:
            for pname, body in (entry or {}).items():
                if not isinstance(body, dict):
                    continue
                alias = _unwrap(body.get("alias"))
                config.providers[f"{pname}.{alias}" if isinstance(alias, str) else pname] = body
    return config


def read_module(directory: str | Path) -> ModuleConfig:
    directory = os.path.normpath(str(directory))
    stamps = tuple((p.name, _stamp(p)) for p in sorted(Path(directory).glob("*.tf")))
    return _read_module_cached(directory, stamps)


def is_local_source(source: Any) -> bool:
    return isinstance(source, str) and (source.startswith("./") or source.startswith("../"))


def module_source_dir(config: ModuleConfig, call: Block) -> str | None:
    source = _unwrap(call.body.get("source"))
    if not is_local_source(source):
        return None
    return os.path.normpath(os.path.join(config.directory, source))


def _tfvars(directory: str, problems: list[LoadProblem]) -> dict[str, Any]:
    """``terraform.tfvars``, then ``*.auto.tfvars`` in lexical order, as terraform reads them."""
    values: dict[str, Any] = {}
    root = Path(directory)
    files = [root / "terraform.tfvars", root / "terraform.tfvars.json"]
    files += sorted(p for p in root.iterdir() if p.name.endswith(".auto.tfvars") or p.name.endswith(".auto.tfvars.json"))
    for path in files:
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
            data = json.loads(text) if path.name.endswith(".json") else hcl2.loads(text)
        except Exception as error:  # a bad tfvars file must not stop the scan
            problems.append(LoadProblem(str(path), f"cannot read variable values: {str(error).splitlines()[0][:200]}"))
            continue
        for name, value in (data or {}).items():
            if name not in _LINES:
                values[name] = _unwrap(value) if not path.name.endswith(".json") else value
    return values


# --------------------------------------------------------------------------- root modules


def find_root_modules(path: str | Path) -> list[str]:
    """Directories under ``path`` with ``.tf`` files that no other one calls as a local module."""
    path = os.path.normpath(str(path))
    if os.path.isfile(path):
        path = os.path.dirname(path) or "."
    with_tf: list[str] = []
    for directory, subdirs, files in os.walk(path):
        subdirs[:] = sorted(d for d in subdirs if d not in _SKIP_DIRS and not d.startswith("."))
        if any(f.endswith(".tf") for f in files):
            with_tf.append(os.path.normpath(directory))
    called: set[str] = set()
    for directory in with_tf:
        config = read_module(directory)
        for call in config.modules.values():
            target = module_source_dir(config, call)
            if target is not None and target != directory:
                called.add(target)
    return [d for d in with_tf if d not in called]


def load_terraform_dir(path: str | Path) -> list[Estate]:
    """One estate per root module found under ``path`` (a directory or a ``.tf`` file)."""
    roots = find_root_modules(path)
    if not roots:
        estate = Estate(name=str(path))
        estate.problems.append(LoadProblem(str(path), "no .tf files found"))
        return [estate]
    return [load_root_module(root) for root in roots]


def load_root_module(directory: str | Path) -> Estate:
    """The estate of one root module directory and the local modules it calls."""
    directory = os.path.normpath(str(directory))
    try:
        reader = SourceReader(directory)
    except OSError as error:
        estate = Estate(name=directory)
        estate.problems.append(LoadProblem(directory, f"cannot read the directory: {error}"))
        return estate
    estate = build_estate(reader, name=directory)
    estate.problems[:0] = reader.problems
    return estate


# --------------------------------------------------------------------------- instances


@dataclass
class ModuleInstance:
    path: tuple[ModuleStep, ...]
    config: ModuleConfig
    parent: "ModuleInstance | None" = None
    call: Block | None = None
    each_key: Any = None
    each_value: Any = None
    count_index: Any = None
    root_values: dict[str, Any] = field(default_factory=dict)
    children: dict[str, dict[Any, "ModuleInstance"]] = field(default_factory=dict)  # name -> key -> instance
    child_keyed: dict[str, bool] = field(default_factory=dict)
    resources: dict[str, list["Instance"]] = field(default_factory=dict)  # "aws_vpc.a" -> instances
    keyed: dict[str, bool] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return module_prefix(self.path).rstrip(".") or "the root module"


@dataclass
class Instance:
    address: str
    type: str
    name: str
    index: Any
    module: tuple[ModuleStep, ...]
    block: Block
    context: ModuleInstance
    each_value: Any = None
    attributes: dict[str, Any] = field(default_factory=dict)
    blocks: dict[str, list[Any]] = field(default_factory=dict)


def _key_text(key: Any) -> str:
    return f"[{key}]" if isinstance(key, int) else f"[{json.dumps(key)}]"


def module_prefix(path: tuple[ModuleStep, ...]) -> str:
    return "".join(f"module.{s.name}" + ("" if s.key is None else _key_text(s.key)) + "." for s in path)


def _split_body(body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """hcl2 body -> (attributes, nested blocks); see _BLOCKS for the ambiguity this resolves."""
    attributes: dict[str, Any] = {}
    blocks: dict[str, list[Any]] = {}
    for key, value in body.items():
        if key in _LINES:
            continue
        if not isinstance(value, list):
            attributes[key] = value
            continue
        looks_like_block = bool(value) and all(isinstance(v, dict) for v in value) and (
            len(value) > 1 or all(isinstance(x, list) for k, x in value[0].items() if k not in _LINES) and value[0])
        if key in _BLOCKS or (looks_like_block and key not in _OBJECTS):
            blocks[key] = value
        else:
            attributes[key] = _unwrap(value)
    return attributes, blocks


@dataclass
class Scope:
    context: ModuleInstance
    count_index: Any = None
    each_key: Any = None
    each_value: Any = None
    extra: dict[str, Any] = field(default_factory=dict)
    has_each: bool = False
    has_count: bool = False

    def with_vars(self, **values: Any) -> "Scope":
        return Scope(self.context, self.count_index, self.each_key, self.each_value, {**self.extra, **values},
                     self.has_each, self.has_count)


class _Cycle(Exception):
    pass


class SourceReader:
    """Answers the questions ``build_estate`` asks, from the ``.tf`` files of one root module."""

    kind = "terraform"

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.problems: list[LoadProblem] = []
        config = read_module(directory)
        self.problems.extend(config.problems)
        root_values = {k: v for k, v in config.variables.items() if v is not _UNSET}
        root_values.update({k: v for k, v in _tfvars(directory, self.problems).items() if k in config.variables})
        self.root = ModuleInstance((), config, root_values=root_values)
        self.instances: dict[str, Instance] = {}
        self._memo: dict[tuple, Any] = {}
        self._active: set[tuple] = set()
        self._expand(self.root, 0, (directory,))

    # ------------------------------------------------------------------ expansion
    def _expand(self, context: ModuleInstance, depth: int, chain: tuple[str, ...]) -> None:
        config = context.config
        for name, call in config.modules.items():
            target = module_source_dir(config, call)
            if target is None:
                self.problems.append(LoadProblem(call.file, f"module {name} ({_unwrap(call.body.get('source'))}) is "
                                                 "not a local directory; its resources are outside the scan",
                                                 module_prefix(context.path) + f"module.{name}"))
                continue
            if not os.path.isdir(target) or target in chain or depth >= _MAX_MODULE_DEPTH:
                self.problems.append(LoadProblem(call.file, f"module {name}: {target} is missing or calls itself",
                                                 module_prefix(context.path) + f"module.{name}"))
                continue
            child_config = read_module(target)
            self.problems.extend(p for p in child_config.problems if p not in self.problems)
            keys = self._repetition(call.body, Scope(context), f"module.{name} in {context.label}", call.file)
            if keys is None:
                continue
            context.child_keyed[name] = keys != [(None, None, False)]
            for key, value, counted in keys:
                child = ModuleInstance(context.path + (ModuleStep(name, key),), child_config, parent=context, call=call,
                                       each_key=None if counted else key, each_value=value,
                                       count_index=key if counted else None)
                context.children.setdefault(name, {})[key] = child
                self._expand(child, depth + 1, chain + (target,))
        for ident, block in config.resources.items():
            keys = self._repetition(block.body, Scope(context), module_prefix(context.path) + ident, block.file)
            if keys is None:
                continue
            context.keyed[ident] = keys != [(None, None, False)]
            for key, value, counted in keys:
                address = module_prefix(context.path) + ident + ("" if key is None else _key_text(key))
                instance = Instance(address, block.kind, block.name, key, context.path, block, context,
                                    each_value=value)
                instance.attributes, instance.blocks = _split_body(block.body)
                instance._counted = counted  # type: ignore[attr-defined]
                context.resources.setdefault(ident, []).append(instance)
                self.instances[address] = instance

    def _repetition(self, body: dict[str, Any], scope: Scope, what: str, file: str) -> list[tuple[Any, Any, bool]] | None:
        """[(key, each.value, counted)]; [(None, None, False)] when neither count nor for_each; None when unknown."""
        if "count" in body:
            count = self.evaluate(_unwrap(body["count"]), scope)
            if isinstance(count, bool) or not isinstance(count, (int, float)):
                self.problems.append(LoadProblem(file, f"count of {what} is not known from the source; "
                                                       "its instances are left out", what))
                return None
            return [(i, None, True) for i in range(int(count))]
        if "for_each" in body:
            each = self.evaluate(_unwrap(body["for_each"]), scope)
            if isinstance(each, dict) and _deep_known(list(each.keys())):
                return [(k, each[k], False) for k in sorted(each)]
            if isinstance(each, list) and all(isinstance(v, str) for v in each):
                return [(v, v, False) for v in sorted(set(each))]
            self.problems.append(LoadProblem(file, f"for_each of {what} is not known from the source; "
                                                   "its instances are left out", what))
            return None
        return [(None, None, False)]

    # ------------------------------------------------------------------ reader questions
    def resources(self) -> Iterable[Instance]:
        return self.instances.values()

    def source_location(self, instance: Instance) -> tuple[str | None, int | None, int | None]:
        return instance.block.file, instance.block.start_line, instance.block.end_line

    def _scope(self, instance: Instance) -> Scope:
        counted = getattr(instance, "_counted", False)
        return Scope(instance.context,
                     count_index=instance.index if counted else None,
                     each_key=None if counted else instance.index,
                     each_value=instance.each_value,
                     has_each=instance.index is not None and not counted,
                     has_count=counted)

    def attribute(self, instance: Instance, name: str) -> Any:
        key = ("attr", instance.address, name)
        if key in self._memo:
            return self._memo[key]
        if key in self._active:
            return Unknown(f"{name} of {instance.address} refers to itself")
        self._active.add(key)
        try:
            if name in instance.attributes:
                result = self.evaluate(instance.attributes[name], self._scope(instance))
            elif name in instance.blocks or self._dynamic(instance, name) is not None:
                result = self._blocks(instance, name)
            else:
                result = None
        finally:
            self._active.discard(key)
        self._memo[key] = result
        return result

    def _blocks(self, instance: Instance, name: str) -> list[Any]:
        scope = self._scope(instance)
        result = [self._block_value(b, scope) for b in instance.blocks.get(name, [])]
        dynamic = self._dynamic(instance, name)
        return result + (dynamic or [])

    def _block_value(self, body: Any, scope: Scope) -> Any:
        if not isinstance(body, dict):
            return self.evaluate(body, scope)
        attributes, blocks = _split_body(body)
        value = {k: self.evaluate(v, scope) for k, v in attributes.items()}
        for k, bodies in blocks.items():
            value[k] = [self._block_value(b, scope) for b in bodies]
        return value

    def _dynamic(self, instance: Instance, name: str) -> list[Any] | None:
        """``dynamic "name"`` blocks expanded over a known for_each; one Unknown entry otherwise."""
        found: list[Any] | None = None
        for entry in instance.blocks.get("dynamic", []):
            spec = entry.get(name) if isinstance(entry, dict) else None
            if not isinstance(spec, dict):
                continue
            found = found if found is not None else []
            scope = self._scope(instance)
            iterator = _unwrap(spec.get("iterator")) or name
            iterator = iterator if isinstance(iterator, str) else name
            collection = self.evaluate(_unwrap(spec.get("for_each")), scope)
            content = _unwrap(spec.get("content")) or {}
            if isinstance(collection, dict):
                items = [(k, collection[k]) for k in sorted(collection)]
            elif isinstance(collection, list):
                items = list(enumerate(collection))
            else:
                found.append(Unknown(f"dynamic {name} blocks of {instance.address} (for_each not known from the source)"))
                continue
            for key, value in items:
                found.append(self._block_value(content, scope.with_vars(**{iterator: {"key": key, "value": value}})))
        return found

    def value(self, instance: Instance, path: tuple[Any, ...]) -> Any:
        if not path:
            return None
        result = self.attribute(instance, path[0])
        for step in path[1:]:
            result = _step(result, step, missing=None)
        return result

    def is_configured(self, instance: Instance, path: tuple[Any, ...]) -> bool:
        return self.value(instance, path) is not None

    def references(self, instance: Instance, path: tuple[Any, ...]) -> list[Any]:
        value = self.value(instance, path)
        found: list[Any] = []
        _collect_targets(value, found)
        if not found and isinstance(value, str):
            found.append(value)
        return found

    def configuration_text(self, instance: Instance, attribute: str) -> Any:
        value = self.value(instance, (attribute,))
        return value if isinstance(value, (str, Unknown)) else Unknown(f"{attribute} of {instance.address}")

    def region_of(self, instance: Instance) -> Any:
        own = self.value(instance, ("region",))  # the provider v6 per-resource region
        if isinstance(own, str) and own:
            return Placed(own, f"the region argument of {instance.address}")
        if isinstance(own, (Unknown, ResourceTarget)):
            return Unknown(f"the region argument of {instance.address}", "give it a literal or a variable")
        return self.provider_place(instance.context, _block_provider(instance.block.body)).region

    def provider_region(self, context: ModuleInstance, local_name: str, depth: int = 0) -> Any:
        return self.provider_place(context, local_name).region

    def account_of(self, instance: Instance) -> Any:
        return self.provider_place(instance.context, _block_provider(instance.block.body)).account

    def provider_place(self, context: ModuleInstance, local_name: str) -> ProviderPlace:
        """Where provider ``local_name`` of module instance ``context`` acts (see ``provider_identity``):
        the provider block that configures it, found through the module calls' ``providers`` maps."""
        cache = self.__dict__.setdefault("_places", {})  # module instances live as long as the reader
        key = (id(context), local_name)
        if key not in cache:
            cache[key] = (context, self._provider_place(context, local_name))
        return cache[key][1]

    def _provider_place(self, context: ModuleInstance, local_name: str) -> ProviderPlace:
        found = self._provider_block(context, local_name)
        if found is None:
            return unknown_provider(local_name, "declare the provider with a region (AWS_REGION from the environment "
                                                "is not in the source)", f"{context.label}:{local_name}")
        where, name, body = found
        label = name if not where.path else f"{name} in {where.label}"
        scope = Scope(where)
        attributes: dict[str, Any] = {}
        for argument, raw in _strip(body).items():  # every argument: the credential ones say the account
            if argument in _NESTED_PROVIDER_BLOCKS:  # assume_role { ... }, endpoints { ... }
                blocks = raw if isinstance(raw, list) else [raw]
                attributes[argument] = [
                    {k: self.evaluate(_unwrap(v), scope) for k, v in _strip(b).items()} if isinstance(b, dict)
                    else Unknown(f"the {argument} of provider {label}") for b in blocks]
            else:
                attributes[argument] = self.evaluate(_unwrap(raw), scope)
        return provider_place(label, attributes, f"{where.label}:{name}")

    def _provider_block(self, context: ModuleInstance, local_name: str,
                        depth: int = 0) -> tuple[ModuleInstance, str, dict[str, Any]] | None:
        if depth > _MAX_MODULE_DEPTH:
            return None
        body = context.config.providers.get(local_name)
        if body is not None:
            return context, local_name, body
        if context.parent is not None and context.call is not None:
            mapping = _unwrap(context.call.body.get("providers"))
            if isinstance(mapping, dict) and local_name in mapping:
                parent_name = _provider_name(mapping[local_name])
                if parent_name:
                    return self._provider_block(context.parent, parent_name, depth + 1)
            if local_name == "aws" or "." not in local_name:
                return self._provider_block(context.parent, local_name, depth + 1)
        return None

    def data_source(self, context: ModuleInstance, dtype: str, name: str, attribute: str | None) -> Any:
        """``data.aws_caller_identity.X.account_id`` / ``data.aws_region.X.name`` through the data source's
        provider; None when this is not one of those (the caller says "unknown")."""
        body = context.config.data_sources.get(f"{dtype}.{name}")
        if body is None or attribute is None:
            return None
        scope = Scope(context)
        arguments: dict[str, Any] = {a: self.evaluate(_unwrap(body[a]), scope)
                                     for a in ("region", "name") if a in body}
        address = f"{module_prefix(context.path)}data.{dtype}.{name}"
        return data_source_value(dtype, attribute, arguments,
                                 self.provider_place(context, _block_provider(body)), address)

    # ------------------------------------------------------------------ evaluation
    def evaluate(self, raw: Any, scope: Scope, depth: int = 0) -> Any:
        if depth > _MAX_DEPTH:
            return Unknown("an expression nested too deeply")
        if isinstance(raw, str):
            try:
                node = _parse(raw)
            except ExpressionError as error:
                return Unknown(f"the expression {_short(raw)} ({error})", "pcxguard reads literals, variables, "
                               "locals, references and simple functions")
            return self.node(node, scope, depth + 1)
        if isinstance(raw, dict):
            return {k: self.evaluate(v, scope, depth + 1) for k, v in raw.items() if k not in _LINES}
        if isinstance(raw, list):
            return [self.evaluate(v, scope, depth + 1) for v in raw]
        return raw

    def node(self, node: Any, scope: Scope, depth: int = 0) -> Any:
        if depth > _MAX_DEPTH * 4:
            return Unknown("an expression nested too deeply")
        d = depth + 1
        if isinstance(node, Lit):
            value = node.value
            return self.evaluate(value, scope, d) if isinstance(value, (dict, list)) else value
        if isinstance(node, Template):
            pieces: list[str] = []
            for part in node.parts:
                value = part if isinstance(part, str) else self.node(part, scope, d)
                text = _to_string(value)
                if isinstance(text, Unknown):
                    return text
                pieces.append(text)
            return "".join(pieces)
        if isinstance(node, (Var, GetAttr, Index, Splat)):
            return self.traversal(node, scope, d)
        if isinstance(node, ListExpr):
            return [self.node(item, scope, d) for item in node.items]
        if isinstance(node, ObjectExpr):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.items:
                key = key_node.name if isinstance(key_node, Var) else self.node(key_node, scope, d)
                if not isinstance(key, (str, int, float, bool)):
                    return Unknown("an object key that is not known from the source")
                result[key if isinstance(key, str) else _to_string(key)] = self.node(value_node, scope, d)
            return result
        if isinstance(node, Conditional):
            condition = self.node(node.condition, scope, d)
            if isinstance(condition, bool):
                return self.node(node.then if condition else node.otherwise, scope, d)
            then, otherwise = self.node(node.then, scope, d), self.node(node.otherwise, scope, d)
            if then == otherwise and _deep_known(then):
                return then
            return Unknown("a condition that is not known from the source")
        if isinstance(node, Unary):
            operand = self.node(node.operand, scope, d)
            if node.op == "!" and isinstance(operand, bool):
                return not operand
            if node.op == "-" and isinstance(operand, (int, float)) and not isinstance(operand, bool):
                return -operand
            return _unknown_from(operand, "an operation on a value not known from the source")
        if isinstance(node, Binary):
            return _binary(node.op, self.node(node.left, scope, d), self.node(node.right, scope, d))
        if isinstance(node, Call):
            return self.call(node, scope, d)
        if isinstance(node, ForExpr):
            return self.for_expression(node, scope, d)
        return Unknown("an expression pcxguard does not evaluate")

    def for_expression(self, node: ForExpr, scope: Scope, depth: int) -> Any:
        collection = self.node(node.collection, scope, depth)
        if isinstance(collection, dict):
            items = [(k, collection[k]) for k in sorted(collection)]
        elif isinstance(collection, list):
            items = list(enumerate(collection))
        else:
            return _unknown_from(collection, "a for expression over a collection not known from the source")
        out_list: list[Any] = []
        out_map: dict[Any, Any] = {}
        for key, value in items:
            names = {node.value_var: value}
            if node.key_var:
                names[node.key_var] = key
            inner = scope.with_vars(**names)
            if node.condition is not None:
                keep = self.node(node.condition, inner, depth)
                if not isinstance(keep, bool):
                    return Unknown("a for expression filter not known from the source")
                if not keep:
                    continue
            if node.is_object:
                k = self.node(node.key, inner, depth)
                if not isinstance(k, str):
                    return Unknown("a for expression key not known from the source")
                out_map[k] = self.node(node.value, inner, depth)
            else:
                out_list.append(self.node(node.value, inner, depth))
        return out_map if node.is_object else out_list

    # ------------------------------------------------------------------ references
    def traversal(self, node: Any, scope: Scope, depth: int) -> Any:
        steps: list[Any] = []
        while not isinstance(node, Var):
            if isinstance(node, GetAttr):
                steps.append(("attr", node.name))
                node = node.target
            elif isinstance(node, Index):
                steps.append(("index", node.key))
                node = node.target
            elif isinstance(node, Splat):
                steps.append(("splat",))
                node = node.target
            else:  # a call or literal followed by steps
                return self._apply(self.node(node, scope, depth), list(reversed(steps)), scope, depth)
        steps.reverse()
        root = node.name
        context = scope.context
        if root in scope.extra:
            return self._apply(scope.extra[root], steps, scope, depth)
        name = steps[0][1] if steps and steps[0][0] == "attr" else None
        if root == "var" and name:
            return self._apply(self.variable(context, name), steps[1:], scope, depth)
        if root == "local" and name:
            return self._apply(self.local(context, name), steps[1:], scope, depth)
        if root == "count" and name == "index":
            if scope.has_count:
                return scope.count_index
            return Unknown("count.index outside a counted block")
        if root == "each" and name in ("key", "value"):
            if scope.has_each:
                return self._apply(scope.each_key if name == "key" else scope.each_value, steps[1:], scope, depth)
            return Unknown("each.* outside a for_each block")
        if root == "path" and name in ("module", "root", "cwd"):
            return context.config.directory if name == "module" else self.directory
        if root == "data":
            what = ".".join(s[1] for s in steps[:2] if s[0] == "attr")
            if len(steps) >= 3 and all(s[0] == "attr" for s in steps[:3]):
                placed = self.data_source(context, steps[0][1], steps[1][1], steps[2][1])
                if placed is not None:
                    return self._apply(placed, steps[3:], scope, depth)
            return Unknown(f"data.{what} (data sources are read from AWS at plan time)",
                           "give the value as a literal or a variable, or scan a plan")
        if root == "module" and name:
            return self.module_output(context, steps[1:], name, scope, depth)
        if root in ("terraform", "self"):
            return Unknown(f"{root}.{name} is not known from the source")
        if name and f"{root}.{name}" in context.config.resources:
            return self.resource_reference(context, f"{root}.{name}", steps[1:], scope, depth)
        if name:
            return Unknown(f"{root}.{name} is not declared in {context.label}")
        return Unknown(f"the name {root} is not known from the source")

    def _apply(self, value: Any, steps: list[Any], scope: Scope, depth: int) -> Any:
        for position, step in enumerate(steps):
            if step[0] == "splat":
                rest = steps[position + 1:]
                items = value if isinstance(value, list) else ([] if value is None else [value])
                if isinstance(value, Unknown):
                    return value
                return [self._apply(item, rest, scope, depth) for item in items]
            key = step[1] if step[0] == "attr" else self.node(step[1], scope, depth)
            value = _step(value, key, missing=Unknown(f"attribute {key} is not set"))
        return value

    def variable(self, context: ModuleInstance, name: str) -> Any:
        if name not in context.config.variables:
            return Unknown(f"var.{name} is not declared in {context.label}")
        if context.parent is None:
            if name in context.root_values:
                return self._memoised(("var", id(context), name),
                                      lambda: self.evaluate(context.root_values[name], Scope(context)))
            return Unknown(f"var.{name} has no value in the source",
                           "give it a default or set it in terraform.tfvars / *.auto.tfvars")
        call = context.call
        assert call is not None
        if name in call.body:
            scope = Scope(context.parent, count_index=context.count_index, each_key=context.each_key,
                          each_value=context.each_value, has_each=context.each_key is not None,
                          has_count=context.count_index is not None)
            return self._memoised(("var", id(context), name), lambda: self.evaluate(_unwrap(call.body[name]), scope))
        default = context.config.variables[name]
        if default is _UNSET:
            return Unknown(f"var.{name} of {context.label} is not set")
        return self._memoised(("var", id(context), name), lambda: self.evaluate(default, Scope(context)))

    def local(self, context: ModuleInstance, name: str) -> Any:
        if name not in context.config.locals:
            return Unknown(f"local.{name} is not declared in {context.label}")
        return self._memoised(("local", id(context), name),
                              lambda: self.evaluate(context.config.locals[name], Scope(context)))

    def _memoised(self, key: tuple, compute: Callable[[], Any]) -> Any:
        if key in self._memo:
            return self._memo[key]
        if key in self._active:
            return Unknown(f"{key[0]}.{key[-1]} refers to itself")
        self._active.add(key)
        try:
            result = compute()
        finally:
            self._active.discard(key)
        self._memo[key] = result
        return result

    def module_output(self, context: ModuleInstance, steps: list[Any], name: str, scope: Scope, depth: int) -> Any:
        if name not in context.config.modules:
            return Unknown(f"module.{name} is not declared in {context.label}")
        children = context.children.get(name)
        if children is None:
            return Unknown(f"module.{name} of {context.label} is not on disk (or its instances are not known)",
                           "scan a plan, or vendor the module locally")
        if context.child_keyed.get(name):
            if not steps or steps[0][0] != "index":
                return Unknown(f"module.{name} is used as a whole")
            key = self.node(steps[0][1], scope, depth)
            child = children.get(key)
            if child is None:
                return Unknown(f"module.{name}[{key!r}] is not an instance of module.{name}")
            steps = steps[1:]
        else:
            child = children.get(None)
        if child is None or not steps or steps[0][0] != "attr":
            return Unknown(f"module.{name} used as a whole")
        output = steps[0][1]
        if output not in child.config.outputs:
            return Unknown(f"output {output} is not declared in module.{name}")
        value = self._memoised(("output", id(child), output),
                               lambda: self.evaluate(child.config.outputs[output], Scope(child)))
        return self._apply(value, steps[1:], scope, depth)

    def resource_reference(self, context: ModuleInstance, ident: str, steps: list[Any], scope: Scope, depth: int) -> Any:
        instances = context.resources.get(ident)
        if instances is None:
            return Unknown(f"the instances of {ident} in {context.label} are not known from the source")
        if context.keyed.get(ident):
            if steps and steps[0][0] == "splat":
                return [self.instance_attribute(i, steps[1:], scope, depth) for i in instances]
            if not steps or steps[0][0] != "index":
                return Unknown(f"{ident} is used as a whole")
            key = self.node(steps[0][1], scope, depth)
            chosen = next((i for i in instances if i.index == key), None)
            if chosen is None:
                return _unknown_from(key, f"{ident}[{key!r}] is not an instance of {ident}")
            return self.instance_attribute(chosen, steps[1:], scope, depth)
        if steps and steps[0][0] == "splat":
            return [self.instance_attribute(instances[0], steps[1:], scope, depth)]
        return self.instance_attribute(instances[0], steps, scope, depth)

    def instance_attribute(self, instance: Instance, steps: list[Any], scope: Scope, depth: int) -> Any:
        if not steps:
            return ResourceTarget(instance.address, ())
        if steps[0][0] != "attr":
            return Unknown(f"{instance.address} indexed like a collection")
        name = steps[0][1]
        if name in instance.attributes or name in instance.blocks:
            return self._apply(self.attribute(instance, name), steps[1:], scope, depth)
        names = tuple(s[1] for s in steps if s[0] == "attr")
        return ResourceTarget(instance.address, names)

    def call(self, node: Call, scope: Scope, depth: int) -> Any:
        name = node.name.split("::")[-1]
        if name in ("try", "coalesce") and not node.expand:
            values = [self.node(arg, scope, depth) for arg in node.args]
            for value in values:
                if _deep_known(value) and (name == "try" or value not in (None, "")):
                    return value
            return Unknown(f"{name}(...) of values not known from the source")
        args = [self.node(arg, scope, depth) for arg in node.args]
        if node.expand and args and isinstance(args[-1], list):
            args = args[:-1] + args[-1]
        if name == "templatefile":
            return self._templatefile(args, scope)
        if name == "file":
            return self._file(args)
        function = _FUNCTIONS.get(name)
        if function is None:
            return Unknown(f"the function {name}() is not evaluated", "use a literal, variable or local")
        structural = name in _STRUCTURAL
        if not structural and not all(_deep_known(a) for a in args):
            return _unknown_from(next(a for a in args if not _deep_known(a)), f"{name}() of a value known only at apply time")
        try:
            return function(*args)
        except (TypeError, ValueError, KeyError, IndexError, AddrFormatError, binascii.Error,
                ZeroDivisionError, AttributeError, OverflowError) as error:
            return Unknown(f"{name}() could not be evaluated ({error})")

    def _file(self, args: list[Any]) -> Any:
        if len(args) != 1 or not isinstance(args[0], str):
            return Unknown("file() of a path not known from the source")
        path = Path(args[0] if os.path.isabs(args[0]) else os.path.join(self.directory, args[0]))
        try:
            if path.stat().st_size > 1_000_000:
                return Unknown(f"file({args[0]}) is larger than 1 MB")
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            return Unknown(f"file({args[0]}) cannot be read ({error.__class__.__name__})")

    def _templatefile(self, args: list[Any], scope: Scope) -> Any:
        text = self._file(args[:1])
        if isinstance(text, Unknown) or len(args) != 2 or not isinstance(args[1], dict):
            return text if isinstance(text, Unknown) else Unknown("templatefile() with variables not known from the source")
        try:
            node = parse_template(text, escaped=False)
        except ExpressionError as error:
            return Unknown(f"the template {args[0]} ({error})")
        inner = Scope(scope.context, extra={k: v for k, v in args[1].items()})
        return self.node(node, inner)


# --------------------------------------------------------------------------- values


@lru_cache(maxsize=8192)
def _parse(raw: str) -> Any:
    return parse_template(raw, escaped="\n" not in raw)


def _short(raw: str) -> str:
    text = raw.replace("\n", " ")
    return text if len(text) <= 60 else text[:57] + "..."


_NESTED_PROVIDER_BLOCKS = frozenset({"assume_role", "assume_role_with_web_identity", "endpoints", "default_tags",
                                     "ignore_tags"})


def _block_provider(body: dict[str, Any]) -> str:
    """The provider a resource or data block names (``provider = aws.west``), else ``aws``."""
    provider = body.get("provider")
    return (_provider_name(_unwrap(provider)) or "aws") if provider is not None else "aws"


def _provider_name(raw: Any) -> str | None:
    if not isinstance(raw, str):
        return None
    text = raw[2:-1] if raw.startswith("${") and raw.endswith("}") else raw
    return text.strip() if re.fullmatch(r"\s*[A-Za-z][\w-]*(\.[A-Za-z][\w-]*)?\s*", text) else None


def _collect_targets(value: Any, found: list[Any]) -> None:
    if isinstance(value, ResourceTarget):
        if value not in found:
            found.append(value)
    elif isinstance(value, list):
        for item in value:
            _collect_targets(item, found)
    elif isinstance(value, dict):
        for item in value.values():
            _collect_targets(item, found)


def _deep_known(value: Any) -> bool:
    if isinstance(value, (Unknown, ResourceTarget)):
        return False
    if isinstance(value, list):
        return all(_deep_known(v) for v in value)
    if isinstance(value, dict):
        return all(_deep_known(v) for v in value.values())
    return True


def _unknown_from(value: Any, what: str) -> Unknown:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, ResourceTarget):
        return Unknown(f"{'.'.join((value.address,) + value.attribute)} is known only after apply",
                       "give the value as a literal or a variable")
    if isinstance(value, (list, dict)):
        inner = value if isinstance(value, list) else list(value.values())
        for item in inner:
            if not _deep_known(item):
                return _unknown_from(item, what)
    return Unknown(what)


def _step(value: Any, key: Any, missing: Any) -> Any:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, ResourceTarget):
        return ResourceTarget(value.address, value.attribute + ((key,) if isinstance(key, str) else ()))
    if isinstance(key, (Unknown, ResourceTarget)):
        return _unknown_from(key, "an index not known from the source")
    if isinstance(value, dict):
        if isinstance(key, str) and key in value:
            return value[key]
        if isinstance(key, int) and not isinstance(key, bool) and str(key) in value:
            return value[str(key)]
        if isinstance(key, int) and len(value) == 0:
            return missing
        return missing
    if isinstance(value, list):
        if isinstance(key, float) and key.is_integer():
            key = int(key)
        if isinstance(key, int) and not isinstance(key, bool) and -len(value) <= key < len(value):
            return value[key]
        if isinstance(key, str) and len(value) == 1 and isinstance(value[0], dict):
            return _step(value[0], key, missing)  # a single nested block read as an object
        return missing
    return missing


def _to_string(value: Any) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (Unknown, ResourceTarget)):
        return _unknown_from(value, "part of a string")
    if value is None:
        return Unknown("a null value inside a string")
    return Unknown("a collection inside a string")


def _binary(op: str, left: Any, right: Any) -> Any:
    if op in ("==", "!="):
        if not (_deep_known(left) and _deep_known(right)):
            return Unknown("a comparison with a value not known from the source")
        return (left == right) if op == "==" else (left != right)
    if op in ("&&", "||"):
        if op == "&&" and (left is False or right is False):
            return False
        if op == "||" and (left is True or right is True):
            return True
        if isinstance(left, bool) and isinstance(right, bool):
            return (left and right) if op == "&&" else (left or right)
        return Unknown("a logical operation on a value not known from the source")
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (left, right))
    if not numbers:
        if isinstance(left, str) and isinstance(right, str) and re.fullmatch(r"-?\d+(\.\d+)?", left + "") and \
                re.fullmatch(r"-?\d+(\.\d+)?", right):
            left, right = float(left), float(right)
        else:
            return _unknown_from(left if not _deep_known(left) else right, f"an arithmetic operation ({op})")
    try:
        result = {"+": lambda: left + right, "-": lambda: left - right, "*": lambda: left * right,
                  "/": lambda: left / right, "%": lambda: left % right, "<": lambda: left < right,
                  ">": lambda: left > right, "<=": lambda: left <= right, ">=": lambda: left >= right}[op]()
    except ZeroDivisionError:
        return Unknown("a division by zero")
    if isinstance(result, float) and result.is_integer() and op != "/":
        return int(result)
    return result


# --------------------------------------------------------------------------- functions


def _cidrsubnet(prefix: str, newbits: int, netnum: int) -> str:
    network = IPNetwork(prefix)
    length = network.prefixlen + int(newbits)
    width = 32 if network.version == 4 else 128
    if length > width or int(netnum) >= (1 << int(newbits)) or int(netnum) < 0:
        raise ValueError(f"cannot take subnet {netnum} of {prefix} with {newbits} new bits")
    first = network.first + int(netnum) * (1 << (width - length))
    return str(IPNetwork(f"{IPAddress(first, network.version)}/{length}"))


def _cidrhost(prefix: str, hostnum: int) -> str:
    network = IPNetwork(prefix)
    number = int(hostnum)
    address = network.first + number if number >= 0 else network.last + 1 + number
    if not network.first <= address <= network.last:
        raise ValueError(f"host {hostnum} is outside {prefix}")
    return str(IPAddress(address, network.version))


def _format(spec: str, *args: Any) -> str:
    values = list(args)

    def substitute(match: re.Match[str]) -> str:
        verb = match.group(1)
        if verb == "%":
            return "%"
        value = values.pop(0)
        if verb == "q":
            return json.dumps(value)
        if verb == "d":
            return str(int(value))
        text = _to_string(value)
        if isinstance(text, Unknown):
            raise ValueError("format() of a collection")
        return text

    return re.sub(r"%([sdvq%])", substitute, spec)


def _merge(*maps: Any) -> Any:
    result: dict[str, Any] = {}
    for item in maps:
        if not isinstance(item, dict):
            return _unknown_from(item, "merge() of a map not known from the source")
        result.update(item)
    return result


def _concat(*lists: Any) -> Any:
    result: list[Any] = []
    for item in lists:
        if not isinstance(item, list):
            return _unknown_from(item, "concat() of a list not known from the source")
        result.extend(item)
    return result


def _flatten(value: Any) -> Any:
    if not isinstance(value, list):
        return _unknown_from(value, "flatten() of a list not known from the source")
    result: list[Any] = []
    for item in value:
        if isinstance(item, list):
            inner = _flatten(item)
            if isinstance(inner, Unknown):
                return inner
            result.extend(inner)
        else:
            result.append(item)
    return result


def _lookup(mapping: Any, key: Any, *default: Any) -> Any:
    if not isinstance(mapping, dict) or not isinstance(key, str):
        return _unknown_from(mapping if not isinstance(mapping, dict) else key, "lookup() of a value not known")
    if key in mapping:
        return mapping[key]
    if default:
        return default[0]
    raise KeyError(key)


def _element(values: Any, index: Any) -> Any:
    if not isinstance(values, list) or not isinstance(index, int) or not values:
        return _unknown_from(values if not isinstance(values, list) else index, "element() of a value not known")
    return values[index % len(values)]


def _length(value: Any) -> Any:
    if isinstance(value, (list, dict, str)):
        return len(value)
    return _unknown_from(value, "length() of a value not known")


def _to_list(value: Any) -> Any:
    return value if isinstance(value, list) else _unknown_from(value, "a list not known from the source")


def _to_set(value: Any) -> Any:
    if not isinstance(value, list):
        return _unknown_from(value, "a set not known from the source")
    if all(isinstance(v, str) for v in value):
        return sorted(set(value))
    return value


def _one(value: Any) -> Any:
    if not isinstance(value, list) or len(value) > 1:
        return _unknown_from(value, "one() of a list not known from the source")
    return value[0] if value else None


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "base64encode": lambda s: base64.b64encode(s.encode()).decode(),
    "base64decode": lambda s: base64.b64decode(s, validate=True).decode("utf-8"),
    "base64gzip": None,  # type: ignore[dict-item]
    "jsonencode": lambda v: json.dumps(v, separators=(",", ":"), sort_keys=True),
    "jsondecode": lambda s: json.loads(s),
    "cidrsubnet": _cidrsubnet,
    "cidrhost": _cidrhost,
    "format": _format,
    "join": lambda sep, values: sep.join(_to_string(v) for v in values),
    "split": lambda sep, text: text.split(sep),
    "lower": lambda s: s.lower(),
    "upper": lambda s: s.upper(),
    "trimspace": lambda s: s.strip(),
    "chomp": lambda s: s.rstrip("\r\n"),
    "replace": lambda s, old, new: s.replace(old, new) if not (old.startswith("/") and old.endswith("/")) else
    (_ for _ in ()).throw(ValueError("regular-expression replace")),
    "substr": lambda s, offset, length: s[offset:] if length < 0 else s[offset:offset + length],
    "startswith": lambda s, prefix: s.startswith(prefix),
    "endswith": lambda s, suffix: s.endswith(suffix),
    "tostring": lambda v: _to_string(v),
    "tonumber": lambda v: v if isinstance(v, (int, float)) else (float(v) if "." in v else int(v)),
    "tobool": lambda v: v if isinstance(v, bool) else {"true": True, "false": False}[v],
    "tolist": _to_list,
    "toset": _to_set,
    "tomap": lambda v: v if isinstance(v, dict) else _unknown_from(v, "a map not known from the source"),
    "concat": _concat,
    "merge": _merge,
    "flatten": _flatten,
    "lookup": _lookup,
    "element": _element,
    "length": _length,
    "keys": lambda m: sorted(m) if isinstance(m, dict) else _unknown_from(m, "keys() of a map not known"),
    "values": lambda m: [m[k] for k in sorted(m)] if isinstance(m, dict) else _unknown_from(m, "values() of a map not known"),
    "contains": lambda values, v: v in values,
    "distinct": lambda values: list(dict.fromkeys(values)),
    "compact": lambda values: [v for v in values if v not in (None, "")],
    "zipmap": lambda keys, values: dict(zip(keys, values)),
    "range": lambda *a: list(range(*(int(x) for x in a))),
    "min": lambda *a: min(a),
    "max": lambda *a: max(a),
    "abs": lambda n: abs(n),
    "sort": lambda values: sorted(values),
    "one": _one,
    "coalescelist": lambda *lists: next((l for l in lists if l), []),
}
del _FUNCTIONS["base64gzip"]
# Functions that take collections which may hold references (resolved per element).
_STRUCTURAL = {"tolist", "toset", "tomap", "concat", "merge", "flatten", "lookup", "element", "length", "keys",
               "values", "one", "coalescelist", "compact", "distinct"}


# --------------------------------------------------------------------------- plan enrichment


def resource_locations(root: str | Path) -> dict[tuple[tuple[str, ...], str], tuple[str, int | None, int | None]]:
    """(module call names, "type.name") -> (.tf file, start line, end line), local modules followed.

    The plan loader uses this to put findings on the lines that declare a resource; every
    instance of a module shares its module's lines, as in terraform itself.
    """
    found: dict[tuple[tuple[str, ...], str], tuple[str, int | None, int | None]] = {}

    def walk(directory: str, path: tuple[str, ...], chain: tuple[str, ...]) -> None:
        config = read_module(directory)
        for ident, block in config.resources.items():
            found[(path, ident)] = (block.file, block.start_line, block.end_line)
        for name, call in config.modules.items():
            target = module_source_dir(config, call)
            if target and os.path.isdir(target) and target not in chain and len(chain) < _MAX_MODULE_DEPTH:
                walk(target, path + (name,), chain + (target,))

    directory = os.path.normpath(str(root))
    walk(directory, (), (directory,))
    return found


def find_plan_source(plan_path: str | Path, source_root: str | Path | None,
                     root_resources: Iterable[str] = (), root_modules: Iterable[str] = ()) -> str | None:
    """The root module directory a plan was made from.

    ``source_root`` (as checkov's ``--repo-root-for-plan-enrichment``) may be the root module
    itself or a repository holding several; then the root whose resources and module calls
    best match the plan's root module is taken. Without it: the plan file's directory, when
    it holds ``.tf`` files.
    """
    if source_root is None:
        directory = os.path.dirname(str(plan_path)) or "."  # keep the caller's relative/absolute style
        return directory if any(Path(directory).glob("*.tf")) else None
    source_root = os.path.normpath(str(source_root))
    if not os.path.isdir(source_root):
        return None
    wanted = set(root_resources) | {f"module.{m}" for m in root_modules}
    candidates = find_root_modules(source_root)
    best, best_score = None, 0
    for candidate in candidates:
        config = read_module(candidate)
        declared = set(config.resources) | {f"module.{m}" for m in config.modules}
        # the root that declares what the plan's root declares, and little else
        score = len(wanted & declared) - len(declared - wanted) / (len(declared) + 1)
        # on a tie, the root the plan file sits in (or the scanned root itself) wins
        holds_plan = os.path.abspath(str(plan_path)).startswith(os.path.abspath(candidate) + os.sep)
        if score > best_score or (score == best_score and best is not None and score
                                  and (candidate == source_root or holds_plan)):
            best, best_score = candidate, score
    if best is None and any(Path(source_root).glob("*.tf")) and not wanted:
        return source_root
    return best
