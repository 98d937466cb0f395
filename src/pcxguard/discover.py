"""Which inputs are what: plan JSON, CloudFormation templates, directories of ``.tf``.

Inputs are classified by content, never by name alone: a plan is JSON with
``format_version`` and ``planned_values`` / ``resource_changes``; a
CloudFormation template is JSON or YAML with ``Resources`` and either
``AWSTemplateFormatVersion`` or ``AWS::`` resource types; a Terraform root is
a directory holding ``.tf`` files. Directories are walked (skipping
``.terraform``, ``.git``, ``node_modules``); a file found by walking that is
none of these is ignored, one named on the command line is a problem.

Loaders are looked up in ``LOADERS`` and imported only when needed, so a build
without the CloudFormation or raw-Terraform loader still scans plans and says
clearly what it cannot read.
"""

from __future__ import annotations

import importlib
import json
import os
import stat
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import yaml

from pcxguard import limits
from pcxguard.limits import InputRefused, check_regular, is_inside, read_bytes
from pcxguard.loaders.cfn_yaml import TemplateError, load_template_text
from pcxguard.loaders.terraform_plan import is_plan
from pcxguard.model import Estate, LoadProblem

PLAN = "terraform_plan"
CLOUDFORMATION = "cloudformation"
TERRAFORM = "terraform"

SKIP_DIRS = frozenset({".terraform", ".git", "node_modules", ".venv", "__pycache__"})
_JSON_SUFFIXES = (".json",)
_YAML_SUFFIXES = (".yaml", ".yml", ".template", ".cfn")


@dataclass(frozen=True)
class LoaderEntry:
    """How to load one kind of input: module and function, and whether it takes all files at once."""

    module: str
    function: str
    label: str
    batch: bool = False  # True: called once with every input of this kind


LOADERS: dict[str, LoaderEntry] = {
    PLAN: LoaderEntry("pcxguard.loaders.terraform_plan", "load_plan", "Terraform plans"),
    CLOUDFORMATION: LoaderEntry("pcxguard.loaders.cloudformation", "load_cloudformation",
                                "CloudFormation templates", batch=True),
    TERRAFORM: LoaderEntry("pcxguard.loaders.terraform_source", "load_root_module", "Terraform source directories"),
}


@dataclass(frozen=True)
class Input:
    path: str
    kind: str


@dataclass
class Discovery:
    inputs: list[Input] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # paths named that do not exist
    unreadable: list[str] = field(default_factory=list)  # files named as input that cannot be read


class _AnyTagLoader(yaml.SafeLoader):
    """Reads CloudFormation YAML short forms (!Ref, !GetAtt, ...) as plain values."""


def _any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)


_AnyTagLoader.add_multi_constructor("!", _any_tag)


def is_cloudformation(data: Any) -> bool:
    if not isinstance(data, dict) or not isinstance(data.get("Resources"), dict):
        return False
    if "AWSTemplateFormatVersion" in data:
        return True
    return any(isinstance(r, dict) and str(r.get("Type", "")).startswith("AWS::") for r in data["Resources"].values())


_PLAN_HEAD = '{"format_version":'
_ZIP_MAGIC = b"PK\x03\x04"
_TEXT_PLAN_MARKS = ("Terraform used the selected providers", "Terraform will perform the following actions",
                    "No changes. Your infrastructure matches the configuration", "Note: You didn't use the -out option")
_SHOW_JSON = "write it with 'terraform show -json PLANFILE > plan.json'"


class InputError(ValueError):
    """A file meant as input that cannot be read: the message names the likely mistake."""


