"""Every instance of a root module call with ``for_each``, although tfparse evaluates at most 32.

tfparse (Aqua's evaluator, compiled in) evaluates the resources of at most 32 module instances called
from one module, across all its calls (measured: 20 + 20 instances of two calls give 20 + 12; the
limit is a constant, ``maxContextIterations``, with no option to raise it). The rest get no resources
and ``TfparseReader`` reports them as not evaluated ("cannot tell").

What this module does instead of inventing them: after the first evaluation, the root's ``for_each``
instances that got nothing are evaluated again by tfparse itself, at most 32 at a time, each pass on a
copy of the root where every ``for_each`` module call keeps only that pass's keys:

    for_each = { for k, v in (<the original expression>) : k => v if contains(<keys>, k) }

The instance sees the same ``each.key`` / ``each.value`` and the same inputs, so its resources are
what tfparse would have given it. From a pass only the entries inside its own instances are kept;
everything at the root level (and the module entries themselves) comes from the first evaluation,
and the per-run ids of a pass's other entries are kept as aliases, so a reference from an instance to
a root resource still resolves. An instance no pass evaluated stays reported as before.

Left out of the passes: instances of a call whose module holds nothing pcxguard models
(``inert_calls``): no resource of a type the model reads (``completeness.KINDS_OF_TYPE``), nested
calls only to such modules, and no reference to the call anywhere else in the root (``module.NAME``:
an output feeding a modelled resource or another call). Evaluated, such an instance adds no element;
not evaluated, it is reported as before, and its blocks are of types no set of the model holds, so
it adds no gap either: the findings are the same, without evaluating thousands of buckets and roles
(the realistic estate: 144 application instances, 5 evaluations, 3,168 resources nobody reads).

Such calls with ``for_each`` or ``count`` are left out of the first evaluation too (``leave_out``), so
that tfparse's 32 instances go to the calls that need them (the realistic estate's cells then need no
pass at all): in the copy, their ``for_each`` becomes ``{}`` (``count``: ``0``). The block itself stays,
so that an error tfparse finds in it still drops its file. The reader then treats them as if tfparse
had made their keyed instances, which holds only when tfparse's answer shows it would have
(``confirmed``): every edited file was read, and the root's probe of the call's ``for_each`` is a
non-empty map or set of non-empty keys (``count``: a whole number above 0). Otherwise (an unknown, empty
or odd collection: a gap in every set, or none, as before) the root as written is evaluated again.

A pass also narrows the variable a call iterates over, when the call says ``for_each = var.NAME``, the
root names ``var.NAME`` nowhere else, and tfparse's first answer gives its whole value without an
unknown part (``narrowed_variables``): the pass gets one more variables file (the last, so it wins)
holding only that pass's keys. tfparse's cost for every block grows with the size of the variables it
evaluates with (measured at 1,000 cells: 7.0 s for a pass over the whole map, 1.8 s over its 32
keys), so without this the passes (one per 32 instances) cost the square of the tree.

Not done (still reported as not evaluated): instances of a call with ``count`` (their ``count.index``
cannot be kept under a filter), calls whose arguments refer to other modules (a pass without the
other module's instance would feed this one a different value), and nested calls (a module calling
more than 32 instances itself).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass, field
from typing import Any

from pcxguard.loaders.hcl_syntax import _PARSER, ModuleSyntax

LIMIT = 32  # module instances tfparse evaluates per calling module (measured on tfparse 0.6.22)
ALIASES = "__pcxguard_uuid_aliases__"
_KEY = r'(?:"(?:[^"\\]|\\.)*"|\d+)'
_ROOT_INSTANCE = re.compile(rf"^module\.([A-Za-z_][\w-]*)(?:\[({_KEY})\])?$")
_PREFIX = re.compile(rf"^(module\.[A-Za-z_][\w-]*(?:\[{_KEY}\])?)\.")


def _entries(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(t, e) for t, items in data.items() if isinstance(items, list) for e in items if isinstance(e, dict)]


def _path(entry: dict[str, Any]) -> str | None:
    path = (entry.get("__tfmeta") or {}).get("path")
    return path if isinstance(path, str) else None


def plan_passes(data: dict[str, Any], root: ModuleSyntax,
                inert: frozenset[str] | set[str] = frozenset()) -> list[dict[str, list[str]]]:
    """The passes still needed: for each, call name -> the keys it keeps. Empty when all were evaluated.
    ``inert``: calls whose instances need no pass (``inert_calls``); they keep no key in any pass."""
    instances: list[tuple[str, str | None, str]] = []  # (call, key or None, prefix)
    for rtype, entry in _entries(data):
        path = _path(entry)
        match = _ROOT_INSTANCE.match(path) if rtype == "module" and path else None
        if match:
            key = json.loads(match.group(2)) if match.group(2) else None
            instances.append((match.group(1), key, path))  # type: ignore[arg-type]
    if len(instances) <= LIMIT:
        return []
    evaluated = set()
    for _, entry in _entries(data):
        path = _path(entry)
        found = _PREFIX.match(path) if path else None
        if found:
            evaluated.add(found.group(1))
    chunkable = {name for name, block in root.modules.items()
                 if "for_each" in block.attributes and "count" not in block.attributes
                 and not _refers_to_modules(block.attributes, root)}
    fixed = sum(1 for name, _, _ in instances if name not in chunkable)
    capacity = LIMIT - fixed
    pending = [(name, key) for name, key, prefix in instances
               if name in chunkable and name not in inert and isinstance(key, str) and prefix not in evaluated]
    if capacity < 1 or not pending:
        return []
    passes: list[dict[str, list[str]]] = []
    for start in range(0, len(pending), capacity):
        chunk: dict[str, list[str]] = {name: [] for name in chunkable}
        for name, key in pending[start:start + capacity]:
            chunk[name].append(key)
        passes.append(chunk)
    return passes


def inert_calls(root: ModuleSyntax, module_dirs: dict[str, ModuleSyntax]) -> set[str]:
    """The root's module calls whose instances cannot hold anything the model reads: their module (and
    every module it calls, each without count / for_each, local and read) declares no resource of a
    type in ``KINDS_OF_TYPE`` and no file of it failed to parse, and no root file names
    ``module.<call>`` (an output of it may feed a modelled resource, a provider or another call)."""
    from pcxguard.loaders.completeness import KINDS_OF_TYPE
    from pcxguard.loaders.hcl_syntax import local_module_dir

    def holds_nothing(directory: str | None, chain: tuple[str, ...]) -> bool:
        syntax = module_dirs.get(directory) if directory is not None else None
        if syntax is None or directory is None or directory in chain or not syntax.files or syntax.problems \
                or any(f.error for f in syntax.files):
            return False
        if any(block.labels[0] in KINDS_OF_TYPE for block in syntax.resources.values()):
            return False
        return all("count" not in call.attributes and "for_each" not in call.attributes
                   and holds_nothing(local_module_dir(syntax.directory, call), chain + (directory,))
                   for call in syntax.modules.values())

    candidates = {name for name, call in root.modules.items()
                  if holds_nothing(local_module_dir(root.directory, call), (root.directory,))}
    if not candidates:
        return set()
    texts = _root_texts(root)
    if texts is None:
        return set()  # a root file not read again: assume every call is needed
    named = {m.group(1) for text in texts for m in re.finditer(r"\bmodule\s*\.\s*([A-Za-z_][\w-]*)", text)}
    return candidates - named


KEPT = "__pcxguard_kept_"  # a local marking a root file whose call was left out of the first evaluation
_EMPTY_REPEAT = {"for_each": b"{}", "count": b"0"}


@dataclass
class LeftOut:
    """Calls of ``inert_calls`` left out of tfparse's first evaluation (``leave_out``): their ``for_each``
    or ``count`` made empty in the copy, the copy's files as they were, and one marker local per file."""

    calls: dict[str, str] = field(default_factory=dict)  # call name -> "for_each" | "count"
    originals: dict[str, bytes] = field(default_factory=dict)  # path in the copy -> its bytes before
    markers: set[str] = field(default_factory=set)


