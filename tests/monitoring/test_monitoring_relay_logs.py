"""The relay's log shipping settings, and its metric filters against real Postfix log lines.

The filter patterns are evaluated by moto's CloudWatch Logs (on loopback), which implements
the quoted-term semantics CloudWatch uses for these patterns.
"""

from __future__ import annotations

import json
import socket
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from monitoring_harness import ACCOUNT, REGION, run
from monitoring_stack_program import monitoring_program

from components.config.alerts import AlertSettings
from components.monitoring.agent_config import cloudwatch_agent_config
from components.monitoring.log_filters import postfix_log_filters
from components.relay_monitoring import relay_log_group_name

moto_server = pytest.importorskip("moto.server", reason="moto[server] is not installed")

# Postfix 3.7 on Debian 12, as rsyslog writes /var/log/mail.log.
MAIL_LOG = (Path(__file__).parent / "data" / "postfix-mail.log").read_text(encoding="utf-8")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def logs(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    port = _free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"))
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }.items():
        monkeypatch.setenv(key, value)
    try:
        yield boto3.client("logs", endpoint_url=endpoint)
    finally:
        server.stop()


def test_metric_filters_count_delivered_bounced_and_deferred(logs: object) -> None:
    client = logs
    group = relay_log_group_name("relay1.mail.example.com")
    client.create_log_group(logGroupName=group)  # type: ignore[attr-defined]
    client.create_log_stream(logGroupName=group, logStreamName="i-0abc")  # type: ignore[attr-defined]
    now = int(time.time() * 1000)
    lines = MAIL_LOG.splitlines()
    client.put_log_events(  # type: ignore[attr-defined]
        logGroupName=group,
        logStreamName="i-0abc",
        logEvents=[{"timestamp": now + i, "message": line} for i, line in enumerate(lines)],
    )
    counts = {}
    for spec in postfix_log_filters("relay1.mail.example.com"):
        events = client.filter_log_events(  # type: ignore[attr-defined]
            logGroupName=group, filterPattern=spec.pattern
        )["events"]
        counts[spec.metric_name] = len(events)
    assert counts == {"Delivered": 2, "Bounced": 1, "Deferred": 2}


def test_agent_config_ships_the_mail_log_to_the_relays_log_group() -> None:
    group = relay_log_group_name("relay1.mail.example.com")
    config = json.loads(cloudwatch_agent_config(group))
    (entry,) = config["logs"]["logs_collected"]["files"]["collect_list"]
    assert entry["file_path"] == "/var/log/mail.log"
    assert entry["log_group_name"] == "/mailstack/relay/relay1.mail.example.com/mail"
    assert entry["log_stream_name"] == "{instance_id}"
    custom = json.loads(cloudwatch_agent_config(group, "/var/log/postfix.log"))
    assert custom["logs"]["logs_collected"]["files"]["collect_list"][0]["file_path"] == (
        "/var/log/postfix.log"
    )
    assert cloudwatch_agent_config(group) == cloudwatch_agent_config(group)


def test_agent_config_refuses_a_relative_log_path() -> None:
    with pytest.raises(ValueError, match="absolute"):
        cloudwatch_agent_config("/g", "mail.log")


def test_relay_monitoring_exposes_agent_config_and_a_policy_for_its_log_group_only() -> None:
    captured: dict[str, Any] = {}

    def program() -> Any:
        monitoring_program(AlertSettings(), captured)
        return captured["relay"].agent_policy_json.apply(
            lambda policy: captured.__setitem__("policy", policy)
        )

    run(program)
    group = "/mailstack/relay/relay1.mail.example.com/mail"
    agent = json.loads(captured["relay"].agent_config)
    assert agent["logs"]["logs_collected"]["files"]["collect_list"][0]["log_group_name"] == group
    (statement,) = json.loads(captured["policy"])["Statement"]
    arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}"
    assert statement["Resource"] == [arn, f"{arn}:*"]
    assert statement["Action"] == [
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "logs:DescribeLogStreams",
    ]
