"""A whole monitoring setup as the stack program wires it, for tests that look at all of it."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from components.alert_topic import AlertTopic, AlertTopicArgs
from components.config.alerts import AlertSettings
from components.configuration_set_monitoring import (
    ConfigurationSetMonitoring,
    ConfigurationSetMonitoringArgs,
)
from components.dashboard import MailDashboard, MailDashboardArgs
from components.relay_monitoring import RelayMonitoring, RelayMonitoringArgs
from components.reputation_alarms import ReputationAlarms, ReputationAlarmsArgs

REGION = "eu-west-1"
SETS = {"news.example.com": "news-example-com", "billing.example.com": "billing-example-com"}
RELAY = "relay1.mail.example.com"


def monitoring_program(alerts: AlertSettings, captured: dict[str, Any] | None = None) -> None:
    topic = AlertTopic("alerts", AlertTopicArgs(alerts=alerts))
    account = ReputationAlarms(
        "account",
        ReputationAlarmsArgs(
            alerts=alerts,
            topic_arn=topic.topic_arn,
            name_prefix="mailstack-account",
            subject="SES account",
        ),
    )
    for set_name in SETS.values():
        # As SesSender creates them: the per-set reputation metrics the alarms read.
        aws.sesv2.ConfigurationSet(
            set_name,
            configuration_set_name=set_name,
            reputation_options={"reputation_metrics_enabled": True},
        )
    monitors = [
        ConfigurationSetMonitoring(
            domain.replace(".", "-"),
            ConfigurationSetMonitoringArgs(
                configuration_set_name=pulumi.Output.from_input(set_name),
                domain=domain,
                alerts=alerts,
                topic_arn=topic.topic_arn,
                topic_key_arn=topic.key_arn,
                region=REGION,
                tracking_domain=f"links.{domain}",
            ),
        )
        for domain, set_name in SETS.items()
    ]
    relay = RelayMonitoring(
        "relay1", RelayMonitoringArgs(relay_name=RELAY, alerts=alerts, topic_arn=topic.topic_arn)
    )
    threshold_alarms = [*account.threshold_alarms()]
    alarm_arns = [*account.alarm_arns, *relay.alarm_arns]
    for monitor in monitors:
        threshold_alarms += monitor.alarms.threshold_alarms()
        alarm_arns += monitor.alarm_arns
    MailDashboard(
        "mail",
        MailDashboardArgs(
            region=REGION,
            configuration_set_names=list(SETS.values()),
            relay_names=[RELAY],
            campaign_tag=alerts.campaign_tag,
            threshold_alarms=threshold_alarms,
            alarm_arns=alarm_arns,
        ),
    )
    if captured is not None:
        captured.update(topic=topic, account=account, monitors=monitors, relay=relay)