def leave_out(copy_root: str, inert: set[str] | frozenset[str]) -> LeftOut | None:
    """Leave the ``for_each`` / ``count`` calls of ``inert`` out of the first evaluation: in the copy of the
    root, their ``for_each`` becomes ``{}`` (``count``: ``0``), so tfparse spends none of its 32 instances on
    them, and each edited file gets a marker local. Nothing else of the block changes: an error tfparse
    finds in it still drops the file (whose marker is then missing, see ``confirmed``). A call is kept as
    it is when its file is not valid HCL, its name labels another block too, or it has both arguments, or
    one twice. None when no call is left out."""
    if not inert:
        return None
    files: list[tuple[str, bytes, Any]] = []
    blocks: dict[str, int] = {}
    for name in sorted(os.listdir(copy_root)):
        path = os.path.join(copy_root, name)
        if not name.endswith(".tf") or not os.path.isfile(path):
            continue
        with open(path, "rb") as handle:
            data = handle.read()
        tree = _PARSER.parse(data).root_node
        files.append((path, data, tree))
        body = next((c for c in tree.children if c.type == "body"), None)
        for block in (body.children if body is not None else []):
            label = _module_label(block)
            if label is not None:
                blocks[label] = blocks.get(label, 0) + 1
    left = LeftOut()
    for path, data, tree in files:
        body = next((c for c in tree.children if c.type == "body"), None)
        if tree.has_error or body is None:
            continue
        edits: list[tuple[int, int, bytes]] = []
        for block in body.children:
            label = _module_label(block)
            if label is None or label not in inert or blocks.get(label) != 1:
                continue
            inner = next((c for c in block.children if c.type == "body"), None)
            repeats = [a for a in (inner.children if inner is not None else [])
                       if a.type == "attribute" and a.child_count >= 3 and a.children[0].text in (b"for_each", b"count")]
            if len(repeats) != 1:
                continue
            expression = repeats[0].children[-1]
            kind = (repeats[0].children[0].text or b"").decode()
            original = data[expression.start_byte:expression.end_byte]
            edits.append((expression.start_byte, expression.end_byte,
                          _EMPTY_REPEAT[kind] + b"\n" * original.count(b"\n")))
            left.calls[label] = kind
        if not edits:
            continue
        left.originals[path] = data
        for start, end, text in sorted(edits, reverse=True):
            data = data[:start] + text + data[end:]
        marker = f"{KEPT}{len(left.markers)}"
        left.markers.add(marker)
        data += (b"" if data.endswith(b"\n") else b"\n") + f"locals {{\n  {marker} = true\n}}\n".encode()
        with open(path, "wb") as handle:
            handle.write(data)
    return left if left.calls else None


