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
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import yaml

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
    missing: list[str] = field(default_factory=list)  # paths named that do not exist / cannot be read


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


def classify_file(path: str) -> tuple[str | None, str | None]:
    """(kind, None) for a recognised file, else (None, why not)."""
    lower = path.lower()
    try:
        with open(path, encoding="utf-8") as handle:
            head = handle.read(len(_PLAN_HEAD))
            if head == _PLAN_HEAD:
                # `terraform show -json` always writes format_version first: no need to decode a
                # plan of many megabytes twice (its loader decodes it and says what is wrong in it)
                return PLAN, None
            text = head + handle.read()
    except (OSError, UnicodeDecodeError) as error:
        return None, f"cannot read the file: {error}"
    if lower.endswith(_JSON_SUFFIXES) or text.lstrip().startswith("{"):
        if '"format_version"' not in text and '"Resources"' not in text:
            return None, "neither a Terraform plan nor a CloudFormation template"
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            kind = PLAN if '"format_version"' in text else CLOUDFORMATION
            return kind, None  # the loader reports exactly what is wrong with it
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
            data = yaml.load(text, Loader=_AnyTagLoader)  # noqa: S506 - a SafeLoader subclass
        except yaml.YAMLError:
            return (CLOUDFORMATION, None) if "AWS::" in text else (None, "not valid YAML")
        if is_cloudformation(data):
            return CLOUDFORMATION, None
        return None, "YAML, but not a CloudFormation template"
    if lower.endswith(".tf"):
        return TERRAFORM, None
    return None, "not a Terraform plan, CloudFormation template or directory of .tf files"


def _has_tf(directory: str, names: Iterable[str]) -> bool:
    return any(n.endswith(".tf") and os.path.isfile(os.path.join(directory, n)) for n in names)


def _walk(root: str) -> Iterable[tuple[str, str | None]]:
    """(path, kind) of every input under ``root``; kind TERRAFORM for directories of .tf."""
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        if _has_tf(directory, files):
            yield directory, TERRAFORM
        for name in sorted(files):
            if name.lower().endswith(_JSON_SUFFIXES + _YAML_SUFFIXES):
                path = os.path.join(directory, name)
                kind, _ = classify_file(path)
                if kind is not None:
                    yield path, kind


def discover(paths: Iterable[str]) -> Discovery:
    found = Discovery()
    seen: set[tuple[str, str]] = set()

    def add(path: str, kind: str) -> None:
        norm = os.path.normpath(path)
        if (norm, kind) not in seen:
            seen.add((norm, kind))
            found.inputs.append(Input(norm, kind))

    for path in paths:
        if not os.path.exists(path):
            found.missing.append(f"{path}: no such file or directory")
        elif os.path.isdir(path):
            if not os.access(path, os.R_OK | os.X_OK):
                found.missing.append(f"{path}: cannot read the directory")
                continue
            for sub, kind in _walk(path):
                add(sub, kind)
        else:
            kind, why = classify_file(path)
            if kind == TERRAFORM:
                add(os.path.dirname(path) or ".", TERRAFORM)
            elif kind is not None:
                add(path, kind)
            elif why and why.startswith("cannot read"):
                found.missing.append(f"{path}: {why}")
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
                ) -> tuple[list[tuple[Input, Estate]], list[LoadProblem]]:
    """Load every input with its loader. Never raises: a missing or failing loader is a problem.
    ``options``: keyword arguments per kind of input (``{"terraform": {"var_files": [...]}}``)."""
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
            problems.extend(LoadProblem(i.path, why or "") for i in batch)
            done += len(batch)
            continue
        groups = [batch] if LOADERS[kind].batch else [[i] for i in batch]
        for group in groups:
            if on_progress:
                on_progress(done, total, group[0].path if len(group) == 1 else f"{len(group)} {LOADERS[kind].label}")
            try:
                extra = (options or {}).get(kind, {})
                result = function([i.path for i in group], **extra) if LOADERS[kind].batch else \
                    function(group[0].path, **extra)
                estates = _as_list(result)
            except Exception as error:  # a loader bug must not hide the other inputs' results
                problems.extend(LoadProblem(i.path, f"pcxguard failed to load this input: {type(error).__name__}: {error}")
                                for i in group)
                estates = []
            for estate in estates:
                owner = next((i for i in group if i.path == estate.name), group[0])
                loaded.append((owner, estate))
            done += len(group)
    if on_progress:
        on_progress(total, total, "")
    return loaded, problems
