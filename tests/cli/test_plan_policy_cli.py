"""`mailstack plan --policy`: unsafe mail setups stop the pipeline, naming the policy."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_plan_cli import mailstack, write_stack

PRODUCTION: dict[str, Any] = {
    "aws:region": "us-east-1",
    "mailstack:environment": "production",
    "mailstack:dns": {"provider": "cloudflare", "zoneId": "abc", "zoneName": "example.com"},
    "mailstack:alerts": {"emails": ["ops@example.com"]},
    "mailstack:domains": [
        {"name": "news.example.com", "dmarc": {"policy": "reject"}},
        {
            "name": "mail.example.com",
            "sender": "postfix",
            "relay": {"hostname": "relay1.mail.example.com", "allowedCidrs": ["10.0.0.0/8"]},
            "dmarc": {"policy": "quarantine"},
        },
    ],
}


def with_domain_change(index: int, **changes: Any) -> dict[str, Any]:
    config = copy.deepcopy(PRODUCTION)
    config["mailstack:domains"][index].update(changes)
    return config


def test_a_safe_production_config_passes(tmp_path: Path) -> None:
    result = mailstack("plan", "--config", str(write_stack(tmp_path, PRODUCTION)), "--policy")
    assert result.returncode == 0, result.stderr
    assert "no violations" in result.stderr


@pytest.mark.parametrize(
    ("config", "policy"),
    [
        (with_domain_change(0, dmarc={"policy": "none"}), "dmarc-enforced-in-production"),
        (
            with_domain_change(
                1,
                relay={
                    "hostname": "relay1.mail.example.com",
                    "allowedCidrs": ["0.0.0.0/0"],
                    "allowSubmissionFromAnywhere": True,
                },
            ),
            "relay-smtp-not-open",
        ),
        (with_domain_change(0, dkimKeyBits=1024), "dkim-key-length"),
        (with_domain_change(0, dkim="byo", dkimKeyBits=1024), "dkim-key-length"),
    ],
)
def test_unsafe_config_exits_non_zero_naming_the_policy(
    tmp_path: Path, config: dict[str, Any], policy: str
) -> None:
    result = mailstack("plan", "--config", str(write_stack(tmp_path, config)), "--policy", "--json")
    assert result.returncode == 1, result.stderr
    assert policy in result.stderr
    assert result.stdout.startswith("{")  # the plan itself still prints


def test_without_policy_flag_the_plan_is_not_judged(tmp_path: Path) -> None:
    config = with_domain_change(0, dmarc={"policy": "none"})
    result = mailstack("plan", "--config", str(write_stack(tmp_path, config)))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_example_stacks_pass_the_policy_pack(stack: str) -> None:
    result = mailstack("plan", "--stack", stack, "--policy")
    assert result.returncode == 0, result.stderr
