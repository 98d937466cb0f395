"""Where a file is, said the same way whatever the current directory: relative to the repository root.

SARIF URIs and baseline fingerprints name files relative to a *base directory*: the one given with
``--base-dir``, else the git top level (the nearest directory above holding ``.git``). GitHub code
scanning resolves SARIF URIs against the repository root, and a baseline made in one directory must
match the same findings scanned from another.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import PurePosixPath


@lru_cache(maxsize=1024)
def git_root(directory: str) -> str | None:
    """The nearest directory at or above ``directory`` that holds ``.git`` (a directory, or a file in
    a worktree or submodule); None outside a git checkout. Only names are looked at, nothing is read."""
    here = os.path.abspath(directory)
    while True:
        if os.path.exists(os.path.join(here, ".git")):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def base_directory(base_dir: str | None = None, start: str | None = None) -> str:
    """``base_dir`` if given, else the git top level of ``start`` (default: the current directory),
    else ``start`` itself. Always absolute."""
    if base_dir:
        return os.path.abspath(base_dir)
    start = os.path.abspath(start or os.getcwd())
    return git_root(start) or start


def relative_to(file: str, base: str) -> str | None:
    """``file`` relative to ``base`` with ``/`` separators, or None when it lies outside ``base``."""
    absolute = os.path.abspath(file)
    try:
        relative = os.path.relpath(absolute, base)
    except ValueError:  # pragma: no cover - another drive on Windows
        return None
    if relative == os.pardir or relative.startswith(os.pardir + os.sep) or os.path.isabs(relative):
        return None
    return PurePosixPath(*relative.split(os.sep)).as_posix()


def stable_name(file: str | None, base_dir: str | None = None) -> str:
    """How a baseline names ``file``: relative to ``base_dir`` when given and the file is under it,
    else relative to the file's own git top level, else as given (then it depends on the current
    directory: scan from a git checkout or pass --base-dir)."""
    if not file:
        return ""
    if base_dir:
        inside = relative_to(file, os.path.abspath(base_dir))
        if inside is not None:
            return inside
    root = git_root(os.path.dirname(os.path.abspath(file)))
    if root:
        inside = relative_to(file, root)
        if inside is not None:
            return inside
    return file.replace(os.sep, "/")
