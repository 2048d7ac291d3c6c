"""Plans show the known parts of values only a deployment completes: a relay's SPF with its
address unknown, Easy DKIM CNAMEs named after tokens SES has not issued yet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mailstack.plan import run_plan
from mailstack.policy_check import evaluate_plan
from tests.cli.test_plan_cli import mailstack, write_stack

STACK: dict[str, Any] = {
    "aws:region": "eu-west-1",
    "mailstack:environment": "staging",
    "mailstack:dns": {"provider": "route53", "zoneId": "Z123", "zoneName": "example.com"},
    "mailstack:domains": [
        {"name": "news.example.com", "dmarc": {"policy": "quarantine"}},
        {
            "name": "mail.example.com",
            "sender": "postfix",
            "spf": {"all": "-all"},
            "relay": {"hostname": "relay1.mail.example.com", "allowedCidrs": ["10.0.0.0/8"]},
            "dmarc": {"policy": "quarantine"},
        },
        {
            "name": "offers.example.com",
            "sender": "postfix",
            "mailFrom": "bounce.offers.example.com",
            "spf": {"include": ["_spf.partner.example.net"]},
            "relay": {
                "hostname": "relay1.offers.example.com",
                "allowedCidrs": ["10.0.0.0/8"],
            },
            "dmarc": {"policy": "quarantine"},
        },
    ],
}


def records(path: Path) -> dict[tuple[str, str], list[str]]:
    plan = json.loads(mailstack("plan", "--config", str(path), "--json").stdout)
    return {(r["name"], r["type"]): r["values"] for r in plan["dns_records"]}


def test_relay_spf_shows_every_known_term_around_the_unknown_address(tmp_path: Path) -> None:
    found = records(write_stack(tmp_path, STACK))
    assert found[("mail.example.com", "TXT")] == ["v=spf1 ip4:<unknown> -all"]
    offers = "v=spf1 ip4:<unknown> include:_spf.partner.example.net ~all"
    assert found[("offers.example.com", "TXT")] == [offers]
    assert found[("bounce.offers.example.com", "TXT")] == [offers]
    # What is wholly unknown stays one placeholder.
    assert found[("relay1.mail.example.com", "A")] == ["<unknown>"]


def test_easy_dkim_cnames_are_named_after_their_tokens(tmp_path: Path) -> None:
    path = write_stack(tmp_path, STACK)
    found = records(path)
    for n in (1, 2, 3):
        assert found[(f"<token {n}>._domainkey.news.example.com", "CNAME")] == [
            f"<token {n}>.dkim.amazonses.com"
        ]
    text = mailstack("plan", "--config", str(path)).stdout
    rows = {tuple(line.split()) for line in text.splitlines()}
    assert (
        "<token",
        "2>._domainkey.news.example.com",
        "CNAME",
        "300",
        "<token",
        "2>.dkim.amazonses.com",
    ) in rows
    assert ("mail.example.com", "TXT", "300", "v=spf1", "ip4:<unknown>", "-all") in rows


def test_a_region_with_its_own_dkim_host_shows_it(tmp_path: Path) -> None:
    raw = {**STACK, "aws:region": "af-south-1", "mailstack:domains": STACK["mailstack:domains"][:1]}
    found = records(write_stack(tmp_path, raw))
    assert found[("<token 1>._domainkey.news.example.com", "CNAME")] == [
        "<token 1>.dkim.af-south-1.amazonses.com"
    ]


def test_partial_values_stay_out_of_zone_files_and_policy_judgement(tmp_path: Path) -> None:
    path = write_stack(tmp_path, STACK)
    plan = run_plan(path)
    violations = evaluate_plan(plan, "staging")
    assert [v for v in violations if v.policy == "spf-lookup-limit"] == []
    # The outputs, which `verify` and zone files read, still say what the engine knows.
    spf = [r for r in plan.outputs["records"] if r["name"] == "mail.example.com"]
    assert spf[0]["values"] == ["<unknown>"]
