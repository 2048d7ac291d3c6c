"""Monitoring across whole plans, with mocks that answer as a deployment would (real ARNs).

Covers what a single fixed config cannot: one threshold changed at random among all eight,
diffed over every resource; the dashboard of several sets and relays; names at AWS's limits.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

import pulumi
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.monitoring import metric_contract as contract
from components.monitoring import metrics as m
from components.program import build
from mailstack.plan import PlanResult, run_program
from tests.components import test_deployed_outputs as deployed

ACCOUNT = "123456789012"
REGION = "eu-west-1"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
ARN_FORMATS = {
    "aws:sns/topic:Topic": "arn:aws:sns:{region}:{account}:{name}",
    ALARM: "arn:aws:cloudwatch:{region}:{account}:alarm:{name}",
    "aws:cloudwatch/logGroup:LogGroup": "arn:aws:logs:{region}:{account}:log-group:{name}",
    "aws:kms/key:Key": "arn:aws:kms:{region}:{account}:key/{name}",
    "aws:iam/role:Role": "arn:aws:iam::{account}:role/{name}",
    "aws:lambda/function:Function": "arn:aws:lambda:{region}:{account}:function:{name}",
    "aws:cloudwatch/eventRule:EventRule": "arn:aws:events:{region}:{account}:rule/{name}",
}


class DeployedMocks(deployed.DeployedMocks):
    """As the deployed-outputs mocks, with the ARN AWS would derive from the physical name."""

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[Any, Any]]:
        resource_id, state = super().new_resource(args)
        physical = str(args.inputs.get("name") or args.name)
        if args.typ in ARN_FORMATS:
            state["arn"] = ARN_FORMATS[args.typ].format(
                region=REGION, account=ACCOUNT, name=physical
            )
        if args.typ == "aws:kms/key:Key":
            state["keyId"] = args.name
        return resource_id, state

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        answer, _ = super().call(args)
        return ({**answer, "accountId": ACCOUNT, "partition": "aws", "region": REGION}, [])


THRESHOLDS: dict[tuple[str, ...], float] = {
    ("bounceRate", "warning"): 0.02,
    ("bounceRate", "critical"): 0.04,
    ("complaintRate", "warning"): 0.0004,
    ("complaintRate", "critical"): 0.0008,
    ("relay", "bounceRate", "warning"): 0.03,
    ("relay", "bounceRate", "critical"): 0.06,
    ("relay", "deferralRate", "warning"): 0.1,
    ("relay", "deferralRate", "critical"): 0.25,
}
# Which alarms a threshold feeds, by the tags every alarm carries.
WATCHES = {
    ("bounceRate",): "bounce",
    ("complaintRate",): "complaint",
    ("relay", "bounceRate"): "relay-bounce",
    ("relay", "deferralRate"): "relay-deferral",
}


def _config(thresholds: dict[tuple[str, ...], float]) -> dict[str, Any]:
    alerts: dict[str, Any] = {
        "emails": ["ops@example.com", "oncall@example.com"],
        "webhooks": ["https://hooks.example.com/T0/B0?token=s3cret"],
        "autoPause": True,
        "campaignTag": "mailing",
        "periodSeconds": 300,
        "evaluationPeriods": 3,
    }
    for path, value in thresholds.items():
        section = alerts
        for key in path[:-1]:
            section = section.setdefault(key, {})
        section[path[-1]] = value
    return {
        "aws:region": REGION,
        "mailstack:environment": "production",
        "mailstack:dns": {"provider": "route53", "zoneName": "example.com", "zoneId": "Z123"},
        "mailstack:alerts": alerts,
        "mailstack:domains": [
            {
                "name": "news.example.com",
                "dmarc": {"policy": "reject"},
                "trackingDomain": "links.news.example.com",
            },
            {"name": "billing.example.com", "dmarc": {"policy": "reject"}},
            {
                "name": "mail.example.com",
                "sender": "postfix",
                "relay": {"hostname": "relay1.mail.example.com", "allowedCidrs": ["10.0.0.0/8"]},
                "dmarc": {"policy": "reject"},
            },
        ],
    }


def _plan(raw: dict[str, Any]) -> PlanResult:
    return run_program(raw, "prod", build, mocks=DeployedMocks(), preview=False)


@cache
def _baseline() -> dict[tuple[str, str], dict[str, Any]]:
    return {(r.type, r.name): r.inputs for r in _plan(_config(THRESHOLDS)).resources}


@st.composite
def one_threshold_changed(draw: st.DrawFn) -> tuple[tuple[str, ...], float]:
    path = draw(st.sampled_from(sorted(THRESHOLDS)))
    other = (*path[:-1], "critical" if path[-1] == "warning" else "warning")
    # Stay on the right side of the other level, or the config is rightly refused.
    low, high = (0.0001, THRESHOLDS[other]) if path[-1] == "warning" else (THRESHOLDS[other], 1.0)
    value = draw(st.floats(min_value=low, max_value=high).map(lambda v: round(v, 6)))
    return path, value


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(one_threshold_changed())
def test_changing_any_one_threshold_changes_only_the_alarms_that_use_it(
    change: tuple[tuple[str, ...], float],
) -> None:
    path, value = change
    before = _baseline()
    changed = dict(THRESHOLDS)
    changed[path] = value
    after = {(r.type, r.name): r.inputs for r in _plan(_config(changed)).resources}
    assert before.keys() == after.keys()
    differing = {key for key in before if before[key] != after[key]}
    watches, level = WATCHES[path[:-1]], path[-1]
    using = {
        key
        for key, inputs in after.items()
        if key[0] == ALARM
        and inputs["tags"] == {"mailstack:level": level, "mailstack:watches": watches}
    }
    # Account, two sets (reputation and event rates) for SES levels; the one relay otherwise.
    assert len(using) == (1 if watches.startswith("relay") else 5)
    if value == THRESHOLDS[path]:
        assert differing == set()
        return
    assert differing == using
    assert all(after[key]["threshold"] == value for key in using)


def _alarm_arn(name: str) -> str:
    return f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{name}"


def test_every_reputation_alarm_tells_the_alert_topic_at_the_configured_level() -> None:
    result = _plan(_config(THRESHOLDS))
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:mailstack-prod-alerts"
    alarms = result.resources_of_type(ALARM)
    assert all(a.inputs["alarmActions"] == [topic] for a in alarms)
    for metric, key in (
        (m.REPUTATION_BOUNCE_RATE, "bounceRate"),
        (m.REPUTATION_COMPLAINT_RATE, "complaintRate"),
    ):
        watching = [a.inputs for a in alarms if a.inputs.get("metricName") == metric]
        per_set = sorted(
            (a.get("dimensions", {}).get(m.CONFIGURATION_SET_DIMENSION, "account"), a["threshold"])
            for a in watching
        )
        levels = [THRESHOLDS[(key, "warning")], THRESHOLDS[(key, "critical")]]
        assert per_set == [
            (name, level)
            for name in ("account", "billing-example-com", "news-example-com")
            for level in sorted(levels)
        ]
        assert all(a["period"] * a["evaluationPeriods"] <= 3600 for a in watching)


def test_dashboard_of_sets_and_relays_references_only_what_exists() -> None:
    result = _plan(_config(THRESHOLDS))
    (dashboard,) = result.resources_of_type("aws:cloudwatch/dashboard:Dashboard")
    body = json.loads(dashboard.inputs["dashboardBody"])
    alarm_arns = {_alarm_arn(a.inputs["name"]) for a in result.resources_of_type(ALARM)}
    shown_alarms: set[str] = set()
    for widget in body["widgets"]:
        properties = widget["properties"]
        shown_alarms.update(properties.get("alarms", []))
        shown_alarms.update(properties.get("annotations", {}).get("alarms", []))
    assert contract.check(result.resources) == []
    drawn, unreadable = contract.consumers([dashboard])
    assert unreadable == []
    referenced = {(c.namespace, c.metric_name, frozenset(c.dimensions)) for c in drawn}
    for set_name in ("news-example-com", "billing-example-com"):
        assert ("AWS/SES", "Bounce", frozenset({("ses:configuration-set", set_name)})) in referenced
        assert (
            "AWS/SES",
            "Bounce",
            frozenset({("ses:configuration-set", set_name), ("mailing", None)}),
        ) in referenced
    assert {ns for ns, _, _ in referenced} >= {
        m.SES_NAMESPACE,
        m.relay_namespace("relay1.mail.example.com"),
    }
    # Every alarm is on the dashboard, and nothing else is.
    assert shown_alarms == alarm_arns


LIMITS = {
    ALARM: ("name", 255),
    "aws:sns/topic:Topic": ("name", 256),
    "aws:lambda/function:Function": ("name", 64),
    "aws:iam/role:Role": ("name", 64),
    "aws:cloudwatch/eventRule:EventRule": ("name", 64),
    "aws:sesv2/configurationSetEventDestination:ConfigurationSetEventDestination": (
        "eventDestinationName",
        64,
    ),
    "aws:cloudwatch/logGroup:LogGroup": ("name", 512),
    "aws:kms/alias:Alias": ("name", 256),
    "aws:cloudwatch/dashboard:Dashboard": ("dashboardName", 255),
}


def test_names_stay_within_aws_limits_with_the_longest_domains() -> None:
    label = "a" * 63
    domain = f"{label}.{'b' * 63}.{'c' * 50}.example.com"
    relay_domain = f"{'t' * 63}.{'u' * 47}.example.com"
    raw = copy.deepcopy(_config(THRESHOLDS))
    raw["mailstack:domains"] = [
        {
            "name": domain,
            "configurationSet": "long-one",
            "trackingDomain": f"t.{domain}",
            "dmarc": {"policy": "reject"},
        },
        {
            "name": relay_domain,
            "sender": "postfix",
            "configurationSet": "relay-one",
            "relay": {
                "hostname": f"{'r' * 63}.{'s' * 63}.{relay_domain}",
                "allowedCidrs": ["10.0.0.0/8"],
            },
            "dmarc": {"policy": "reject"},
        },
    ]
    result = _plan(raw)
    checked = 0
    for resource in result.resources:
        if resource.type in LIMITS and LIMITS[resource.type][0] in resource.inputs:
            key, limit = LIMITS[resource.type]
            assert len(resource.inputs[key]) <= limit, (resource.type, resource.inputs[key])
            checked += 1
        if resource.type == "aws:cloudwatch/logMetricFilter:LogMetricFilter":
            assert len(resource.inputs["metricTransformation"]["namespace"]) <= 255
        if resource.type == ALARM:
            assert len(resource.inputs["alarmDescription"]) <= 1024
            for query in resource.inputs.get("metricQueries", []):
                assert len(query.get("metric", {}).get("namespace", "")) <= 255
    assert checked > 20
    names = [r.inputs["name"] for r in result.resources_of_type(ALARM)]
    assert len(names) == len(set(names))


def test_an_offline_plan_shows_alarm_actions_dashboard_and_pause_wiring() -> None:
    # The default plan knows no account, yet shows what each alarm tells and what the dashboard
    # draws: ARNs follow from names, with the account left as the plan's unknown marker.
    result = run_program(_config(THRESHOLDS), "prod", build)
    topic = f"arn:aws:sns:{REGION}:<unknown>:mailstack-prod-alerts"
    alarms = result.resources_of_type(ALARM)
    assert alarms and all(a.inputs["alarmActions"] == [topic] for a in alarms)
    assert all(a.inputs["okActions"] == [topic] for a in alarms)
    (dashboard,) = result.resources_of_type("aws:cloudwatch/dashboard:Dashboard")
    body = json.loads(dashboard.inputs["dashboardBody"])
    status = [w for w in body["widgets"] if w["type"] == "alarm"]
    shown = {arn.rsplit(":", 1)[1] for w in status for arn in w["properties"]["alarms"]}
    assert shown == {a.inputs["name"] for a in alarms}
    rules = result.resources_of_type("aws:cloudwatch/eventRule:EventRule")
    assert len(rules) == 2
    for rule in rules:
        pattern = json.loads(rule.inputs["eventPattern"])
        assert all(arn.endswith("-critical") for arn in pattern["resources"])
