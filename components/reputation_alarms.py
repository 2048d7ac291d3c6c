"""CloudWatch alarms that protect a sender's reputation: SES rates and event-metric rates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.alert_topic import derived_arn
from components.config.alerts import AlertSettings
from components.monitoring.alarm_specs import (
    AlarmSpec,
    event_rate_alarm_specs,
    reputation_alarm_specs,
)


def alarm_arn(alarm: aws.cloudwatch.MetricAlarm) -> pulumi.Output[str]:
    """The alarm's ARN, known in a preview (see `derived_arn`)."""
    return derived_arn("cloudwatch", alarm.name.apply(lambda name: f"alarm:{name}"))


def metric_alarm(
    resource_name: str, spec: AlarmSpec[Any], topic_arn: pulumi.Input[str], parent: pulumi.Resource
) -> aws.cloudwatch.MetricAlarm:
    """One alarm from its spec, telling the alert topic on ALARM and again on OK."""
    common: dict[str, Any] = {
        "name": spec.name,
        "alarm_description": spec.description,
        "comparison_operator": spec.comparison_operator,
        "threshold": spec.threshold,
        "evaluation_periods": spec.evaluation_periods,
        "datapoints_to_alarm": spec.datapoints_to_alarm,
        "treat_missing_data": spec.treat_missing_data,
        "alarm_actions": [topic_arn],
        "ok_actions": [topic_arn],
        "actions_enabled": True,
        "tags": {"mailstack:level": spec.level, "mailstack:watches": spec.watches},
    }
    if spec.expression is None:
        (metric,) = spec.metrics
        return aws.cloudwatch.MetricAlarm(
            resource_name,
            namespace=metric.namespace,
            metric_name=metric.metric_name,
            dimensions=dict(metric.dimensions) or None,
            statistic=metric.stat,
            period=metric.period,
            opts=pulumi.ResourceOptions(parent=parent),
            **common,
        )
    queries = [
        aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id=ref.id,
            return_data=False,
            metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                namespace=ref.namespace,
                metric_name=ref.metric_name,
                dimensions=dict(ref.dimensions) or None,
                stat=ref.stat,
                period=ref.period,
            ),
        )
        for ref in spec.metrics
    ]
    queries.append(
        aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id="rate", expression=spec.expression, label=spec.watches, return_data=True
        )
    )
    return aws.cloudwatch.MetricAlarm(
        resource_name, metric_queries=queries, opts=pulumi.ResourceOptions(parent=parent), **common
    )


@dataclass(frozen=True)
class ReputationAlarmsArgs:
    alerts: AlertSettings
    topic_arn: pulumi.Input[str]
    # Alarm names start with this; unique per account and region.
    name_prefix: str = "mailstack-account"
    # Who the alarm is about, as people read it in the alert.
    subject: str = "SES account"
    # None watches the whole account; a name watches that configuration set, including the
    # volume-guarded rates from its event metrics.
    configuration_set_name: pulumi.Input[str] | None = None


class ReputationAlarms(pulumi.ComponentResource):
    alarms: dict[str, aws.cloudwatch.MetricAlarm]
    specs: dict[str, AlarmSpec[Any]]
    alarm_arns: list[pulumi.Output[str]]
    # Critical alarms on a configuration set: the ones that may pause sending.
    pausing_alarm_arns: list[pulumi.Output[str]]
    _arns: dict[str, pulumi.Output[str]]

    def __init__(
        self, name: str, args: ReputationAlarmsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("mailstack:monitoring:ReputationAlarms", name, None, opts)
        specs: list[AlarmSpec[Any]] = list(
            reputation_alarm_specs(
                args.alerts, args.name_prefix, args.subject, args.configuration_set_name
            )
        )
        if args.configuration_set_name is not None:
            specs += event_rate_alarm_specs(
                args.alerts, args.name_prefix, args.subject, args.configuration_set_name
            )
        self.specs = {spec.key: spec for spec in specs}
        self.alarms = {
            spec.key: metric_alarm(f"{name}-{spec.key}", spec, args.topic_arn, self)
            for spec in specs
        }
        arns = {key: alarm_arn(alarm) for key, alarm in self.alarms.items()}
        self.alarm_arns = list(arns.values())
        self.pausing_alarm_arns = [
            arns[key] for key, spec in self.specs.items() if spec.pauses_sending
        ]
        self._arns = arns
        self.register_outputs({"alarm_arns": self.alarm_arns})

    def threshold_alarms(self) -> Sequence[tuple[str, pulumi.Output[str]]]:
        """(title, ARN) of the critical reputation alarms, for the dashboard's threshold lines."""
        return [
            (f"{spec.name}", self._arns[key])
            for key, spec in self.specs.items()
            if key.startswith("reputation-") and spec.level == "critical"
        ]
