"""The pause function against a local AWS emulator (moto server on loopback).

moto 5 has no SES v2 PutConfigurationSetSendingOptions; `tests.support.moto_sesv2` adds it.
Everything else (request signing and routing, the set lookup, SNS to SQS delivery) is moto's.
"""

from __future__ import annotations

import json
import socket
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

moto_server = pytest.importorskip("moto.server", reason="moto[server] is not installed")
from moto.backends import get_backend  # noqa: E402
from moto.core.models import DEFAULT_ACCOUNT_ID  # noqa: E402

from components.lambdas import pause_sending  # noqa: E402
from tests.support.moto_sesv2 import sending_enabled, sesv2_gaps_filled  # noqa: E402

REGION = "eu-west-1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with sesv2_gaps_filled():
        port = _free_port()
        server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port)
        server.start()
        endpoint = f"http://127.0.0.1:{port}"
        monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
        # Backends live in this process and outlast a server; start every test from nothing.
        urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"))
        try:
            yield endpoint
        finally:
            server.stop()


def _sending_enabled(name: str) -> bool:
    backend = get_backend("sesv2")[DEFAULT_ACCOUNT_ID][REGION].core_backend
    return sending_enabled(backend.describe_configuration_set(name))


def _setup(monkeypatch: pytest.MonkeyPatch, pausable: str) -> tuple[Any, str]:
    ses = boto3.client("sesv2")
    for name in ("news-set", "billing-set"):
        ses.create_configuration_set(ConfigurationSetName=name)
    sns = boto3.client("sns")
    sqs = boto3.client("sqs")
    topic_arn = sns.create_topic(Name="mailstack-alerts")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="alerts-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    monkeypatch.setenv("TOPIC_ARN", topic_arn)
    monkeypatch.setenv("PAUSABLE_CONFIGURATION_SETS", pausable)
    return sqs, queue_url


def _announcements(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(message["Body"]) for message in messages]


def alarm_event(alarm: str, state: str, metrics: list[dict[str, Any]]) -> dict[str, Any]:
    """An EventBridge "CloudWatch Alarm State Change" event as AWS delivers it."""
    return {
        "version": "0",
        "source": "aws.cloudwatch",
        "detail-type": "CloudWatch Alarm State Change",
        "region": REGION,
        "resources": [f"arn:aws:cloudwatch:{REGION}:{DEFAULT_ACCOUNT_ID}:alarm:{alarm}"],
        "detail": {
            "alarmName": alarm,
            "state": {"value": state, "reason": "Threshold Crossed: 1 datapoint [0.0012]"},
            "previousState": {"value": "OK"},
            "configuration": {"metrics": metrics},
        },
    }


def _metric(metric_id: str, name: str, configuration_set: str | None) -> dict[str, Any]:
    dimensions = {} if configuration_set is None else {"ses:configuration-set": configuration_set}
    return {
        "id": metric_id,
        "metricStat": {
            "metric": {"namespace": "AWS/SES", "name": name, "dimensions": dimensions},
            "period": 900,
            "stat": "Sum",
        },
        "returnData": False,
    }


