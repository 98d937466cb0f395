"""A safe reader for CloudFormation templates (YAML and JSON) that keeps line numbers.

- ``CfnLoader`` is a ``yaml.SafeLoader``: it builds only plain dicts, lists and
  scalars, never Python objects. The short-form intrinsic tags (``!Ref``,
  ``!GetAtt``, ``!Sub`` ...) become their long form (``{"Ref": ...}``,
  ``{"Fn::GetAtt": [...]}``); any other tag is refused.
- Aliases are bounded: a document whose fully expanded size would exceed
  ``MAX_EXPANDED_NODES`` (a "billion laughs" alias bomb) is refused after
  composition, before anything walks the expanded tree, so it fails fast
  and in little memory.
- Every mapping is a ``LineDict`` that remembers, per key, the line of the key
  and the last line of its value (1-based), which is what a resource's
  ``Source`` needs: the logical id's line to the end of its body.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from pcxguard.limits import MAX_DEPTH, MAX_YAML_ALIASES, MAX_YAML_NODES

MAX_EXPANDED_NODES = MAX_YAML_NODES  # a 1 MB template (the CloudFormation limit) has far fewer
MAX_ALIASES = MAX_YAML_ALIASES


class TemplateError(ValueError):
    """The file cannot be read as a template; the message says where and why."""


class NotATemplate(TemplateError):
    """The file is the source of another tool, not a template (``!Rain::`` tags: rain writes the
    template): a note that says what to scan instead, not a broken input."""


class LineDict(dict):
    """A dict that knows the lines of its keys: ``lines[key] = (key_line, value_end_line)``."""

    lines: dict[Any, tuple[int, int]]
    made_by: dict[Any, str]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = {}
        self.made_by = {}


_FN_TAGS = {
    "Base64": "Fn::Base64", "Cidr": "Fn::Cidr", "FindInMap": "Fn::FindInMap", "GetAtt": "Fn::GetAtt",
    "GetAZs": "Fn::GetAZs", "ImportValue": "Fn::ImportValue", "Join": "Fn::Join", "Select": "Fn::Select",
    "Split": "Fn::Split", "Sub": "Fn::Sub", "Transform": "Fn::Transform", "And": "Fn::And",
    "Equals": "Fn::Equals", "If": "Fn::If", "Not": "Fn::Not", "Or": "Fn::Or", "Length": "Fn::Length",
    "ToJsonString": "Fn::ToJsonString",
    # the functions of a template's Rules section (the aws-cloudformation-templates repository writes !ValueOf)
    "Contains": "Fn::Contains", "EachMemberEquals": "Fn::EachMemberEquals", "EachMemberIn": "Fn::EachMemberIn",
    "RefAll": "Fn::RefAll", "ValueOf": "Fn::ValueOf", "ValueOfAll": "Fn::ValueOfAll",
}


def _end_line(node: Node, lines: list[str] | None = None) -> int:
    """The 1-based last line holding ``node``'s text.

    A block collection's end mark is the next token (the following key, after any
    comments and blank lines), so its end is its last child's end instead.
    """
    while isinstance(node, (MappingNode, SequenceNode)) and not node.flow_style and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(node, MappingNode) else last
    mark = node.end_mark
    if mark.column == 0 and mark.line > node.start_mark.line:
        end = mark.line  # the position after the last line break: the previous line, 1-based
    else:
        end = mark.line + 1
    if lines is not None:  # a block scalar's end mark follows its trailing blank lines
        while end - 1 > node.start_mark.line and end - 1 < len(lines) and not lines[end - 1].strip():
            end -= 1
    return end


def _expanded_size(node: Node, memo: dict[int, int], depth: int = 0) -> int:
    if depth > MAX_DEPTH:
        raise TemplateError(f"the document nests deeper than {MAX_DEPTH} levels (the limit); refused")
    known = memo.get(id(node))
    if known is not None:
        return known
    memo[id(node)] = 1  # a recursive alias counts once; yaml refuses recursive structures anyway
    size = 1
    if isinstance(node, SequenceNode):
        for child in node.value:
            size += _expanded_size(child, memo, depth + 1)
            if size > MAX_EXPANDED_NODES:
                break
    elif isinstance(node, MappingNode):
        for key, value in node.value:
            size += _expanded_size(key, memo, depth + 1) + _expanded_size(value, memo, depth + 1)
            if size > MAX_EXPANDED_NODES:
                break
    memo[id(node)] = size
    return size


class BoundedLoader(yaml.SafeLoader):
    """SafeLoader that refuses alias bombs and deep nesting (TemplateError) before building anything.

    Used for every YAML pcxguard reads: templates, ``.pcxguard.yaml``, discovery.
    """

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self.alias_count = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            self.alias_count += 1
            if self.alias_count > MAX_ALIASES:
                event = self.peek_event()
                raise TemplateError(f"line {event.start_mark.line + 1}: more than {MAX_ALIASES} YAML aliases; "
                                    "refused (alias bomb?)")
        return super().compose_node(parent, index)

    def get_single_node(self) -> Node | None:
        node = super().get_single_node()
        if node is not None:
            size = _expanded_size(node, {})
            if size > MAX_EXPANDED_NODES:
                raise TemplateError(
                    f"the YAML aliases expand to more than {MAX_EXPANDED_NODES:,} nodes; refused "
                    "(a 'billion laughs' alias bomb?)")
        return node


def bounded_safe_load(text: str) -> Any:
    """``yaml.safe_load`` with the alias and depth bounds; raises TemplateError or yaml.YAMLError."""
    try:
        return yaml.load(text, Loader=BoundedLoader)  # noqa: S506 - a SafeLoader subclass
    except RecursionError as error:
        raise TemplateError(f"the document nests deeper than {MAX_DEPTH} levels (the limit); refused") from error


class CfnLoader(BoundedLoader):
    """SafeLoader + CloudFormation short forms + line numbers + alias limits."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self.text_lines = stream.splitlines() if isinstance(stream, str) else None

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> LineDict:
        self.flatten_mapping(node)
        result = LineDict()
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError as error:
                raise TemplateError(f"line {key_node.start_mark.line + 1}: unhashable mapping key") from error
            if key in result:
                raise TemplateError(f"line {key_node.start_mark.line + 1}: duplicate key {key!r}")
            result[key] = self.construct_object(value_node, deep=deep)
            result.lines[key] = (key_node.start_mark.line + 1, _end_line(value_node, self.text_lines))
        return result