def restore(left: LeftOut) -> None:
    """The copy's files as they were before ``leave_out``."""
    for path, data in left.originals.items():
        with open(path, "wb") as handle:
            handle.write(data)


def confirmed(data: dict[str, Any], left: LeftOut, probes: dict[str, tuple[str, str]]) -> bool:
    """Whether tfparse, given the calls as written, would certainly have made keyed instances of each call
    of ``left`` (no gap: see ``TfparseReader._unknown_module_counts`` and ``_missing_blocks``): every edited
    file was read (its marker is there), and the root's probe of each call's ``for_each`` is a non-empty
    map or set of non-empty keys (an empty key makes an unkeyed instance), its ``count`` a whole number
    above 0, neither beyond ``limits.MAX_INSTANCES`` (as written, such a call may take tfparse beyond its
    time limit: that stays as it was). Otherwise the first evaluation is run again on the calls as written."""
    from pcxguard.limits import MAX_INSTANCES

    values: dict[str, Any] = {}
    for rtype, entry in _entries(data):
        if rtype == "locals" and _path(entry) == "locals":
            values.update(entry)
    if not left.markers <= values.keys():
        return False
    probed = {what[1]: values.get(name, None) for name, what in probes.items() if what[0] == "repeat"}
    for name, kind in left.calls.items():
        value = probed.get(f"module.{name}")
        if kind == "count":
            if not (type(value) is int and 0 < value <= MAX_INSTANCES):
                return False
            continue
        keys = list(value) if isinstance(value, (dict, list)) else []
        if not 0 < len(keys) <= MAX_INSTANCES or not all(isinstance(k, str) and k and not k.startswith("__")
                                                         for k in keys):
            return False
    return True


