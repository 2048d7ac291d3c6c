"""Everything that watches one SES configuration set: events, alarms, optional auto-pause."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components.auto_pause import AutoPause, AutoPauseArgs
from components.config.alerts import AlertSettings
from components.dns.record_input import RecordInput
from components.event_destinations import (
    EventDestinations,
    EventDestinationsArgs,
    tracking_record_input,
)
from components.monitoring.naming import monitoring_prefix
from components.reputation_alarms import ReputationAlarms, ReputationAlarmsArgs


@dataclass(frozen=True)
class ConfigurationSetMonitoringArgs:
    configuration_set_name: pulumi.Input[str]
    # The sending domain the set belongs to; names and alarm texts are derived from it.
    domain: str
    alerts: AlertSettings
    topic_arn: pulumi.Input[str]
    # The alert topic's KMS key: the feedback topic is encrypted with it too.
    topic_key_arn: pulumi.Input[str]
    region: str
    tracking_domain: str | None = None
    name_prefix: str = "mailstack"


class ConfigurationSetMonitoring(pulumi.ComponentResource):
    feedback_topic_arn: pulumi.Output[str]
    alarms: ReputationAlarms
    alarm_arns: list[pulumi.Output[str]]
    # The custom tracking domain's CNAME, for the DNS adapter; None without a tracking domain.
    tracking_record: RecordInput | None
    auto_pause: AutoPause | None

    def __init__(
        self,
        name: str,
        args: ConfigurationSetMonitoringArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mailstack:monitoring:ConfigurationSetMonitoring", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        prefix = monitoring_prefix(args.domain, args.name_prefix)
        destinations = EventDestinations(
            f"{name}-events",
            EventDestinationsArgs(
                configuration_set_name=args.configuration_set_name,
                name_prefix=prefix,
                campaign_tag=args.alerts.campaign_tag,
                key_arn=args.topic_key_arn,
            ),
            opts=child,
        )
        self.alarms = ReputationAlarms(
            f"{name}-alarms",
            ReputationAlarmsArgs(
                alerts=args.alerts,
                topic_arn=args.topic_arn,
                name_prefix=prefix,
                subject=f"SES configuration set for {args.domain}",
                configuration_set_name=args.configuration_set_name,
            ),
            opts=child,
        )
        self.auto_pause = None
        if args.alerts.auto_pause:
            self.auto_pause = AutoPause(
                f"{name}-auto-pause",
                AutoPauseArgs(
                    configuration_set_name=args.configuration_set_name,
                    alarm_arns=self.alarms.pausing_alarm_arns,
                    topic_arn=args.topic_arn,
                    key_arn=args.topic_key_arn,
                    name_prefix=prefix,
                ),
                opts=child,
            )
        self.tracking_record = (
            tracking_record_input(args.tracking_domain, args.region)
            if args.tracking_domain
            else None
        )
        self.feedback_topic_arn = destinations.feedback_topic_arn
        self.alarm_arns = self.alarms.alarm_arns
        self.register_outputs(
            {"feedback_topic_arn": self.feedback_topic_arn, "alarm_arns": self.alarm_arns}
        )
