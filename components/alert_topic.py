"""The stack's alert topic: KMS-encrypted SNS, published to by CloudWatch alarms only."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.config.alerts import AlertSettings
from components.monitoring import policies
from components.monitoring.naming import (
    PAUSE_SUFFIX,
    monitoring_prefix,
    pause_function_name,
    short_hash,
    slug,
)

# Role names of pause functions end with this, so the topic policy can name them in advance.
PAUSE_ROLE_SUFFIX = PAUSE_SUFFIX
# CloudWatch publishes alarms; SES publishes feedback events to topics encrypted with this key.
KEY_USERS = ("cloudwatch.amazonaws.com", "ses.amazonaws.com")


@dataclass(frozen=True)
class AlertTopicArgs:
    alerts: AlertSettings
    name_prefix: str = "mailstack"
    # The SES sending domains whose pause functions may announce (with alerts.autoPause): the
    # topic policy names exactly their roles. None allows any pause role named with name_prefix.
    pausing_domains: Sequence[str] | None = None


def derived_arn(service: str, resource: pulumi.Input[str]) -> pulumi.Output[str]:
    """The ARN AWS gives a regional resource, built from its name and this account.

    AWS's format is fixed, so it equals the resource's `arn` attribute; unlike that attribute it
    is known before deployment, so a preview or plan shows which topic an alarm tells and which
    alarms a dashboard draws. `resource` should come from the resource (its `name` output), so
    whatever uses the ARN still waits for the resource to exist.
    """
    partition = aws.get_partition_output().partition
    region = aws.get_region_output().region
    account = aws.get_caller_identity_output().account_id
    return pulumi.Output.all(partition, region, account, resource).apply(
        lambda v: f"arn:{v[0]}:{service}:{v[1]}:{v[2]}:{v[3]}"
    )


def pause_role_patterns(args: AlertTopicArgs) -> list[str]:
    """IAM role names (ArnLike patterns) that may publish pause announcements; none without
    autoPause."""
    if not args.alerts.auto_pause:
        return []
    if args.pausing_domains is None:
        return [f"{args.name_prefix}-*{PAUSE_ROLE_SUFFIX}"]
    return sorted(
        pause_function_name(monitoring_prefix(domain, args.name_prefix))
        for domain in args.pausing_domains
    )


def email_subscription_key(email: str) -> str:
    """Readable and distinct: `ops+x@` and `ops.x@` share a slug but not a hash."""
    return f"{slug(email, 48)}-{short_hash(email.lower())[:8]}"


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
        topic_arn = derived_arn("sns", topic.name)
        aws.sns.TopicPolicy(
            f"{name}-topic-policy",
            arn=topic_arn,
            policy=topic_arn.apply(
                lambda arn: policies.alert_topic_policy(arn, pause_role_patterns(args))
            ),
            opts=child,
        )
        old_names = Counter(slug(email) for email in args.alerts.emails)
        for email in args.alerts.emails:
            # Earlier versions named a subscription by slug alone; where that name was unique,
            # the alias keeps the confirmed subscription instead of asking people again.
            old = slug(email)
            aliases = [pulumi.Alias(name=f"{name}-email-{old}")] if old_names[old] == 1 else []
            aws.sns.TopicSubscription(
                f"{name}-email-{email_subscription_key(email)}",
                topic=topic_arn,
                protocol="email",
                endpoint=email,
                opts=pulumi.ResourceOptions(parent=self, aliases=aliases),
            )
        for url in args.alerts.webhooks:
            # Webhook URLs often carry a token: name by hash, keep the value secret.
            aws.sns.TopicSubscription(
                f"{name}-webhook-{short_hash(url)}",
                topic=topic_arn,
                protocol="https",
                endpoint=pulumi.Output.secret(url),
                opts=child,
            )
        self.topic_arn = topic_arn
        self.key_arn = key.arn
        self.register_outputs({"topic_arn": topic_arn, "key_arn": key.arn})
