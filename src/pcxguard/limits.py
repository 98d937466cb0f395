"""The bounds every reading of input obeys, and the one way files are read.

pcxguard reads files written by anyone (a pull request, a vendored module). Every
read is bounded so that a hostile or careless file becomes a clear input problem
naming the file and the limit, never a crash, a hang or a memory blow-up. The
limits are documented in ``docs/security.md`` and README; change them there too.

``read_text(path, limit, root=...)`` is the only way loaders read a file: only
regular files (not FIFOs, devices, sockets), inside the scanned tree when a
root is given (a symlink leaving it is refused), at most ``limit`` bytes, UTF-8.
``expansion_bound`` is the check the Terraform readers call before expanding
``count`` / ``for_each`` / ``range()``.
"""

from __future__ import annotations

import os
import stat
from typing import Any

# -- sizes ---------------------------------------------------------------------------------
MAX_PLAN_BYTES = 512 * 1024 * 1024      # a plan of ~200,000 resources is ~300 MB
MAX_TEMPLATE_BYTES = 5 * 1024 * 1024    # CloudFormation's own limit is 1 MB (S3-hosted templates)
MAX_CONFIG_BYTES = 1024 * 1024          # .pcxguard.yaml / pyproject.toml
MAX_TF_FILE_BYTES = 10 * 1024 * 1024    # one .tf / .tfvars file
MAX_MODULES_JSON_BYTES = 4_000_000      # .terraform/modules/modules.json
MAX_SNIFF_BYTES = 64 * 1024 * 1024      # what discovery decodes to recognise a file by its content

# -- shapes --------------------------------------------------------------------------------
MAX_DEPTH = 200                 # nesting of JSON / YAML documents (real plans nest < 30 deep)
MAX_YAML_NODES = 500_000        # YAML nodes after alias expansion (billion laughs)
MAX_YAML_ALIASES = 10_000

# -- expansions ------------------------------------------------------------------------------
MAX_CIDR_COUNT = 256            # Fn::Cidr: CloudFormation allows 1..256 blocks
MAX_INSTANCES = 10_000          # count / for_each / range() instances of one block
MAX_RESOURCES = 1_000_000       # resources of one input
# The Terraform evaluator (tfparse, Go) cannot be interrupted in-process: it runs in a child process
# that is killed after this many seconds (count = 1000000000 would otherwise hang the scan).
# PCXGUARD_TFPARSE_SECONDS overrides it (a very large tree on a slow machine).
TFPARSE_SECONDS = 120


class InputRefused(ValueError):
    """An input file pcxguard will not read; the message names the file and why."""


def is_inside(path: str, root: str) -> bool:
    """Whether ``path`` (symlinks resolved) lies inside ``root`` (symlinks resolved)."""
    real, base = os.path.realpath(path), os.path.realpath(root)
    return real == base or real.startswith(base.rstrip(os.sep) + os.sep)


def check_regular(path: str, root: str | None = None) -> os.stat_result:
    """Refuse anything but a regular file (inside ``root`` when given). Returns its stat."""
    if root is not None and not is_inside(path, root):
        raise InputRefused(f"{path}: a symbolic link to {os.path.realpath(path)}, outside the scanned tree "
                           f"{root}; not read")
    try:
        info = os.stat(path)  # follows links: what would be read
    except OSError as error:
        raise InputRefused(f"{path}: cannot read the file: {error.strerror or error}") from error
    if not stat.S_ISREG(info.st_mode):
        kind = ("a FIFO" if stat.S_ISFIFO(info.st_mode) else "a device" if stat.S_ISCHR(info.st_mode)
                or stat.S_ISBLK(info.st_mode) else "a socket" if stat.S_ISSOCK(info.st_mode)
                else "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file")
        raise InputRefused(f"{path}: {kind}, not a regular file; not read")
    return info


def read_bytes(path: str, limit: int, root: str | None = None) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes. Raises InputRefused."""
    info = check_regular(path, root)
    if info.st_size > limit:
        raise InputRefused(f"{path}: {info.st_size:,} bytes, above the limit of {limit:,} bytes; not read")
    try:
        # O_NONBLOCK: a file swapped for a FIFO between stat and open must not hang the scan
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise InputRefused(f"{path}: cannot read the file: {error.strerror or error}") from error
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise InputRefused(f"{path}: not a regular file; not read")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise InputRefused(f"{path}: more than {limit:,} bytes, above the limit; not read")
    return data


def read_text(path: str, limit: int, root: str | None = None, encoding: str = "utf-8") -> str:
    """The text of a regular UTF-8 file of at most ``limit`` bytes. Raises InputRefused."""
    return decode_text(read_bytes(path, limit, root), path, encoding)


def decode_text(data: bytes, path: str, encoding: str = "utf-8") -> str:
    """``data`` (read from ``path``) as text. Raises InputRefused as ``read_text`` does."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise InputRefused(f"{path}: not UTF-8 text (byte {error.start}: {error.reason}); not read") from error


def depth_exceeds(data: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether a decoded JSON/YAML document nests deeper than ``limit`` (iterative: no recursion).

    Level by level, each level's containers gathered by one comprehension per level: 0.11 s for a
    25 MB plan, where one comprehension per container took 0.14 s and a stack of (value, depth) pairs
    with a set of visited ids 0.49 s (benchmarks/RESULTS.md, issue 14). A value shared by several parents (a YAML alias) is read once
    per parent, as its expansion would be (the YAML reader bounds that expansion); a cycle (a YAML
    alias inside itself) is deeper than any limit."""
    level: list[Any] = [data] if isinstance(data, (dict, list)) else []
    depth = 0
    while level:
        if depth > limit:
            return True
        level = [child for value in level for child in (value.values() if isinstance(value, dict) else value)
                 if isinstance(child, (dict, list))]
        depth += 1
    return False


def expansion_bound(requested: Any, what: str, limit: int = MAX_INSTANCES) -> str | None:
    """None when ``requested`` instances may be expanded; else the problem message to report.

    For ``count``, ``for_each`` and ``range()`` of the Terraform readers: an expansion above the
    limit is refused (the instances are left out and reported), never attempted.
    """
    try:
        number = int(requested)
    except (TypeError, ValueError, OverflowError):
        return f"{what}: {requested!r} is not a whole number of instances"
    if number < 0:
        return f"{what}: {number} is negative"
    if number > limit:
        return f"{what}: {number:,} instances, above the limit of {limit:,}; not expanded"
    return None
