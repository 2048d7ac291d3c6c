"""Alarm specifications as plain data: which metric, which level, which comparison, and why."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from components.config.alerts import AlertSettings, Thresholds
from components.monitoring import metrics as m

# A configuration set name: a plain string in tests, a Pulumi output in a deployment.
N = TypeVar("N")

GTE = "GreaterThanOrEqualToThreshold"
# Reputation rates are computed by SES over a representative window; silence means "no news",
# so an alarm keeps its state until a fresh reading says otherwise.
KEEP_STATE = "ignore"
# No sends or no relay log lines in a period: nothing can have bounced, so the rate is healthy.
NO_MAIL_IS_HEALTHY = "notBreaching"
LEVELS = ("warning", "critical")


@dataclass(frozen=True)
class MetricRef(Generic[N]):
    id: str
    namespace: str
    metric_name: str
    dimensions: Mapping[str, N]
    stat: str
    period: int


@dataclass(frozen=True)
class AlarmSpec(Generic[N]):
    key: str
    name: str
    description: str
    level: str
    watches: str
    threshold: float
    period: int
    evaluation_periods: int
    datapoints_to_alarm: int
    treat_missing_data: str
    metrics: tuple[MetricRef[N], ...]
    # Metric math over `metrics`; None means a plain alarm on the single metric.
    expression: str | None = None
    comparison_operator: str = GTE
    pauses_sending: bool = False


_AWS_LEVEL = {"bounce": 0.05, "complaint": 0.001}
_WHAT_TO_DO = {
    "bounce": "Stop mailing unverified or old lists, suppress hard-bounced addresses from the "
    "feedback topic, and check recent imports.",
    "complaint": "Stop the campaign that drew complaints, honour unsubscribes, and remove "
    "complainers (the feedback topic lists them).",
    "relay-bounce": "Check the relay's mail log for the receiving domains that bounce and "
    "suppress those addresses.",
    "relay-deferral": "Check the relay's mail log: many deferrals mean throttling or a block "
    "list entry at the receiving side; slow down and check the relay IP on block lists.",
}


def _describe(subject: str, watches: str, level: str, threshold: float) -> str:
    aws = _AWS_LEVEL.get(watches)
    context = f" AWS reviews accounts at {aws}." if aws is not None else ""
    return (
        f"{subject}: {watches} rate reached the {level} level {threshold}.{context} "
        f"{_WHAT_TO_DO[watches]} See the Monitoring section of the mailstack README."
    )


def _level_value(thresholds: Thresholds, level: str) -> float:
    return thresholds.warning if level == "warning" else thresholds.critical


def reputation_alarm_specs(
    alerts: AlertSettings, name_prefix: str, subject: str, configuration_set: N | None = None
) -> list[AlarmSpec[N]]:
    """Alarms on SES's own reputation rates: account-wide, or for one configuration set."""
    dimensions: dict[str, N] = (
        {} if configuration_set is None else {m.CONFIGURATION_SET_DIMENSION: configuration_set}
    )
    specs: list[AlarmSpec[N]] = []
    for watches, metric_name, thresholds in (
        ("bounce", m.REPUTATION_BOUNCE_RATE, alerts.bounce_rate),
        ("complaint", m.REPUTATION_COMPLAINT_RATE, alerts.complaint_rate),
    ):
        for level in LEVELS:
            key = f"reputation-{watches}-{level}"
            threshold = _level_value(thresholds, level)
            specs.append(
                AlarmSpec(
                    key=key,
                    name=f"{name_prefix}-{key}",
                    description=_describe(subject, watches, level, threshold),
                    level=level,
                    watches=watches,
                    threshold=threshold,
                    period=alerts.period_seconds,
                    evaluation_periods=alerts.evaluation_periods,
                    datapoints_to_alarm=alerts.evaluation_periods,
                    treat_missing_data=KEEP_STATE,
                    # One reading at the level is the signal: SES already averaged it.
                    metrics=(
                        MetricRef(
                            "rate",
                            m.SES_NAMESPACE,
                            metric_name,
                            dimensions,
                            "Maximum",
                            alerts.period_seconds,
                        ),
                    ),
                    pauses_sending=configuration_set is not None and level == "critical",
                )
            )
    return specs


