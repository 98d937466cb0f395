"""Terraform plan (``terraform show -json``) -> Estate.

The future estate is every managed resource instance in ``resource_changes``
whose action is not a pure delete (``planned_values`` when a plan has no
changes list). A value the plan knows is taken from ``after``; a link whose id
is unknown until apply (``after_unknown``) is followed through the
``configuration`` expression ``references`` of that resource, across module
calls, module outputs, input variables, ``count`` and ``for_each``.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from pcxguard import fastjson, limits
from pcxguard.loaders.terraform_common import (
    ModuleStep,
    ResourceTarget,
    build_estate,
    parse_instance_address,
    parse_reference,
    path_text,
)
from pcxguard.loaders.provider_identity import ProviderPlace, data_source_value, provider_place, unknown_provider
from pcxguard.model import Estate, LoadProblem, Placed, Unknown

_MISSING = object()
_ADDRESS_FIELD = re.compile(r'"address"\s*:\s*"((?:[^"\\]|\\.)*)"')


class PlanShapeError(ValueError):
    """The JSON is not a Terraform plan pcxguard understands."""


@dataclass
class Instance:
    address: str
    type: str
    name: str
    index: Any
    module: tuple[ModuleStep, ...]
    values: dict[str, Any]
    unknown: Any  # after_unknown tree
    provider_key: str | None = None
    config: dict[str, Any] | None = None  # its resource block in the plan's configuration
    config_key: tuple[tuple[str, ...], str] = field(init=False)  # (module path, "type.name"), asked per question

    def __post_init__(self) -> None:
        self.config_key = tuple(step.name for step in self.module), f"{self.type}.{self.name}"


def _ref_list(expression: Any) -> list[str]:
    """The ``references`` of a configuration expression: a list of strings, or nothing (a string or
    anything else in a hand-edited plan is not references; iterating it would be quadratic)."""
    refs = expression.get("references") if isinstance(expression, dict) else None
    if not isinstance(refs, list):
        return []
    if all(type(r) is str for r in refs):
        return refs  # the same list each time: _longest memoises by identity
    return [r for r in refs if isinstance(r, str)]


def is_plan(data: Any) -> bool:
    return isinstance(data, dict) and "format_version" in data and (
        "planned_values" in data or "resource_changes" in data
    )


def load_plan(path: str | Path, source_root: str | Path | None = None) -> Estate:
    """Load one plan file. Never raises for bad input: problems are recorded on the estate.

    When the plan's Terraform source is found (``source_root``, else the plan file's
    directory if it holds ``.tf`` files), every resource's ``Source`` carries the ``.tf``
    file and lines that declare it (inside the module for module instances).
    """
    path = str(path)
    try:
        raw = limits.read_bytes(path, limits.MAX_PLAN_BYTES)
    except limits.InputRefused as error:
        return _broken(path, str(error).removeprefix(path + ": "))
    data = fastjson.loads_exact(raw)
    if isinstance(data, dict):  # a plan is an object; anything else is judged below exactly as before
        del raw
        if read_parts_too_deep(data):
            return _broken(path, f"JSON nested deeper than {limits.MAX_DEPTH} levels (the limit); not read")
        return load_plan_data(data, path, source_root=source_root, find_source=True)
    try:
        text = limits.decode_text(raw, path)
    except limits.InputRefused as error:
        return _broken(path, str(error).removeprefix(path + ": "))
    del raw
    if not text.strip():
        return _broken(path, "an empty file: expected the JSON of a Terraform plan; write it with "
                             "'terraform show -json PLANFILE > plan.json'")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return _broken(path, f"not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})")
    except RecursionError:
        return _broken(path, f"JSON nested deeper than {limits.MAX_DEPTH} levels (the limit); not read")
    del text
    if read_parts_too_deep(data):
        return _broken(path, f"JSON nested deeper than {limits.MAX_DEPTH} levels (the limit); not read")
    return load_plan_data(data, path, source_root=source_root, find_source=True)


# What the reader never reads: before / sensitivity masks of each change, the planned values (when the
# changes are listed: they repeat their "after"), and the plan's other reports.
_UNREAD_TOP = frozenset(("resource_changes", "relevant_attributes", "resource_drift", "output_changes", "checks"))
_UNREAD_CHANGE = frozenset(("before", "before_sensitive", "after_sensitive"))


def read_parts_too_deep(data: Any) -> bool:
    """Whether a part of a decoded plan the reader reads nests deeper than ``limits.MAX_DEPTH``, counted
    from the document's top as ``limits.depth_exceeds`` counts. Only the read parts are walked: the
    planned values and each change's "before" and sensitivity masks are more than half of a plan, and the
    walk of every value was 0.11 s of a 1.5 s scan (benchmarks/RESULTS.md, issue 14). A part nothing
    reads cannot reach a recursion; decoding itself bounds the rest (orjson at 1,024 levels, ``json``'s
    RecursionError, both reported)."""
    if not isinstance(data, dict):
        return limits.depth_exceeds(data)
    changes = data.get("resource_changes")
    listed = isinstance(changes, list)
    # each container below sits one level deeper in the document than in the list handed to the walk
    top = [v for k, v in data.items() if k not in _UNREAD_TOP and not (listed and k == "planned_values")]
    if limits.depth_exceeds(top):  # the list stands in for the document: its items are at depth 1 in both
        return True
    if not isinstance(changes, list):
        return False
    odd: list[Any] = []  # resource_changes[i] that is no object: depth 2 in the document, 1 in this list
    records: list[Any] = []  # resource_changes[i].<key>: depth 3 in the document, 1 in this list
    bodies: list[Any] = []  # resource_changes[i].change.<key>: depth 4 in the document, 1 in this list
    for record in changes:
        if type(record) is not dict:
            odd.append(record)
            continue
        body = record.get("change")
        if type(body) is dict:
            records.extend([v for k, v in record.items() if k != "change"])
            bodies.extend([v for k, v in body.items() if k not in _UNREAD_CHANGE])
        else:
            records.extend(record.values())
    return (limits.depth_exceeds(odd, limits.MAX_DEPTH - 1) or limits.depth_exceeds(records, limits.MAX_DEPTH - 2)
            or limits.depth_exceeds(bodies, limits.MAX_DEPTH - 3))


def load_plan_data(data: Any, path: str, source_root: str | Path | None = None, find_source: bool = False) -> Estate:
    if not is_plan(data):
        return _broken(path, "not a Terraform plan: expected the output of 'terraform show -json PLANFILE' "
                             "(an object with format_version and planned_values / resource_changes)",
                       fails_closed=False)
    changes = data.get("resource_changes")
    if isinstance(changes, list) and len(changes) > limits.MAX_RESOURCES:
        return _broken(path, f"{len(changes):,} resource changes, above the limit of {limits.MAX_RESOURCES:,}; not read")
    try:
        reader = PlanReader(data, path)
        if find_source or source_root is not None:
            reader.locate_sources(source_root)
        return reader.estate()
    except PlanShapeError as error:
        return _broken(path, f"unexpected plan structure: {error}")
    except RecursionError:
        return _broken(path, f"the plan nests deeper than pcxguard follows (limit {limits.MAX_DEPTH}); not read")


def _broken(path: str, message: str, fails_closed: bool = True) -> Estate:
    """A plan that cannot be read: it fails closed (``pcxguard scan`` exits 2, checkov fails its
    resources), unless it is not a plan at all (a JSON document pcxguard does not read)."""
    estate = Estate(name=path)
    estate.problems.append(LoadProblem(path, message, fails_closed=fails_closed))
    return estate


class PlanReader:
    """Answers the questions ``build_estate`` asks, from one plan document."""

    kind = "terraform_plan"

    def __init__(self, data: dict[str, Any], path: str) -> None:
        self.data = data
        self.path = path
        self.problems: list[LoadProblem] = []
        self.instances: dict[str, Instance] = {}
        self.by_config: dict[tuple[tuple[str, ...], str], list[Instance]] = {}
        # the instances of one resource block in one module instance, and each of them by its own key:
        # resolving a reference must not scan every instance of a module called with count/for_each
        self._in_module: dict[tuple[tuple[ModuleStep, ...], str], list[Instance]] = {}
        self._in_module_by_index: dict[tuple[tuple[ModuleStep, ...], str, Any], Instance] = {}
        self._module_keys: dict[tuple[tuple[ModuleStep, ...], str], set[Any]] | None = None
        self._module_configs: dict[tuple[str, ...], dict[str, Any]] = {}
        self._longest_memo: dict[int, tuple[list[Any], list[str]]] = {}
        self._refs_memo: dict[int, tuple[Any, list[str], list[str]]] = {}  # id(expression) -> its references
        self._guessed_memo: dict[int, tuple[Any, bool]] = {}  # id(references) -> whether they name no instance
        self._resolved: dict[tuple[Any, ...], Any] = {}
        self._index_configuration()
        self._collect_instances()

    # ------------------------------------------------------------------ reading
    def _index_configuration(self) -> None:
        configuration = self.data.get("configuration") or {}
        if not isinstance(configuration, dict):
            raise PlanShapeError("configuration is not an object")
        root = configuration.get("root_module") or {}

        def walk(module: dict[str, Any], path: tuple[str, ...]) -> None:
            self._module_configs[path] = module
            for name, call in (module.get("module_calls") or {}).items():
                if isinstance(call, dict):
                    walk(call.get("module") or {}, path + (name,))

        walk(root, ())
        self._resource_configs: dict[tuple[tuple[str, ...], str], dict[str, Any]] = {}
        for path, module in self._module_configs.items():
            for resource in module.get("resources") or []:
                if isinstance(resource, dict) and "address" in resource:
                    self._resource_configs[(path, resource["address"])] = resource
        self.provider_config = configuration.get("provider_config") or {}
        self.variables = {k: v.get("value") for k, v in (self.data.get("variables") or {}).items() if isinstance(v, dict)}

    def _collect_instances(self) -> None:
        changes = self.data.get("resource_changes")
        if isinstance(changes, list):
            for change in changes:
                if not isinstance(change, dict) or change.get("mode") != "managed":
                    continue
                body = change.get("change") or {}
                actions = body.get("actions") or []
                if actions == ["delete"] or body.get("after") is None:
                    continue
                self._add(change, body.get("after") or {}, body.get("after_unknown") or {})
        else:
            def walk(module: dict[str, Any]) -> None:
                for resource in module.get("resources") or []:
                    if isinstance(resource, dict) and resource.get("mode") == "managed":
                        self._add(resource, resource.get("values") or {}, {})
                for child in module.get("child_modules") or []:
                    walk(child)

            walk((self.data.get("planned_values") or {}).get("root_module") or {})

    def _add(self, record: dict[str, Any], values: Any, unknown: Any) -> None:
        address = record.get("address")
        if not isinstance(address, str) or not isinstance(values, dict):
            self.problems.append(LoadProblem(self.path, f"skipped a resource without address or values: {str(record)[:80]}",
                                             fails_closed=True))
            return
        try:
            module_address = record.get("module_address")
            module, rtype, name, index = parse_instance_address(
                address, module_address if isinstance(module_address, str) else None)
        except ValueError as error:
            self.problems.append(LoadProblem(self.path, str(error), address, self.line_of(address), fails_closed=True))
            return
        instance = Instance(address, record.get("type") or rtype, name, index, module, values, unknown)
        config = self._resource_configs.get(instance.config_key)
        if config:
            instance.config = config
            instance.provider_key = config.get("provider_config_key")
        self.instances[address] = instance
        self.by_config.setdefault(instance.config_key, []).append(instance)
        block = f"{rtype}.{name}"
        self._in_module.setdefault((module, block), []).append(instance)
        try:
            self._in_module_by_index.setdefault((module, block, index), instance)
        except TypeError:  # an unhashable index cannot be referenced by key anyway
            pass

    def line_of(self, address: str) -> int | None:
        """The line of the plan file where ``address`` first appears (1 for the one-line output of
        ``terraform show -json``): read again only when a problem needs it."""
        lines: dict[str, int] | None = getattr(self, "_address_lines", None)
        if lines is None:
            lines = {}
            self._address_lines = lines
            try:
                with open(self.path, encoding="utf-8", errors="replace") as handle:
                    for number, text in enumerate(handle, 1):
                        for match in _ADDRESS_FIELD.finditer(text):
                            lines.setdefault(match.group(1), number)
            except OSError:
                pass
        return lines.get(json.dumps(address)[1:-1])

    # ------------------------------------------------------------------ questions
    def resources(self) -> Iterable[Instance]:
        return self.instances.values()

    def source_location(self, instance: Instance) -> tuple[str | None, int | None, int | None]:
        found = getattr(self, "locations", {}).get(instance.config_key)
        if found is not None:
            return found
        return self.path, None, None

    def locate_sources(self, source_root: str | Path | None) -> None:
        """Map resources to the .tf lines declaring them when the plan's source is on disk."""
        if source_root is None and not any(Path(os.path.dirname(self.path) or ".").glob("*.tf")):
            return  # nothing to map (and the HCL parser, ~0.2 s to import, is not needed)
        from pcxguard.loaders.terraform_source import find_plan_source, resource_locations

        root = self._module_configs.get(()) or {}
        directory = find_plan_source(
            self.path, source_root,
            root_resources=[r.get("address") for r in root.get("resources") or [] if isinstance(r, dict)],
            root_modules=list((root.get("module_calls") or {}).keys()))
        if directory is None:
            if source_root is not None:
                self.problems.append(LoadProblem(self.path, f"no Terraform root module matching the plan under "
                                                            f"{source_root}; findings point at the plan file"))
            return
        self.locations = resource_locations(directory)
        self.source_dir = directory

    @property
    def source_reader(self) -> Any:
        """The evaluated Terraform source of this plan (tfparse), built when a link first needs it, with
        the plan's own variable values; None without a source."""
        if getattr(self, "_source_reader", _MISSING) is _MISSING:
            self._source_reader = None
            directory = getattr(self, "source_dir", None)
            if directory is not None:
                from pcxguard.loaders.terraform_tfparse import TfparseReader

                try:
                    self._source_reader = TfparseReader(directory, variables=self.variables)
                except (OSError, ValueError) as error:
                    self.problems.append(LoadProblem(self.path, f"cannot evaluate the plan's source {directory}: "
                                                                f"{error}"))
        return self._source_reader

    def _from_source(self, instance: Instance, path: tuple[Any, ...]) -> Any:
        """A link the plan does not know (an id known only after apply), resolved through the evaluated
        source, instance by instance: a ``ResourceTarget`` to an instance of this plan, else None."""
        reader = self.source_reader
        if reader is None:
            return None
        twin = reader.instances.get(instance.address)
        if twin is None:
            return None
        value = reader.value(twin, path)
        if isinstance(value, ResourceTarget) and value.address in self.instances:
            return value
        return None

    def value(self, instance: Instance, path: tuple[Any, ...], depth: int = 0) -> Any:
        """A known value, or an ``Unknown``; ``None`` when unset."""
        unknown: Any = instance.unknown
        if len(path) == 1 and type(unknown) is dict:  # most questions: one top-level attribute
            if unknown.get(path[0]) is True:
                return self._from_configuration(instance, path, depth)
            return instance.values.get(path[0])
        current: Any = instance.values
        for step in path:
            if unknown is True:
                return self._from_configuration(instance, path, depth)
            if isinstance(current, dict):
                current = current.get(step)
            elif isinstance(current, list) and isinstance(step, int) and step < len(current):
                current = current[step]
            else:
                current = None
            if isinstance(unknown, dict):
                unknown = unknown.get(step, False)
            elif isinstance(unknown, list) and isinstance(step, int) and step < len(unknown):
                unknown = unknown[step]
            else:
                unknown = False
        if unknown is True:
            return self._from_configuration(instance, path, depth)
        return current

    def configuration_text(self, instance: Instance, attribute: str) -> Any:
        """The constant a configuration gives an attribute (for user data, hashed in ``after``)."""
        expression = self.expression(instance, (attribute,))
        if isinstance(expression, dict):
            if "constant_value" in expression:
                return expression["constant_value"]
            targets = [t for t in self._targets(instance, expression) if not isinstance(t, ResourceTarget)]
            if len(targets) == 1 and not isinstance(targets[0], Unknown):
                return targets[0]
        return Unknown(
            f"{attribute} of {instance.address}: the plan holds only its hash and the configuration gives no constant",
            "scan the Terraform source (checkov -d) or inline the script",
        )

    def expression(self, instance: Instance, path: tuple[Any, ...]) -> Any:
        node: Any = (instance.config or {}).get("expressions") or {}
        for step in path:
            if isinstance(node, dict) and step in node:
                node = node[step]
            elif isinstance(node, list) and isinstance(step, int):
                node = node[step] if step < len(node) else (node[0] if len(node) == 1 else None)
            elif isinstance(node, list) and node and isinstance(node[0], dict) and step in node[0]:
                node = node[0][step]
            else:
                return None
        return node

    def is_configured(self, instance: Instance, path: tuple[Any, ...]) -> bool | None:
        if instance.config is None:
            return None
        return self.expression(instance, path) is not None

    def references(self, instance: Instance, path: tuple[Any, ...]) -> list[Any]:
        """Every resource target or constant the configuration expression at ``path`` refers to."""
        expression = self.expression(instance, path)
        if not isinstance(expression, dict):
            return []
        if "constant_value" in expression:
            return [expression["constant_value"]]
        return self._targets(instance, expression)

    def _from_configuration(self, instance: Instance, path: tuple[Any, ...], depth: int) -> Any:
        # the plan's references name blocks, not instances: when the key comes from each / count, a local
        # or a module output, only the evaluated source says which instance (and attribute) is meant
        expression = self.expression(instance, path)
        refs = expression.get("references") if isinstance(expression, dict) else None
        if expression is None and instance.config is not None:
            return Unknown(f"{path_text(path)} of {instance.address} is not known until apply")
        # (with an index key the plan's references lose the attribute too: ["aws_vpc.x", "each.key"])
        guessed = True
        if refs:  # worked out once per expression: the instances of a module share its expressions
            memo = self._guessed_memo.get(id(refs))
            if memo is None or memo[0] is not refs:
                memo = self._guessed_memo[id(refs)] = (refs, any(
                    isinstance(r, str) and r.startswith(("each.", "count.", "local.", "module.")) for r in refs))
            guessed = memo[1]
        if guessed or getattr(self, "_source_reader", None) is not None:
            from_source = self._from_source(instance, path)
            if from_source is not None:
                return from_source
        # self.references(instance, path), without looking the expression up a second time
        targets = ([] if not isinstance(expression, dict) else [expression["constant_value"]]
                   if "constant_value" in expression else self._targets(instance, expression))
        if len(targets) == 1 and not (isinstance(targets[0], Unknown) and self._can_add_source()):
            return targets[0]
        if any(isinstance(t, ResourceTarget) for t in targets):
            return next(t for t in targets if isinstance(t, ResourceTarget))
        from_source = self._from_source(instance, path) if not guessed else None
        if from_source is not None:
            return from_source
        if self._can_add_source():
            return Unknown(
                f"{path_text(path)} of {instance.address} is not known until apply, and the plan "
                "alone does not say which resource it comes from",
                "scan the plan with its Terraform source (the .tf files beside plan.json, checkov's "
                "--repo-root-for-plan-enrichment DIR, or pcxguard scan --source DIR): the source decides it",
            )
        return Unknown(
            f"{path_text(path)} of {instance.address} is not known until apply",
            "give it a literal value or a variable, or scan the plan after the values are known",
        )

    def _can_add_source(self) -> bool:
        """No source was found for this plan (so adding one could decide what the plan leaves open)."""
        return getattr(self, "source_dir", None) is None

    def _targets(self, instance: Instance, expression: dict[str, Any]) -> list[Any]:
        found: list[Any] = []
        seen: set[Any] = set()
        memo = self._refs_memo.get(id(expression))  # many instances share one configuration expression
        if memo is None or memo[0] is not expression:
            refs = _ref_list(expression)
            memo = self._refs_memo[id(expression)] = (expression, refs, self._longest(refs))
        _, refs, longest = memo
        for ref in longest:
            target = self.resolve(ref, instance.module, instance.index, refs)
            try:
                key: Any = (type(target), target)
                hash(key)
            except TypeError:  # a constant list or map
                key = repr(target)
            if key not in seen:
                seen.add(key)
                found.append(target)
        return found

    def _longest(self, refs: list[Any]) -> list[str]:
        """The references worth resolving: Terraform lists "aws_vpc.a.id" then its prefix
        "aws_vpc.a"; keep the longest. Worked out once per expression (many instances share one)."""
        memo = self._longest_memo.get(id(refs))
        if memo is not None and memo[0] is refs:
            return memo[1]
        kept = [ref for index, ref in enumerate(refs) if isinstance(ref, str) and not any(
            other.startswith(ref + ".") or other.startswith(ref + "[") for other in refs[:index])]
        self._longest_memo[id(refs)] = (refs, kept)
        return kept

    # ------------------------------------------------------------------ references
    def resolve(self, ref: str, module: tuple[ModuleStep, ...], index: Any, siblings: list[str], depth: int = 0) -> Any:
        """One reference string in a module instance -> ResourceTarget, a constant, or Unknown.

        Memoised per (reference, module instance, count/for_each key): every resource of a module
        instance names the same few others (``aws_vpc.this.id``), and the answer never changes.
        """
        try:
            key: Any = (ref, module, index, depth)
            found = self._resolved.get(key, _MISSING)
        except TypeError:  # an unhashable key: just resolve it
            return self._resolve(ref, module, index, siblings, depth)
        if found is _MISSING:
            found = self._resolved[key] = self._resolve(ref, module, index, siblings, depth)
        return found

    def _resolve(self, ref: str, module: tuple[ModuleStep, ...], index: Any, siblings: list[str], depth: int) -> Any:
        if depth > 12:
            return Unknown(f"{ref}: reference chain too deep")
        try:
            parts = parse_reference(ref)
        except ValueError:
            return Unknown(f"cannot read the reference {ref}")
        head = parts[0]
        if head == "var" and len(parts) >= 2:
            return self._variable(parts[1], module, depth, rest=parts[2:])
        if head == "each":
            return self._each(parts, module, depth)
        if head == "count" and parts[1:2] == ["index"]:
            return index if index is not None else Unknown("count.index outside a counted resource")
        if head == "module" and len(parts) >= 3:
            return self._module_output(parts, module, index, siblings, depth)
        if head == "data":
            return self._data_source(parts, module, ref)
        if head in ("local", "data", "path", "terraform", "self"):
            what = {"local": "locals are not recorded in a plan", "data": "data sources are read at apply time "
                    "offline"}.get(head, "not recorded in a plan")
            return Unknown(f"{ref} ({what})", "use a variable or a literal, or supply the value in the inventory")
        if len(parts) >= 2 and isinstance(parts[0], str) and isinstance(parts[1], str):
            return self._resource(parts, module, index, siblings)
        return Unknown(f"cannot resolve {ref}")

    def _resource(self, parts: list[Any], module: tuple[ModuleStep, ...], index: Any, siblings: list[str]) -> Any:
        rtype, name = parts[0], parts[1]
        rest = parts[2:]
        block = f"{rtype}.{name}"
        explicit = rest[0] if rest and not isinstance(rest[0], str) or (rest and _is_key(rest[0])) else _MISSING
        chosen = None
        if explicit is not _MISSING:
            rest = rest[1:]
            key = explicit.key if hasattr(explicit, "key") else explicit
            chosen = self._instance_with_key(module, block, key)
        else:
            same_module = self._in_module.get((module, block), [])
            if len(same_module) == 1 and same_module[0].index is None:
                chosen = same_module[0]
            elif index is not None:
                # aws_vpc.a[count.index] / aws_vpc.a[each.key]: the instance with our own key
                chosen = self._instance_with_key(module, block, index)
        if chosen is None:
            return Unknown(f"{rtype}.{name}{'' if explicit is _MISSING else f'[{explicit!r}]'} in "
                           f"{_module_label(module)} is not in the plan (or its instance is ambiguous)")
        attribute = tuple(p for p in rest if isinstance(p, str)) or ("id",)
        return ResourceTarget(chosen.address, attribute)

    def _instance_with_key(self, module: tuple[ModuleStep, ...], block: str, key: Any) -> Instance | None:
        """The first instance of ``block`` in ``module`` whose count/for_each key equals ``key``."""
        try:
            return self._in_module_by_index.get((module, block, key))
        except TypeError:  # an unhashable key: compare one by one
            return next((c for c in self._in_module.get((module, block), []) if c.index == key), None)

    def _module_instance_keys(self, module: tuple[ModuleStep, ...], name: str) -> set[Any]:
        """The keys of the instances of ``module.name`` called from ``module`` (None: not counted)."""
        if self._module_keys is None:
            keys: dict[tuple[tuple[ModuleStep, ...], str], set[Any]] = {}
            for instance in self.instances.values():
                for depth, step in enumerate(instance.module):
                    keys.setdefault((instance.module[:depth], step.name), set()).add(step.key)
            self._module_keys = keys
        return self._module_keys.get((module, name), set())

    def _variable(self, name: str, module: tuple[ModuleStep, ...], depth: int, rest: list[Any]) -> Any:
        if not module:
            if name in self.variables:
                return _traverse(self.variables[name], rest)
            return Unknown(f"variable {name} has no value in the plan", "pass it with -var or a .tfvars file")
        parent, call = module[:-1], module[-1]
        expression = ((self._module_configs.get(tuple(s.name for s in parent)) or {}).get("module_calls") or {}).get(
            call.name, {}
        ).get("expressions", {}).get(name)
        if expression is None:
            default = ((self._module_configs.get(tuple(s.name for s in module)) or {}).get("variables") or {}).get(name)
            if isinstance(default, dict) and "default" in default:
                return _traverse(default["default"], rest)
            return Unknown(f"variable {name} of {_module_label(module)} is not set")
        if "constant_value" in expression:
            return _traverse(expression["constant_value"], rest)
        refs = [r for r in _ref_list(expression) if isinstance(r, str)]
        for candidate in refs:
            if any(other.startswith(candidate + ".") or other.startswith(candidate + "[") for other in refs):
                continue
            target = self.resolve(candidate, parent, call.key, refs, depth + 1)
            if isinstance(target, ResourceTarget):
                return target
            if not isinstance(target, Unknown) and len(refs) == 1:
                return _traverse(target, rest)
            if not isinstance(target, Unknown) and candidate.startswith("each."):
                return _traverse(target, rest)
        return Unknown(f"variable {name} of {_module_label(module)} is computed from "
                       f"{', '.join(refs) or 'an expression'}", "give the module a literal or a root variable")

    def _each(self, parts: list[Any], module: tuple[ModuleStep, ...], depth: int) -> Any:
        if not module or module[-1].key is None:
            return Unknown(f"{'.'.join(str(p) for p in parts[:2])} of a resource's for_each: the plan does not say "
                           "which resource it names", "reference the resource directly (aws_route_table.x[each.key].id)")
        call = module[-1]
        if parts[1:2] == ["key"]:
            return call.key
        parent = module[:-1]
        for_each = ((self._module_configs.get(tuple(s.name for s in parent)) or {}).get("module_calls") or {}).get(
            call.name, {}
        ).get("for_each_expression") or {}
        if "constant_value" in for_each and isinstance(for_each["constant_value"], dict):
            return _traverse(for_each["constant_value"].get(call.key), parts[2:])
        if "constant_value" in for_each and isinstance(for_each["constant_value"], list):
            return _traverse(call.key, parts[2:])
        refs = _ref_list(for_each)
        if refs and refs[0].startswith("var."):
            value = self.resolve(refs[0], parent, None, refs, depth + 1)
            if isinstance(value, dict):
                return _traverse(value.get(call.key), parts[2:])
        return Unknown(f"each.value of {_module_label(module)}", "use a constant map or a root variable in for_each")

    def _module_output(self, parts: list[Any], module: tuple[ModuleStep, ...], index: Any, siblings: list[str], depth: int) -> Any:
        name = parts[1]
        rest = parts[2:]
        key = None
        if rest and not isinstance(rest[0], str) or (rest and _is_key(rest[0])):
            key = rest[0].key if hasattr(rest[0], "key") else rest[0]
            rest = rest[1:]
        if not rest:
            return Unknown(f"module.{name} used as a whole")
        output = rest[0]
        child_path = tuple(s.name for s in module) + (name,)
        instances = self._module_instance_keys(module, name)
        if key is None and instances - {None}:
            key = index if index in instances else None
            if key is None:
                return Unknown(f"module.{name}.{output}: which instance of module.{name} is meant")
        child = module + (ModuleStep(name, key),)
        outputs = (self._module_configs.get(child_path) or {}).get("outputs") or {}
        expression = (outputs.get(output) or {}).get("expression") or {}
        if "constant_value" in expression:
            return _traverse(expression["constant_value"], rest[1:])
        refs = [r for r in _ref_list(expression) if isinstance(r, str)]
        for candidate in refs:
            if any(other.startswith(candidate + ".") or other.startswith(candidate + "[") for other in refs):
                continue
            target = self.resolve(candidate, child, None, refs, depth + 1)
            if not isinstance(target, Unknown):
                return target
        return Unknown(f"output {output} of module.{name} is not resolvable from the plan")

    # ------------------------------------------------------------------ regions and accounts
    def region_of(self, instance: Instance) -> Any:
        own = instance.values.get("region")  # the provider v6 per-resource region
        if isinstance(own, str) and own:
            return Placed(own, f"the region argument of {instance.address}")
        return self.provider_place(instance.provider_key or "aws").region

    def account_of(self, instance: Instance) -> Any:
        owner = instance.values.get("owner_id")
        if isinstance(owner, str) and owner:
            return Placed(owner, f"the owner_id of {instance.address} in the plan")
        return self.provider_place(instance.provider_key or "aws").account

    def provider_place(self, key: str) -> ProviderPlace:
        """Where provider configuration ``key`` (``aws``, ``aws.prod``, ``module.net:aws``) acts, from the
        plan's ``configuration.provider_config`` (see ``provider_identity``)."""
        cache = self.__dict__.setdefault("_places", {})
        if key not in cache:
            cache[key] = self._provider_place(key)
        return cache[key]

    def _provider_place(self, key: str) -> ProviderPlace:
        module_path, _, name = key.rpartition(":")
        label = name + (f" in {module_path}" if module_path else "")
        config = self.provider_config.get(key)
        if not isinstance(config, dict):
            return unknown_provider(label, f"provider {label} has no configuration in the plan; declare it with a "
                                           "region (and an assume_role or allowed_account_ids for its account)", key)
        module = tuple(ModuleStep(p, None) for p in module_path.split(".")[1::2]) if module_path else ()
        expressions = config.get("expressions") or {}
        attributes: dict[str, Any] = {}
        for argument, expression in expressions.items():  # every argument: the credential ones say the account
            if isinstance(expression, list):  # nested blocks: assume_role, endpoints, ...
                attributes[argument] = [
                    {k: self._provider_value(v, module, label, f"{argument}.{k}") for k, v in block.items()}
                    if isinstance(block, dict) else Unknown(f"the {argument} of provider {label}")
                    for block in expression]
            else:
                attributes[argument] = self._provider_value(expression, module, label, argument)
        return provider_place(label, attributes, key)

    def _provider_value(self, expression: Any, module: tuple[ModuleStep, ...], label: str, argument: str) -> Any:
        if not isinstance(expression, dict):
            return None if expression is None else Unknown(f"the {argument} of provider {label}")
        if "constant_value" in expression:
            return expression["constant_value"]
        refs = [r for r in _ref_list(expression) if isinstance(r, str)]
        kept = self._longest(refs)
        if len(kept) == 1:
            value = self.resolve(kept[0], module, None, refs)
            if not isinstance(value, (Unknown, ResourceTarget)):
                return value
        return Unknown(f"the {argument} of provider {label} ({', '.join(kept) or 'an expression'})",
                       f"give the provider {argument} as a literal or a root variable")

    def _data_source(self, parts: list[Any], module: tuple[ModuleStep, ...], ref: str) -> Any:
        """``data.aws_caller_identity.X.account_id`` / ``data.aws_region.X.name``: the account / region of the
        provider the data source is read through (a value the plan read wins); anything else is unknown."""
        unknown = Unknown(f"{ref} (data sources are read at apply time offline)",
                          "use a variable or a literal, or supply the value in the inventory")
        if len(parts) < 4 or not all(isinstance(p, str) for p in parts[1:4]):
            return unknown
        dtype, name, attribute = parts[1], parts[2], parts[3]
        config = self._resource_configs.get((tuple(s.name for s in module), f"data.{dtype}.{name}"))
        address = ".".join(f"module.{s.name}" for s in module) + ("." if module else "") + f"data.{dtype}.{name}"
        read = self._data_values.get(address)
        if isinstance(read, dict) and isinstance(read.get(attribute), str) and read[attribute]:
            return Placed(read[attribute], f"{address}, as the plan read it")
        if not isinstance(config, dict):
            return unknown
        arguments: dict[str, Any] = {}
        for argument, expression in (config.get("expressions") or {}).items():
            if argument in ("region", "name"):
                arguments[argument] = self._provider_value(expression, module, address, argument)
        place = self.provider_place(config.get("provider_config_key") or "aws")
        value = data_source_value(dtype, attribute, arguments, place, address)
        return unknown if value is None else value

    @property
    def _data_values(self) -> dict[str, Any]:
        """Data sources the plan read (``prior_state``): address -> values."""
        if "_data_cache" not in self.__dict__:
            found: dict[str, Any] = {}

            def walk(module: Any) -> None:
                if not isinstance(module, dict):
                    return
                for resource in module.get("resources") or []:
                    if isinstance(resource, dict) and resource.get("mode") == "data" \
                            and isinstance(resource.get("address"), str):
                        found[resource["address"]] = resource.get("values")
                for child in module.get("child_modules") or []:
                    walk(child)

            walk(((self.data.get("prior_state") or {}).get("values") or {}).get("root_module"))
            self.__dict__["_data_cache"] = found
        return self.__dict__["_data_cache"]

    def estate(self) -> Estate:
        estate = build_estate(self, name=self.path)
        estate.problems[:0] = self.problems
        return estate


def _is_key(step: Any) -> bool:
    return hasattr(step, "key")


def _traverse(value: Any, steps: list[Any]) -> Any:
    for step in steps:
        key = step.key if hasattr(step, "key") else step
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, list) and isinstance(key, int) and key < len(value):
            value = value[key]
        else:
            return Unknown(f"attribute {key} of a variable value")
    return value


def _module_label(module: tuple[ModuleStep, ...]) -> str:
    if not module:
        return "the root module"
    return ".".join(f"module.{s.name}" + ("" if s.key is None else f"[{json.dumps(s.key)}]") for s in module)
