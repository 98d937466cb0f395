"""A small, honest parser for the Terraform expressions ``hcl2.loads`` hands back.

checkov's fork of python-hcl2 (``bc-python-hcl2``) returns literals as Python
values and every other expression as a string: ``"${aws_vpc.a.id}"``,
``"10.${var.n}.0.0/16"``, ``"${cidrsubnet(var.c,8,1)}"``. Objects nested inside
an expression come back as Python ``repr`` (``{'a': '${aws_vpc.a.id}'}``) and
heredocs inside a function call as double-quoted strings holding real
newlines. This module turns those strings into a tiny syntax tree; the reader
in ``terraform_source`` evaluates the tree. Anything this parser cannot read
raises ``ExpressionError``, which the reader turns into an ``Unknown``.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any


class ExpressionError(ValueError):
    """An expression outside the subset pcxguard reads."""


# --------------------------------------------------------------------------- syntax tree


@dataclass(frozen=True)
class Lit:
    value: Any


@dataclass(frozen=True)
class Template:
    parts: tuple[Any, ...]  # str pieces and expression nodes


@dataclass(frozen=True)
class Var:
    name: str


@dataclass(frozen=True)
class GetAttr:
    target: Any
    name: str


@dataclass(frozen=True)
class Index:
    target: Any
    key: Any


@dataclass(frozen=True)
class Splat:
    target: Any


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Any, ...]
    expand: bool = False


@dataclass(frozen=True)
class ListExpr:
    items: tuple[Any, ...]


@dataclass(frozen=True)
class ObjectExpr:
    items: tuple[tuple[Any, Any], ...]


@dataclass(frozen=True)
class Conditional:
    condition: Any
    then: Any
    otherwise: Any


@dataclass(frozen=True)
class Binary:
    op: str
    left: Any
    right: Any


@dataclass(frozen=True)
class Unary:
    op: str
    operand: Any


@dataclass(frozen=True)
class ForExpr:
    key_var: str | None
    value_var: str
    collection: Any
    key: Any  # None for a list comprehension
    value: Any
    condition: Any
    is_object: bool


# --------------------------------------------------------------------------- templates

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def unescape(text: str) -> str:
    """HCL quoted-string escapes (``\\n``, ``\\"``, ``\\uXXXX``)."""
    if "\\" not in text:
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            if nxt == "u" and re.fullmatch(r"[0-9A-Fa-f]{4}", text[i + 2:i + 6] or ""):
                out.append(chr(int(text[i + 2:i + 6], 16)))
                i += 6
                continue
        out.append(char)
        i += 1
    return "".join(out)


def _matching_brace(text: str, start: int) -> int:
    """Index of the ``}`` closing the ``${`` whose body starts at ``start``."""
    depth = 1
    i = start
    while i < len(text):
        char = text[i]
        if char in "\"'":
            i = _string_end(text, i) + 1
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ExpressionError("unclosed ${ in a template")


def _string_end(text: str, start: int) -> int:
    """Index of the quote closing the string that opens at ``start``."""
    quote = text[start]
    i = start + 1
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if quote == '"' and text.startswith("${", i):
            i = _matching_brace(text, i + 2) + 1
            continue
        if char == quote:
            return i
        i += 1
    raise ExpressionError("unclosed string")


def parse_template(text: str, escaped: bool) -> Any:
    """A string value: a literal, a single interpolation (keeps its type), or a template."""
    if "%{" in text.replace("%%{", ""):
        raise ExpressionError("template directives (%{ ... }) are not evaluated")
    parts: list[Any] = []
    literal: list[str] = []
    i = 0
    while i < len(text):
        if text.startswith("$${", i):
            literal.append("${")
            i += 3
            continue
        if text.startswith("%%{", i):
            literal.append("%{")
            i += 3
            continue
        if text.startswith("${", i):
            end = _matching_brace(text, i + 2)
            if literal:
                parts.append("".join(literal))
                literal = []
            body = text[i + 2:end].strip()
            if body.startswith("~"):
                body = body[1:]
            if body.endswith("~"):
                body = body[:-1]
            parts.append(parse_expression(body))
            i = end + 1
            continue
        literal.append(text[i])
        i += 1
    if literal:
        parts.append("".join(literal))
    if escaped:
        parts = [unescape(p) if isinstance(p, str) else p for p in parts]
    if not parts:
        return Lit("")
    if len(parts) == 1:
        return Lit(parts[0]) if isinstance(parts[0], str) else parts[0]
    return Template(tuple(parts))


# --------------------------------------------------------------------------- tokens

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_-]*)
  | (?P<op>\.\.\.|=>|==|!=|<=|>=|&&|\|\||[-+*/%<>!?:=.,()\[\]{}])
