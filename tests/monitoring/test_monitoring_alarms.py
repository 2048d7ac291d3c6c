"""Alarms as a deployment would create them: metrics, levels, comparisons, periods, wiring."""

from __future__ import annotations

import json
from typing import Any

import pulumi
from monitoring_harness import ALARM, REGION, Registered, by_type, run
from monitoring_stack_program import monitoring_program

from components.config.alerts import AlertSettings, RelayAlertSettings, Thresholds
from components.reputation_alarms import ReputationAlarms, ReputationAlarmsArgs

TOPIC = f"arn:aws:sns:{REGION}:123456789012:mailstack-alerts"
CUSTOM = AlertSettings(
    bounce_rate=Thresholds(0.02, 0.04),
    complaint_rate=Thresholds(0.0004, 0.0008),
    minimum_sends=250,
    period_seconds=600,
    evaluation_periods=2,
)


def _alarms(resources: list[Registered]) -> dict[str, dict[str, Any]]:
    return {r.inputs["name"]: r.inputs for r in by_type(resources, ALARM)}


def _account(alerts: AlertSettings, configuration_set: str | None = None) -> list[Registered]:
    def program() -> None:
        ReputationAlarms(
            "rep",
            ReputationAlarmsArgs(
                alerts=alerts,
                topic_arn=TOPIC,
                name_prefix="p",
                subject="SES account",
                configuration_set_name=configuration_set,
            ),
        )

    return run(program)


