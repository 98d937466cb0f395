"""Terraform syntax and lines, without evaluation: tree-sitter-hcl.

Used where only the blocks of a directory and their lines are needed (placing plan findings on
``.tf`` lines, finding root modules, the module calls a root makes) and by the tfparse reader to
see what the evaluator left out (a ``count`` / ``for_each`` it could not expand, a module not on
disk) and which ``file()`` calls name files. Nothing here runs code from the scanned tree and
nothing is cached on disk (checkov's lark-based ``hcl2`` keeps a parser cache in $TMPDIR).

Every read is bounded: regular files only (no symlinks, devices or FIFOs), at most
``MAX_TF_BYTES`` each.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import tree_sitter
import tree_sitter_hcl

from pcxguard.limits import MAX_TF_FILE_BYTES

MAX_TF_BYTES = MAX_TF_FILE_BYTES  # one bound for a .tf file, in pcxguard.limits (docs/security.md)
FILE_FUNCTIONS = {"file", "templatefile", "filebase64", "fileexists", "fileset", "filemd5", "filesha1",
                  "filesha256", "filesha512", "filebase64sha256", "filebase64sha512"}

_PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language()))


@dataclass
class FileCall:
    """One call of a function that reads a file: ``file("${path.module}/x.sh")``."""

    function: str
    argument: str  # the first argument as written
    start_byte: int
    end_byte: int
    line: int
    arguments: tuple[str, ...] = ()  # every argument as written


@dataclass
class SyntaxBlock:
    kind: str  # resource, data, module, variable, output, provider, locals, ...
    labels: tuple[str, ...]
    file: str
    start_line: int
    end_line: int
    attributes: dict[str, str] = field(default_factory=dict)  # top-level attribute -> expression text
    # the names of its nested blocks, a dynamic block as "dynamic.<label>": route, dynamic.route, ...
    nested: frozenset[str] = frozenset()

    @property
    def ident(self) -> str:
        return ".".join(self.labels[:2])


@dataclass
class SyntaxFile:
    path: str
    blocks: list[SyntaxBlock] = field(default_factory=list)
    file_calls: list[FileCall] = field(default_factory=list)
    error: str | None = None


@dataclass
class ModuleSyntax:
    directory: str
    resources: dict[str, SyntaxBlock] = field(default_factory=dict)  # "aws_vpc.a" -> block
    data: dict[str, SyntaxBlock] = field(default_factory=dict)
    modules: dict[str, SyntaxBlock] = field(default_factory=dict)
    variables: dict[str, SyntaxBlock] = field(default_factory=dict)
    locals: dict[str, str] = field(default_factory=dict)  # name -> expression text
    files: list[SyntaxFile] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (file, message)


def read_bounded(path: str | Path, limit: int = MAX_TF_BYTES) -> bytes:
    """The bytes of a regular file (never a symlink, device or FIFO), at most ``limit`` of them."""
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        raise OSError(f"{path} is a symbolic link; not followed")
    if not stat.S_ISREG(info.st_mode):
        raise OSError(f"{path} is not a regular file")
    if info.st_size > limit:
        raise OSError(f"{path} is larger than {limit} bytes")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise OSError(f"{path} is larger than {limit} bytes")
    return data


def _text(node: Any) -> str:
    return node.text.decode("utf-8", errors="replace")


def _label(node: Any) -> str:
    if node.type == "string_lit":
        return "".join(_text(c) for c in node.children if c.type == "template_literal")
    return _text(node)


def parse_text(data: bytes, path: str) -> SyntaxFile:
    result = SyntaxFile(path)
    tree = _PARSER.parse(data)
    root = tree.root_node
    if root.has_error:
        line = _first_error_line(root)
        result.error = f"not valid HCL (near line {line})" if line else "not valid HCL"
    body = next((c for c in root.children if c.type == "body"), None)
    for block in (body.children if body is not None else []):
        if block.type != "block":
            continue
        kind_node = block.children[0]
        labels = tuple(_label(c) for c in block.children[1:] if c.type in ("string_lit", "identifier"))
        info = SyntaxBlock(_text(kind_node), labels, path, block.start_point[0] + 1, block.end_point[0] + 1)
        inner = next((c for c in block.children if c.type == "body"), None)
        nested_names: set[str] = set()
        for attribute in (inner.children if inner is not None else []):
            if attribute.type == "attribute" and attribute.child_count >= 3:
                expression = attribute.children[-1]
                info.attributes[_text(attribute.children[0])] = _text(expression)
            elif attribute.type == "block" and attribute.children:
                # one level of nested blocks, first block of each name: "launch_template.id"
                nested_name = _text(attribute.children[0])
                nested_labels = [_label(c) for c in attribute.children[1:] if c.type in ("string_lit", "identifier")]
                nested_names.add(f"dynamic.{nested_labels[0]}" if nested_name == "dynamic" and nested_labels
                                 else nested_name)
                nested = next((c for c in attribute.children if c.type == "body"), None)
                for item in (nested.children if nested is not None else []):
                    if item.type == "attribute" and item.child_count >= 3:
                        info.attributes.setdefault(f"{nested_name}.{_text(item.children[0])}", _text(item.children[-1]))
        info.nested = frozenset(nested_names)
        result.blocks.append(info)
    _collect_file_calls(root, result.file_calls)
    return result


def _first_error_line(node: Any) -> int | None:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == "ERROR" or current.is_missing:
            return current.start_point[0] + 1
        stack.extend(reversed(current.children))
    return None


def _collect_file_calls(root: Any, found: list[FileCall]) -> None:
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "function_call" and node.children and _text(node.children[0]) in FILE_FUNCTIONS:
            arguments = next((c for c in node.children if c.type == "function_arguments"), None)
            expressions = [c for c in arguments.children if c.type == "expression"] if arguments else []
            found.append(FileCall(_text(node.children[0]), _text(expressions[0]) if expressions else "",
                                  node.start_byte, node.end_byte, node.start_point[0] + 1,
                                  tuple(_text(e) for e in expressions)))
            continue
        stack.extend(node.children)


@lru_cache(maxsize=512)
def _parse_file_cached(path: str, stamp: tuple) -> SyntaxFile:
    try:
        data = read_bounded(path)
    except OSError as error:
        return SyntaxFile(path, error=f"cannot read the file: {error}")
    return parse_text(data, path)


def _stamp(path: str) -> tuple:
    try:
        info = os.lstat(path)
        return (info.st_size, info.st_mtime_ns, info.st_mode)
    except OSError:
        return (None, None, None)


def tf_files(directory: str) -> list[str]:
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return []
    return [os.path.join(directory, n) for n in names if n.endswith(".tf")]


def parse_file(path: str) -> SyntaxFile:
    return _parse_file_cached(path, _stamp(path))


def read_module_syntax(directory: str | Path) -> ModuleSyntax:
    directory = os.path.normpath(str(directory))
    result = ModuleSyntax(directory)
    for path in tf_files(directory):
        parsed = parse_file(path)
        result.files.append(parsed)
        if parsed.error:
            result.problems.append((path, parsed.error))
        for block in parsed.blocks:
            if block.kind == "resource" and len(block.labels) >= 2:
                result.resources.setdefault(block.ident, block)
            elif block.kind == "data" and len(block.labels) >= 2:
                result.data.setdefault(block.ident, block)
            elif block.kind == "module" and block.labels:
                result.modules.setdefault(block.labels[0], block)
            elif block.kind == "variable" and block.labels:
                result.variables.setdefault(block.labels[0], block)
            elif block.kind == "locals":
                for name, text in block.attributes.items():
                    if "." not in name:
                        result.locals.setdefault(name, text)
    return result


def string_literal(expression: str | None) -> str | None:
    """The value of a plain quoted string without interpolation, else None."""
    if expression is None:
        return None
    text = expression.strip()
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"' and "${" not in text and "\\" not in text:
        return text[1:-1]
    return None


def is_local_source(source: Any) -> bool:
    return isinstance(source, str) and (source.startswith("./") or source.startswith("../"))


def local_module_dir(directory: str, block: SyntaxBlock) -> str | None:
    source = string_literal(block.attributes.get("source"))
    if source is None or not is_local_source(source):
        return None
    return os.path.normpath(os.path.join(directory, source))
