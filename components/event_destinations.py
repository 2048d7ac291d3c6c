"""SES event destinations of one configuration set: feedback to SNS, counts to CloudWatch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.alert_topic import derived_arn
from components.dns.record_input import RecordInput
from components.monitoring import policies
from components.monitoring.destinations import (
    CloudWatchDestinationSpec,
    cloudwatch_destinations,
    sns_destination,
)
from components.monitoring.tracking import tracking_record

# Tracking links and the open pixel are served over HTTPS only.
TRACKING_HTTPS_POLICY = "REQUIRE"


def tracking_options(tracking_domain: str) -> aws.sesv2.ConfigurationSetTrackingOptionsArgs:
    """For the configuration set's `tracking_options`: opens and clicks on the custom domain."""
    return aws.sesv2.ConfigurationSetTrackingOptionsArgs(
        custom_redirect_domain=tracking_domain, https_policy=TRACKING_HTTPS_POLICY
    )


def tracking_record_input(tracking_domain: str, region: str) -> RecordInput:
    """The CNAME that sends the custom tracking domain to SES's regional tracking host."""
    return RecordInput.from_record(
        f"tracking-{tracking_domain}", tracking_record(tracking_domain, region)
    )


def _cloudwatch_dimensions(
    spec: CloudWatchDestinationSpec[pulumi.Input[str]],
) -> aws.sesv2.ConfigurationSetEventDestinationEventDestinationCloudWatchDestinationArgs:
    return aws.sesv2.ConfigurationSetEventDestinationEventDestinationCloudWatchDestinationArgs(
        dimension_configurations=[
            aws.sesv2.ConfigurationSetEventDestinationEventDestinationCloudWatchDestinationDimensionConfigurationArgs(
                dimension_name=dimension.name,
                dimension_value_source=dimension.source,
                default_dimension_value=dimension.default_value,
            )
            for dimension in spec.dimensions
        ]
    )


@dataclass(frozen=True)
class EventDestinationsArgs:
    configuration_set_name: pulumi.Input[str]
    # Topics and destinations are named with this; unique per account and region.
    name_prefix: str
    campaign_tag: str
    key_arn: pulumi.Input[str]


class EventDestinations(pulumi.ComponentResource):
    feedback_topic_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: EventDestinationsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("mailstack:monitoring:EventDestinations", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        feedback = aws.sns.Topic(
            f"{name}-feedback-topic",
            name=f"{args.name_prefix}-ses-feedback",
            display_name="SES bounces, complaints, rejects, delays",
            kms_master_key_id=args.key_arn,
            opts=child,
        )
        feedback_arn = derived_arn("sns", feedback.name)
        policy = aws.sns.TopicPolicy(
            f"{name}-feedback-topic-policy",
            arn=feedback_arn,
            policy=pulumi.Output.all(feedback_arn, args.configuration_set_name).apply(
                lambda v: policies.feedback_topic_policy(str(v[0]), str(v[1]))
            ),
            opts=child,
        )
        sns_spec = sns_destination()

        def destination(
            key: str, event_types: Sequence[str], opts: pulumi.ResourceOptions, **target: Any
        ) -> None:
            aws.sesv2.ConfigurationSetEventDestination(
                f"{name}-{key}",
                configuration_set_name=args.configuration_set_name,
                event_destination_name=f"{args.name_prefix}-{key}"[:64],
                event_destination=aws.sesv2.ConfigurationSetEventDestinationEventDestinationArgs(
                    enabled=True, matching_event_types=list(event_types), **target
                ),
                opts=opts,
            )

        destination(
            sns_spec.key,
            sns_spec.event_types,
            # SES checks it may publish when the destination is created.
            pulumi.ResourceOptions(parent=self, depends_on=[policy]),
            sns_destination=aws.sesv2.ConfigurationSetEventDestinationEventDestinationSnsDestinationArgs(
                topic_arn=feedback_arn
            ),
        )
        for cw_spec in cloudwatch_destinations(args.configuration_set_name, args.campaign_tag):
            destination(
                cw_spec.key,
                cw_spec.event_types,
                child,
                cloud_watch_destination=_cloudwatch_dimensions(cw_spec),
            )
        self.feedback_topic_arn = feedback_arn
        self.register_outputs({"feedback_topic_arn": feedback_arn})