def _module_label(block: Any) -> str | None:
    if block.type != "block" or not block.children or block.children[0].text != b"module":
        return None
    labels = [c for c in block.children[1:] if c.type in ("string_lit", "identifier")]
    return (labels[0].text or b"").decode("utf-8", "replace").strip('"') if labels else None


PASS_VARIABLES = "pcxguard_pass.tfvars.json"
_VAR_ONLY = re.compile(r"^var\.([A-Za-z_][\w-]*)$")


def _root_texts(root: ModuleSyntax) -> list[str] | None:
    from pcxguard.loaders.hcl_syntax import read_bounded

    texts: list[str] = []
    for file in root.files:
        try:
            texts.append(read_bounded(file.path).decode("utf-8", "replace"))
        except OSError:
            return None
    return texts


def _plain(value: Any, depth: int = 0) -> bool:
    """A value a JSON variables file gives back unchanged: no tfparse marker, no template sequence."""
    if depth > 50:
        return False
    if isinstance(value, dict):
        return all(isinstance(k, str) and not k.startswith("__") and _plain(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v, depth + 1) for v in value)
    if isinstance(value, str):
        return "${" not in value and "%{" not in value
    return value is None or isinstance(value, (bool, int, float))


def narrowed_variables(data: dict[str, Any], root: ModuleSyntax,
                       passes: list[dict[str, list[str]]]) -> dict[str, tuple[str, Any]]:
    """Call name -> (variable, its whole value) for the calls of ``passes`` whose ``for_each`` is ``var.NAME``
    alone, named nowhere else in the root, and whose value tfparse gave whole (every instance's entry
    carries it) and plain."""
    calls = {name for keep in passes for name, keys in keep.items() if keys}
    found: dict[str, tuple[str, Any]] = {}
    texts = None
    for name in sorted(calls):
        block = root.modules.get(name)
        match = _VAR_ONLY.match((block.attributes.get("for_each") or "").strip()) if block is not None else None
        if match is None:
            continue
        texts = texts if texts is not None else _root_texts(root)
        if texts is None:
            return {}
        variable = match.group(1)
        mentions = sum(len(re.findall(rf"\bvar\s*\.\s*{re.escape(variable)}\b", text)) for text in texts)
        if mentions != 1:
            continue
        values = [e.get("for_each") for rtype, e in _entries(data) if rtype == "module"
                  and (m := _ROOT_INSTANCE.match(_path(e) or "")) is not None and m.group(1) == name]
        value = values[0] if values else None
        if isinstance(value, (dict, list)) and all(v == value for v in values[1:]) and _plain(value):
            found[name] = (variable, value)
    return found


def write_pass_variables(copy_root: str, keep: dict[str, list[str]],
                         narrowed: dict[str, tuple[str, Any]]) -> list[str]:
    """The variables file narrowing this pass's variables (``narrowed_variables``), written in the pass's
    root: its name relative to the root (for tfparse's ``vars_paths``), or nothing."""
    values: dict[str, Any] = {}
    for name, (variable, value) in narrowed.items():
        keys = keep.get(name) or []
        if isinstance(value, dict):
            values[variable] = {k: value[k] for k in keys if k in value}
        else:
            wanted = set(keys)
            values[variable] = [v for v in value if v in wanted]
    if not values:
        return []
    with open(os.path.join(copy_root, PASS_VARIABLES), "w", encoding="utf-8") as handle:
        json.dump(values, handle)
    return [PASS_VARIABLES]


