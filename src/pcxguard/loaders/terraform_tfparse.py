"""Raw Terraform (``.tf`` files, no plan) -> one Estate per root module, evaluated by tfparse.

tfparse (PyPI) wraps the Terraform evaluator of Aqua Security's defsec/trivy: it expands
``count`` / ``for_each`` (resources and modules), evaluates Terraform's functions, follows local
modules and the registry / git modules ``terraform init`` installed under
``.terraform/modules`` (``modules.json``), and gives every instance its Terraform address, file
and lines. This module translates its answers into what ``EstateBuilder`` asks
(``terraform_common.Reader``):

- a reference to another instance arrives as that instance's per-run id (a UUID), or as an
  ``{"__attribute__": "aws_vpc.a.main_route_table_id"}`` marker for an attribute AWS computes:
  both become ``ResourceTarget`` links;
- any other marker (a variable without a value, a data source, an output not known) becomes an
  ``Unknown`` that names it and says how to supply it;
- what tfparse cannot expand is never invented: an unknown ``count`` (tfparse emits one ``x[0]``
  carrying ``count: 0``), a ``for_each`` it could not read (one unkeyed instance, or none at all)
  and a module call whose source is not on disk are reported on ``reader.unexpanded``
  (``Unexpanded``) and their instances are left out;
- where tfparse loses something the model needs, a small piece of our own reads the syntax
  (tree-sitter, ``hcl_syntax``): the ``providers = { aws = aws.west }`` map of a module call (tfparse
  gives ``{"aws": null}``), and references inside lists that tfparse turns into ``null``.

Files: tfparse never sees the scanned tree itself. It reads a private copy holding only the
regular ``.tf`` / ``.tfvars`` files (bounded) of the root and the modules it calls, and the files
that ``file()`` / ``templatefile()`` calls name literally (``"${path.module}/x.sh"``) inside the
root's or the calling module's directory tree. Any other file-reading call (a symlink, a path
outside the tree, ``/dev/zero``, a path computed from a variable) is replaced in the copy by an
unknown value, so its attribute becomes ``Unknown`` and nothing outside the tree is read.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Iterable

from pcxguard.limits import MAX_MODULES_JSON_BYTES
from pcxguard.loaders.hcl_syntax import (
    FileCall,
    ModuleSyntax,
    SyntaxBlock,
    is_local_source,
    local_module_dir,
    read_bounded,
    read_module_syntax,
    string_literal,
)
from pcxguard.loaders.terraform_common import (
    Key,
    ModuleStep,
    ResourceTarget,
    Unexpanded,
    build_estate,
    parse_instance_address,
    parse_reference,
)
from pcxguard.loaders.provider_identity import ProviderPlace, data_source_value, provider_place, unknown_provider
from pcxguard.model import Estate, LoadProblem, Placed, Unknown

MAX_MODULE_DIRS = 500
_NEAR_LINE = re.compile(r"\bline (\d+)\b")
MAX_MODULE_DEPTH = 10
MAX_FILE_BYTES = 1_000_000  # a file() / templatefile() target
BLOCKED = "pcxguard_blocked_file_read"
TEMPLATE_KEY = "__pcxguard_template__"
TEMPLATE_VARS = "__pcxguard_vars__"
_INTERPOLATION = re.compile(r"(?<!\$)\$\{\s*([A-Za-z_][\w-]*)((?:\.[A-Za-z_][\w-]*)*)\s*\}")
PROBE = "__pcxguard_probe_"
_REF = re.compile(r"\b(var|local|data|module)\.([A-Za-z_][\w-]*)(?:\.([A-Za-z_][\w-]*))?")
_RESOURCE_REF = re.compile(r"(?<![\w.])(?!var\.|local\.|data\.|module\.|each\.|count\.|path\.|terraform\.|self\.)"
                           r"[a-z][a-z0-9]*_[a-z0-9_]+\.[A-Za-z_][\w-]*")
_META_KEYS = {"__tfmeta", "id", "count", "for_each", "provider", "depends_on", "lifecycle", "provisioner",
              "connection"}
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_PROVIDER_MAP = re.compile(r"([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)?)\s*=\s*([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)?)")
_TRAVERSAL = re.compile(r"\b(?:module\.[A-Za-z_][\w-]*(?:\[[^\]]*\])?\.)*[a-z][a-z0-9_]*_[a-z0-9_]+\.[A-Za-z_][\w-]*"
                        r"(?:\[[^\]]*\])?(?:\.[A-Za-z_][\w-]*)*")
_EMPTY_LITERALS = {"0", "{}", "[]", "toset([])", "tomap({})", "tolist([])"}
# The arguments pcxguard reads that the AWS provider's schema types as bool. Terraform converts what the
# source writes to the argument's type before the provider (or a plan) sees it, and go-cty converts exactly
# the strings "true" / "1" and "false" / "0" to a bool ("True", "yes" or a number are errors). A plan holds
# the converted value; the source holds what was written, so the source is read as terraform converts it.
_BOOLEAN_ARGUMENTS = frozenset({"auto_accept", "enable_dns_support", "enable_dns_hostnames",
                                "allow_remote_vpc_dns_resolution", "assign_generated_ipv6_cidr_block",
                                "ipv6_native", "self", "egress"})
_CTY_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


class TfparseUnavailable(RuntimeError):
    pass


@dataclass
class Instance:
    address: str
    type: str
    name: str
    index: Any
    module: tuple[ModuleStep, ...]
    raw: dict[str, Any]
    file: str | None
    start_line: int | None
    end_line: int | None
    module_dir: str | None = None


@dataclass
class _Scope:
    """The directories tfparse may read, and how the copy maps back to the originals."""

    root: str
    module_dirs: dict[str, ModuleSyntax] = field(default_factory=dict)  # real directory -> its syntax
    problems: list[LoadProblem] = field(default_factory=list)
    installed: dict[str, str] = field(default_factory=dict)  # modules.json key -> directory


# an interpolation tfparse left unevaluated: a Terraform reference or function call inside ${ }, not a
# shell variable (${HOME}) that an escaped $${HOME} in user data becomes
_UNEVALUATED = re.compile(r"\$\{\s*((?:var|local|module|data|each|count|self|path|terraform)\.[A-Za-z0-9_.\[\]\"-]+"
                          r"|aws_[a-z0-9_]+\.[A-Za-z0-9_]+|[a-z][a-z0-9_]*\()")


_VARIABLE = re.compile(r"\bvar\.([A-Za-z_][A-Za-z0-9_-]*)")
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
# an optional argument of a for_each element, null when the element lacks it (registry modules:
# lookup(each.value, "cidr_blocks", null), try(each.value.self, null))
_OPTIONAL_OF_EACH = re.compile(r'lookup\(\s*each\.value\s*,\s*"([A-Za-z_][\w-]*)"\s*,\s*null\s*\)'
                               r'|try\(\s*each\.value\.([A-Za-z_][\w-]*)\s*,\s*null\s*\)')
_ANY_INTERPOLATION = re.compile(r"\$\{[^}]*\}")
_WHOLE_INTERPOLATION = re.compile(r'"\$\{\s*([^{}"]+?)\s*\}"')  # a template that is one interpolation: its expression
_NAMED_TRAVERSAL = re.compile(r"(?:data\.[a-z][a-z0-9_]*|var|local|module)\.[A-Za-z_][\w-]*(?:\[[^\]]*\])?"
                              r"(?:\.[A-Za-z_][\w-]*)*")


def data_unknown(text: str) -> Unknown:
    """A value a data source reads when Terraform plans: not in the source."""
    if text.startswith("data.terraform_remote_state."):
        return Unknown(f"{text} is read from another configuration's state (terraform_remote_state) when "
                       "Terraform plans", "scan the plan, or list the VPC in the inventory of known VPCs")
    return Unknown(f"{text} is read from AWS when Terraform plans (a data source)",
                   "scan the plan, or list the resource in the inventory of known VPCs")


def _module_prefix(path: tuple[ModuleStep, ...]) -> str:
    """``module.a["x"].module.b.``: asked for every block of every module instance, so worked out once per
    path (one with an unhashable key, which no tfparse answer gives, is worked out each time)."""
    try:
        return _prefix_of(path)
    except TypeError:
        return _prefix_of.__wrapped__(path)


@lru_cache(maxsize=65536)
def _prefix_of(path: tuple[ModuleStep, ...]) -> str:
    return "".join(f"module.{s.name}" + ("" if s.key is None else
                                         (f"[{s.key}]" if isinstance(s.key, int) else f"[{json.dumps(s.key)}]")) + "."
                   for s in path)


def _installed_modules(root: str, problems: list[LoadProblem]) -> dict[str, str]:
    """``.terraform/modules/modules.json``: module key ("app", "app.sub") -> installed directory."""
    path = os.path.join(root, ".terraform", "modules", "modules.json")
    if not os.path.lexists(path):
        return {}
    try:
        data = json.loads(read_bounded(path, MAX_MODULES_JSON_BYTES))
    except (OSError, ValueError) as error:
        problems.append(LoadProblem(path, f"cannot read the installed modules: {error}", fails_closed=True))
        return {}
    found: dict[str, str] = {}
    for entry in data.get("Modules") or [] if isinstance(data, dict) else []:
        if isinstance(entry, dict) and isinstance(entry.get("Key"), str) and isinstance(entry.get("Dir"), str) \
                and entry["Key"]:
            found[entry["Key"]] = os.path.normpath(os.path.join(root, entry["Dir"]))
    return found


def _collect_scope(root: str) -> _Scope:
    scope = _Scope(root)
    scope.installed = _installed_modules(root, scope.problems)
    pending: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [(root, (), (root,))]
    while pending:
        directory, key, chain = pending.pop()
        if directory in scope.module_dirs:
            continue
        if len(scope.module_dirs) >= MAX_MODULE_DIRS:
            scope.problems.append(LoadProblem(directory, f"more than {MAX_MODULE_DIRS} module directories; "
                                                         "the rest are not read", fails_closed=True))
            break
        syntax = read_module_syntax(directory)
        scope.module_dirs[directory] = syntax
        for file, message in syntax.problems:
            # a .tf file that cannot be read or parsed: the root's model lacks it (fail closed)
            near = _NEAR_LINE.search(message)
            scope.problems.append(LoadProblem(file, message, line=int(near.group(1)) if near else None,
                                              fails_closed=True))
        if len(chain) > MAX_MODULE_DEPTH:
            continue
        for name, call in syntax.modules.items():
            child_key = key + (name,)
            target = local_module_dir(directory, call)
            if target is None:
                target = scope.installed.get(".".join(child_key))
            if target is None or target in chain or not os.path.isdir(target):
                continue
            pending.append((target, child_key, chain + (target,)))
    return scope


def _inside(path: str, directory: str) -> bool:
    real, base = os.path.realpath(path), os.path.realpath(directory)
    return real == base or real.startswith(base.rstrip(os.sep) + os.sep)


def _file_target(call: FileCall, module_dir: str, root: str) -> tuple[str | None, str]:
    """The file a file-reading call names, when it is a literal path inside the tree; else None and why."""
    text = call.argument.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"' or "\\" in text:
        return None, "its path is not a literal the source gives (a variable or an expression)"
    body = text[1:-1]
    base = root
    for prefix, directory in (("${path.module}/", module_dir), ("${path.root}/", root), ("${path.cwd}/", root)):
        if body.startswith(prefix):
            body, base = body[len(prefix):], directory
            break
    if not body:
        return None, "its path is empty"
    if "${" in body or "%{" in body:
        return None, "its path is not a literal the source gives"
    if os.path.isabs(body):
        return None, f"{body} is an absolute path, outside the scanned tree"
    target = os.path.normpath(os.path.join(base, body))
    shown = os.path.relpath(target, root)
    if not (_inside(target, module_dir) or _inside(target, root)):
        return None, f"{shown} is outside the scanned tree"
    try:
        info = os.lstat(target)
    except OSError:
        return None, f"{shown} does not exist in the scanned tree (a file made before terraform runs?)"
    if not stat.S_ISREG(info.st_mode):
        return None, f"{shown} is not a regular file"
    if info.st_size > MAX_FILE_BYTES:
        return None, f"{shown} is larger than {MAX_FILE_BYTES:,} bytes"
    return target, ""


class _Sandbox:
    """A private copy of what tfparse may read (see the module docstring)."""

    def __init__(self, scope: _Scope, var_files: list[str], variables: dict[str, Any] | None = None) -> None:
        self.scope = scope
        self.blocked: list[tuple[str, int, str, str]] = []  # (file, line, call, why) replaced by an unknown
        self.tmp = tempfile.mkdtemp(prefix="pcxguard-tf-")
        dirs = list(scope.module_dirs) + [os.path.dirname(os.path.abspath(v)) for v in var_files]
        self.base = os.path.commonpath([os.path.abspath(d) for d in dirs]) if dirs else os.path.abspath(scope.root)
        self.var_paths: list[str] = []
        self.probes: dict[str, dict[str, tuple[str, str]]] = {}  # directory -> probe local -> what it probes
        try:
            self._populate(var_files)
            if variables:
                # values given outside the files (a plan's variables): last, as -var wins in terraform
                path = os.path.join(self.copy_path(scope.root), "pcxguard-given.auto.tfvars.json")
                with open(path, "w", encoding="utf-8") as handle:
                    json.dump({k: v for k, v in variables.items() if v is not None}, handle)
                self.var_paths.append(os.path.basename(path))
        except BaseException:
            self.close()
            raise

    def copy_path(self, original: str) -> str:
        return os.path.join(self.tmp, os.path.relpath(os.path.abspath(original), self.base))

    def original(self, relative_to_root: str) -> str:
        """The file in the scanned tree a file of the copy stands for (asked per resource: a few files, so
        each is worked out once; three ``relpath`` calls each were 0.03 s of a 1,858-resource root)."""
        memo: dict[str, str] = self.__dict__.setdefault("_originals", {})
        found = memo.get(relative_to_root)
        if found is None:
            copy = os.path.normpath(os.path.join(self.copy_path(self.scope.root), relative_to_root))
            back = os.path.normpath(os.path.join(self.base, os.path.relpath(copy, self.tmp)))
            # keep the caller's style (relative paths stay relative)
            rel = os.path.relpath(back, os.path.abspath(self.scope.root))
            found = memo[relative_to_root] = os.path.normpath(os.path.join(self.scope.root, rel))
        return found

    def _write(self, original: str, data: bytes) -> None:
        target = self.copy_path(original)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(data)

    def _populate(self, var_files: list[str]) -> None:
        root = self.scope.root
        for directory, syntax in self.scope.module_dirs.items():
            os.makedirs(self.copy_path(directory), exist_ok=True)
            for parsed in syntax.files:
                if parsed.error and not parsed.blocks:
                    continue
                name = os.path.basename(parsed.path)
                if name in ("override.tf", "override.tf.json") or name.endswith(("_override.tf", "_override.tf.json")):
                    # tfparse does not merge override files: it makes a second instance from them
                    self.scope.problems.append(LoadProblem(parsed.path, "override files are not merged; their "
                                                                        "settings are ignored"))
                    continue
                try:
                    data = read_bounded(parsed.path)
                except OSError as error:
                    self.scope.problems.append(LoadProblem(parsed.path, f"cannot read the file: {error}",
                                                           fails_closed=True))
                    continue
                for call in sorted(parsed.file_calls, key=lambda c: c.start_byte, reverse=True):
                    target, why = _file_target(call, directory, root)
                    if target is not None:
                        try:
                            self._write(target, read_bounded(target, MAX_FILE_BYTES))
                        except OSError as error:
                            target, why = None, f"it cannot be read ({error})"
                    if target is not None and call.function == "templatefile" and len(call.arguments) == 2:
                        # tfparse gives templatefile() no value: let it evaluate the file and the variables,
                        # and render the template here (_render_template)
                        original = data[call.start_byte:call.end_byte]
                        replacement = (f'{{"{TEMPLATE_KEY}" = file({call.arguments[0]}), "{TEMPLATE_VARS}" = '
                                       f'{call.arguments[1]}').encode()
                        replacement += b"\n" * (original.count(b"\n") - replacement.count(b"\n")) + b"}"
                        data = data[:call.start_byte] + replacement + data[call.end_byte:]
                        continue
                    if target is not None:
                        continue
                    original = data[call.start_byte:call.end_byte]
                    replacement = f"var.{BLOCKED}".encode() + b"\n" * original.count(b"\n")
                    data = data[:call.start_byte] + replacement + data[call.end_byte:]
                    self.blocked.append((parsed.path, call.line, f"{call.function}({call.argument})", why))
                self._write(parsed.path, data)
        for directory, syntax in self.scope.module_dirs.items():
            self._write_probes(directory, syntax)
        modules_json = os.path.join(root, ".terraform", "modules", "modules.json")
        if self.scope.installed:
            self._write(modules_json, read_bounded(modules_json, MAX_MODULES_JSON_BYTES))
        names = sorted(os.listdir(root)) if os.path.isdir(root) else []
        auto = ["terraform.tfvars", "terraform.tfvars.json"] + [n for n in names if n.endswith(".auto.tfvars")
                                                                  or n.endswith(".auto.tfvars.json")]
        for path in [os.path.join(root, n) for n in auto if n in names] + list(var_files):
            try:
                data = read_bounded(path, MAX_FILE_BYTES)
            except OSError as error:
                self.scope.problems.append(LoadProblem(path, f"cannot read variable values: {error}",
                                                       fails_closed=True))
                continue
            self._write(path, data)
            self.var_paths.append(os.path.relpath(self.copy_path(path), self.copy_path(root)))

    def _write_probes(self, directory: str, syntax: ModuleSyntax) -> None:
        """Locals that make tfparse evaluate each ``count`` / ``for_each`` expression (and the variables
        and module outputs it depends on) in the module's own scope: tfparse gives no instance both
        for a known-empty and an unknown collection, and only the probe tells them apart."""
        probes: dict[str, tuple[str, str]] = {}
        lines: list[str] = []
        blocks = [(ident, b) for ident, b in syntax.resources.items()] + \
            [(f"module.{name}", b) for name, b in syntax.modules.items()]
        refs: set[str] = set()
        for ident, block in blocks:
            text = block.attributes.get("count") or block.attributes.get("for_each")
            if text is None:
                continue
            name = f"{PROBE}{len(probes)}"
            probes[name] = ("repeat", ident)
            lines.append(f"  {name} = {text}")
            closure = _closure(text, syntax)
            refs.update(r for r in closure if r.startswith(("var.", "module.")))
        for ref in sorted(refs):
            name = f"{PROBE}{len(probes)}"
            probes[name] = ("ref", ref)
            lines.append(f"  {name} = {ref}")
        if lines:
            target = os.path.join(self.copy_path(directory), "zz_pcxguard_probes.tf")
            with open(target, "w", encoding="utf-8") as handle:
                handle.write("locals {\n" + "\n".join(lines) + "\n}\n")
            self.probes[os.path.normpath(directory)] = probes

    def close(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


def _tfparse() -> Any:
    try:
        import tfparse
    except ImportError as error:  # pragma: no cover - a declared dependency
        raise TfparseUnavailable(f"tfparse is not installed ({error})") from error
    return tfparse


# tfparse runs in a child interpreter: Go code cannot be interrupted from Python, so a hostile root
# (count = 1000000000, for_each over range(100000000)) is stopped by killing the child.
# The child writes tfparse's own JSON text as the Go side made it: ``load_from_path`` would decode it
# (json.loads) only for the child to encode it again and the parent to decode it a third time. One
# child may evaluate several trees (``_evaluate_many``): its start (~0.2 s, mostly importing tfparse and
# loading its Go library) is paid once. Output: a JSON array, one answer per tree, in order; an answer
# tfparse refused is {"__pcxguard_error__": message}.
_EVALUATOR = """
import json, sys
import tfparse
jobs = json.loads(sys.argv[1])
out = sys.stdout.buffer
out.write(b"[")
for number, (path, var_paths) in enumerate(jobs):
    if number:
        out.write(b",")
    try:
        lib, ffi = getattr(tfparse, "lib", None), getattr(tfparse, "ffi", None)
        if lib is None or ffi is None:  # another tfparse layout: its decoded answer, encoded again
            out.write(json.dumps(tfparse.load_from_path(path, vars_paths=var_paths), default=str).encode())
            continue
        keep = [ffi.new("char[]", str(v).encode("utf8")) for v in var_paths]
        ret = lib.Parse(ffi.new("char[]", path.encode("utf8")), False, False, False,
                        ffi.new("char[]", b"default"), len(keep), keep)
        if ret.err != ffi.NULL:
            message = ffi.string(ret.err).decode("utf8", "replace")
            lib.free(ret.err)
            out.write(json.dumps({"__pcxguard_error__": message}).encode())
            continue
        out.write(ffi.string(ret.json))
        lib.free(ret.json)
    except Exception as error:
        out.write(json.dumps({"__pcxguard_error__": f"{type(error).__name__}: {error}"}).encode())
