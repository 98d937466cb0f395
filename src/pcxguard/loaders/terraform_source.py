"""Raw Terraform (``.tf`` files, no plan) -> one Estate per root module.

What a *root module* is: a directory holding ``.tf`` files that no other scanned directory calls
as a local module (``source = "./..."`` or ``"../..."``); directories under ``.terraform`` (where
``terraform init`` installs registry and git modules) are never roots. Each root is its own
estate: ``envs/prod`` and ``envs/stage`` that both declare ``aws_vpc.main`` are never mixed.

The root is evaluated by tfparse (``terraform_tfparse.TfparseReader``): variables with their
defaults, ``terraform.tfvars``, ``*.auto.tfvars`` and ``--var-file`` files in Terraform's order,
locals, functions, ``count`` / ``for_each``, local modules and the modules ``terraform init``
installed. What it cannot expand is reported, never invented (``Reader.unexpanded``).

Where only syntax and lines are needed (the plan loader placing findings on ``.tf`` lines,
finding root modules) the tree-sitter parser of ``hcl_syntax`` is used: no evaluation.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from pcxguard.loaders.hcl_syntax import is_local_source, local_module_dir, read_module_syntax, tf_files
from pcxguard.loaders.terraform_tfparse import MAX_MODULE_DEPTH, _installed_modules, load_root_module_tfparse
from pcxguard.model import Estate, LoadProblem

_SKIP_DIRS = {".terraform", ".git", "node_modules", ".venv", "__pycache__"}

__all__ = ["find_root_modules", "load_terraform_dir", "load_root_module", "resource_locations",
           "find_plan_source", "is_local_source", "called_module_dirs"]


def called_module_dirs(directories: Iterable[str]) -> set[str]:
    """The directories that one of ``directories`` calls as a local module."""
    called: set[str] = set()
    for directory in directories:
        syntax = read_module_syntax(directory)
        for call in syntax.modules.values():
            target = local_module_dir(syntax.directory, call)
            if target is not None and target != syntax.directory:
                called.add(target)
    return called


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
    called = called_module_dirs(with_tf)
    return [d for d in with_tf if d not in called]


def load_terraform_dir(path: str | Path, var_files: Iterable[str] = ()) -> list[Estate]:
    """One estate per root module found under ``path`` (a directory or a ``.tf`` file)."""
    roots = find_root_modules(path)
    if not roots:
        estate = Estate(name=str(path))
        estate.problems.append(LoadProblem(str(path), "no .tf files found"))
        return [estate]
    return [load_root_module(root, var_files) for root in roots]


def load_root_module(directory: str | Path, var_files: Iterable[str] = ()) -> Estate:
    """The estate of one root module directory and the modules it calls."""
    return load_root_module_tfparse(os.path.normpath(str(directory)), var_files)


# --------------------------------------------------------------------------- plan enrichment


def resource_locations(root: str | Path) -> dict[tuple[tuple[str, ...], str], tuple[str, int | None, int | None]]:
    """(module call names, "type.name") -> (.tf file, start line, end line), modules followed.

    The plan loader uses this to put findings on the lines that declare a resource; every
    instance of a module shares its module's lines, as in terraform itself. Local modules and the
    modules ``terraform init`` installed under ``.terraform/modules`` are followed.
    """
    found: dict[tuple[tuple[str, ...], str], tuple[str, int | None, int | None]] = {}
    directory = os.path.normpath(str(root))
    installed = _installed_modules(directory, [])

    def walk(current: str, path: tuple[str, ...], chain: tuple[str, ...]) -> None:
        syntax = read_module_syntax(current)
        for ident, block in syntax.resources.items():
            found[(path, ident)] = (block.file, block.start_line, block.end_line)
        for name, call in syntax.modules.items():
            target = local_module_dir(current, call) or installed.get(".".join(path + (name,)))
            if target and os.path.isdir(target) and target not in chain and len(chain) < MAX_MODULE_DEPTH:
                walk(target, path + (name,), chain + (target,))

    walk(directory, (), (directory,))
    return found


def find_plan_source(plan_path: str | Path, source_root: str | Path | None,
                     root_resources: Iterable[str | None] = (), root_modules: Iterable[str] = ()) -> str | None:
    """The root module directory a plan was made from.

    ``source_root`` (as checkov's ``--repo-root-for-plan-enrichment``) may be the root module
    itself or a repository holding several; then the root whose resources and module calls
    best match the plan's root module is taken. Without it: the plan file's directory, when
    it holds ``.tf`` files.
    """
    if source_root is None:
        directory = os.path.dirname(str(plan_path)) or "."  # keep the caller's relative/absolute style
        return directory if tf_files(directory) else None
    source_root = os.path.normpath(str(source_root))
    if not os.path.isdir(source_root):
        return None
    wanted = set(root_resources) | {f"module.{m}" for m in root_modules}
    candidates = find_root_modules(source_root)
    best, best_score = None, 0.0
    for candidate in candidates:
        syntax = read_module_syntax(candidate)
        declared = set(syntax.resources) | {f"module.{m}" for m in syntax.modules}
        # the root that declares what the plan's root declares, and little else
        score = len(wanted & declared) - len(declared - wanted) / (len(declared) + 1)
        # on a tie, the root the plan file sits in (or the scanned root itself) wins
        holds_plan = os.path.abspath(str(plan_path)).startswith(os.path.abspath(candidate) + os.sep)
        if score > best_score or (score == best_score and best is not None and score
                                  and (candidate == source_root or holds_plan)):
            best, best_score = candidate, score
    if best is None and tf_files(source_root) and not wanted:
        return source_root
    return best