def test_pauses_exactly_the_set_named_in_the_alarm_and_announces_it(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sqs, queue = _setup(monkeypatch, "news-set,billing-set")
    event = alarm_event(
        "mailstack-news-example-com-events-complaint-rate-critical",
        "ALARM",
        [
            _metric("sends", "Send", "news-set"),
            _metric("events", "Complaint", "news-set"),
            {
                "id": "rate",
                "expression": "IF(sends >= 1000, FILL(events, 0) / sends, 0)",
                "returnData": True,
            },
        ],
    )

    result = pause_sending.handler(event)

    assert result["paused"] == "news-set"
    assert _sending_enabled("news-set") is False
    assert _sending_enabled("billing-set") is True
    (announcement,) = _announcements(sqs, queue)
    assert announcement["Subject"] == "SES sending paused on news-set"
    assert "mailstack-news-example-com-events-complaint-rate-critical" in announcement["Message"]
    assert "--configuration-set-name news-set --sending-enabled" in announcement["Message"]


def test_single_metric_reputation_alarm_names_its_set_by_dimension(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _setup(monkeypatch, "news-set,billing-set")
    event = alarm_event(
        "mailstack-billing-reputation-bounce-critical",
        "ALARM",
        [_metric("rate", "Reputation.BounceRate", "billing-set")],
    )
    assert pause_sending.handler(event)["paused"] == "billing-set"
    assert _sending_enabled("billing-set") is False
    assert _sending_enabled("news-set") is True


def test_return_to_ok_changes_nothing(aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    sqs, queue = _setup(monkeypatch, "news-set")
    event = alarm_event("a", "OK", [_metric("rate", "Reputation.BounceRate", "news-set")])
    assert pause_sending.handler(event)["paused"] is None
    assert _sending_enabled("news-set") is True
    assert _announcements(sqs, queue) == []


@pytest.mark.parametrize(
    ("metrics", "why"),
    [
        ([_metric("rate", "Reputation.BounceRate", None)], "name 0 configuration sets"),
        (
            [_metric("a", "Send", "news-set"), _metric("b", "Bounce", "billing-set")],
            "name 2 configuration sets",
        ),
        ([_metric("rate", "Reputation.BounceRate", "other-set")], "not one this function"),
    ],
    ids=["account-level", "two-sets", "not-allowed"],
)
def test_refuses_and_says_so_when_the_set_is_not_clear_or_not_allowed(
    aws: str, monkeypatch: pytest.MonkeyPatch, metrics: list[dict[str, Any]], why: str
) -> None:
    sqs, queue = _setup(monkeypatch, "news-set")
    result = pause_sending.handler(alarm_event("mailstack-x-critical", "ALARM", metrics))
    assert result["paused"] is None and why in result["reason"]
    assert _sending_enabled("news-set") is True
    assert _sending_enabled("billing-set") is True
    (announcement,) = _announcements(sqs, queue)
    assert announcement["Subject"].startswith("Sending NOT paused")


def test_a_failed_pause_is_announced_and_raised(aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    sqs, queue = _setup(monkeypatch, "deleted-set")
    event = alarm_event(
        "mailstack-x-reputation-bounce-critical",
        "ALARM",
        [_metric("rate", "Reputation.BounceRate", "deleted-set")],
    )
    with pytest.raises(ClientError):
        pause_sending.handler(event)
    (announcement,) = _announcements(sqs, queue)
    assert announcement["Subject"] == "FAILED to pause SES sending on deleted-set"
    assert "--configuration-set-name deleted-set --no-sending-enabled" in announcement["Message"]


def _event_from_alarm(alarm: dict[str, Any], state: str) -> dict[str, Any]:
    """The state-change event AWS sends for an alarm created with these inputs."""

    def metric_stat(metric: dict[str, Any], stat: str, period: int) -> dict[str, Any]:
        return {
            "metric": {
                "namespace": metric["namespace"],
                "name": metric["metricName"],
                "dimensions": metric.get("dimensions") or {},
            },
            "period": period,
            "stat": stat,
        }

    if "metricQueries" in alarm:
        metrics = [
            {
                "id": q["id"],
                "metricStat": metric_stat(q["metric"], q["metric"]["stat"], q["metric"]["period"]),
                "returnData": False,
            }
            if "metric" in q
            else {"id": q["id"], "expression": q["expression"], "returnData": True}
            for q in alarm["metricQueries"]
        ]
    else:
        metrics = [
            {
                "id": "m1",
                "metricStat": metric_stat(alarm, alarm["statistic"], alarm["period"]),
                "returnData": True,
            }
        ]
    return alarm_event(alarm["name"], state, metrics)


def _matches(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    return (
        event["source"] in pattern["source"]
        and event["detail-type"] in pattern["detail-type"]
        and all(arn in pattern["resources"] for arn in event["resources"])
        and event["detail"]["state"]["value"] in pattern["detail"]["state"]["value"]
    )


def test_deployed_wiring_pauses_only_on_the_sets_critical_alarms(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from monitoring_harness import ALARM, by_type, run
    from monitoring_stack_program import monitoring_program

    from components.config.alerts import AlertSettings

    resources = run(lambda: monitoring_program(AlertSettings(auto_pause=True)))
    (news_function,) = [
        r.inputs
        for r in by_type(resources, "aws:lambda/function:Function")
        if r.inputs["name"] == "mailstack-news-example-com-pause-sending"
    ]
    (news_rule,) = [
        json.loads(r.inputs["eventPattern"])
        for r in by_type(resources, "aws:cloudwatch/eventRule:EventRule")
        if r.inputs["name"] == "mailstack-news-example-com-pause-sending"
    ]
    ses = boto3.client("sesv2")
    for name in ("news-example-com", "billing-example-com"):
        ses.create_configuration_set(ConfigurationSetName=name)
    sqs, queue = _setup_topic(monkeypatch)
    for variable, value in news_function["environment"]["variables"].items():
        if variable != "TOPIC_ARN":
            monkeypatch.setenv(variable, value)

    alarms = [r.inputs for r in by_type(resources, ALARM)]
    pausing = {
        a["name"]
        for a in alarms
        if a["name"].startswith("mailstack-news-example-com-") and a["name"].endswith("-critical")
    }
    # Two reputation alarms and two metric-math rate alarms.
    assert len(pausing) == 4
    for alarm in alarms:
        ses.put_configuration_set_sending_options(
            ConfigurationSetName="news-example-com", SendingEnabled=True
        )
        fired = _event_from_alarm(alarm, "ALARM")
        assert _matches(news_rule, fired) == (alarm["name"] in pausing), alarm["name"]
        # Delivered even when the rule would not: the function itself must hold the line.
        result = pause_sending.handler(fired)
        if alarm["name"] in pausing:
            assert result["paused"] == "news-example-com", alarm["name"]
            assert _sending_enabled("news-example-com") is False
        else:
            assert result["paused"] is None, alarm["name"]
            assert _sending_enabled("news-example-com") is True
        assert _sending_enabled("billing-example-com") is True
        recovered = _event_from_alarm(alarm, "OK")
        assert not _matches(news_rule, recovered)
        assert pause_sending.handler(recovered)["paused"] is None
    subjects = [a["Subject"] for a in _drain(sqs, queue)]
    assert subjects == ["SES sending paused on news-example-com"] * 4


def _setup_topic(monkeypatch: pytest.MonkeyPatch) -> tuple[Any, str]:
    sns = boto3.client("sns")
    sqs = boto3.client("sqs")
    topic_arn = sns.create_topic(Name="mailstack-alerts")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="alerts-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    monkeypatch.setenv("TOPIC_ARN", topic_arn)
    return sqs, queue_url


def _drain(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    # Received messages stay invisible for the rest of the test, so each round is new ones.
    found: list[dict[str, Any]] = []
    while batch := _announcements(sqs, queue_url):
        found += batch
    return found