def _likely_mistake(path: str, raw: bytes) -> str | None:
    """What a file that is meant as a plan but cannot be one most likely is (None: nothing telling)."""
    if raw.startswith(_ZIP_MAGIC):
        return (f"a binary Terraform plan file (zip), not JSON: run 'terraform show -json {os.path.basename(path)} "
                "> plan.json' and scan plan.json")
    text = raw[:65536].decode("utf-8", errors="replace")
    if not text.strip():
        return f"an empty file: expected the JSON of a Terraform plan; {_SHOW_JSON}"
    if any(mark in text for mark in _TEXT_PLAN_MARKS) and not text.lstrip().startswith("{"):
        return f"the text output of 'terraform plan', not JSON: {_SHOW_JSON}"
    stripped = text.lstrip()
    at = text.find(_PLAN_HEAD)
    if at < 0:
        at = text.find('{"format_version"')
    if at > 0 and not stripped.startswith("{"):
        first = stripped.splitlines()[0][:60] if stripped else ""
        return (f"the plan JSON is wrapped in other output (it starts with {first!r}): {_SHOW_JSON} without a "
                "wrapper (setup-terraform: terraform_wrapper: false)")
    return None


def classify_file(path: str, root: str | None = None) -> tuple[str | None, str | None]:
    """(kind, None) for a recognised file, else (None, why not). Never raises.

    Raises nothing; a file meant as input that cannot be read (not a regular file, outside ``root``,
    too large, not UTF-8, an empty or binary or wrapped plan, nested too deep) is reported with
    ``why`` starting with ``"cannot read"``.
    """
    try:
        return _classify(path, root)
    except InputError as error:
        return None, f"cannot read: {error}"
    except InputRefused as error:
        return None, f"cannot read: {str(error).removeprefix(path + ': ')}"
    except (RecursionError, MemoryError, ValueError, TypeError, OSError) as error:
        return None, f"cannot read: {type(error).__name__}: {error}"


def _classify(path: str, root: str | None) -> tuple[str | None, str | None]:
    lower = path.lower()
    if lower.endswith(".tf"):
        check_regular(path, root)
        return TERRAFORM, None
    info = check_regular(path, root)
    with open(path, "rb") as handle:
        head = handle.read(len(_PLAN_HEAD))
    if head.decode("utf-8", errors="replace") == _PLAN_HEAD:
        # `terraform show -json` always writes format_version first: no need to decode a
        # plan of many megabytes twice (its loader decodes it and says what is wrong in it)
        return PLAN, None
    if info.st_size > limits.MAX_SNIFF_BYTES:
        raise InputError(f"{info.st_size:,} bytes, above the limit of {limits.MAX_SNIFF_BYTES:,} bytes for a file "
                         "that does not start like a Terraform plan; not read")
    raw = read_bytes(path, limits.MAX_SNIFF_BYTES, root)
    plan_like = lower.endswith(_JSON_SUFFIXES) or lower.endswith((".plan", ".tfplan")) or raw.startswith(_ZIP_MAGIC)
    if plan_like:
        mistake = _likely_mistake(path, raw)
        if mistake:
            raise InputError(mistake)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"not UTF-8 text (byte {error.start}: {error.reason})") from error
    if lower.endswith(_JSON_SUFFIXES) or text.lstrip().startswith("{"):
        if '"format_version"' not in text and '"Resources"' not in text:
            if text.strip() == "{}" or text.strip().replace(" ", "") in ("{}", "[]", "null"):
                raise InputError(f"an empty JSON document ({text.strip()}), not a Terraform plan; {_SHOW_JSON}")
            return None, "neither a Terraform plan nor a CloudFormation template"
        try:
            data = json.loads(text)
        except RecursionError as error:
            raise InputError(f"JSON nested deeper than {limits.MAX_DEPTH} levels; not read") from error
        except json.JSONDecodeError:
            kind = PLAN if '"format_version"' in text else CLOUDFORMATION
            return kind, None  # the loader reports exactly what is wrong with it
        if limits.depth_exceeds(data):
            raise InputError(f"JSON nested deeper than {limits.MAX_DEPTH} levels; not read")
        if is_plan(data):
            return PLAN, None
        if is_cloudformation(data):
            return CLOUDFORMATION, None
        if '"format_version"' in text:
            return PLAN, None  # a plan-like file in the wrong shape: the loader says what is wrong
        return None, "JSON, but neither a Terraform plan nor a CloudFormation template"
    if lower.endswith(_YAML_SUFFIXES):
        if "Resources" not in text:
            return None, "YAML without Resources: not a CloudFormation template"
        try:
            data = load_template_text(text)  # safe, bounded (aliases, depth)
        except (TemplateError, RecursionError) as error:
            if "AWS::" in text or "AWSTemplateFormatVersion" in text:
                return CLOUDFORMATION, None  # the loader reports exactly what is wrong with it
            if "refused" in str(error):
                raise InputError(str(error)) from error
            return None, "not valid YAML"
        if is_cloudformation(data):
            return CLOUDFORMATION, None
        return None, "YAML, but not a CloudFormation template"
    return None, "not a Terraform plan, CloudFormation template or directory of .tf files"


