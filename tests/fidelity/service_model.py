"""Validate an API request against botocore's service model, as AWS itself would refuse it.

botocore's ParamValidator checks names, types, required members and minimums. AWS also refuses
a value outside an enum, longer than `max`, not matching `pattern` or outside a numeric range,
which the service models declare but the client leaves to the server: `constraint_problems`
checks those from the same shapes.

Values a plan cannot know yet are not judged (see `stand_ins`): a whole `<unknown>` or
`<secret>` value skips the constraint checks, and an account id inside an ARN is replaced by a
valid stand-in before checking, so the rest of the ARN still is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import botocore.session
import regex
from botocore.exceptions import ParamValidationError
from botocore.model import ListShape, MapShape, OperationModel, ServiceModel, Shape, StructureShape
from botocore.validate import validate_parameters

UNKNOWN = "<unknown>"
SECRET = "<secret>"
# An account id is 12 digits; a plan has none, a deployment has one.
STAND_IN_ACCOUNT = "123456789012"


@dataclass(frozen=True)
class ApiRequest:
    service: str
    operation: str
    params: dict[str, Any]
    # The planned resource the request comes from, for findings.
    resource: str


@cache
def session() -> botocore.session.Session:
    return botocore.session.get_session()


@cache
def service_model(service: str) -> ServiceModel:
    return session().get_service_model(service)


def operation_model(service: str, operation: str) -> OperationModel:
    return service_model(service).operation_model(operation)


def unjudgeable(value: Any) -> bool:
    return isinstance(value, str) and value in (UNKNOWN, SECRET)


def stand_ins(value: Any) -> Any:
    """Partial unknowns made valid: an ARN's unknown account becomes the stand-in account."""
    if isinstance(value, str) and UNKNOWN in value and value != UNKNOWN:
        return value.replace(UNKNOWN, STAND_IN_ACCOUNT)
    if isinstance(value, dict):
        return {key: stand_ins(item) for key, item in value.items()}
    if isinstance(value, list):
        return [stand_ins(item) for item in value]
    return value


@cache
def _compiled(pattern: str) -> regex.Pattern[str]:
    # The models' patterns are Java regular expressions (\p{L}); `regex` reads them, `re` not.
    return regex.compile(pattern)


def _pattern_matches(pattern: str, text: str) -> bool:
    # Models anchor some patterns and not others; AWS matches the whole value either way.
    stripped = pattern[1:] if pattern.startswith("^") else pattern
    stripped = (
        stripped[:-1] if stripped.endswith("$") and not stripped.endswith("\\$") else stripped
    )
    return _compiled(stripped).fullmatch(text) is not None


def constraint_problems(shape: Shape, value: Any, path: str) -> list[str]:
    """Enum, length, pattern and range problems of `value` against `shape`, recursively."""
    if unjudgeable(value) or value is None:
        return []
    problems: list[str] = []
    meta = shape.metadata
    if isinstance(shape, StructureShape) and isinstance(value, Mapping):
        for name, item in value.items():
            if name in shape.members:
                problems += constraint_problems(shape.members[name], item, f"{path}.{name}")
        return problems
    if isinstance(shape, ListShape) and isinstance(value, list):
        problems += _size_problems(meta, len(value), path, "items")
        for index, item in enumerate(value):
            problems += constraint_problems(shape.member, item, f"{path}[{index}]")
        return problems
    if isinstance(shape, MapShape) and isinstance(value, Mapping):
        problems += _size_problems(meta, len(value), path, "entries")
        for key, item in value.items():
            problems += constraint_problems(shape.key, key, f"{path} key {key!r}")
            problems += constraint_problems(shape.value, item, f"{path}[{key!r}]")
        return problems
    if shape.type_name == "string" and isinstance(value, str):
        enum = getattr(shape, "enum", None) or []
        if enum and value not in enum:
            problems.append(f"{path}: {value!r} is not one of {sorted(enum)}")
        problems += _size_problems(meta, len(value), path, "characters")
        pattern = meta.get("pattern")
        if pattern and not _pattern_matches(pattern, value):
            problems.append(f"{path}: {value!r} does not match the pattern {pattern!r}")
    elif shape.type_name in ("integer", "long", "double", "float") and isinstance(
        value, int | float
    ):
        if "min" in meta and value < meta["min"]:
            problems.append(f"{path}: {value} is below the minimum {meta['min']}")
        if "max" in meta and value > meta["max"]:
            problems.append(f"{path}: {value} is above the maximum {meta['max']}")
    return problems


def _size_problems(meta: Mapping[str, Any], size: int, path: str, unit: str) -> list[str]:
    problems = []
    if "min" in meta and size < meta["min"]:
        problems.append(f"{path}: {size} {unit}, fewer than the minimum {meta['min']}")
    if "max" in meta and size > meta["max"]:
        problems.append(f"{path}: {size} {unit}, more than the maximum {meta['max']}")
    return problems


def validate_request(request: ApiRequest) -> list[str]:
    """Every problem AWS would refuse the request for, as far as the service model tells."""
    model = operation_model(request.service, request.operation)
    params = stand_ins(request.params)
    problems: list[str] = []
    try:
        validate_parameters(params, model.input_shape)
    except ParamValidationError as error:
        problems += [line.strip() for line in str(error).splitlines()[1:] if line.strip()]
    problems += constraint_problems(model.input_shape, params, request.operation)
    return [f"{request.resource}: {request.service} {request.operation}: {p}" for p in problems]
