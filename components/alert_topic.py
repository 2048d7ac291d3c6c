"""The stack's alert topic: KMS-encrypted SNS, published to by CloudWatch alarms only."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.config.alerts import AlertSettings
from components.monitoring import policies
from components.monitoring.naming import short_hash, slug

# Role names of pause functions end with this, so the topic policy can name them in advance.
PAUSE_ROLE_SUFFIX = "-pause-sending"
# CloudWatch publishes alarms; SES publishes feedback events to topics encrypted with this key.
KEY_USERS = ("cloudwatch.amazonaws.com", "ses.amazonaws.com")


@dataclass(frozen=True)
class AlertTopicArgs:
    alerts: AlertSettings
    name_prefix: str = "mailstack"


class AlertTopic(pulumi.ComponentResource):
    topic_arn: pulumi.Output[str]
    key_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: AlertTopicArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("mailstack:monitoring:AlertTopic", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        prefix = args.name_prefix

        key = aws.kms.Key(
            f"{name}-key",
            description=f"{prefix}: encrypts mail alert and feedback topics",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            opts=child,
        )
        aws.kms.KeyPolicy(
            f"{name}-key-policy",
            key_id=key.key_id,
            policy=key.arn.apply(lambda arn: policies.alert_key_policy(arn, KEY_USERS)),
            opts=child,
        )
        aws.kms.Alias(
            f"{name}-key-alias", name=f"alias/{prefix}-alerts", target_key_id=key.key_id, opts=child
        )
        topic = aws.sns.Topic(
            f"{name}-topic",
            name=f"{prefix}-alerts",
            display_name="Mail alerts",
            kms_master_key_id=key.arn,
            opts=child,
        )
        aws.sns.TopicPolicy(
            f"{name}-topic-policy",
            arn=topic.arn,
            policy=topic.arn.apply(
                lambda arn: policies.alert_topic_policy(arn, f"*{PAUSE_ROLE_SUFFIX}")
            ),
            opts=child,
        )
        for email in args.alerts.emails:
            aws.sns.TopicSubscription(
                f"{name}-email-{slug(email)}",
                topic=topic.arn,
                protocol="email",
                endpoint=email,
                opts=child,
            )
        for url in args.alerts.webhooks:
            # Webhook URLs often carry a token: name by hash, keep the value secret.
            aws.sns.TopicSubscription(
                f"{name}-webhook-{short_hash(url)}",
                topic=topic.arn,
                protocol="https",
                endpoint=pulumi.Output.secret(url),
                opts=child,
            )
        self.topic_arn = topic.arn
        self.key_arn = key.arn
        self.register_outputs({"topic_arn": topic.arn, "key_arn": key.arn})
