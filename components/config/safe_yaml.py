"""YAML loading with limits: one document, no aliases, bounded depth, no duplicate keys.

Values are built straight from the parser's event stream, never by PyYAML's composer, which
recurses once per nesting level and expands aliases: a deep or alias-bombed file ends here at
the first offending event. Only values Pulumi can hold as config come out: text, numbers,
booleans, null, lists and mappings with text keys. Timestamps stay the text written.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import ScalarNode

MAX_DEPTH = 64
_YAML_TAG = "tag:yaml.org,2002:"
_MAP_TAGS = (None, "!", f"{_YAML_TAG}map")
_SEQ_TAGS = (None, "!", f"{_YAML_TAG}seq")
_TEXT_TAGS = {f"{_YAML_TAG}{name}" for name in ("str", "timestamp", "value")}
_PARSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlLimitError(Exception):
    """A document this loader refuses, with where: key path, line and column (1-based)."""

    def __init__(self, message: str, path: str, mark: Any) -> None:
        self.message = message
        self.path = path
        self.line = getattr(mark, "line", -1) + 1
        self.column = getattr(mark, "column", -1) + 1
        where = f"line {self.line}, column {self.column}"
        super().__init__(f"{path or '(document)'}: {message} ({where})")


@dataclass
class _Frame:
    container: dict[str, Any] | list[Any]
    path: str
    key: str | None = None
    keys_seen: set[str] = field(default_factory=set)


def _short(tag: str) -> str:
    return "!!" + tag.removeprefix(_YAML_TAG) if tag.startswith(_YAML_TAG) else tag


def _child_path(frame: _Frame) -> str:
    if isinstance(frame.container, list):
        return f"{frame.path}[{len(frame.container)}]"
    return f"{frame.path}.{frame.key}" if frame.path else str(frame.key)


_constructor = yaml.constructor.SafeConstructor()
_resolver = yaml.resolver.Resolver()


def _scalar(event: yaml.ScalarEvent, path: str) -> Any:
    tag = event.tag
    if tag is None or tag == "!":
        tag = _resolver.resolve(ScalarNode, event.value, event.implicit)  # type: ignore[no-untyped-call]
    node = ScalarNode(tag, event.value)
    if tag in _TEXT_TAGS:
        return event.value
    try:
        if tag == f"{_YAML_TAG}null":
            return None
        if tag == f"{_YAML_TAG}bool":
            return _constructor.construct_yaml_bool(node)
        if tag == f"{_YAML_TAG}int":
            return _constructor.construct_yaml_int(node)
        if tag == f"{_YAML_TAG}float":
            number = _constructor.construct_yaml_float(node)
            if not math.isfinite(number):
                raise YamlLimitError(
                    f"{event.value!r} is not a finite number; write it in quotes if it is text",
                    path,
                    event.start_mark,
                )
            return number
    except Exception:
        # Explicitly tagged text (`!!bool maybe`, `!!int ""`) reaches the constructors unchecked,
        # and they fail in whatever way their parsing does: any failure means "not that type".
        raise YamlLimitError(
            f"{event.value[:40]!r} is not a valid {_short(tag)} value", path, event.start_mark
        ) from None
    if tag == f"{_YAML_TAG}merge":
        raise YamlLimitError("merge keys (<<) are not supported", path, event.start_mark)
    raise YamlLimitError(
        f"YAML tag {_short(tag)} is not supported; write the value as plain text, a number, "
        "a list or a mapping",
        path,
        event.start_mark,
    )


def _add(stack: list[_Frame], value: Any, event: yaml.Event) -> Any:
    """Place `value` in the innermost collection; returns it when it is the whole document."""
    if not stack:
        return value
    frame = stack[-1]
    if isinstance(frame.container, list):
        frame.container.append(value)
        return None
    if frame.key is None:
        if not isinstance(value, str):
            raise YamlLimitError(
                f"mapping keys must be text, found {_kind(value)} {value!r}; quote the key",
                frame.path,
                event.start_mark,
            )
        if value in frame.keys_seen:
            frame.key = value
            raise YamlLimitError(
                "duplicate key; each key may appear once", _child_path(frame), event.start_mark
            )
        frame.keys_seen.add(value)
        frame.key = value
        return None
    frame.container[frame.key] = value
    frame.key = None
    return None


def _kind(value: Any) -> str:
    return {bool: "boolean", int: "integer", float: "number", type(None): "null"}.get(
        type(value), type(value).__name__
    )


def load_yaml(text: str, max_depth: int = MAX_DEPTH) -> Any:
    """The single document in `text` as plain values; raises YamlLimitError or yaml.YAMLError."""
    stack: list[_Frame] = []
    document: Any = None
    documents = 0
    for event in yaml.parse(text, Loader=_PARSER):
        path = _child_path(stack[-1]) if stack else ""
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise YamlLimitError("more than one YAML document (---)", "", event.start_mark)
        elif isinstance(event, yaml.AliasEvent):
            raise YamlLimitError(
                f"YAML aliases (*{event.anchor}) are not supported; write the value out",
                path,
                event.start_mark,
            )
        elif isinstance(event, yaml.ScalarEvent):
            document = _add(stack, _scalar(event, path), event) if stack else _scalar(event, path)
        elif isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            is_map = isinstance(event, yaml.MappingStartEvent)
            if event.tag not in (_MAP_TAGS if is_map else _SEQ_TAGS):
                raise YamlLimitError(
                    f"YAML tag {_short(event.tag or '')} is not supported; write a plain "
                    "list or mapping",
                    path,
                    event.start_mark,
                )
            if stack and isinstance(stack[-1].container, dict) and stack[-1].key is None:
                raise YamlLimitError(
                    "a list or mapping cannot be a mapping key", stack[-1].path, event.start_mark
                )
            if len(stack) >= max_depth:
                raise YamlLimitError(
                    f"nested deeper than {max_depth} levels", path, event.start_mark
                )
            stack.append(_Frame({} if is_map else [], path))
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            done = stack.pop()
            document = _add(stack, done.container, event) if stack else done.container
    return document
