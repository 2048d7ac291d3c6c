"""The mailstack policies as pulumi-policy objects, adapted from `components.policy`.

Resource rules run per resource as the engine registers it; rules that need the whole stack
(DMARC per sending domain, alarms per identity, reverse DNS per relay IP, SPF per record, and
secrets, which need to know where a value came from) run as stack validations.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi.runtime.config import get_config_env, get_config_secret_keys_env
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from components.policy import catalog as c
from components.policy.dmarc import PRODUCTION
from components.policy.engine import environment, resource_view, secret_config_values, urn_of
from components.policy.rules import (
    RESOURCE_RULES,
    STACK_RULES,
    ResourceRule,
    StackContext,
    StackRule,
)
from components.policy.wire import engine_inputs

_LEVELS = {"mandatory": EnforcementLevel.MANDATORY, "advisory": EnforcementLevel.ADVISORY}
# Rules that decide from where a value came (secrets) need property dependencies, which only
# stack validations receive.
_NEEDS_STACK = {c.SECRETS_ARE_SECRET.name}
_ENVIRONMENT_SCHEMA = PolicyConfigSchema(
    properties={
        "environment": {
            "type": "string",
            "enum": ["development", "staging", PRODUCTION],
            "description": "Overrides the stack's mailstack:environment for this policy.",
        }
    }
)


def _description(info: c.PolicyInfo) -> str:
    return f"{info.description} ({info.rationale})"


def _resource_policy(info: c.PolicyInfo, rule: ResourceRule) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        for message in rule(args.resource_type, engine_inputs(args.props)):
            report_violation(message, None)

    return ResourceValidationPolicy(
        name=info.name,
        description=_description(info),
        validate=validate,
        enforcement_level=_LEVELS[info.enforcement],
    )


def _stack_context(args: StackValidationArgs) -> StackContext:
    stack_config: Mapping[str, Any] = get_config_env()
    secrets = secret_config_values(stack_config, get_config_secret_keys_env())
    views = [resource_view(r, secrets) for r in args.resources]
    env = environment(stack_config, args.get_config(), args.stack_tags)
    return StackContext.from_resources(views, env, only_published=True)


def _stack_policy(info: c.PolicyInfo, rule: StackRule) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        for subject, message in rule(_stack_context(args)):
            report_violation(message, urn_of(args.resources, subject))

    return StackValidationPolicy(
        name=info.name,
        description=_description(info),
        validate=validate,
        enforcement_level=_LEVELS[info.enforcement],
        config_schema=_ENVIRONMENT_SCHEMA,
    )


def _per_resource_in_stack(rule: ResourceRule) -> StackRule:
    def stack_rule(context: StackContext) -> list[tuple[str, str]]:
        return [
            (view.name, message)
            for view in context.resources
            for message in rule(view.type, view.inputs)
        ]

    return stack_rule


def build_policies() -> list[Policy]:
    policies: list[Policy] = []
    for info, rule in RESOURCE_RULES:
        if info.name in _NEEDS_STACK:
            policies.append(_stack_policy(info, _per_resource_in_stack(rule)))
        else:
            policies.append(_resource_policy(info, rule))
    policies += [_stack_policy(info, stack_rule) for info, stack_rule in STACK_RULES]
    return policies