out.write(b"]")
out.flush()
"""
def _decode(raw: bytes) -> Any:
    """tfparse's JSON, decoded once, by the standard decoder: orjson was only ~20 % faster on this text
    (0.27 s against 0.34 s for 25 MB) and reads an integer beyond 64 bits as a float, and a guard
    against that (a scan for 19 digits) cost as much as the decoding."""
    return json.loads(raw)


def _tfparse_seconds() -> int:
    from pcxguard import limits

    seconds = limits.TFPARSE_SECONDS
    try:
        seconds = max(1, int(os.environ.get("PCXGUARD_TFPARSE_SECONDS", seconds)))
    except ValueError:
        pass
    return seconds


def _evaluate_many(jobs: list[tuple[str, list[str]]]) -> list[Any]:
    """tfparse's answers for several trees in one child, bounded in time together (``limits.TFPARSE_SECONDS``
    for each tree: the passes of a big root are many trees, each as big as tfparse's 32 instances make it).
    An answer tfparse refused is a RuntimeError in its place."""
    _tfparse()  # a missing dependency is said as such, not as a child's traceback
    each = _tfparse_seconds()
    seconds = each * max(1, len(jobs))
    try:
        done = subprocess.run([sys.executable, "-c", _EVALUATOR, json.dumps([[p, list(v)] for p, v in jobs])],
                              capture_output=True, timeout=seconds, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        per = f", {each} s for each of {len(jobs)} trees" if len(jobs) > 1 else ""
        raise TimeoutError(f"it took longer than {seconds} s (the limit{per}; PCXGUARD_TFPARSE_SECONDS sets it), "
                           "for example a count or for_each of millions of instances") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.decode("utf-8", "replace").strip().splitlines() if line.strip()]
        raise RuntimeError(lines[-1] if lines else f"the evaluator exited with status {done.returncode}")
    answers = _decode(done.stdout)
    if not isinstance(answers, list) or len(answers) != len(jobs):
        raise RuntimeError("the evaluator gave no answer")
    return [RuntimeError(a["__pcxguard_error__"]) if isinstance(a, dict) and "__pcxguard_error__" in a else a
            for a in answers]


def _evaluate(path: str, var_paths: list[str]) -> Any:
    """tfparse's answer for one root, bounded in time (``limits.TFPARSE_SECONDS``)."""
    answer = _evaluate_many([(path, var_paths)])[0]
    if isinstance(answer, Exception):
        raise answer
    return answer


