"""Relay DKIM key rotation as config: publish the next key, switch signing, retire the old one."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from components.config.model import load_stack_config
from components.config.problems import ConfigError
from components.program import build
from mailstack.plan import PlanResult, run_program

BASE: dict[str, Any] = {
    "aws:region": "us-east-1",
    "mailstack:environment": "production",
    "mailstack:dns": {"provider": "route53", "zoneName": "example.com", "zoneId": "Z1"},
    "mailstack:domains": [
        {
            "name": "mail.example.com",
            "sender": "postfix",
            "relay": {"hostname": "relay1.mail.example.com", "allowedCidrs": ["10.0.0.0/8"]},
            "dmarc": {"policy": "reject"},
        }
    ],
}


def phase(selectors: list[str]) -> PlanResult:
    raw = copy.deepcopy(BASE)
    raw["mailstack:domains"][0]["relay"]["dkimSelectors"] = selectors
    return run_program(raw, "prod", build)


def published(result: PlanResult) -> list[str]:
    return sorted(r.name for r in result.dns_records if "._domainkey." in r.name)


def keys(result: PlanResult) -> list[str]:
    return sorted(r.name for r in result.resources if r.type == "tls:index/privateKey:PrivateKey")


def test_each_phase_publishes_every_listed_selector_with_its_own_key() -> None:
    before = phase(["s2026"])
    overlap = phase(["s2026", "s2027"])
    switched = phase(["s2027", "s2026"])
    retired = phase(["s2027"])
    assert published(before) == ["s2026._domainkey.mail.example.com"]
    assert published(overlap) == published(switched) == [
        "s2026._domainkey.mail.example.com",
        "s2027._domainkey.mail.example.com",
    ]
    assert published(retired) == ["s2027._domainkey.mail.example.com"]
    # Keys are named by selector: reordering never replaces a key that signs.
    assert keys(overlap) == keys(switched) == [
        "mail-example-com-relay-dkim-s2026",
        "mail-example-com-relay-dkim-s2027",
    ]
    assert keys(retired) == ["mail-example-com-relay-dkim-s2027"]
    (domain,) = switched.outputs["domains"]
    assert domain["dkimSelectors"] == ["s2027", "s2026"]


def test_the_first_selector_signs() -> None:
    raw = copy.deepcopy(BASE)
    raw["mailstack:domains"][0]["relay"]["dkimSelectors"] = ["s2027", "s2026"]
    relay = load_stack_config(raw).domains[0].relay
    assert relay is not None
    assert relay.dkim_selector == "s2027"
    assert relay.dkim_selectors == ("s2027", "s2026")


@pytest.mark.parametrize(
    ("relay_keys", "path"),
    [
        ({"dkimSelectors": []}, "relay.dkimSelectors"),
        ({"dkimSelectors": ["a", "a"]}, "relay.dkimSelectors"),
        ({"dkimSelectors": ["ok", "Not Valid"]}, "relay.dkimSelectors[1]"),
        ({"dkimSelectors": ["a"], "dkimSelector": "b"}, "relay.dkimSelector"),
    ],
)
def test_bad_selector_lists_are_refused(relay_keys: dict[str, Any], path: str) -> None:
    raw = copy.deepcopy(BASE)
    raw["mailstack:domains"][0]["relay"].update(relay_keys)
    with pytest.raises(ConfigError) as caught:
        load_stack_config(raw)
    assert any(p.path == f"mailstack:domains[0].{path}" for p in caught.value.problems)
