"""AWS names of monitoring resources: distinct per domain and relay, within AWS's limits."""

from __future__ import annotations

import re
from typing import Any

import pulumi
from hypothesis import example, given
from hypothesis import strategies as st
from monitoring_harness import ALARM, Registered, by_type, run

from components.config.alerts import AlertSettings
from components.configuration_set_monitoring import (
    ConfigurationSetMonitoring,
    ConfigurationSetMonitoringArgs,
)
from components.monitoring import metrics as m
from components.monitoring.log_filters import postfix_log_filters
from components.monitoring.naming import host_slug, monitoring_prefix
from components.relay_monitoring import RelayMonitoring, RelayMonitoringArgs

TOPIC = "arn:aws:sns:eu-west-1:123456789012:mailstack-alerts"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/k"
# Names whose AWS limit is 64 characters; the rest allow 255 or more.
SHORT_LIMIT = (
    "aws:lambda/function:Function",
    "aws:iam/role:Role",
    "aws:cloudwatch/eventRule:EventRule",
)

label = st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", fullmatch=True)
host = st.lists(label, min_size=2, max_size=5).map(".".join).filter(lambda h: len(h) <= 253)


@given(host, host)
@example("a.b.example.com", "a-b.example.com")
@example("xn--a.example.com", "xn-a.example.com")
def test_different_hosts_never_share_a_name(first: str, second: str) -> None:
    if first != second:
        assert host_slug(first) != host_slug(second)
        assert monitoring_prefix(first) != monitoring_prefix(second)
        assert m.relay_namespace(first) != m.relay_namespace(second)
    assert re.fullmatch(r"[a-z0-9-]{1,40}", host_slug(first))
    assert len(monitoring_prefix(first)) <= 50
    assert len(m.relay_namespace(first)) <= 255


# Names scoped to their parent (a role, a log group), not to the account.
SCOPED = ("aws:iam/rolePolicy:RolePolicy", "aws:cloudwatch/logMetricFilter:LogMetricFilter")


def _physical_names(resources: list[Registered]) -> dict[str, list[str]]:
    """Account-wide AWS names by resource type."""
    names: dict[str, list[str]] = {}
    for resource in resources:
        if resource.type in SCOPED:
            continue
        name = resource.inputs.get("name") or resource.inputs.get("eventDestinationName")
        if isinstance(name, str):
            names.setdefault(resource.type, []).append(name)
    return names


def _sets(*domains: str, **settings: Any) -> list[Registered]:
    def program() -> None:
        for index, domain in enumerate(domains):
            ConfigurationSetMonitoring(
                f"set{index}",
                ConfigurationSetMonitoringArgs(
                    configuration_set_name=pulumi.Output.from_input(f"set-{index}"),
                    domain=domain,
                    alerts=AlertSettings(**settings),
                    topic_arn=TOPIC,
                    topic_key_arn=KEY,
                    region="eu-west-1",
                ),
            )

    return run(program)


def test_domains_differing_only_in_dots_and_hyphens_get_their_own_alarms_and_topics() -> None:
    resources = _sets("a.b.example.com", "a-b.example.com", auto_pause=True)
    for resource_type, names in _physical_names(resources).items():
        assert len(names) == len(set(names)), (resource_type, names)
    alarms = {r.inputs["name"] for r in by_type(resources, ALARM)}
    assert "mailstack-a-b-example-com-reputation-bounce-critical" in alarms
    assert "mailstack-a--b-example-com-reputation-bounce-critical" in alarms


def test_longest_domain_names_fit_every_aws_name_limit() -> None:
    longest = f"{'a' * 63}.{'b' * 63}.{'c' * 63}.{'d' * 61}"
    resources = _sets(longest, f"x.{longest[2:]}", auto_pause=True)
    for resource_type, names in _physical_names(resources).items():
        limit = 64 if resource_type in SHORT_LIMIT else 255
        assert all(len(name) <= limit for name in names), (resource_type, names)
        assert len(names) == len(set(names)), (resource_type, names)
    rules = by_type(resources, "aws:cloudwatch/eventRule:EventRule")
    assert len(rules) == 2


def test_a_relay_with_the_longest_host_name_counts_alarms_and_filters_in_one_namespace() -> None:
    relay = f"{'r' * 63}.{'s' * 63}.{'t' * 63}.{'u' * 47}.example.com"

    def program() -> None:
        RelayMonitoring(
            "relay", RelayMonitoringArgs(relay_name=relay, alerts=AlertSettings(), topic_arn=TOPIC)
        )

    resources = run(program)
    namespace = m.relay_namespace(relay)
    assert len(namespace) <= 255
    filters = by_type(resources, "aws:cloudwatch/logMetricFilter:LogMetricFilter")
    assert {f.inputs["metricTransformation"]["namespace"] for f in filters} == {namespace}
    assert {f.namespace for f in postfix_log_filters(relay)} == {namespace}
    for alarm in by_type(resources, ALARM):
        assert len(alarm.inputs["name"]) <= 255
        used = {q["metric"]["namespace"] for q in alarm.inputs["metricQueries"] if "metric" in q}
        assert used == {namespace}