def _strip(value: Any) -> Any:
    """tfparse nested blocks carry ``__tfmeta`` and an ``id``; drop them (and normalise to lists)."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in ("__tfmeta", "id") or "__tfmeta" not in value}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _is_block(value: Any) -> bool:
    return isinstance(value, dict) and "__tfmeta" in value


def _normalise(raw: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key in _META_KEYS:
            continue
        if _is_block(value):
            values[key] = [_normalise_block(value)]
        elif isinstance(value, list) and value and all(_is_block(v) for v in value):
            values[key] = [_normalise_block(v) for v in value]
        else:
            values[key] = value
    return values


def _normalise_block(value: dict[str, Any]) -> dict[str, Any]:
    return _normalise({k: v for k, v in value.items() if k not in ("__tfmeta", "id")})


class TfparseReader:
    """Answers the questions ``build_estate`` asks, from tfparse's evaluation of one root module."""

    kind = "terraform"

    def __init__(self, directory: str, var_files: Iterable[str] = (),
                 variables: dict[str, Any] | None = None) -> None:
        self.directory = os.path.normpath(str(directory))
        self.problems: list[LoadProblem] = []
        self.unexpanded: list[Unexpanded] = []
        self.instances: dict[str, Instance] = {}
        self._by_uuid: dict[str, tuple[str, str]] = {}  # uuid -> ("resource"|"data"|..., address)
        self._providers: dict[tuple[str, str], Any] = {}  # (module prefix, "aws"/"aws.west") -> region value
        self._provider_entries: dict[tuple[str, str], dict[str, Any]] = {}  # same key -> tfparse provider entry
        self._data_sources: dict[tuple[str, str], dict[str, Any]] = {}  # (prefix, "aws_region.x") -> entry
        self._places: dict[tuple[str, str], ProviderPlace] = {}
        self._outputs: dict[str, dict[str, Any]] = {}  # "module.a.output.x" -> tfparse output entry
        self._module_calls: dict[str, dict[str, Any]] = {}  # "module.a[0]." -> tfparse module entry
        self._module_dirs: dict[str, str] = {}  # module prefix -> directory
        self._memo: dict[tuple[str, str], Any] = {}
        self._inert: set[str] = set()  # the root's calls holding nothing modelled (tfparse_chunks.inert_calls)
        self.left_out: frozenset[str] = frozenset()  # those of them left out of tfparse's first evaluation
        scope = _collect_scope(self.directory)
        self.scope = scope
        self.problems.extend(scope.problems)
        var_files = [str(v) for v in var_files]
        sandbox = _Sandbox(scope, var_files, variables)
        try:
            self.problems.extend(p for p in scope.problems if p not in self.problems)
            for file, line, call, why in sandbox.blocked:
                self.problems.append(LoadProblem(file, f"line {line}: {call} is not read: {why}; its value is "
                                                       "unknown", line=line))
            data = self._first_evaluation(sandbox)
            if isinstance(data, dict) and data:
                self._evaluate_the_rest(data, sandbox)
            self._read(data if isinstance(data, dict) else {}, sandbox)
        finally:
            sandbox.close()

    def _first_evaluation(self, sandbox: _Sandbox) -> Any:
        """tfparse's answer for the root, with the repeated calls that hold nothing modelled left out
        (``tfparse_chunks.leave_out``: its 32 instances go to the rest), when its answer shows they would
        have made keyed instances (``confirmed``); else the root as written is evaluated again, as before.
        Calls left out are on ``left_out``: their instances are neither evaluated nor reported, as they
        would add no element and no gap (``inert_calls``)."""
        from pcxguard.loaders import tfparse_chunks

        path, var_paths = sandbox.copy_path(self.directory), list(sandbox.var_paths or [])
        root = self.scope.module_dirs.get(self.directory)
        self._inert = tfparse_chunks.inert_calls(root, self.scope.module_dirs) if root is not None else set()
        left = tfparse_chunks.leave_out(path, self._inert)
        if left is not None:
            try:
                data = _evaluate(path, var_paths)
            except Exception:  # noqa: BLE001 - the root as written decides, below
                data = None
            probes = sandbox.probes.get(os.path.normpath(self.directory), {})
            if isinstance(data, dict) and data and tfparse_chunks.confirmed(data, left, probes):
                self.left_out = frozenset(left.calls)
                return data
            tfparse_chunks.restore(left)
        try:
            return _evaluate(path, var_paths)
        except Exception as error:  # tfparse raises ParseError and others; a bad root must not stop the scan
            first = str(error).strip().splitlines()[0][:300] if str(error).strip() else type(error).__name__
            self.problems.append(LoadProblem(self.directory, f"the Terraform evaluator (tfparse) could not read "
                                                             f"this root module: {first}", fails_closed=True))
            return {}

    def _evaluate_the_rest(self, data: dict[str, Any], sandbox: _Sandbox) -> None:
        """The root's ``for_each`` module instances beyond tfparse's 32, evaluated by tfparse in passes of
        at most 32 (``tfparse_chunks``); an instance no pass evaluated stays reported as not evaluated."""
        from pcxguard.loaders import tfparse_chunks

        root = self.scope.module_dirs.get(self.directory)
        if root is None:
            return
        passes = tfparse_chunks.plan_passes(data, root, self._inert)
        if not passes:
            return
        work = tempfile.mkdtemp(prefix="pcxguard-tf-passes-")
        try:
            jobs, kept = [], []
            narrowed = tfparse_chunks.narrowed_variables(data, root, passes)
            for number, keep in enumerate(passes):
                copy_root = tfparse_chunks.write_pass(sandbox.tmp, sandbox.copy_path(self.directory),
                                                      os.path.join(work, str(number)), keep)
                if copy_root is not None:
                    extra = tfparse_chunks.write_pass_variables(copy_root, keep, narrowed)
                    jobs.append((copy_root, list(sandbox.var_paths or []) + extra))
                    kept.append(keep)
            try:
                answers = _evaluate_many(jobs) if jobs else []
            except Exception as error:  # noqa: BLE001 - the first evaluation stands; the rest stay unevaluated
                first = str(error).strip().splitlines()[0][:300] if str(error).strip() else type(error).__name__
                self.problems.append(LoadProblem(self.directory, "the Terraform evaluator (tfparse) could not "
                                                 f"evaluate the module instances beyond its first 32: {first}"))
                return
            for answer, keep in zip(answers, kept, strict=False):  # a missing answer: those stay unevaluated
                if isinstance(answer, dict):
                    tfparse_chunks.merge(data, answer, keep)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    # ------------------------------------------------------------------ reading tfparse's answer
    def _read(self, data: dict[str, Any], sandbox: _Sandbox) -> None:
        entries: list[tuple[str, dict[str, Any]]] = [(t, e) for t, items in data.items() if isinstance(items, list)
                                                     for e in items if isinstance(e, dict)]
        # module instances first: their directories and counts
        self._module_dirs[""] = self.directory
        aliases = data.get("__pcxguard_uuid_aliases__")  # ids of a later pass's root entries (tfparse_chunks)
        for uuid, (kind, path) in (aliases.items() if isinstance(aliases, dict) else ()):
            self._by_uuid.setdefault(uuid, (kind, path))
        for rtype, entry in entries:
            meta = entry.get("__tfmeta") or {}
            path = meta.get("path")
            if isinstance(entry.get("id"), str) and isinstance(path, str):
                self._by_uuid[entry["id"]] = (meta.get("type") or rtype, path)
            if rtype == "module" and isinstance(path, str):
                self._module_calls[path + "."] = entry
            if rtype == "provider" and isinstance(path, str):
                prefix = path[: -len("provider.aws")] if path.endswith("provider.aws") else None
                label = meta.get("label")
                if prefix is not None and isinstance(label, str):
                    alias = entry.get("alias")
                    name = f"{label}.{alias}" if isinstance(alias, str) else label
                    self._providers[(prefix, name)] = entry.get("region", _MISSING_REGION)
                    self._provider_entries[(prefix, name)] = entry
            if rtype == "output" and isinstance(path, str):
                self._outputs[path] = entry
            if meta.get("type") == "data" and isinstance(path, str):
                label = path.rsplit(".", 1)[-1] if "." in path else ""
                suffix = f"data.{rtype}.{label}"
                if path.endswith(suffix):
                    self._data_sources[(path[: -len(suffix)], f"{rtype}.{label}")] = entry
        self._read_probes(entries, sandbox)
        skipped_modules = self._unknown_module_counts()
        seen_blocks: dict[tuple[str, str], list[Instance]] = {}
        for rtype, entry in entries:
            meta = entry.get("__tfmeta") or {}
            if meta.get("type") != "resource" or not isinstance(meta.get("path"), str):
                continue
            address = meta["path"]
            try:
                module, _, name, index = parse_instance_address(address)
            except ValueError as error:
                self.problems.append(LoadProblem(self.directory, str(error), address, fails_closed=True))
                continue
            prefix = _module_prefix(module)
            if any(prefix.startswith(s) for s in skipped_modules):
                continue
            filename = meta.get("filename")
            file = sandbox.original(filename) if isinstance(filename, str) else None
            instance = Instance(address, rtype, name, index, module, entry, file, meta.get("line_start"),
                                meta.get("line_end"))
            if module:
                instance.module_dir = os.path.dirname(file) if file else None
                self._module_dirs.setdefault(prefix, instance.module_dir or "")
            seen_blocks.setdefault((prefix, f"{rtype}.{name}"), []).append(instance)
        for (prefix, ident), instances in seen_blocks.items():
            first = instances[0]
            count = first.raw.get("count")
            block = self._syntax_block(first)
            has_for_each = "for_each" in first.raw or (block is not None and "for_each" in block.attributes)
            counted = "count" in first.raw or (block is not None and "count" in block.attributes)
            # tfparse makes up x[0] for a count it cannot evaluate: with count 0, or with none at all
            # (a count from a data source), never a positive whole number
            if counted and not (type(count) is int and count > 0):
                self._unexpand(first, prefix + ident, f"count of {prefix}{ident} is not known from the source",
                               self._hint_for_text(block.attributes.get("count") if block else None, prefix))
                continue
            if has_for_each and (first.index is None or _is_marker(first.raw.get("for_each"))):
                self._unexpand(first, prefix + ident, f"for_each of {prefix}{ident} is not known from the source",
                               self._how_to_know(first.raw.get("for_each"), "for_each", prefix))
                continue
            for instance in instances:
                self.instances[instance.address] = instance
        self._missing_blocks(seen_blocks, skipped_modules)

    def _read_probes(self, entries: list[tuple[str, dict[str, Any]]], sandbox: _Sandbox) -> None:
        """The values of the probe locals, per module instance: prefix -> what was probed -> value."""
        self._probes: dict[str, dict[tuple[str, str], Any]] = {}
        for rtype, entry in entries:
            meta = entry.get("__tfmeta") or {}
            path = meta.get("path")
            if rtype != "locals" or not isinstance(path, str) or not path.endswith("locals"):
                continue
            prefix = path[: -len("locals")]
            directory = self._directory_of(prefix)
            probes = sandbox.probes.get(os.path.normpath(directory)) if directory else None
            for name, what in (probes or {}).items():
                if name in entry:
                    self._probes.setdefault(prefix, {})[what] = entry[name]

    def _known_empty(self, prefix: str, ident: str, text: str, syntax: ModuleSyntax) -> bool:
        """Whether a count / for_each that gave no instance is known to be empty (0, {}, [])."""
        probes = getattr(self, "_probes", {}).get(prefix, {})
        value = probes.get(("repeat", ident), _MISSING_REGION)
        if not (value == 0 or value == {} or value == []) or value is False:
            return False
        for ref in _closure(text, syntax):
            if ref.startswith(("data.", "local.")) or not ref.startswith(("var.", "module.")):
                return False  # a data source, a resource attribute, an undeclared local: known at apply
            probed = probes.get(("ref", ref), None)
            if (probed is None or _marker_names(probed)) and not self._null_by_default(prefix, ref, syntax):
                return False  # tfparse evaluates length(unknown) as 0: the inputs must be known too
        return True

    def _null_by_default(self, prefix: str, ref: str, syntax: ModuleSyntax) -> bool:
        """Whether ``var.NAME`` is null: declared with ``default = null`` and given no value (tfparse shows
        such a variable as it shows one without a value, but evaluates it as null). A root variable given
        in a variables file has its value in the probes; a module input counts only when the call omits it."""
        name = ref[len("var."):] if ref.startswith("var.") else None
        declared = syntax.variables.get(name) if name else None
        if declared is None or (declared.attributes.get("default") or "").strip() != "null":
            return False
        call = self._module_calls.get(prefix) if prefix else None
        return not prefix or (call is not None and name not in call)

    def _unknown_module_counts(self) -> list[str]:
        """Module instances tfparse made up for a count / for_each it could not read."""
        skipped: list[str] = []
        for prefix, entry in self._module_calls.items():
            meta = entry.get("__tfmeta") or {}
            count = entry.get("count")
            unkeyed_each = "for_each" in entry and not prefix.rstrip(".").endswith("]")
            unknown_count = "count" in entry and not (type(count) is int and count > 0)
            if unknown_count or unkeyed_each or _is_marker(entry.get("for_each")):
                base = re.sub(r"\[[^\]]*\]\.$", ".", prefix)
                if base in skipped:
                    continue
                skipped.append(prefix)
                what = "count" if "count" in entry else "for_each"
                self.unexpanded.append(Unexpanded("module", base.rstrip("."),
                                                  f"{what} of {base.rstrip('.')} is not known from the source",
                                                  self._how_to_know(entry.get(what), what, _caller(base)),
                                                  self._original_file(meta), meta.get("line_start")))
        return skipped

    def _original_file(self, meta: dict[str, Any]) -> str | None:
        filename = meta.get("filename")
        return os.path.normpath(os.path.join(self.directory, filename)) if isinstance(filename, str) else None

    def _unexpand(self, instance: Instance, address: str, what: str, hint: str) -> None:
        block = self._syntax_block(instance)
        attributes, nested = self._block_syntax(block, _module_prefix(instance.module))
        self.unexpanded.append(Unexpanded(instance.type, address, what, hint, instance.file, instance.start_line,
                                          attributes, nested))

    def _block_syntax(self, block: SyntaxBlock | None, prefix: str) -> tuple[frozenset[str] | None,
                                                                            frozenset[str] | None]:
        """A block's top-level arguments and nested block names, or (None, None) when its syntax is not
        read whole (no block, or its file is not valid HCL): nothing is concluded from what it lacks."""
        directory = self._directory_of(prefix)
        syntax = self.scope.module_dirs.get(directory) if directory else None
        if block is None or syntax is None or any(f.path == block.file and f.error for f in syntax.files):
            return None, None
        return frozenset(block.attributes), block.nested

    def _hint_for_text(self, expression: str | None, prefix: str) -> str:
        """How to make known an expression of ``prefix``'s module instance ("" for the root module): the
        variables it reads that have no value (a variable the probes show a value for is not the gap)."""
        probes = getattr(self, "_probes", {}).get(prefix, {})
        variables = [v for v in sorted(set(re.findall(r"\bvar\.([A-Za-z_][\w-]*)", expression or "")))
                     if (value := probes.get(("ref", f"var.{v}"))) is None or _marker_names(value)]
        if variables:
            return _give_variables(variables, prefix)
        return "scan the plan (terraform show -json), where terraform has expanded it"

    def _how_to_know(self, value: Any, what: str, prefix: str) -> str:
        """How to make a count / for_each known that ``prefix``'s module instance evaluates."""
        names = _marker_names(value)
        variables = [n[4:].split(".")[0].split("[")[0] for n in names if n.startswith("var.")]
        if variables:
            return _give_variables(variables, prefix)
        return f"scan the plan (terraform show -json), where terraform has expanded the {what}"

    def _missing_blocks(self, seen: dict[tuple[str, str], list[Instance]], skipped: list[str]) -> None:
        """Declared resource blocks and module calls tfparse gave no instance for."""
        module_instances = {""} | {p for p in self._module_calls if not any(p.startswith(s) for s in skipped)}
        for prefix in module_instances:
            directory = self._directory_of(prefix)
            syntax = self.scope.module_dirs.get(directory) if directory else None
            if syntax is None:
                continue
            for ident, block in syntax.resources.items():
                if (prefix, ident) in seen:
                    continue
                repeat = block.attributes.get("count") or block.attributes.get("for_each")
                if repeat is not None and (repeat.strip() in _EMPTY_LITERALS
                                           or self._known_empty(prefix, ident, repeat, syntax)):
                    continue  # no instances, and that is known
                if repeat is None:
                    broken = any(f.path == block.file and f.error for f in syntax.files)
                    what = f"{prefix}{ident} was not evaluated" + (" (its file is not valid HCL)" if broken else "")
                    if not broken and "[" in prefix:
                        what += (" (tfparse evaluates the resources of at most 32 instances of a module called "
                                 "with count or for_each; further passes cover only the root module's for_each "
                                 "calls whose arguments do not depend on other modules)")
                else:
                    what = (f"{'count' if 'count' in block.attributes else 'for_each'} of {prefix}{ident} "
                            f"({repeat.strip()[:80]}) gives no instance from the source: empty or not known")
                attributes, nested = self._block_syntax(block, prefix)
                self.unexpanded.append(Unexpanded(block.labels[0], prefix + ident, what,
                                                  self._hint_for_text(repeat, prefix), block.file, block.start_line,
                                                  attributes, nested))
            for name, call in syntax.modules.items():
                child = f"{prefix}module.{name}"
                if (prefix == "" and name in self.left_out) or \
                        any(p == child + "." or p.startswith(child + "[") for p in self._module_calls):
                    self._module_not_on_disk(prefix, name, call, directory)
                    continue
                repeat = call.attributes.get("count") or call.attributes.get("for_each")
                if repeat is not None and (repeat.strip() in _EMPTY_LITERALS
                                           or self._known_empty(prefix, f"module.{name}", repeat, syntax)):
                    continue
                if repeat is None:
                    self._module_not_on_disk(prefix, name, call, directory)
                    continue
                self.unexpanded.append(Unexpanded(
                    "module", child, f"{'count' if 'count' in call.attributes else 'for_each'} of {child} "
                    f"({repeat.strip()[:80]}) gives no instance from the source: empty or not known",
                    self._hint_for_text(repeat, prefix), call.file, call.start_line))

    def _module_not_on_disk(self, prefix: str, name: str, call: SyntaxBlock, directory: str | None) -> None:
        source = string_literal(call.attributes.get("source")) or call.attributes.get("source", "?")
        key = ".".join(s.split("[")[0] for s in (prefix + f"module.{name}").split(".")[1::2])
        if directory is None:
            return
        target = local_module_dir(directory, call) if is_local_source(source) else self.scope.installed.get(key)
        if target is not None and os.path.isdir(target) and any(n.endswith(".tf") for n in os.listdir(target)):
            return
        where = "is not on disk" if is_local_source(source) else "is not installed (run terraform init)"
        self.unexpanded.append(Unexpanded("module", f"{prefix}module.{name}", f"module {prefix}module.{name} "
                                          f"({source}) {where}; its resources are outside the scan",
                                          "run terraform init before the scan, or scan the plan",
                                          call.file, call.start_line))

    def _directory_of(self, prefix: str) -> str | None:
        if prefix == "":
            return self.directory
        found = self._module_dirs.get(prefix)
        if found:
            return found
        entry = self._module_calls.get(prefix)
        if entry is None:
            return None
        parent = prefix[: prefix.rstrip(".").rfind("module.")]
        parent_dir = self._directory_of(parent)
        source = entry.get("source")
        if parent_dir is None or not isinstance(source, str):
            return None
        if is_local_source(source):
            return os.path.normpath(os.path.join(parent_dir, source))
        key = ".".join(s.split("[")[0] for s in prefix.rstrip(".").split(".")[1::2])
        return self.scope.installed.get(key)

    # ------------------------------------------------------------------ reader questions
    def resources(self) -> Iterable[Instance]:
        return self.instances.values()

    def source_location(self, instance: Instance) -> tuple[str | None, int | None, int | None]:
        return instance.file, instance.start_line, instance.end_line

    def _values(self, instance: Instance) -> dict[str, Any]:
        cached = getattr(instance, "_values", None)
        if cached is None:
            cached = _normalise(instance.raw)
            # tfparse replaces an ``id`` argument of a nested block (launch_template { id = ... }) with
            # the block's own per-run id: read the argument from the syntax
            block = self._syntax_block(instance)
            for name, blocks in cached.items():
                text = block.attributes.get(f"{name}.id") if block is not None else None
                if text and isinstance(blocks, list) and blocks and isinstance(blocks[0], dict):
                    literal = string_literal(text)
                    blocks[0]["id"] = literal if literal is not None else {"__attribute__": text.strip()}
            instance._values = cached  # type: ignore[attr-defined]
        return cached

    def value(self, instance: Instance, path: tuple[Any, ...]) -> Any:
        if not path:
            return None
        key = (instance.address, path[0])
        if key not in self._memo:
            raw = self._values(instance).get(path[0])
            placed = self._place_reference(instance, path[0])
            if placed is not None:
                self._memo[key] = placed
            elif raw is None:
                self._memo[key] = self._from_syntax(instance, path[0])
            else:
                self._memo[key] = self._translate(raw, instance, path[0])
                if raw == "":
                    self._memo[key] = self._empty_or_unknown(instance, path[0])
        result = self._memo[key]
        for step in path[1:]:
            if isinstance(result, dict):
                result = result.get(step)
            elif isinstance(result, list) and isinstance(step, int):
                result = result[step] if step < len(result) else None
            elif isinstance(result, ResourceTarget):
                result = ResourceTarget(result.address, result.attribute + (step,))
            elif isinstance(result, Unknown):
                return result
            else:
                return None
        if isinstance(result, str) and path[-1] in _BOOLEAN_ARGUMENTS and result in _CTY_BOOLEANS:
            return _CTY_BOOLEANS[result]  # auto_accept = "true": the bool terraform makes of it
        return result

    def _translate(self, raw: Any, instance: Instance, attribute: str) -> Any:
        if isinstance(raw, str):
            if _UUID.match(raw) and raw in self._by_uuid:
                kind, address = self._by_uuid[raw]
                if kind == "resource":
                    return ResourceTarget(address, ("id",))
                if kind == "data":
                    return data_unknown(f"{address}.id")
                return Unknown(f"{attribute} of {instance.address} refers to {address}")
            unevaluated = _UNEVALUATED.search(raw)
            if unevaluated:
                # tfparse returns a template it could not evaluate as its own text ("${var.p}.0.0/16"): its
                # value is not known, and the text is no value at all
                return Unknown(f"{attribute} of {instance.address} ({raw[:120]!r}) is not known from the source: "
                               f"{unevaluated.group(1)} has no value",
                               "give it a value (--var-file FILE, terraform.tfvars or *.auto.tfvars), or scan the plan")
            return raw
        if isinstance(raw, dict):
            if "__attribute__" in raw:
                return self._marker(raw, instance, attribute)
            if TEMPLATE_KEY in raw:
                return _render_template(raw, instance.address, attribute)
            return {k: self._translate(v, instance, attribute) for k, v in raw.items()}
        if isinstance(raw, list):
            return [self._translate(v, instance, attribute) for v in raw]
        return raw

    def _marker(self, raw: dict[str, Any], instance: Instance, attribute: str) -> Any:
        text = str(raw.get("__attribute__")).replace(".[", "[")
        prefix = _module_prefix(instance.module)
        try:
            parts = parse_reference(text)
        except ValueError:
            parts = []
        head = parts[0] if parts else ""
        if head == "var" and len(parts) >= 2:
            name = parts[1]
            if name == BLOCKED:
                return Unknown(f"{attribute} of {instance.address} reads a file that is not read (outside the scanned "
                               "tree, not a regular file, or a path not known from the source)",
                               "keep the file inside the repository and name it with a literal path")
            where = f" of {prefix.rstrip('.')}" if prefix else ""
            call = self._module_calls.get(prefix) if instance.module else None
            if call is not None and name in call and call[name] is not None:
                # tfparse leaves a module input that is a computed attribute of the caller as var.NAME
                # inside the module; the call holds the caller's expression: read it in the caller
                caller = replace(instance, module=instance.module[:-1])
                passed = self._translate(call[name], caller, attribute)
                for step in parts[2:]:
                    step = step.key if isinstance(step, Key) else step
                    if isinstance(passed, ResourceTarget) and isinstance(step, str):
                        passed = ResourceTarget(passed.address, passed.attribute + (step,))
                    elif isinstance(passed, (dict, list)) and not isinstance(passed, Unknown):
                        try:
                            passed = passed[step]
                        except (KeyError, IndexError, TypeError):
                            passed = Unknown(f"{text} of {instance.address} is not known from the source")
                return passed
            if self._undeclared_variable(prefix, name):
                file = instance.file or self.directory
                message = (f"{attribute} of {instance.address} refers to var.{name}, which its module does not "
                           "declare (terraform rejects it as a reference to an undeclared input variable)")
                if not any(p.message == message for p in self.problems):
                    self.problems.append(LoadProblem(file, message, instance.address, instance.start_line, True))
                return Unknown(f"{attribute} of {instance.address}: var.{name} is not declared", "declare it")
            if not instance.module:
                return Unknown(f"var.{name} has no value in the source",
                               f"give var.{name} a value: --var-file FILE, terraform.tfvars or *.auto.tfvars, "
                               "or a default")
            return Unknown(f"var.{name}{where} has no value in the source",
                           "give the module input a value the source knows (a literal, a root variable with a "
                           "value via --var-file / terraform.tfvars), or scan the plan")
        if head == "data":
            if len(parts) >= 4 and all(isinstance(p, str) for p in parts[1:4]):
                placed = self.data_source(prefix, parts[1], parts[2], parts[3])
                if placed is not None and len(parts) == 4:
                    return placed
            return data_unknown(text)
        if head == "local":
            return Unknown(f"{text} of {instance.address} is not known from the source")
        if head == "module":
            return Unknown(f"{text} (an output of a module) is not known from the source",
                           "scan the plan, or make sure the module is on disk (terraform init)")
        if head in ("each", "count", "path", "terraform", "self"):
            return Unknown(f"{text} in {instance.address} is not known from the source")
        if len(parts) >= 2 and all(isinstance(p, str) for p in parts[:2]):
            rest = parts[2:]
            key: Any = None
            if rest and isinstance(rest[0], Key):
                key, rest = rest[0].key, rest[1:]
            suffix = f"{parts[0]}.{parts[1]}" + ("" if key is None else
                                                 (f"[{key}]" if isinstance(key, int) else f"[{json.dumps(key)}]"))
            attribute_path = tuple(p for p in rest if isinstance(p, str))
            # a marker names the block in the scope that wrote it: the instance's own module, or (for a
            # value passed in as a module input) a module that calls it
            module = instance.module
            while True:
                address = _module_prefix(module) + suffix
                if address in self.instances or self._declared(module, parts[0], parts[1]):
                    return ResourceTarget(address, attribute_path)
                if not module:
                    break
                module = module[:-1]
        return Unknown(f"{text} in {instance.address} is not known from the source")

    def _undeclared_variable(self, prefix: str, name: str) -> bool:
        """Whether the module instance's code, read whole (every file valid HCL, no ``.tf.json`` file, which
        is not read), declares no variable ``name`` (never when that is not certain)."""
        directory = self._directory_of(prefix)
        syntax = self.scope.module_dirs.get(directory) if directory else None
        return syntax is not None and self._read_whole(syntax) and name not in syntax.variables

    def _read_whole(self, syntax: ModuleSyntax) -> bool:
        """Whether a module's code is read whole: every file valid HCL, no ``.tf.json`` file (which is not
        read). Asked per reference to a variable without a value: the directory is listed once."""
        memo: dict[str, bool] = self.__dict__.setdefault("_whole", {})
        whole = memo.get(syntax.directory)
        if whole is None:
            try:
                whole = bool(syntax.files) and not any(f.error for f in syntax.files) and not any(
                    n.endswith(".tf.json") for n in os.listdir(syntax.directory))
            except OSError:
                whole = False
            memo[syntax.directory] = whole
        return whole

    def _declared(self, module: tuple[ModuleStep, ...], rtype: str, name: str) -> bool:
        directory = self._directory_of(_module_prefix(module))
        syntax = self.scope.module_dirs.get(directory) if directory else None
        return syntax is not None and f"{rtype}.{name}" in syntax.resources

    def is_configured(self, instance: Instance, path: tuple[Any, ...]) -> bool:
        return self.value(instance, path) is not None

    def references(self, instance: Instance, path: tuple[Any, ...]) -> list[Any]:
        value = self.value(instance, path)
        found: list[Any] = []
        _collect_targets(value, found)
        if isinstance(value, list) and any(v is None for v in value):
            # tfparse turns a reference to a computed attribute inside a list into null: read the syntax
            for target in self._syntax_targets(instance, path[0]):
                if target not in found:
                    found.append(target)
        if not found and isinstance(value, str):
            found.append(value)
        return found

    def _from_syntax(self, instance: Instance, attribute: str) -> Any:
        """An attribute tfparse gave no value (None) though the block sets it: tfparse drops a computed
        attribute of an instance chosen by a key (``aws_vpc.x[each.key].main_route_table_id``)."""
        block = self._syntax_block(instance)
        text = block.attributes.get(attribute) if block is not None else None
        if text is None or text.strip() == "null":
            return None
        targets = self._syntax_targets(instance, attribute)
        if len(targets) == 1 and _TRAVERSAL.fullmatch(text.strip()):
            return targets[0]
        whole = _WHOLE_INTERPOLATION.fullmatch(text.strip())
        if whole and _NAMED_TRAVERSAL.fullmatch(whole.group(1)):
            # "${data.x.y.id}" is data.x.y.id, "${var.v}" var.v (Terraform 0.11 style): read as the bare reference is
            return self._marker({"__attribute__": whole.group(1)}, instance, attribute)
        optional = _OPTIONAL_OF_EACH.fullmatch(text.strip())
        if optional:
            # null when the element lacks the key; tfparse keeps a key whose value it could not compute (as
            # None), so only an element evaluated to an object without the key proves it
            each = instance.raw.get("for_each")
            element = each.get(instance.index) if isinstance(each, dict) and isinstance(instance.index, str) else None
            if isinstance(element, dict) and (optional.group(1) or optional.group(2)) not in element:
                return None
        return Unknown(f"{attribute} of {instance.address} ({text.strip()[:80]}) is not known from the source",
                       "scan the plan, or give the value a form the source can evaluate")

    def _empty_or_unknown(self, instance: Instance, attribute: str) -> Any:
        """tfparse renders a template whose module input has no value as "" ("${var.p}.0.0/16" -> ""). A
        template with literal text around its interpolations can never be empty: such an "" is unknown."""
        block = self._syntax_block(instance)
        text = block.attributes.get(attribute) if block is not None else None
        if not text:
            return ""
        for template in _QUOTED.findall(text):
            if "${" in template and _ANY_INTERPOLATION.sub("", template).strip():
                names = list(dict.fromkeys(_VARIABLE.findall(template)))
                why = ", ".join(f"var.{n}" for n in names) or "an interpolation"
                return Unknown(f"{attribute} of {instance.address} ({text.strip()[:80]}) is not known from the source "
                               f"({why} has no value there)",
                               "give the variables it reads values (--var-file FILE, terraform.tfvars, a module "
                               "input), or scan the plan")
        return ""

    def _syntax_block(self, instance: Instance) -> SyntaxBlock | None:
        directory = self._directory_of(_module_prefix(instance.module))
        syntax = self.scope.module_dirs.get(directory) if directory else None
        return syntax.resources.get(f"{instance.type}.{instance.name}") if syntax else None

    def _syntax_targets(self, instance: Instance, attribute: str) -> list[Any]:
        block = self._syntax_block(instance)
        text = block.attributes.get(attribute) if block else None
        if not text:
            return []
        found: list[Any] = []
        for match in _TRAVERSAL.finditer(text):
            reference = match.group(0)
            if "[count.index]" in reference or "[each.key]" in reference:
                key = instance.index
                reference = reference.replace("[count.index]", f"[{key}]" if isinstance(key, int) else
                                              f"[{json.dumps(key)}]").replace("[each.key]", f"[{json.dumps(key)}]")
            marker = self._marker({"__attribute__": reference}, instance, attribute)
            if isinstance(marker, ResourceTarget):
                found.append(marker)
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
        return self.provider_place(_module_prefix(instance.module), _provider_local_name(instance.raw)).region

    def account_of(self, instance: Instance) -> Any:
        return self.provider_place(_module_prefix(instance.module), _provider_local_name(instance.raw)).account

    def provider_region(self, prefix: str, local_name: str, depth: int = 0) -> Any:
        return self.provider_place(prefix, local_name).region

    def provider_place(self, prefix: str, local_name: str) -> ProviderPlace:
        """Where provider ``local_name`` of module instance ``prefix`` acts (see ``provider_identity``): the
        provider block that configures it, found through the module calls' ``providers`` maps."""
        key = (prefix, local_name)
        if key not in self._places:
            self._places[key] = self._provider_place(prefix, local_name)
        return self._places[key]

    def _provider_place(self, prefix: str, local_name: str) -> ProviderPlace:
        found = self._provider_block(prefix, local_name)
        if found is None:
            return unknown_provider(local_name, "declare the provider with a region (AWS_REGION from the environment "
                                                "is not in the source)", f"{prefix.rstrip('.')}:{local_name}",
                                    "declare the provider with an assume_role role_arn or a single allowed_account_ids "
                                    "entry (the credentials of the environment are not in the source), or set the "
                                    "account in the inventory of known VPCs in .pcxguard.yaml")
        where, name, entry = found
        label = name if not where else f"{name} in {where.rstrip('.')}"
        attributes: dict[str, Any] = {}
        for argument, raw in entry.items():  # every argument: the credential ones say the account
            if argument in ("__tfmeta", "id"):
                continue
            attributes[argument] = self._provider_value(raw, label, argument)
        return provider_place(label, attributes, f"{where.rstrip('.')}:{name}")

    def _provider_value(self, raw: Any, label: str, argument: str) -> Any:
        """A provider argument as a plain value; a reference tfparse could not evaluate is Unknown."""
        if isinstance(raw, dict):
            if "__attribute__" in raw:
                names = _marker_names(raw)
                return Unknown(f"the {argument} of provider {label}"
                               + (f" ({', '.join(names)} has no value in the source)" if names else ""),
                               f"give the provider {argument} as a literal or a variable with a value "
                               "(--var-file, terraform.tfvars)")
            if TEMPLATE_KEY in raw:
                return Unknown(f"the {argument} of provider {label}")
            return {k: self._provider_value(v, label, f"{argument}.{k}") for k, v in raw.items()
                    if k not in ("__tfmeta", "id") or "__tfmeta" not in raw}
        if isinstance(raw, list):
            return [self._provider_value(v, label, argument) for v in raw]
        if isinstance(raw, str) and _UUID.match(raw) and raw in self._by_uuid:
            return Unknown(f"the {argument} of provider {label} ({self._by_uuid[raw][1]})")
        return raw

    def _provider_block(self, prefix: str, local_name: str,
                        depth: int = 0) -> tuple[str, str, dict[str, Any]] | None:
        if depth > MAX_MODULE_DEPTH:
            return None
        if (prefix, local_name) in self._provider_entries:
            return prefix, local_name, self._provider_entries[(prefix, local_name)]
        if prefix:
            parent = prefix[: prefix.rstrip(".").rfind("module.")]
            mapping = self._provider_mapping(prefix)
            if local_name in mapping:
                return self._provider_block(parent, mapping[local_name], depth + 1)
            if "." not in local_name:
                return self._provider_block(parent, local_name, depth + 1)
        return None

    def _place_reference(self, instance: Instance, attribute: str) -> Any:
        """An attribute written as ``data.aws_region.X.name`` / ``data.aws_caller_identity.X.account_id`` (or
        a module output that is one): its place through the data source's provider. tfparse makes up a
        value for such a data source (``"current-region"``), so the syntax decides; None otherwise."""
        block = self._syntax_block(instance)
        text = block.attributes.get(attribute) if block is not None else None
        if not text or not _PLACE_REFERENCE.fullmatch(text.strip()):
            return None
        try:
            parts = parse_reference(text.strip())
        except ValueError:
            return None
        if not all(isinstance(p, str) for p in parts):
            return None
        prefix = _module_prefix(instance.module)
        if len(parts) == 4 and parts[0] == "data":
            placed = self.data_source(prefix, parts[1], parts[2], parts[3])
            return placed if placed is not None else data_unknown(text.strip())
        if len(parts) == 3 and parts[0] == "module":
            return self._output_place(f"{prefix}module.{parts[1]}.", parts[2])
        return None

    def _output_place(self, child: str, output: str) -> Any:
        """Module output ``output`` of module instance ``child`` when it is a caller identity / region data
        source of that module; None otherwise."""
        entry = self._outputs.get(f"{child}output.{output}")
        if entry is None:
            return None
        value = entry.get("value")
        if isinstance(value, dict) and isinstance(value.get("__attribute__"), str):
            try:
                parts = parse_reference(value["__attribute__"])
            except ValueError:
                return None
            if len(parts) == 4 and parts[0] == "data" and all(isinstance(p, str) for p in parts):
                return self.data_source(child, parts[1], parts[2], parts[3])
            return None
        references = (entry.get("__tfmeta") or {}).get("references") or []
        if isinstance(value, str) and len(references) == 1 and isinstance(references[0], dict) \
                and references[0].get("label") == "aws_region" and isinstance(references[0].get("name"), str) \
                and (child, f"aws_region.{references[0]['name']}") in self._data_sources:
            return self.data_source(child, "aws_region", references[0]["name"], "name")
        return None

    def data_source(self, prefix: str, dtype: str, name: str, attribute: str) -> Any:
        """``data.aws_caller_identity.X.account_id`` / ``data.aws_region.X.name`` through the data source's
        provider; None when this is not one of those (the caller says "unknown")."""
        entry = self._data_sources.get((prefix, f"{dtype}.{name}"))
        if entry is None:
            return None
        address = f"{prefix}data.{dtype}.{name}"
        arguments: dict[str, Any] = {a: self._provider_value(entry[a], address, a) for a in ("region", "name") if a in entry}
        return data_source_value(dtype, attribute, arguments,
                                 self.provider_place(prefix, _provider_local_name(entry)), address)

    def _provider_mapping(self, prefix: str) -> dict[str, str]:
        """``providers = { aws = aws.west }`` of a module call, read from the syntax: tfparse gives
        ``{"aws": null}`` for it."""
        parent = prefix[: prefix.rstrip(".").rfind("module.")]
        name = prefix.rstrip(".")[len(parent) + len("module."):].split("[")[0]
        directory = self._directory_of(parent)
        syntax = self.scope.module_dirs.get(directory) if directory else None
        call = syntax.modules.get(name) if syntax else None
        text = call.attributes.get("providers") if call else None
        return dict(_PROVIDER_MAP.findall(text)) if text else {}