def _construct_yaml_map(loader: CfnLoader, node: MappingNode) -> Any:
    data = LineDict()
    yield data
    value = loader.construct_mapping(node)
    data.update(value)
    data.lines = value.lines


CfnLoader.add_constructor("tag:yaml.org,2002:map", _construct_yaml_map)

# YAML 1.1 reads yes/no/on/off (a condition named ``Yes``) as booleans; CloudFormation does not.
CfnLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _first in "tTfF":
    CfnLoader.yaml_implicit_resolvers.setdefault(_first, []).insert(
        0, ("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")))


def _short_form(name: str):  # noqa: ANN202
    def construct(loader: CfnLoader, node: Node) -> Any:
        if isinstance(node, ScalarNode):
            value: Any = loader.construct_scalar(node)
            if name == "Fn::GetAtt" and isinstance(value, str):
                logical, _, attribute = value.partition(".")
                value = [logical, attribute]
        elif isinstance(node, SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {name: value}
    return construct


for _tag, _name in _FN_TAGS.items():
    CfnLoader.add_constructor(f"!{_tag}", _short_form(_name))
CfnLoader.add_constructor("!Ref", _short_form("Ref"))
CfnLoader.add_constructor("!Condition", _short_form("Condition"))


def _refuse(loader: CfnLoader, suffix: str, node: Node) -> Any:
    where = f"line {node.start_mark.line + 1}: unsupported YAML tag {node.tag!r}"
    if isinstance(node.tag, str) and node.tag.startswith("!Rain::"):
        raise NotATemplate(f"{where} (a source for the rain tool, not a template: scan what `rain pkg` writes)")
    raise TemplateError(where)


CfnLoader.add_multi_constructor("!", _refuse)
CfnLoader.add_multi_constructor("tag:yaml.org,2002:python/", _refuse)


def load_template_text(text: str) -> Any:
    """Parse template text (YAML or JSON). Raises ``TemplateError`` with a clear message."""
    try:
        return yaml.load(text, Loader=CfnLoader)  # noqa: S506 - CfnLoader is a SafeLoader
    except TemplateError:
        raise
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = error.problem or error.context or "cannot parse"
        yaml_error: Exception = error
    except RecursionError as error:
        raise TemplateError(f"the document nests deeper than {MAX_DEPTH} levels (the limit); refused") from error
    except (yaml.YAMLError, ValueError) as error:
        where, problem, yaml_error = "", str(error) or type(error).__name__, error
    # JSON that YAML cannot read (tabs and the like): try JSON, keeping no lines
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise TemplateError(f"line {error.lineno}, column {error.colno}: {error.msg}") from error
        except RecursionError as error:
            raise TemplateError(f"the document nests deeper than {MAX_DEPTH} levels (the limit); refused") from error
    raise TemplateError(f"{where}{problem}") from yaml_error