""", re.VERBOSE)


def _tokens(text: str) -> list[tuple[str, Any]]:
    tokens: list[tuple[str, Any]] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char in "\"'":
            end = _string_end(text, i)
            raw = text[i:end + 1]
            if char == '"':
                tokens.append(("string", parse_template(raw[1:-1], escaped="\n" not in raw)))
            else:  # a Python repr of a string inside an object the fork re-serialised
                try:
                    tokens.append(("string", parse_template(ast.literal_eval(raw), escaped=False)))
                except (ValueError, SyntaxError) as error:
                    raise ExpressionError(f"cannot read the string {raw[:40]}") from error
            i = end + 1
            continue
        match = _TOKEN.match(text, i)
        if not match:
            raise ExpressionError(f"unexpected character {char!r}")
        kind = match.lastgroup
        value = match.group()
        if kind == "number":
            tokens.append(("number", float(value) if any(c in value for c in ".eE") else int(value)))
        elif kind == "ident":
            tokens.append(("ident", value))
        elif kind == "op":
            tokens.append(("op", value))
        i = match.end()
    tokens.append(("end", None))
    return tokens


# --------------------------------------------------------------------------- parser

_BINARY = [("||",), ("&&",), ("==", "!="), ("<", ">", "<=", ">="), ("+", "-"), ("*", "/", "%")]


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.position = 0

    def peek(self, offset: int = 0) -> tuple[str, Any]:
        return self.tokens[min(self.position + offset, len(self.tokens) - 1)]

    def take(self) -> tuple[str, Any]:
        token = self.peek()
        self.position += 1
        return token

    def at(self, value: str) -> bool:
        kind, token = self.peek()
        return kind == "op" and token == value

    def expect(self, value: str) -> None:
        if not self.at(value):
            raise ExpressionError(f"expected {value!r}, found {self.peek()[1]!r}")
        self.take()

    def expression(self) -> Any:
        condition = self.binary(0)
        if self.at("?"):
            self.take()
            then = self.expression()
            self.expect(":")
            return Conditional(condition, then, self.expression())
        return condition

    def binary(self, level: int) -> Any:
        if level == len(_BINARY):
            return self.unary()
        left = self.binary(level + 1)
        while self.peek()[0] == "op" and self.peek()[1] in _BINARY[level]:
            op = self.take()[1]
            left = Binary(op, left, self.binary(level + 1))
        return left

    def unary(self) -> Any:
        if self.at("!") or self.at("-"):
            op = self.take()[1]
            return Unary(op, self.unary())
        return self.postfix(self.primary())

    def postfix(self, node: Any) -> Any:
        while True:
            if self.at("."):
                self.take()
                kind, token = self.take()
                if kind == "ident":
                    node = GetAttr(node, token)
                elif kind == "number" and isinstance(token, int):
                    node = Index(node, Lit(token))
                elif kind == "op" and token == "*":
                    node = Splat(node)
                else:
                    raise ExpressionError(f"unexpected {token!r} after '.'")
            elif self.at("["):
                self.take()
                if self.at("*"):
                    self.take()
                    self.expect("]")
                    node = Splat(node)
                else:
                    key = self.expression()
                    self.expect("]")
                    node = Index(node, key)
            else:
                return node

    def primary(self) -> Any:
        kind, token = self.take()
        if kind == "number":
            return Lit(token)
        if kind == "string":
            return token
        if kind == "ident":
            if token in ("true", "True"):
                return Lit(True)
            if token in ("false", "False"):
                return Lit(False)
            if token in ("null", "None"):
                return Lit(None)
            if self.at("("):
                return self.call(token)
            return Var(token)
        if kind == "op" and token == "(":
            inner = self.expression()
            self.expect(")")
            return inner
        if kind == "op" and token == "[":
            return self.list_or_for()
        if kind == "op" and token == "{":
            return self.object_or_for()
        raise ExpressionError(f"unexpected {token!r}")

    def call(self, name: str) -> Any:
        self.expect("(")
        args: list[Any] = []
        expand = False
        while not self.at(")"):
            args.append(self.expression())
            if self.at("..."):
                self.take()
                expand = True
            if self.at(","):
                self.take()
            elif not self.at(")"):
                raise ExpressionError(f"expected ',' or ')' in a call to {name}")
        self.take()
        return Call(name, tuple(args), expand)

    def _for_head(self) -> tuple[str | None, str, Any]:
        self.take()  # "for"
        first = self.take()[1]
        second = None
        if self.at(","):
            self.take()
            second = self.take()[1]
        if self.peek() != ("ident", "in"):
            raise ExpressionError("expected 'in' in a for expression")
        self.take()
        collection = self.expression()
        self.expect(":")
        return (first, second, collection) if second else (None, first, collection)

    def _for_condition(self) -> Any:
        if self.peek() == ("ident", "if"):
            self.take()
            return self.expression()
        return None

    def list_or_for(self) -> Any:
        if self.peek() == ("ident", "for"):
            key_var, value_var, collection = self._for_head()
            value = self.expression()
            condition = self._for_condition()
            self.expect("]")
            return ForExpr(key_var, value_var, collection, None, value, condition, False)
        items: list[Any] = []
        while not self.at("]"):
            items.append(self.expression())
            if self.at(","):
                self.take()
            elif not self.at("]"):
                raise ExpressionError("expected ',' or ']' in a list")
        self.take()
        return ListExpr(tuple(items))

    def object_or_for(self) -> Any:
        if self.peek() == ("ident", "for"):
            key_var, value_var, collection = self._for_head()
            key = self.expression()
            self.expect("=>")
            value = self.expression()
            if self.at("..."):
                raise ExpressionError("grouping for expressions are not evaluated")
            condition = self._for_condition()
            self.expect("}")
            return ForExpr(key_var, value_var, collection, key, value, condition, True)
        items: list[tuple[Any, Any]] = []
        while not self.at("}"):
            kind, token = self.peek()
            if kind == "ident" and self.peek(1)[1] in ("=", ":"):
                self.take()
                key: Any = Lit(token)
            else:
                key = self.expression()
            if not (self.at("=") or self.at(":")):
                raise ExpressionError("expected '=' or ':' in an object")
            self.take()
            items.append((key, self.expression()))
            if self.at(","):
                self.take()
        self.take()
        return ObjectExpr(tuple(items))


def parse_expression(text: str) -> Any:
    parser = _Parser(text)
    node = parser.expression()
    if parser.peek()[0] != "end":
        raise ExpressionError(f"unexpected {parser.peek()[1]!r} after an expression")
    return node
