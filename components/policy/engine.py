"""Adapting what the Pulumi engine hands a policy pack to the pure rules.

Objects from the policy SDK are read by attribute only (duck typing), so this module needs
neither the Pulumi runtime nor the policy SDK and is tested with plain stand-ins as well as
with the real SDK.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from components.policy import types as t
from components.policy.keys import secret_paths
from components.policy.wire import SECRET, ResourceView, engine_inputs, get_path, with_path

DEFAULT_ENVIRONMENT = "development"
ENVIRONMENT_KEY = "mailstack:environment"
# Shorter values could appear inside unrelated text by chance.
_MIN_SECRET_LENGTH = 8


class EngineResource(Protocol):
    """The parts of pulumi_policy.PolicyResource the adapter reads."""

    @property
    def resource_type(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def urn(self) -> str: ...
    @property
    def props(self) -> Mapping[str, Any]: ...
    @property
    def parent(self) -> Any: ...
    @property
    def property_dependencies(self) -> Mapping[str, Sequence[Any]]: ...


def environment(
    stack_config: Mapping[str, Any], policy_config: Mapping[str, Any], stack_tags: Mapping[str, str]
) -> str:
    """The stack's `mailstack:environment`.

    The engine gives a policy pack the stack's config; a policy's own `environment` setting
    (policy pack config) or a `mailstack:environment` stack tag take precedence, so an
    organisation can pin it centrally.
    """
    for value in (
        policy_config.get("environment"),
        stack_tags.get(ENVIRONMENT_KEY),
        stack_config.get(ENVIRONMENT_KEY),
    ):
        if isinstance(value, str) and value:
            return value
    return DEFAULT_ENVIRONMENT


def secret_config_values(stack_config: Mapping[str, Any], secret_keys: Iterable[str]) -> list[str]:
    """Plain-text values of the stack's secret config keys (strings inside objects too)."""
    values: list[str] = []
    for key in secret_keys:
        raw = stack_config.get(key)
        if raw is None:
            continue
        try:
            decoded: Any = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            decoded = raw
        values += [v for v in _strings(decoded) if len(v) >= _MIN_SECRET_LENGTH]
    return values


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def mark_secrets(
    resource_type: str,
    inputs: Mapping[str, Any],
    dependency_types: Mapping[str, Iterable[str]],
    secret_values: Sequence[str] = (),
) -> dict[str, Any]:
    """`inputs` with "<secret>" at each secret-carrying path whose value is a Pulumi secret.

    The policy SDK decrypts secrets before a policy sees them, so secrecy is inferred: a
    value computed from a resource whose outputs are always secret (tls.PrivateKey,
    random.RandomPassword, aws.iam.AccessKey) is one, and so is a value containing a secret
    stack config value.
    """
    marked = dict(inputs)
    for path in secret_paths(resource_type, inputs):
        top = path.split(".", 1)[0]
        value = get_path(inputs, path)
        from_producer = any(d in t.SECRET_PRODUCERS for d in dependency_types.get(top, ()))
        from_config = isinstance(value, str) and any(s in value for s in secret_values)
        if from_producer or from_config:
            marked = with_path(marked, path, SECRET)
    return marked


def resource_view(resource: EngineResource, secret_values: Sequence[str] = ()) -> ResourceView:
    """One engine resource as the stack rules read it."""
    inputs = engine_inputs(resource.props)
    dependencies = {
        key: [d.resource_type for d in deps] for key, deps in resource.property_dependencies.items()
    }
    references = {
        key: tuple(d.name for d in deps) for key, deps in resource.property_dependencies.items()
    }
    parent = resource.parent.name if resource.parent is not None else None
    return ResourceView(
        type=resource.resource_type,
        name=resource.name,
        inputs=mark_secrets(resource.resource_type, inputs, dependencies, secret_values),
        parent=parent,
        references=references,
    )


def urn_of(resources: Sequence[EngineResource], name: str, types: Iterable[str] = ()) -> str | None:
    """The URN of the resource called `name` (preferring the given types), to attach a
    stack-level violation to it."""
    wanted = set(types)
    matches = [r for r in resources if r.name == name]
    preferred = [r for r in matches if r.resource_type in wanted] or matches
    return preferred[0].urn if preferred else None
