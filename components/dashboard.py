"""One CloudWatch dashboard per stack, its body from a pure builder."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.config.alerts import DEFAULT_CAMPAIGN_TAG
from components.monitoring.dashboard import DashboardSpec, ThresholdAlarm, dashboard_body


@dataclass(frozen=True)
class MailDashboardArgs:
    region: str
    configuration_set_names: Sequence[pulumi.Input[str]] = ()
    relay_names: Sequence[str] = ()
    campaign_tag: str = DEFAULT_CAMPAIGN_TAG
    # (title, alarm ARN): drawn as the alarm's metric with its threshold line.
    threshold_alarms: Sequence[tuple[str, pulumi.Input[str]]] = ()
    # Every alarm to show in the status grid.
    alarm_arns: Sequence[pulumi.Input[str]] = field(default_factory=tuple)
    name_prefix: str = "mailstack"


class MailDashboard(pulumi.ComponentResource):
    dashboard_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: MailDashboardArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("mailstack:monitoring:MailDashboard", name, None, opts)
        n_sets = len(args.configuration_set_names)
        n_thresholds = len(args.threshold_alarms)

        def body(values: list[Any]) -> str:
            sets = [str(v) for v in values[:n_sets]]
            threshold_arns = values[n_sets : n_sets + n_thresholds]
            return dashboard_body(
                DashboardSpec(
                    region=args.region,
                    configuration_sets=sets,
                    relays=list(args.relay_names),
                    campaign_tag=args.campaign_tag,
                    threshold_alarms=[
                        ThresholdAlarm(title, str(arn))
                        for (title, _), arn in zip(
                            args.threshold_alarms, threshold_arns, strict=True
                        )
                    ],
                    alarm_arns=[str(v) for v in values[n_sets + n_thresholds :]],
                )
            )

        dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=f"{args.name_prefix}-mail",
            dashboard_body=pulumi.Output.all(
                *args.configuration_set_names,
                *(arn for _, arn in args.threshold_alarms),
                *args.alarm_arns,
            ).apply(body),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.dashboard_name = dashboard.dashboard_name
        self.register_outputs({"dashboard_name": dashboard.dashboard_name})
