"""Every planned resource of every example stack, as AWS and Cloudflare would receive it."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from components.config.model import load_stack_config
from components.config.problems import ConfigError
from components.program import build
from mailstack.plan import run_program
from tests.components.test_plan_properties import stack_configs
from tests.fidelity.plans import PLAN_NAMES, deployed, planned, region_of
from tests.fidelity.requests import TRANSLATORS, requests_for, untranslated_types
from tests.fidelity.rules import RULES, findings


@pytest.mark.parametrize("rule", sorted(RULES))
@pytest.mark.parametrize("name", PLAN_NAMES)
def test_preview_plan_passes(name: str, rule: str) -> None:
    assert RULES[rule](planned(name), region_of(name)) == []


@pytest.mark.parametrize("rule", sorted(RULES))
@pytest.mark.parametrize("name", PLAN_NAMES)
def test_deployed_plan_passes(name: str, rule: str) -> None:
    """With the values AWS assigns (stand-ins), nothing is left unjudged as `<unknown>`."""
    assert RULES[rule](deployed(name), region_of(name)) == []


@pytest.mark.parametrize("name", PLAN_NAMES)
def test_every_provider_resource_has_a_translation(name: str) -> None:
    assert untranslated_types(planned(name).resources) == set()


def test_the_plans_exercise_every_translation_and_the_operations_the_issue_names() -> None:
    used = {r.type for name in PLAN_NAMES for r in planned(name).resources}
    assert set(TRANSLATORS) <= used
    operations = {
        (q.service, q.operation)
        for name in PLAN_NAMES
        for r in planned(name).resources
        for q in requests_for(r)
    }
    assert {
        ("sesv2", "CreateEmailIdentity"),
        ("sesv2", "PutEmailIdentityMailFromAttributes"),
        ("sesv2", "CreateConfigurationSet"),
        ("sesv2", "CreateConfigurationSetEventDestination"),
        ("cloudwatch", "PutMetricAlarm"),
        ("cloudwatch", "PutDashboard"),
        ("sns", "CreateTopic"),
        ("sns", "Subscribe"),
        ("iam", "CreateRole"),
        ("iam", "PutRolePolicy"),
        ("lambda", "CreateFunction"),
        ("events", "PutRule"),
        ("logs", "PutMetricFilter"),
        ("ec2", "RunInstances"),
        ("ec2", "AuthorizeSecurityGroupIngress"),
        ("route53", "ChangeResourceRecordSets"),
    } <= operations


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=stack_configs())
def test_generated_configs_pass_every_rule(raw: dict[str, Any]) -> None:
    raw["mailstack:alerts"]["autoPause"] = True
    try:
        load_stack_config(raw)
    except ConfigError:
        return
    plan = run_program(raw, "generated", build)
    assert {rule: found for rule, found in findings(plan, raw["aws:region"]).items() if found} == {}
