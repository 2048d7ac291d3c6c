"""`mailstack plan` on hostile configs: exit 1 with the key path, no traceback, no secret."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_plan_cli import mailstack, write_stack

TOKEN = "T0KENs3cret"
BASE: dict[str, Any] = {
    "aws:region": "us-east-1",
    "mailstack:dns": {"provider": "route53", "zoneName": "example.com"},
    "mailstack:alerts": {"emails": ["ops@example.com"]},
    "mailstack:domains": [
        {"name": "news.example.com", "tlsRpt": {"rua": ["mailto:tls@example.com"]}},
        {
            "name": "mail.example.com",
            "sender": "postfix",
            "relay": {"hostname": "relay1.mail.example.com", "allowedCidrs": ["10.0.0.0/8"]},
        },
    ],
}


def _set(config: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    result = copy.deepcopy(config)
    node: Any = result
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return result


CASES = [
    (
        ("mailstack:domains", 1, "relay", "hostname"),
        "relay1.mail.example.com\nmydestination = evil.example",
        "mailstack:domains[1].relay.hostname",
    ),
    (
        ("mailstack:domains", 0, "tlsRpt", "rua"),
        ["mailto:tls@example.com\x1b[2J"],
        "mailstack:domains[0].tlsRpt.rua[0]",
    ),
    (("mailstack:alerts", "emails"), ["ops\x00@example.com"], "mailstack:alerts.emails[0]"),
    (
        ("mailstack:domains", 0, "spf"),
        {"ip4": [f"10.{i // 256}.{i % 256}.0/24" for i in range(5000)]},
        "mailstack:domains[0].spf",
    ),
]


@pytest.mark.parametrize(("path", "value", "key_path"), CASES, ids=[c[2] for c in CASES])
def test_plan_refuses_a_hostile_value_naming_its_key(
    tmp_path: Path, path: tuple[Any, ...], value: Any, key_path: str
) -> None:
    result = mailstack("plan", "--config", str(write_stack(tmp_path, _set(BASE, path, value))))
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    assert key_path in result.stderr
    assert "Traceback" not in result.stderr
    for char in "\x00\x1b\u2028":
        assert char not in result.stderr
    assert not any(line.startswith("mydestination") for line in result.stderr.splitlines())


@pytest.mark.parametrize(
    "alerts",
    [
        [f"https://hooks.example.com/services/{TOKEN}"],
        {"webhook": [f"https://hooks.example.com/services/{TOKEN}"]},
        {"webhooks": [f"http://hooks.example.com/services/{TOKEN}"]},
        {"webhooks": {"slack": f"https://hooks.example.com/services/{TOKEN}"}},
    ],
)
def test_plan_never_prints_a_webhook_url(tmp_path: Path, alerts: Any) -> None:
    result = mailstack(
        "plan", "--config", str(write_stack(tmp_path, {**BASE, "mailstack:alerts": alerts}))
    )
    assert result.returncode == 1
    assert "mailstack:alerts" in result.stderr
    assert TOKEN not in result.stderr and TOKEN not in result.stdout
