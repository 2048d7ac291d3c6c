"""Monitoring of one Postfix relay: its mail log in CloudWatch, counters, ratio alarms."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.config.alerts import AlertSettings
from components.monitoring import policies
from components.monitoring.agent_config import DEFAULT_MAIL_LOG, cloudwatch_agent_config
from components.monitoring.alarm_specs import relay_alarm_specs
from components.monitoring.log_filters import postfix_log_filters
from components.monitoring.metrics import relay_namespace
from components.monitoring.naming import host_slug
from components.reputation_alarms import alarm_arn, metric_alarm

LOG_RETENTION_DAYS = 30


def relay_log_group_name(relay_name: str) -> str:
    return f"/mailstack/relay/{relay_name}/mail"


@dataclass(frozen=True)
class RelayMonitoringArgs:
    # The relay's host name, e.g. relay1.mail.example.com.
    relay_name: str
    alerts: AlertSettings
    topic_arn: pulumi.Input[str]
    mail_log_path: str = DEFAULT_MAIL_LOG
    name_prefix: str = "mailstack"


class RelayMonitoring(pulumi.ComponentResource):
    log_group_name: pulumi.Output[str]
    log_group_arn: pulumi.Output[str]
    namespace: str
    # For the relay's cloud-init: write to the CloudWatch agent's configuration file.
    agent_config: str
    # For the relay instance's IAM role: what the agent needs to ship the log, nothing more.
    agent_policy_json: pulumi.Output[str]
    alarm_arns: list[pulumi.Output[str]]

    def __init__(
        self, name: str, args: RelayMonitoringArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("mailstack:monitoring:RelayMonitoring", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        group_name = relay_log_group_name(args.relay_name)
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-mail-log", name=group_name, retention_in_days=LOG_RETENTION_DAYS, opts=child
        )
        for spec in postfix_log_filters(args.relay_name):
            aws.cloudwatch.LogMetricFilter(
                f"{name}-{spec.key}",
                name=f"postfix-status-{spec.key}",
                log_group_name=log_group.name,
                pattern=spec.pattern,
                metric_transformation=aws.cloudwatch.LogMetricFilterMetricTransformationArgs(
                    name=spec.metric_name, namespace=spec.namespace, value="1", unit="Count"
                ),
                opts=child,
            )
        prefix = f"{args.name_prefix}-{host_slug(args.relay_name)}"
        alarms = [
            metric_alarm(f"{name}-{spec.key}", spec, args.topic_arn, self)
            for spec in relay_alarm_specs(args.alerts, prefix, args.relay_name)
        ]
        self.log_group_name = log_group.name
        self.log_group_arn = log_group.arn
        self.namespace = relay_namespace(args.relay_name)
        self.agent_config = cloudwatch_agent_config(group_name, args.mail_log_path)
        self.agent_policy_json = log_group.arn.apply(policies.relay_agent_policy)
        self.alarm_arns = [alarm_arn(alarm) for alarm in alarms]
        self.register_outputs({"log_group_name": log_group.name, "alarm_arns": self.alarm_arns})
