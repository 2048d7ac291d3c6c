"""Pause SES sending on the configuration set named in a CloudWatch alarm, and say so.

Invoked by EventBridge on "CloudWatch Alarm State Change". The configuration set is read from
the `ses:configuration-set` dimension of the alarm's metrics; it must also be listed in
PAUSABLE_CONFIGURATION_SETS, so a mis-wired rule cannot pause anything else, and the alarm
must be one of PAUSING_ALARMS (the critical ones) when that is set. Resuming is left to a person.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

DIMENSION = "ses:configuration-set"
LOG = logging.getLogger()
LOG.setLevel(logging.INFO)


class NotPausable(Exception):
    """The event does not name exactly one configuration set this function may pause."""


def configuration_set_from_alarm(detail: Mapping[str, Any]) -> str:
    names: set[str] = set()
    metrics = detail.get("configuration", {}).get("metrics", [])
    for query in metrics if isinstance(metrics, list) else []:
        metric = query.get("metricStat", {}).get("metric", {}) if isinstance(query, dict) else {}
        dimensions = metric.get("dimensions", {}) if isinstance(metric, dict) else {}
        if isinstance(dimensions, dict) and isinstance(dimensions.get(DIMENSION), str):
            names.add(dimensions[DIMENSION])
    if len(names) != 1:
        raise NotPausable(
            f"alarm metrics name {len(names)} configuration sets ({', '.join(sorted(names))}); "
            "expected exactly one"
        )
    return names.pop()


def _listed(variable: str) -> set[str]:
    return {n.strip() for n in os.environ.get(variable, "").split(",") if n.strip()}


def _allowed() -> set[str]:
    return _listed("PAUSABLE_CONFIGURATION_SETS")


def _command(name: str, flag: str) -> str:
    return (
        f"  aws sesv2 put-configuration-set-sending-options --configuration-set-name {name} {flag}"
    )


def _announce(sns: Any, topic_arn: str, subject: str, lines: list[str]) -> None:
    sns.publish(TopicArn=topic_arn, Subject=subject[:100], Message="\n".join(lines))


def handler(event: Mapping[str, Any], context: Any = None) -> dict[str, Any]:
    detail = event.get("detail", {})
    alarm = str(detail.get("alarmName", "(unnamed alarm)"))
    state = detail.get("state", {}).get("value")
    if state != "ALARM":
        LOG.info("alarm %s is %s; nothing to do", alarm, state)
        return {"paused": None, "reason": f"state {state}"}
    topic_arn = os.environ["TOPIC_ARN"]
    sns = boto3.client("sns")
    pausing = _listed("PAUSING_ALARMS")
    if pausing and alarm not in pausing:
        # A warning alarm (or any other) that reached this function by a mis-wired rule.
        LOG.warning("alarm %s is not one that pauses sending; nothing to do", alarm)
        return {"paused": None, "reason": f"alarm {alarm} does not pause sending"}
    try:
        name = configuration_set_from_alarm(detail)
        if name not in _allowed():
            raise NotPausable(f"configuration set {name!r} is not one this function may pause")
    except NotPausable as problem:
        LOG.error("not pausing for alarm %s: %s", alarm, problem)
        _announce(
            sns,
            topic_arn,
            f"Sending NOT paused for alarm {alarm}",
            [
                f"Alarm {alarm} fired, but sending was not paused automatically: {problem}.",
                "Check the alarm and pause the affected configuration set by hand if needed.",
            ],
        )
        return {"paused": None, "reason": str(problem)}
    sesv2 = boto3.client("sesv2")
    try:
        sesv2.put_configuration_set_sending_options(ConfigurationSetName=name, SendingEnabled=False)
    except (BotoCoreError, ClientError) as error:
        # People must know the protection did not work; the raise lets Lambda retry.
        _announce(
            sns,
            topic_arn,
            f"FAILED to pause SES sending on {name}",
            [
                f"Alarm {alarm} fired, but pausing configuration set {name} failed: {error}",
                "Pause it by hand now:",
                _command(name, "--no-sending-enabled"),
            ],
        )
        raise
    LOG.info("paused sending on configuration set %s after alarm %s", name, alarm)
    reason = str(detail.get("state", {}).get("reason", ""))
    _announce(
        sns,
        topic_arn,
        f"SES sending paused on {name}",
        [
            f"Sending on SES configuration set {name} was paused because alarm {alarm} fired.",
            f"Reason: {reason}",
            "Mail sent with this configuration set is now rejected by SES.",
            "Find and fix the cause first (see the mailstack README, Monitoring),"
            " then resume by hand:",
            _command(name, "--sending-enabled"),
        ],
    )
    return {"paused": name, "alarm": alarm}
