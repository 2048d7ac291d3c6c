"""Monitoring as the stack plans it: thresholds from config, every alarm routed, local diffs."""

from __future__ import annotations

import copy
import json
from typing import Any

from components.program import build
from mailstack.plan import PlanResult, run_program

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
CONFIG: dict[str, Any] = {
    "aws:region": "us-east-1",
    "mailstack:environment": "production",
    "mailstack:dns": {"provider": "cloudflare", "zoneId": "abc", "zoneName": "example.com"},
    "mailstack:alerts": {
        "emails": ["ops@example.com"],
        "bounceRate": {"warning": 0.02, "critical": 0.04},
        "complaintRate": {"warning": 0.0004, "critical": 0.0008},
    },
    "mailstack:domains": [
        {"name": "news.example.com", "dmarc": {"policy": "reject"}},
        {"name": "billing.example.com", "dmarc": {"policy": "reject"}},
        {
            "name": "offers.example.com",
            "sender": "postfix",
            "relay": {"hostname": "relay.offers.example.com", "allowedCidrs": ["10.0.0.0/8"]},
            "dmarc": {"policy": "reject"},
        },
    ],
}


def plan(raw: dict[str, Any]) -> PlanResult:
    return run_program(raw, "prod", build)


def reputation_alarms(result: PlanResult, metric: str) -> list[dict[str, Any]]:
    return [
        r.inputs for r in result.resources_of_type(ALARM) if r.inputs.get("metricName") == metric
    ]


def test_reputation_alarms_per_ses_domain_use_configured_thresholds() -> None:
    result = plan(CONFIG)
    for metric, levels in (
        ("Reputation.BounceRate", {0.02, 0.04}),
        ("Reputation.ComplaintRate", {0.0004, 0.0008}),
    ):
        alarms = reputation_alarms(result, metric)
        per_set = [a for a in alarms if a.get("dimensions", {}).get("ses:configuration-set")]
        # Two SES domains, warning + critical each; plus the account-level pair.
        assert sorted(a["dimensions"]["ses:configuration-set"] for a in per_set) == [
            "billing-example-com",
            "billing-example-com",
            "news-example-com",
            "news-example-com",
        ]
        assert len(alarms) == 6
        assert {a["threshold"] for a in alarms} == levels
        assert all(a["namespace"] == "AWS/SES" for a in alarms)
        assert all(
            a["comparisonOperator"] in ("GreaterThanOrEqualToThreshold", "GreaterThanThreshold")
            for a in alarms
        )
        assert all(a["period"] * a["evaluationPeriods"] <= 3600 for a in alarms)


def test_every_alarm_notifies_the_alert_topic() -> None:
    result = plan(CONFIG)
    alarms = result.resources_of_type(ALARM)
    assert len(alarms) >= 20
    for alarm in alarms:
        assert alarm.inputs["alarmActions"], alarm.name
        assert alarm.inputs["okActions"], alarm.name
    (topic,) = result.resources_of_type("aws:sns/topic:Topic")[:1]
    assert topic.inputs.get("kmsMasterKeyId")


def test_event_destinations_and_dashboard_exist() -> None:
    result = plan(CONFIG)
    destinations = result.resources_of_type(
        "aws:sesv2/configurationSetEventDestination:ConfigurationSetEventDestination"
    )
    kinds = sorted(
        "sns" if "snsDestination" in d.inputs["eventDestination"] else "cloudwatch"
        for d in destinations
    )
    # Two SES domains: per set, a feedback topic and one CloudWatch destination per dimension set.
    assert kinds == ["cloudwatch"] * 4 + ["sns"] * 2
    assert len(result.resources_of_type("aws:cloudwatch/dashboard:Dashboard")) == 1


def test_changing_one_threshold_changes_only_the_alarms_using_it() -> None:
    changed = copy.deepcopy(CONFIG)
    changed["mailstack:alerts"]["bounceRate"]["warning"] = 0.015
    before = {(r.type, r.name): r.inputs for r in plan(CONFIG).resources}
    after = {(r.type, r.name): r.inputs for r in plan(changed).resources}
    assert before.keys() == after.keys()
    differing = sorted(key for key in before if before[key] != after[key])
    assert differing
    for resource_type, name in differing:
        assert resource_type == ALARM, f"{name} changed but is not an alarm"
        assert "bounce" in name and "warning" in name
        assert "0.015" in json.dumps(after[(resource_type, name)])


# Resource types whose names are unique per account and region (not scoped to a parent).
ACCOUNT_WIDE = (
    "aws:sns/topic:Topic",
    "aws:cloudwatch/metricAlarm:MetricAlarm",
    "aws:cloudwatch/dashboard:Dashboard",
    "aws:lambda/function:Function",
    "aws:cloudwatch/eventRule:EventRule",
    "aws:iam/role:Role",
    "aws:kms/alias:Alias",
)


def aws_names(result: PlanResult) -> set[str]:
    names: set[str] = set()
    for resource in result.resources:
        if resource.type not in ACCOUNT_WIDE:
            continue
        for key in ("name", "dashboardName"):
            value = resource.inputs.get(key)
            if isinstance(value, str):
                names.add(f"{resource.type}:{value}")
    return names


def test_two_stacks_in_one_account_do_not_share_aws_names() -> None:
    config = copy.deepcopy(CONFIG)
    config["mailstack:alerts"]["autoPause"] = True
    staging = aws_names(run_program(config, "staging", build))
    prod = aws_names(run_program(config, "prod", build))
    assert any(":mailstack-prod-alerts" in name for name in prod)
    assert any("metricAlarm" in name for name in prod)
    assert staging.isdisjoint(prod), sorted(staging & prod)[:5]
