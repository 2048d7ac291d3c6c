"""IAM, KMS and SNS policy documents, built from ARNs once they are known."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str

    @classmethod
    def parse(cls, arn: str) -> Arn:
        parts = arn.split(":", 5)
        if len(parts) != 6 or parts[0] != "arn":
            raise ValueError(f"{arn!r} is not an ARN")
        return cls(*parts[1:])


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, sort_keys=True)


def alert_key_policy(key_arn: str, service_principals: tuple[str, ...]) -> str:
    """The alert key: administered through IAM in its own account; the services that publish to
    encrypted topics may use it. The topic policies, not the key, hold the confused-deputy
    conditions: CloudWatch alarms fail to publish when the key policy adds caller conditions."""
    key = Arn.parse(key_arn)
    return _doc(
        {
            "Sid": "AccountAdministersThroughIam",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:{key.partition}:iam::{key.account}:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "PublishingServicesEncrypt",
            "Effect": "Allow",
            "Principal": {"Service": sorted(service_principals)},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
        },
    )


def alert_topic_policy(topic_arn: str, pause_roles: Sequence[str] = ()) -> str:
    """Only CloudWatch alarms of this account publish alerts, plus the pause functions' roles
    (role names, `*` allowed); with no pause roles, CloudWatch alone."""
    topic = Arn.parse(topic_arn)
    role_arns = [f"arn:{topic.partition}:iam::{topic.account}:role/{role}" for role in pause_roles]
    announce: list[dict[str, Any]] = []
    if role_arns:
        announce.append(
            {
                "Sid": "PauseFunctionAnnounces",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{topic.partition}:iam::{topic.account}:root"},
                "Action": "sns:Publish",
                "Resource": topic_arn,
                "Condition": {
                    "ArnLike": {
                        "aws:PrincipalArn": role_arns[0] if len(role_arns) == 1 else role_arns
                    }
                },
            }
        )
    return _doc(
        {
            "Sid": "CloudWatchAlarmsPublish",
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": "sns:Publish",
            "Resource": topic_arn,
            # The alarm ARN names this account, so no other account's alarms can publish.
            "Condition": {
                "ArnLike": {
                    "aws:SourceArn": f"arn:{topic.partition}:cloudwatch:{topic.region}:"
                    f"{topic.account}:alarm:*"
                },
            },
        },
        *announce,
        {
            "Sid": "TlsOnly",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sns:Publish",
            "Resource": topic_arn,
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    )


def feedback_topic_policy(topic_arn: str, configuration_set: str) -> str:
    """Only SES, for this one configuration set, publishes bounce and complaint feedback."""
    topic = Arn.parse(topic_arn)
    return _doc(
        {
            "Sid": "SesEventsPublish",
            "Effect": "Allow",
            "Principal": {"Service": "ses.amazonaws.com"},
            "Action": "sns:Publish",
            "Resource": topic_arn,
            "Condition": {
                "StringEquals": {
                    "aws:SourceAccount": topic.account,
                    "aws:SourceArn": configuration_set_arn(topic_arn, configuration_set),
                }
            },
        },
    )


def configuration_set_arn(any_arn_in_account: str, configuration_set: str) -> str:
    ref = Arn.parse(any_arn_in_account)
    return (
        f"arn:{ref.partition}:ses:{ref.region}:{ref.account}:configuration-set/{configuration_set}"
    )


def lambda_assume_role_policy() -> str:
    return _doc(
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    )


def pause_function_policy(
    topic_arn: str, key_arn: str, log_group_arn: str, configuration_set: str
) -> str:
    """Exactly what the pause function does: stop one configuration set, announce, log."""
    topic = Arn.parse(topic_arn)
    return _doc(
        {
            "Sid": "PauseThisConfigurationSet",
            "Effect": "Allow",
            "Action": "ses:PutConfigurationSetSendingOptions",
            "Resource": configuration_set_arn(topic_arn, configuration_set),
        },
        {"Sid": "Announce", "Effect": "Allow", "Action": "sns:Publish", "Resource": topic_arn},
        {
            "Sid": "EncryptAnnouncement",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": f"sns.{topic.region}.amazonaws.com"}},
        },
        {
            "Sid": "WriteOwnLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{log_group_arn}:*",
        },
    )


def relay_agent_policy(log_group_arn: str) -> str:
    """For the relay instance's role: the CloudWatch agent writes to its one log group."""
    return _doc(
        {
            "Sid": "ShipMailLog",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            "Resource": [log_group_arn, f"{log_group_arn}:*"],
        }
    )