def _regular(path: str) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def _has_tf(directory: str, names: Iterable[str], root: str) -> bool:
    return any(n.endswith(".tf") and _regular(os.path.join(directory, n)) and is_inside(os.path.join(directory, n), root)
               for n in names)


def _walk(root: str, problems: list[LoadProblem]) -> Iterable[tuple[str, str]]:
    """(path, kind) of every input under ``root``; kind TERRAFORM for directories of .tf.

    Only regular files inside ``root`` are read: a symbolic link that leaves it, a FIFO, a device
    with an input's name is a problem; symlinked directories are not followed (one that leaves the
    tree is reported).
    """
    def on_error(error: OSError) -> None:
        problems.append(LoadProblem(str(error.filename or root), f"cannot read the directory: {error.strerror}"))

    for directory, dirs, files in os.walk(root, onerror=on_error):
        kept = []
        for name in sorted(dirs):
            if name in SKIP_DIRS:
                continue
            full = os.path.join(directory, name)
            if os.path.islink(full):
                if not is_inside(full, root):
                    problems.append(LoadProblem(full, f"a symbolic link to {os.path.realpath(full)}, outside the "
                                                      f"scanned tree {root}; not followed"))
                continue
            kept.append(name)
        dirs[:] = kept
        if _has_tf(directory, files, root):
            yield directory, TERRAFORM
        for name in sorted(files):
            path = os.path.join(directory, name)
            if name.lower().endswith(".tf") and not (_regular(path) and is_inside(path, root)):
                _, why = classify_file(path, root)
                problems.append(LoadProblem(path, why or "not read"))
            if name.lower().endswith(_JSON_SUFFIXES + _YAML_SUFFIXES):
                kind, why = classify_file(path, root)
                if kind is not None:
                    yield path, kind
                elif why and why.startswith("cannot read") and ("not a regular file" in why or "outside" in why
                                                               or "nested deeper" in why or "above the limit" in why):
                    problems.append(LoadProblem(path, why))


def discover(paths: Iterable[str]) -> Discovery:
    found = Discovery()
    seen: set[tuple[str, str]] = set()

    def add(path: str, kind: str) -> None:
        norm = os.path.normpath(path)
        if (norm, kind) not in seen:
            seen.add((norm, kind))
            found.inputs.append(Input(norm, kind))

    for path in paths:
        if not os.path.lexists(path):
            found.missing.append(f"{path}: no such file or directory")
        elif os.path.isdir(path):
            if not os.access(path, os.R_OK | os.X_OK):
                found.missing.append(f"{path}: cannot read the directory")
                continue
            for sub, sub_kind in _walk(path, found.problems):
                add(sub, sub_kind)
        else:
            kind, why = classify_file(path)
            if kind == TERRAFORM:
                add(os.path.dirname(path) or ".", TERRAFORM)
            elif kind is not None:
                add(path, kind)
            elif why and why.startswith("cannot read"):
                # named as input and not readable: the scan fails closed, whatever else it reads
                found.problems.append(LoadProblem(path, why, fails_closed=True))
                found.unreadable.append(path)
            else:
                found.problems.append(LoadProblem(path, why or "not a supported input"))
    _each_estate_once(found)
    return found