_MISSING_REGION = object()
_PLACE_REFERENCE = re.compile(r"(?:data\.[\w-]+\.[\w-]+|module\.[\w-]+)\.[\w-]+")


def _provider_local_name(raw: dict[str, Any]) -> str:
    """The provider a resource or data block names (``provider = aws.west``), else ``aws``."""
    provider = raw.get("provider")
    if isinstance(provider, dict) and isinstance(provider.get("__attribute__"), str):
        return provider["__attribute__"]
    if isinstance(provider, str) and provider:
        return provider
    return "aws"


def _render_template(raw: dict[str, Any], address: str, attribute: str) -> Any:
    """templatefile(): ``${name}`` and ``${name.key}`` interpolations of known values; a template with
    directives (``%{ ... }``) or other expressions is Unknown, never half-rendered."""
    text, variables = raw.get(TEMPLATE_KEY), raw.get(TEMPLATE_VARS)
    what = f"{attribute} of {address} (templatefile)"
    if not isinstance(text, str) or not isinstance(variables, dict):
        return Unknown(f"{what}: the template or its variables are not known from the source")
    if "%{" in text:
        return Unknown(f"{what}: template directives (%{{ }}) are not rendered", "scan the plan")
    problems: list[str] = []

    def substitute(match: re.Match[str]) -> str:
        value: Any = variables.get(match.group(1))
        for step in match.group(2).split(".")[1:]:
            value = value.get(step) if isinstance(value, dict) else None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (str, int, float)):
            return str(value)
        problems.append(match.group(0))
        return match.group(0)

    rendered = _INTERPOLATION.sub(substitute, text)
    leftover = rendered.replace("$${", "")
    if problems or re.search(r"(?<!\$)\$\{", _INTERPOLATION.sub("", leftover)):
        return Unknown(f"{what}: {', '.join(problems) or 'an expression in the template'} is not known from the "
                       "source", "scan the plan")
    return rendered.replace("$${", "${")


