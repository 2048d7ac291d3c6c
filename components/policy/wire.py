"""Resource inputs as the policies read them: camelCase wire names, unknowns and secrets marked.

Two sources feed the policies. `mailstack plan` records inputs with values known only after
deployment as "<unknown>" and secrets as "<secret>". The Pulumi engine hands a policy pack the
same camelCase inputs, but with unknowns as sentinel strings inside read-guarding proxies and
secrets already decrypted; `engine_inputs` turns those into the plan's form so one set of rules
serves both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

UNKNOWN = "<unknown>"
SECRET = "<secret>"

# Sentinels the policy SDK substitutes for values unknown during preview, one per type
# (pulumi-policy proxy.py); the first is also the engine's own unknown string.
ENGINE_UNKNOWNS = frozenset({
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
    "030794c1-ac77-496b-92df-f27374a8bd58",
    "e48ece36-62e2-4504-bad9-02848725956a",
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
})


@dataclass(frozen=True)
class ResourceView:
    """One resource as a stack-wide policy sees it."""

    type: str
    name: str
    inputs: Mapping[str, Any] = field(default_factory=dict)
    parent: str | None = None
    # Input name -> names of the resources its value comes from (known in the engine only).
    references: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def engine_inputs(props: Any) -> Any:
    """Plain dicts and lists from the policy SDK's props, unknown sentinels as "<unknown>".

    The SDK wraps props in proxies that raise on reading an unknown value; their raw
    content is reachable under the "__target" key, which keeps a policy from aborting
    on the first unknown during preview.
    """
    if isinstance(props, str):
        return UNKNOWN if props in ENGINE_UNKNOWNS else props
    if isinstance(props, Mapping):
        target = _target(props)
        return {str(key): engine_inputs(target[key]) for key in target}
    if isinstance(props, Sequence) and not isinstance(props, bytes | bytearray):
        return [engine_inputs(item) for item in _target(props)]
    return props


def _target(container: Any) -> Any:
    try:
        return container["__target"]
    except (KeyError, TypeError, IndexError):
        return container


def is_unknown(value: Any) -> bool:
    return isinstance(value, str) and value == UNKNOWN


def get_path(inputs: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted camelCase path, or None when any step is absent."""
    value: Any = inputs
    for step in path.split("."):
        if not isinstance(value, Mapping) or step not in value:
            return None
        value = value[step]
    return value


def with_path(inputs: Mapping[str, Any], path: str, replacement: Any) -> dict[str, Any]:
    """A copy of `inputs` with the value at `path` replaced (when the path exists)."""
    head, _, rest = path.partition(".")
    copy = dict(inputs)
    if head not in copy:
        return copy
    if rest:
        inner = copy[head]
        if isinstance(inner, Mapping):
            copy[head] = with_path(inner, rest, replacement)
        return copy
    copy[head] = replacement
    return copy


def as_list(value: Any) -> list[Any]:
    """A list input as a list; absent (None) is empty, a single value one element."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]