def _each_estate_once(found: Discovery) -> None:
    """A repository scan sees each estate once: a directory another scanned root calls as a local
    module is not a root of its own (its resources are read as that root's module instances), and a
    directory holding a plan and its ``.tf`` is one estate, the plan (read with that source)."""
    roots = [i.path for i in found.inputs if i.kind == TERRAFORM]
    if not roots:
        return
    plan_dirs = {os.path.dirname(i.path) or "." for i in found.inputs if i.kind == PLAN}
    try:
        from pcxguard.loaders.terraform_source import called_module_dirs
    except ImportError:  # a build without the raw-Terraform loader: nothing to drop
        return
    modules = called_module_dirs(roots)
    found.inputs[:] = [i for i in found.inputs if i.kind != TERRAFORM or (i.path not in modules
                                                                         and i.path not in plan_dirs)]


def _loader(kind: str) -> tuple[Callable[..., Any] | None, str | None]:
    entry = LOADERS[kind]
    try:
        module = importlib.import_module(entry.module)
    except ImportError as error:
        if error.name == entry.module:
            return None, f"{entry.label} are not supported in this build of pcxguard ({entry.module} is not installed)"
        return None, f"{entry.label} cannot be read: importing {entry.module} failed: {error}"
    function = getattr(module, entry.function, None)
    if function is None:
        return None, f"{entry.label} are not supported in this build of pcxguard ({entry.module}.{entry.function} is missing)"
    return function, None


def _as_list(result: Any) -> list[Estate]:
    if isinstance(result, Estate):
        return [result]
    return list(result or [])


def load_inputs(inputs: list[Input], on_progress: Callable[[int, int, str], None] | None = None,
                options: dict[str, dict[str, Any]] | None = None,
                scope: Callable[[Input], Any] | None = None) -> tuple[list[tuple[Input, Estate]], list[LoadProblem]]:
    """Load every input with its loader. Never raises: a missing or failing loader is a problem.

    ``options``: keyword arguments per kind of input (``{"terraform": {"var_files": [...]}}``).
    ``scope``: inputs of a batch loader (CloudFormation) are loaded together only when their scope
    (their configuration file) is the same, so one repository's templates never take another's
    configuration.
    """
    loaded: list[tuple[Input, Estate]] = []
    problems: list[LoadProblem] = []
    total = len(inputs)
    done = 0
    for kind in LOADERS:
        batch = [i for i in inputs if i.kind == kind]
        if not batch:
            continue
        function, why = _loader(kind)
        if function is None:
            problems.extend(LoadProblem(i.path, why or "", fails_closed=True) for i in batch)
            done += len(batch)
            continue
        if LOADERS[kind].batch:
            by_scope: dict[Any, list[Input]] = {}
            for item in batch:
                try:
                    key = scope(item) if scope else None
                except Exception:  # noqa: BLE001 - a scope that cannot be worked out: the input alone
                    key = ("alone", item.path)
                by_scope.setdefault(key, []).append(item)
            groups = list(by_scope.values())
        else:
            groups = [[i] for i in batch]
        for group in groups:
            if on_progress:
                on_progress(done, total, group[0].path if len(group) == 1 else f"{len(group)} {LOADERS[kind].label}")
            try:
                extra = (options or {}).get(kind, {})
                result = function([i.path for i in group], **extra) if LOADERS[kind].batch else \
                    function(group[0].path, **extra)
                estates = _as_list(result)
            except Exception as error:  # a loader bug must not hide the other inputs' results
                problems.extend(LoadProblem(i.path, f"pcxguard failed to load this input: {type(error).__name__}: {error}",
                                            fails_closed=True) for i in group)
                estates = []
            for estate in estates:
                owner = next((i for i in group if i.path == estate.name), group[0])
                loaded.append((owner, estate))
            done += len(group)
    if on_progress:
        on_progress(total, total, "")
    return loaded, problems