def _closure(text: str, syntax: ModuleSyntax, limit: int = 200) -> set[str]:
    """The variables, data sources, module outputs and resources an expression depends on, through
    the module's locals (read from the syntax)."""
    found: set[str] = set()
    pending = [text]
    seen_locals: set[str] = set()
    while pending and len(seen_locals) < limit:
        current = _strip_strings(pending.pop())
        for kind, name, attribute in _REF.findall(current):
            if kind == "local":
                if name not in seen_locals and name in syntax.locals:
                    seen_locals.add(name)
                    pending.append(syntax.locals[name])
                elif name not in syntax.locals:
                    found.add(f"local.{name}")
            elif kind == "module":
                found.add(f"module.{name}.{attribute}" if attribute else f"module.{name}")
            else:
                found.add(f"{kind}.{name}")
        found.update(_RESOURCE_REF.findall(current))
    return found


def _strip_strings(text: str) -> str:
    """Quoted literals without their text (keeping interpolations), so "a.b" is not a reference."""
    return re.sub(r'"(?:[^"\\$]|\\.|\$(?!\{))*"', '""', text)


def _is_marker(value: Any) -> bool:
    return isinstance(value, dict) and "__attribute__" in value


def _marker_names(value: Any) -> list[str]:
    found: list[str] = []
    if isinstance(value, dict):
        if isinstance(value.get("__attribute__"), str):
            found.append(value["__attribute__"].replace(".[", "["))
        else:
            for item in value.values():
                found.extend(_marker_names(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(_marker_names(item))
    return list(dict.fromkeys(found))




def _caller(prefix: str) -> str:
    """The prefix of the module instance whose code holds the call of ``prefix``'s module ("" for the root)."""
    head, _, _ = prefix.rstrip(".").rpartition("module.")
    return head


def _give_variables(variables: list[str], prefix: str) -> str:
    """Root variables are given with --var-file or tfvars; a module's variables are its inputs, which only
    the module call sets (those files set root variables only)."""
    names = ", ".join("var." + v for v in variables)
    if not prefix:
        return f"give {names} a value (--var-file, terraform.tfvars or *.auto.tfvars), or scan the plan"
    inputs = "input" if len(variables) == 1 else "inputs"
    return (f"give the {inputs} {names} of {prefix.rstrip('.')} a value the source knows (a literal in the module "
            "call, or a root variable with a value via --var-file, terraform.tfvars or *.auto.tfvars), or scan the "
            "plan")


def _collect_targets(value: Any, found: list[Any]) -> None:
    if isinstance(value, ResourceTarget):
        if value not in found:
            found.append(value)
    elif isinstance(value, dict):
        for item in value.values():
            _collect_targets(item, found)
    elif isinstance(value, list):
        for item in value:
            _collect_targets(item, found)


# --------------------------------------------------------------------------- root modules


def load_root_module_tfparse(directory: str, var_files: Iterable[str] = ()) -> Estate:
    directory = os.path.normpath(str(directory))
    try:
        reader = TfparseReader(directory, var_files)
    except OSError as error:
        estate = Estate(name=directory)
        estate.problems.append(LoadProblem(directory, f"cannot read the directory: {error}", fails_closed=True))
        return estate
    estate = build_estate(reader, name=directory)
    estate.problems[:0] = reader.problems
    return estate
