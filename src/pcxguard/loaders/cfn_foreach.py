"""``Fn::ForEach`` of the ``AWS::LanguageExtensions`` transform, expanded as CloudFormation does.

A ``Resources`` entry ``Fn::ForEach::Name: [Identifier, Collection, {OutputKey: OutputValue}]`` stands for
one copy of each output per item of the collection: ``${Identifier}`` and ``&{Identifier}`` (the item with
its non-alphanumeric characters removed) in the output key are replaced, and so are ``{"Ref": Identifier}``
and ``${Identifier}`` inside the output value (in ``Fn::Sub`` strings too). Loops nest.

A collection pcxguard cannot resolve (a parameter without a value, an import) is not guessed: the loop is
returned as ``Unexpanded``, with the resource types it would make, so the builder records the sets those
resources would belong to as incomplete. Reference: AWS CloudFormation User Guide, "Fn::ForEach".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from pcxguard import limits
from pcxguard.loaders.cfn_yaml import LineDict

PREFIX = "Fn::ForEach::"


@dataclass
class Unexpanded:
    key: str  # the loop's key, "Fn::ForEach::Tables"
    why: str
    lines: tuple[int, int] | None
    types: list[str] = field(default_factory=list)  # the resource types its outputs declare
    identifier: str = ""
    outputs: dict[str, Any] = field(default_factory=dict)  # {output key: resource}, not substituted


def expand(resources: dict[str, Any], resolve: Callable[[Any], Any]) -> tuple[dict[str, Any], list[Unexpanded]]:
    """The resources with every loop expanded, and the loops that could not be. ``resolve`` turns a
    collection (a literal list, ``Ref`` to a list parameter, ...) into a value; anything but a list of
    strings leaves the loop unexpanded."""
    if not any(isinstance(k, str) and k.startswith(PREFIX) for k in resources):
        return resources, []
    out = LineDict()
    out.made_by = {}  # name -> the loop that made it (checkov, which does not expand loops, never sees these)
    lines = getattr(resources, "lines", {})
    unexpanded: list[Unexpanded] = []
    for key, value in resources.items():
        where = lines.get(key)
        if isinstance(key, str) and key.startswith(PREFIX):
            for name, resource in _loop(key, value, resolve, where, unexpanded, 0):
                out[name] = resource
                out.made_by[name] = key
                if where is not None:
                    out.lines[name] = where
        else:
            out[key] = value
            if where is not None:
                out.lines[key] = where
    return out, unexpanded


def _loop(key: str, value: Any, resolve: Callable[[Any], Any], where: tuple[int, int] | None,
          unexpanded: list[Unexpanded], depth: int) -> list[tuple[str, Any]]:
    if depth > 8:
        unexpanded.append(Unexpanded(key, "loops nest deeper than 8 levels", where))
        return []
    if not (isinstance(value, list) and len(value) == 3 and isinstance(value[0], str) and isinstance(value[2], dict)):
        unexpanded.append(Unexpanded(key, "it is not [identifier, collection, {output key: output}]", where,
                                     _types(value)))
        return []
    identifier, collection, outputs = value
    items = resolve(collection)
    if not (isinstance(items, list) and all(isinstance(i, str) for i in items)):
        what = getattr(items, "describe", None)
        why = f"its collection is not known ({what()})" if callable(what) else "its collection is not a list of strings"
        unexpanded.append(Unexpanded(key, why, where, _types(outputs), identifier, outputs))
        return []
    if len(items) * max(len(outputs), 1) > limits.MAX_CIDR_COUNT:
        unexpanded.append(Unexpanded(key, f"it makes more than {limits.MAX_CIDR_COUNT} resources (the limit)", where,
                                     _types(outputs)))
        return []
    made: list[tuple[str, Any]] = []
    for item in items:
        for out_key, out_value in outputs.items():
            name = _substitute(out_key, identifier, item)
            body = _substitute(out_value, identifier, item)
            if isinstance(name, str) and name.startswith(PREFIX):
                made.extend(_loop(name, body, resolve, where, unexpanded, depth + 1))
            elif isinstance(name, str):
                made.append((name, body))
    return made


def mentions(value: Any, identifier: str, depth: int = 0) -> bool:
    """Whether a loop's output value reads the loop's identifier (so it differs per item)."""
    if depth > 20:
        return True
    if isinstance(value, str):
        return value == identifier or "${" + identifier + "}" in value or "&{" + identifier + "}" in value
    if isinstance(value, dict):
        return any(mentions(k, identifier, depth + 1) or mentions(v, identifier, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return any(mentions(v, identifier, depth + 1) for v in value)
    return False


def _substitute(value: Any, identifier: str, item: str) -> Any:
    if isinstance(value, str):
        alphanumeric = re.sub(r"[^A-Za-z0-9]", "", item)
        return value.replace("${" + identifier + "}", item).replace("&{" + identifier + "}", alphanumeric)
    if isinstance(value, dict):
        if len(value) == 1 and value.get("Ref") == identifier:
            return item
        return {_substitute(k, identifier, item) if isinstance(k, str) else k: _substitute(v, identifier, item)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, identifier, item) for v in value]
    return value


def _types(value: Any, depth: int = 0) -> list[str]:
    """The resource types a loop's outputs declare (nested loops included)."""
    found: list[str] = []
    if depth > 12:
        return found
    if isinstance(value, dict):
        kind = value.get("Type")
        if isinstance(kind, str) and kind.startswith("AWS::"):
            found.append(kind)
        for sub in value.values():
            if isinstance(sub, (dict, list)):
                found.extend(_types(sub, depth + 1))
    elif isinstance(value, list):
        for sub in value:
            found.extend(_types(sub, depth + 1))
    return list(dict.fromkeys(found))
