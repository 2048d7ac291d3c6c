"""The metric contract on real plans: every alarm and widget metric has a producer.

CloudWatch answers only for the exact dimension set (and values) that was published; SES
publishes each event once, with all of its destination's dimensions (SES Developer Guide,
event publishing to CloudWatch, "Metric filtering").
"""

from __future__ import annotations

import copy
import dataclasses
import json
from typing import Any

import botocore.session
import pytest
from hypothesis import HealthCheck, given, settings

import components.event_destinations as event_destinations
from components.config.model import load_stack_config
from components.config.problems import ConfigError
from components.monitoring import metric_contract as contract
from components.monitoring.destinations import CloudWatchDestinationSpec, DimensionSpec
from components.program import build
from mailstack.plan import PlannedResource, PlanResult, run_program
from tests.components.test_plan_properties import stack_configs
from tests.fidelity.plans import FULL_FEATURES, PLAN_NAMES, planned

ALARM = contract.ALARM
DESTINATION = contract.EVENT_DESTINATION
PROD_EVENT_ALARMS = {
    f"mailstack-prod-news-example-com-events-{kind}-rate-{level}"
    for kind in ("bounce", "complaint")
    for level in ("warning", "critical")
}
# The destination as it was: both dimensions on one destination, nothing on the set alone.
OLD_DIMENSIONS = [
    {
        "defaultDimensionValue": "news-example-com",
        "dimensionName": "ses:configuration-set",
        "dimensionValueSource": "MESSAGE_TAG",
    },
    {"defaultDimensionValue": "untagged", "dimensionName": "campaign",
     "dimensionValueSource": "MESSAGE_TAG"},
]  # fmt: skip


def _orphaned_alarms(resources: list[PlannedResource]) -> set[str]:
    return {
        f.reader.removeprefix("alarm ")
        for f in contract.check(resources)
        if f.reader.startswith("alarm ")
    }


def _with_inputs(plan: PlanResult, name: str, change: Any) -> list[PlannedResource]:
    changed = []
    for resource in plan.resources:
        if resource.name == name:
            inputs = copy.deepcopy(resource.inputs)
            change(inputs)
            resource = dataclasses.replace(resource, inputs=inputs)
        changed.append(resource)
    return changed


@pytest.mark.parametrize("name", PLAN_NAMES)
def test_every_alarm_and_widget_metric_has_a_producer(name: str) -> None:
    plan = planned(name)
    assert contract.check(plan.resources) == []
    read = contract.coverage(plan.resources)
    readers = {consumer.reader for consumer, _ in read}
    alarms = plan.resources_of_type(ALARM)
    # Every alarm reads at least one metric, so an empty contract is not a vacuous one.
    assert {f"alarm {a.inputs['name']}" for a in alarms} <= readers
    assert all(producers for _, producers in read)


def test_each_event_rate_alarm_reads_its_own_sets_single_dimension_destination() -> None:
    plan = planned("Pulumi.prod.yaml")
    known = contract.producers(plan.resources)
    for consumer, _ in contract.coverage(plan.resources):
        if consumer.reader.removeprefix("alarm ") in PROD_EVENT_ALARMS:
            assert consumer.dimensions == (("ses:configuration-set", "news-example-com"),)
            sources = {p.source for p in contract.producers_of(consumer, known)}
            assert sources == {"event destination mailstack-prod-news-example-com-cloudwatch"}


def test_the_old_two_dimension_destination_orphans_the_event_rate_alarms_by_name() -> None:
    plan = planned("Pulumi.prod.yaml")

    def two_dimensions(inputs: dict[str, Any]) -> None:
        inputs["eventDestination"]["cloudWatchDestination"]["dimensionConfigurations"] = (
            OLD_DIMENSIONS
        )

    resources = [
        r
        for r in _with_inputs(plan, "news-example-com-events-cloudwatch", two_dimensions)
        if r.name != "news-example-com-events-campaigns"
    ]
    assert _orphaned_alarms(resources) == PROD_EVENT_ALARMS
    widgets = {f.reader for f in contract.check(resources) if f.reader.startswith("dashboard")}
    assert any("news-example-com: events per hour" in reader for reader in widgets)