def _refers_to_modules(attributes: dict[str, str], root: ModuleSyntax) -> bool:
    """Whether an argument of the call (for_each included) depends on a module, through locals too, or
    on a local the syntax does not show: a pass keeps only some instances of other calls, so such an
    argument could have another value there."""
    from pcxguard.loaders.terraform_tfparse import _closure

    for name, text in attributes.items():
        if name in ("source", "version", "providers", "depends_on"):
            continue
        if re.search(r"\bmodule\.", text) or any(r.startswith(("module.", "local.")) for r in _closure(text, root)):
            return True
    return False


def _hcl_string_list(keys: list[str]) -> str:
    # JSON strings are HCL strings once template sequences are escaped
    return "[" + ", ".join(json.dumps(k).replace("${", "$${").replace("%{", "%%{") for k in keys) + "]"


def write_pass(sandbox_tmp: str, root_copy: str, destination: str, keep: dict[str, list[str]]) -> str | None:
    """A copy of the sandbox at ``destination`` whose root keeps only ``keep``'s keys; the path of its
    root, or None when a call could not be rewritten (then the pass is not run)."""
    shutil.copytree(sandbox_tmp, destination)
    copy_root = os.path.join(destination, os.path.relpath(root_copy, sandbox_tmp))
    left = set(keep)
    for name in sorted(os.listdir(copy_root)):
        if not name.endswith(".tf") or not left:
            continue
        path = os.path.join(copy_root, name)
        with open(path, "rb") as handle:
            data = handle.read()
        edits: list[tuple[int, int, bytes]] = []
        body = next((c for c in _PARSER.parse(data).root_node.children if c.type == "body"), None)
        for block in (body.children if body is not None else []):
            if block.type != "block" or not block.children or block.children[0].text != b"module":
                continue
            labels = [c for c in block.children[1:] if c.type in ("string_lit", "identifier")]
            label = (labels[0].text or b"").decode("utf-8", "replace").strip('"') if labels else None
            if label not in left:
                continue
            inner = next((c for c in block.children if c.type == "body"), None)
            for attribute in (inner.children if inner is not None else []):
                if attribute.type == "attribute" and attribute.children[0].text == b"for_each" \
                        and attribute.child_count >= 3:
                    expression = attribute.children[-1]
                    original = data[expression.start_byte:expression.end_byte]
                    text = (f"{{ for k, v in ({original.decode('utf-8')}) : k => v "
                            f"if contains({_hcl_string_list(keep[label])}, k) }}").encode()
                    text += b"\n" * (original.count(b"\n") - text.count(b"\n"))
                    edits.append((expression.start_byte, expression.end_byte, text))
                    left.discard(label)
                    break
        for start, end, text in sorted(edits, reverse=True):
            data = data[:start] + text + data[end:]
        if edits:
            with open(path, "wb") as handle:
                handle.write(data)
    return None if left else copy_root


def merge(data: dict[str, Any], answer: dict[str, Any], keep: dict[str, list[str]]) -> None:
    """Add to ``data`` the entries of ``answer`` inside the instances this pass kept."""
    prefixes = {f"module.{name}[{json.dumps(key)}]" for name, keys in keep.items() for key in keys}
    aliases: dict[str, list[str]] = data.setdefault(ALIASES, {})
    for rtype, entry in _entries(answer):
        path = _path(entry)
        found = _PREFIX.match(path) if path else None
        if found and found.group(1) in prefixes:
            data.setdefault(rtype, []).append(entry)
        elif isinstance(entry.get("id"), str) and path:
            aliases[entry["id"]] = [(entry.get("__tfmeta") or {}).get("type") or rtype, path]
