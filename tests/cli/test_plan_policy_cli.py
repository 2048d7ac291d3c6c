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
    # The relay's envelope domain needs an inbound MX this stack cannot create: a warning only.
    assert "policy violations: 0 mandatory, 1 advisory" in result.stderr
    assert "ADVISORY relay-mail-from-mx: mail.example.com" in result.stderr


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


def _relay(**settings: Any) -> dict[str, Any]:
    return {"hostname": "relay1.mail.example.com", "allowedCidrs": ["10.0.0.0/8"], **settings}


@pytest.mark.parametrize(
    ("config", "policy", "fix"),
    [
        (
            with_domain_change(0, dmarc={"policy": "reject", "testing": True}),
            "dmarc-enforced-in-production",
            "remove dmarc.testing",
        ),
        (
            with_domain_change(
                1, relay=_relay(allowedCidrs=["::/0"], allowSubmissionFromAnywhere=True)
            ),
            "relay-smtp-not-open",
            "remove relay.allowSubmissionFromAnywhere",
        ),
        (with_domain_change(0, dkimKeyBits=1024), "dkim-key-length", "dkimKeyBits to 2048"),
        (
            with_domain_change(0, dkim="byo", dkimKeyBits=1024),
            "dkim-key-length",
            "dkimKeyBits to 2048",
        ),
        (with_domain_change(1, dkimKeyBits=1024), "dkim-key-length", "relay.dkimSelector"),
    ],
)
def test_each_violation_names_the_policy_and_the_config_change_that_fixes_it(
    config: dict[str, Any],
    policy: str,
    fix: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from mailstack.cli import main

    code = main(["plan", "--config", str(write_stack(tmp_path, config)), "--policy", "--json"])
    stderr = capsys.readouterr().err
    assert code == 1, stderr
    assert f"MANDATORY {policy}:" in stderr
    assert fix in stderr


def test_more_than_ten_spf_lookups_stop_the_plan_naming_the_policy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mailstack.cli import main

    includes = [f"_spf{i}.example.net" for i in range(10)]
    config = with_domain_change(0, spf={"include": includes})
    code = main(["plan", "--config", str(write_stack(tmp_path, config)), "--policy"])
    stderr = capsys.readouterr().err
    assert code == 1
    assert "mailstack:domains[0].spf" in stderr and "11 DNS lookups" in stderr
    assert "spf-lookup-limit" in stderr and "Traceback" not in stderr
