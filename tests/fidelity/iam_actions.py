"""Every IAM action in a policy document names an operation of a real AWS service.

An action is `prefix:Name`. The prefix is a service's IAM namespace, which botocore records as
a model's `signingName`, or its `endpointPrefix` when it signs as that (the endpoint prefix of a
service with its own signing name, like `email` for SES, is no IAM prefix); the name is one of that
service's operations, or a pattern (`kms:GenerateDataKey*`) matching at least one. A few IAM
actions authorize something that is no API operation; those are listed with the reason.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from tests.fidelity.service_model import session

# Actions IAM knows that no service model lists as an operation, each with its reason.
NON_API_ACTIONS: Mapping[str, str] = {
    "lambda:InvokeFunction": "the IAM action of Lambda's Invoke operation (Lambda API "
    "reference, Invoke: required permission lambda:InvokeFunction)",
    "iam:PassRole": "a permission-only action: checked when a role is handed to a service",
}

# Services whose IAM prefix is neither their signing name nor their endpoint prefix.
IAM_PREFIX_OF_SERVICE: Mapping[str, str] = {
    # Endpoint monitoring.<region>.amazonaws.com, IAM actions cloudwatch:* (CloudWatch API
    # reference, "Actions, resources, and condition keys for Amazon CloudWatch").
    "cloudwatch": "cloudwatch",
}

POLICY_INPUTS: Mapping[str, tuple[str, ...]] = {
    "aws:iam/role:Role": ("assumeRolePolicy",),
    "aws:iam/rolePolicy:RolePolicy": ("policy",),
    "aws:iam/userPolicy:UserPolicy": ("policy",),
    "aws:iam/policy:Policy": ("policy",),
    "aws:sns/topicPolicy:TopicPolicy": ("policy",),
    "aws:kms/keyPolicy:KeyPolicy": ("policy",),
    "aws:kms/key:Key": ("policy",),
    "aws:s3/bucketPolicy:BucketPolicy": ("policy",),
}


@cache
def _operations_by_prefix() -> dict[str, frozenset[str]]:
    loader = session().get_component("data_loader")
    found: dict[str, set[str]] = {}
    for name in loader.list_available_services("service-2"):
        model = loader.load_service_model(name, "service-2")
        metadata = model.get("metadata", {})
        operations = set(model.get("operations", {}))
        prefix = (
            IAM_PREFIX_OF_SERVICE.get(name)
            or metadata.get("signingName")
            or metadata.get("endpointPrefix", name)
        )
        found.setdefault(str(prefix).lower(), set()).update(operations)
    return {prefix: frozenset(ops) for prefix, ops in found.items()}


def action_problem(action: str) -> str | None:
    """Why `action` names nothing IAM can grant; None when it does."""
    if action == "*" or action in NON_API_ACTIONS:
        return None
    prefix, sep, name = action.partition(":")
    if not sep or not name:
        return f"{action!r} is not of the form service:Action"
    operations = _operations_by_prefix().get(prefix.lower())
    if operations is None:
        return f"{action!r}: no AWS service has the IAM prefix {prefix!r}"
    if any(fnmatch.fnmatchcase(op.lower(), name.lower()) for op in operations):
        return None
    return f"{action!r}: {prefix} has no operation {name!r}"


def statements(document: Any) -> Iterator[Mapping[str, Any]]:
    body = document.get("Statement", []) if isinstance(document, Mapping) else []
    for statement in [body] if isinstance(body, Mapping) else body:
        if isinstance(statement, Mapping):
            yield statement


def actions_of(document: Any) -> list[str]:
    found: list[str] = []
    for statement in statements(document):
        for key in ("Action", "NotAction"):
            value = statement.get(key, [])
            found += [value] if isinstance(value, str) else [str(v) for v in value]
    return found


def policy_problems(resource_name: str, text: Any) -> list[str]:
    """Problems of one policy document: not JSON, or naming actions that do not exist."""
    if not isinstance(text, str) or text in ("<unknown>", "<secret>"):
        return []
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        return [f"{resource_name}: policy is not JSON: {error}"]
    problems = []
    if not isinstance(document, Mapping) or document.get("Version") != "2012-10-17":
        problems.append(f"{resource_name}: policy Version is not 2012-10-17")
    for action in actions_of(document):
        problem = action_problem(action)
        if problem:
            problems.append(f"{resource_name}: {problem}")
    return problems