def test_planning_with_the_old_destination_spec_orphans_alarms_and_the_auto_pause(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def old_spec(configuration_set: Any, campaign_tag: str) -> tuple[Any, ...]:
        return (
            CloudWatchDestinationSpec(
                key="cloudwatch",
                event_types=("SEND", "DELIVERY", "OPEN", "CLICK", "BOUNCE", "COMPLAINT"),
                dimensions=(
                    DimensionSpec("ses:configuration-set", "MESSAGE_TAG", configuration_set),
                    DimensionSpec(campaign_tag, "MESSAGE_TAG", "untagged"),
                ),
            ),
        )

    monkeypatch.setattr(event_destinations, "cloudwatch_destinations", old_spec)
    plan = run_program(FULL_FEATURES, "old", build)
    orphaned = _orphaned_alarms(plan.resources)
    expected = {
        f"mailstack-old-{domain}-events-{kind}-rate-{level}"
        # The relay relaying through SES has its own configuration set too.
        for domain in ("news-example-com", "billing-example-net", "mail-example-com")
        for kind in ("bounce", "complaint")
        for level in ("warning", "critical")
    }
    assert orphaned == expected
    # The critical ones are what the pause function waits for: it would never be invoked.
    (function,) = [
        f for f in plan.resources_of_type("aws:lambda/function:Function") if "news" in f.name
    ]
    pausing = set(function.inputs["environment"]["variables"]["PAUSING_ALARMS"].split(","))
    assert {a for a in orphaned if "news" in a and a.endswith("critical")} <= pausing


def test_a_dimension_value_of_another_set_has_no_producer() -> None:
    plan = planned("Pulumi.prod.yaml")
    alarm = "news-example-com-alarms-events-bounce-rate-critical"

    def other_set(inputs: dict[str, Any]) -> None:
        for query in inputs["metricQueries"]:
            if query.get("metric"):
                query["metric"]["dimensions"] = {"ses:configuration-set": "billing-example-com"}

    assert _orphaned_alarms(_with_inputs(plan, alarm, other_set)) == {
        "mailstack-prod-news-example-com-events-bounce-rate-critical"
    }


def test_reputation_metrics_off_orphans_the_sets_reputation_alarms() -> None:
    plan = planned("Pulumi.prod.yaml")

    def off(inputs: dict[str, Any]) -> None:
        inputs["reputationOptions"]["reputationMetricsEnabled"] = False

    resources = _with_inputs(plan, "news-example-com-configuration-set", off)
    assert _orphaned_alarms(resources) == {
        f"mailstack-prod-news-example-com-reputation-{kind}-{level}"
        for kind in ("bounce", "complaint")
        for level in ("warning", "critical")
    }


def _dashboard_with(plan: PlanResult, expression: str) -> list[PlannedResource]:
    def add(inputs: dict[str, Any]) -> None:
        body = json.loads(inputs["dashboardBody"])
        body["widgets"][-1]["properties"]["metrics"] = [[{"expression": expression, "id": "s"}]]
        inputs["dashboardBody"] = json.dumps(body)

    return _with_inputs(plan, "mail-dashboard", add)


def test_a_search_on_the_campaign_dimension_alone_has_no_producer() -> None:
    plan = planned("Pulumi.prod.yaml")
    old = "SEARCH('{AWS/SES,campaign} MetricName=\"Send\"', 'Sum', 3600)"
    (finding,) = contract.check(_dashboard_with(plan, old))
    assert "AWS/SES Send {campaign=*}" in finding.message and "nothing publishes" in finding.message


def test_a_search_without_a_schema_is_reported() -> None:
    plan = planned("Pulumi.prod.yaml")
    (finding,) = contract.check(_dashboard_with(plan, "SEARCH('MetricName=\"Send\"', 'Sum', 300)"))
    assert "without a {Namespace,dims} schema" in finding.message


def test_more_than_ten_destinations_on_one_set_is_reported() -> None:
    plan = planned("Pulumi.prod.yaml")
    (destination,) = [r for r in plan.resources if r.name == "news-example-com-events-campaigns"]
    extra = [dataclasses.replace(destination, name=f"extra-{n}") for n in range(8)]
    (finding,) = contract.check([*plan.resources, *extra])
    assert finding.reader == "configuration set news-example-com"
    assert "11 event destinations" in finding.message


def test_the_event_metric_table_covers_exactly_the_event_types_ses_accepts() -> None:
    model = botocore.session.get_session().get_service_model("sesv2")
    assert set(contract.SES_EVENT_METRIC_NAMES) == set(model.shape_for("EventType").enum)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=stack_configs())
def test_generated_configs_keep_the_contract(raw: dict[str, Any]) -> None:
    raw["mailstack:alerts"]["autoPause"] = True
    raw["mailstack:alerts"]["campaignTag"] = "mailing"
    try:
        load_stack_config(raw)
    except ConfigError:
        return
    plan = run_program(raw, "generated", build)
    assert contract.check(plan.resources) == []