def event_rate_alarm_specs(
    alerts: AlertSettings, name_prefix: str, subject: str, configuration_set: N
) -> list[AlarmSpec[N]]:
    """Bounces / sends and complaints / sends from the set's own event metrics, volume-guarded."""
    dims = {m.CONFIGURATION_SET_DIMENSION: configuration_set}
    period = alerts.period_seconds
    specs: list[AlarmSpec[N]] = []
    for watches, event_type, thresholds in (
        ("bounce", "BOUNCE", alerts.bounce_rate),
        ("complaint", "COMPLAINT", alerts.complaint_rate),
    ):
        sends = MetricRef("sends", m.SES_NAMESPACE, m.EVENT_METRICS["SEND"], dims, "Sum", period)
        events = MetricRef(
            "events", m.SES_NAMESPACE, m.EVENT_METRICS[event_type], dims, "Sum", period
        )
        # Below the minimum volume the rate reads 0, so a handful of sends cannot page anyone.
        expression = f"IF(sends >= {alerts.minimum_sends}, FILL(events, 0) / sends, 0)"
        subject_text = (
            f"{subject} (event metrics, at least {alerts.minimum_sends} sends per {period}s)"
        )
        specs += [
            _volume_guarded_spec(
                alerts,
                name_prefix,
                f"events-{watches}",
                subject_text,
                watches,
                thresholds,
                level,
                (sends, events),
                expression,
                pauses_sending=level == "critical",
            )
            for level in LEVELS
        ]
    return specs


def relay_alarm_specs(
    alerts: AlertSettings, name_prefix: str, relay_name: str
) -> list[AlarmSpec[str]]:
    """Bounce ratio and deferral surge of one Postfix relay, from its mail-log counters."""
    relay = alerts.relay
    period = alerts.period_seconds
    namespace = m.relay_namespace(relay_name)
    none: dict[str, str] = {}
    delivered = MetricRef("delivered", namespace, m.RELAY_DELIVERED, none, "Sum", period)
    bounced = MetricRef("bounced", namespace, m.RELAY_BOUNCED, none, "Sum", period)
    deferred = MetricRef("deferred", namespace, m.RELAY_DEFERRED, none, "Sum", period)
    minimum = relay.minimum_messages
    finished = "(FILL(delivered, 0) + FILL(bounced, 0))"
    attempts = "(FILL(delivered, 0) + FILL(bounced, 0) + FILL(deferred, 0))"
    kinds = (
        (
            "relay-bounce",
            relay.bounce_rate,
            (delivered, bounced),
            f"IF({finished} >= {minimum}, FILL(bounced, 0) / {finished}, 0)",
        ),
        (
            "relay-deferral",
            relay.deferral_rate,
            (delivered, bounced, deferred),
            f"IF({attempts} >= {minimum}, FILL(deferred, 0) / {attempts}, 0)",
        ),
    )
    subject = f"Postfix relay {relay_name} (at least {minimum} messages per {period}s)"
    return [
        _volume_guarded_spec(
            alerts, name_prefix, watches, subject, watches, thresholds, level, used, expression
        )
        for watches, thresholds, used, expression in kinds
        for level in LEVELS
    ]


def _volume_guarded_spec(
    alerts: AlertSettings,
    name_prefix: str,
    key_stem: str,
    subject: str,
    watches: str,
    thresholds: Thresholds,
    level: str,
    metrics: tuple[MetricRef[N], ...],
    expression: str,
    pauses_sending: bool = False,
) -> AlarmSpec[N]:
    """A metric-math rate alarm whose expression reads 0 below its minimum volume."""
    key = f"{key_stem}-rate-{level}"
    threshold = _level_value(thresholds, level)
    return AlarmSpec(
        key=key,
        name=f"{name_prefix}-{key}",
        description=_describe(subject, watches, level, threshold),
        level=level,
        watches=watches,
        threshold=threshold,
        period=alerts.period_seconds,
        evaluation_periods=alerts.evaluation_periods,
        datapoints_to_alarm=alerts.evaluation_periods,
        treat_missing_data=NO_MAIL_IS_HEALTHY,
        metrics=metrics,
        expression=expression,
        pauses_sending=pauses_sending,
    )