def test_account_alarms_watch_ses_reputation_at_the_configured_levels() -> None:
    alarms = _alarms(_account(CUSTOM))
    assert set(alarms) == {
        "p-reputation-bounce-warning",
        "p-reputation-bounce-critical",
        "p-reputation-complaint-warning",
        "p-reputation-complaint-critical",
    }
    expected = {
        "p-reputation-bounce-warning": ("Reputation.BounceRate", 0.02),
        "p-reputation-bounce-critical": ("Reputation.BounceRate", 0.04),
        "p-reputation-complaint-warning": ("Reputation.ComplaintRate", 0.0004),
        "p-reputation-complaint-critical": ("Reputation.ComplaintRate", 0.0008),
    }
    for name, (metric, threshold) in expected.items():
        alarm = alarms[name]
        assert alarm["namespace"] == "AWS/SES"
        assert alarm["metricName"] == metric
        assert "dimensions" not in alarm or not alarm["dimensions"]
        assert alarm["threshold"] == threshold
        assert alarm["comparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert alarm["period"] == 600 and alarm["evaluationPeriods"] == 2
        assert alarm["datapointsToAlarm"] == 2
        # A rate SES computed stays true until SES says otherwise.
        assert alarm["treatMissingData"] == "ignore"
        assert alarm["alarmActions"] == [TOPIC] and alarm["okActions"] == [TOPIC]


def test_default_levels_fire_before_aws_reviews_the_account() -> None:
    alarms = _alarms(_account(AlertSettings()))
    assert alarms["p-reputation-bounce-warning"]["threshold"] == 0.025
    assert alarms["p-reputation-bounce-critical"]["threshold"] == 0.05
    assert alarms["p-reputation-complaint-warning"]["threshold"] == 0.0005
    assert alarms["p-reputation-complaint-critical"]["threshold"] == 0.001
    for alarm in alarms.values():
        assert alarm["period"] * alarm["evaluationPeriods"] <= 3600


def test_configuration_set_alarms_use_the_set_dimension_and_volume_guarded_rates() -> None:
    alarms = _alarms(_account(CUSTOM, configuration_set="news-set"))
    assert len(alarms) == 8
    for name in ("p-reputation-bounce-critical", "p-reputation-complaint-warning"):
        assert alarms[name]["dimensions"] == {"ses:configuration-set": "news-set"}
    rate = alarms["p-events-complaint-rate-critical"]
    assert rate["threshold"] == 0.0008
    assert rate["comparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert rate["treatMissingData"] == "notBreaching"
    queries = {q["id"]: q for q in rate["metricQueries"]}
    assert queries["sends"]["metric"] == {
        "namespace": "AWS/SES",
        "metricName": "Send",
        "stat": "Sum",
        "period": 600,
        "dimensions": {"ses:configuration-set": "news-set"},
    }
    assert queries["events"]["metric"]["metricName"] == "Complaint"
    assert queries["rate"]["returnData"] is True
    assert queries["rate"]["expression"] == "IF(sends >= 250, FILL(events, 0) / sends, 0)"
    assert [q["returnData"] for q in rate["metricQueries"]].count(True) == 1
    bounce = {q["id"]: q for q in alarms["p-events-bounce-rate-warning"]["metricQueries"]}
    assert bounce["events"]["metric"]["metricName"] == "Bounce"
    assert alarms["p-events-bounce-rate-warning"]["threshold"] == 0.02


def test_relay_alarms_watch_bounce_ratio_and_deferral_surge() -> None:
    alerts = AlertSettings(
        relay=RelayAlertSettings(
            bounce_rate=Thresholds(0.03, 0.06),
            deferral_rate=Thresholds(0.2, 0.4),
            minimum_messages=20,
        )
    )
    resources = run(lambda: monitoring_program(alerts))
    alarms = _alarms(resources)
    prefix = "mailstack-relay1-mail-example-com"
    bounce = alarms[f"{prefix}-relay-bounce-rate-critical"]
    deferral = alarms[f"{prefix}-relay-deferral-rate-warning"]
    assert bounce["threshold"] == 0.06 and deferral["threshold"] == 0.2
    namespace = "Mailstack/Relay/relay1.mail.example.com"
    metrics = {q["id"]: q["metric"] for q in deferral["metricQueries"] if "metric" in q}
    assert {m["metricName"] for m in metrics.values()} == {"Delivered", "Bounced", "Deferred"}
    assert {m["namespace"] for m in metrics.values()} == {namespace}
    expression = next(q["expression"] for q in deferral["metricQueries"] if q.get("returnData"))
    assert "FILL(deferred, 0) /" in expression and ">= 20" in expression
    assert bounce["treatMissingData"] == "notBreaching"
    filters = {
        r.inputs["pattern"]: r.inputs
        for r in by_type(resources, "aws:cloudwatch/logMetricFilter:LogMetricFilter")
    }
    assert {p: f["metricTransformation"]["name"] for p, f in filters.items()} == {
        '"status=sent"': "Delivered",
        '"status=bounced"': "Bounced",
        '"status=deferred"': "Deferred",
    }
    for metric_filter in filters.values():
        assert metric_filter["logGroupName"] == "/mailstack/relay/relay1.mail.example.com/mail"
        assert metric_filter["metricTransformation"]["namespace"] == namespace


def test_every_alarm_of_the_stack_tells_the_alert_topic_on_alarm_and_on_ok() -> None:
    resources = run(lambda: monitoring_program(AlertSettings(auto_pause=True)))
    alarms = by_type(resources, ALARM)
    assert len(alarms) == 4 + 2 * 8 + 4
    for alarm in alarms:
        assert alarm.inputs["alarmActions"] == [TOPIC], alarm.name
        assert alarm.inputs["okActions"] == [TOPIC], alarm.name
        assert alarm.inputs["comparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert alarm.inputs["treatMissingData"] in ("ignore", "notBreaching")
        period = alarm.inputs.get("period") or alarm.inputs["metricQueries"][0]["metric"]["period"]
        assert period * alarm.inputs["evaluationPeriods"] <= 3600, alarm.name


def _normalized(resources: list[Registered]) -> dict[tuple[str, str], str]:
    def encode(value: Any) -> Any:
        if isinstance(value, pulumi.AssetArchive):
            return {k: encode(v) for k, v in value.assets.items()}
        if isinstance(value, pulumi.StringAsset):
            return value.text
        return repr(value)

    return {
        (r.type, r.name): json.dumps(r.inputs, sort_keys=True, default=encode) for r in resources
    }


def _changed(before: AlertSettings, after: AlertSettings) -> set[str]:
    a = _normalized(run(lambda: monitoring_program(before)))
    b = _normalized(run(lambda: monitoring_program(after)))
    assert a.keys() == b.keys()
    return {name for (typ, name) in a if a[(typ, name)] != b[(typ, name)]}


def test_changing_one_threshold_changes_only_the_alarms_that_use_it() -> None:
    base = AlertSettings(emails=("ops@example.com",), auto_pause=True)
    changed = _changed(
        base,
        AlertSettings(
            emails=("ops@example.com",),
            auto_pause=True,
            complaint_rate=Thresholds(warning=0.0005, critical=0.0009),
        ),
    )
    assert changed == {
        "account-reputation-complaint-critical",
        "news-example-com-alarms-reputation-complaint-critical",
        "news-example-com-alarms-events-complaint-rate-critical",
        "billing-example-com-alarms-reputation-complaint-critical",
        "billing-example-com-alarms-events-complaint-rate-critical",
    }


def test_changing_a_relay_threshold_changes_only_that_relay_alarm() -> None:
    changed = _changed(
        AlertSettings(),
        AlertSettings(
            relay=RelayAlertSettings(deferral_rate=Thresholds(warning=0.15, critical=0.25))
        ),
    )
    assert changed == {"relay1-relay-deferral-rate-warning"}


def test_the_same_config_yields_identical_resources() -> None:
    alerts = AlertSettings(
        emails=("ops@example.com",), webhooks=("https://hooks.example.com/a",), auto_pause=True
    )
    first = _normalized(run(lambda: monitoring_program(alerts)))
    assert first == _normalized(run(lambda: monitoring_program(alerts)))
