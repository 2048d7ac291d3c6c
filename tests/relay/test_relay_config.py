"""`mailstack:domains[i].relay`: defaults, validation and the messages users see."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.config.problems import Problems
from components.config.relay import RelaySettings, duration_seconds, parse_relay

PATH = "mailstack:domains[1].relay"
DOMAIN = "mail.example.com"


def parse(raw: Any) -> tuple[RelaySettings, list[str]]:
    problems = Problems()
    settings = parse_relay(raw, PATH, problems, DOMAIN)
    return settings, [str(p) for p in problems.found]


def test_minimal_relay_gets_documented_defaults() -> None:
    settings, problems = parse({"allowedCidrs": ["10.0.0.0/8"]})
    assert problems == []
    assert settings.hostname == "relay1.mail.example.com"
    assert settings.instance_type == "t3.small"
    assert settings.dkim_selector == "relay"
    assert settings.allowed_cidrs == ("10.0.0.0/8",)
    assert settings.message_size_limit == 25 * 1024 * 1024
    assert settings.outbound_tls == "may"
    assert settings.smarthost == "none" and not settings.uses_ses
    assert settings.throttling.yahoo.rate_delay_seconds == 1
    assert settings.throttling.yahoo.concurrency == 1
    assert settings.retry.queue_lifetime == "5d"


def test_full_relay_settings_are_parsed() -> None:
    settings, problems = parse({
        "hostname": "out.mail.example.com", "instanceType": "m6i.large",
        "allowedCidrs": ["203.0.113.0/24", "2001:db8::/32"], "dkimSelector": "s2026",
        "messageSizeMb": 40, "outboundTls": "dane",
        "throttling": {"gmail": {"concurrency": 4, "recipientLimit": 25},
                       "outlook": {"rateDelaySeconds": 3}},
        "retry": {"queueLifetime": "2d", "maximalBackoff": "2h", "minimalBackoff": 600},
    })
    assert problems == []
    assert settings.allowed_cidrs == ("203.0.113.0/24", "2001:db8::/32")
    assert settings.throttling.gmail.concurrency == 4
    assert settings.throttling.gmail.recipient_limit == 25
    assert settings.throttling.outlook.concurrency == 1
    assert settings.throttling.outlook.rate_delay_seconds == 3
    assert settings.retry.minimal_backoff == "600s"
    assert settings.outbound_tls == "dane"


def test_missing_allowed_cidrs_is_an_error() -> None:
    _, problems = parse({})
    assert problems == [
        f"{PATH}.allowedCidrs: required; list the networks (CIDR, "
        "e.g. 203.0.113.0/24) allowed to submit on port 587"
    ]


@pytest.mark.parametrize("value", ["10.0.0.1/8", "10.0.0.0/33", "example.com", "::1/200"])
def test_invalid_cidrs_are_reported_with_index(value: str) -> None:
    _, problems = parse({"allowedCidrs": ["10.0.0.0/8", value]})
    assert len(problems) == 1
    assert problems[0].startswith(
        f'{PATH}.allowedCidrs[1]: "{value}" is not valid; expected a network'
    )


@pytest.mark.parametrize("value", ["0.0.0.0/0", "::/0", "0.0.0.0/1", "128.0.0.0/1", "2000::/3"])
def test_whole_internet_needs_an_explicit_opt_in(value: str) -> None:
    _, problems = parse({"allowedCidrs": [value]})
    assert len(problems) == 1 and "allowSubmissionFromAnywhere: true" in problems[0]
    settings, problems = parse({"allowedCidrs": [value], "allowSubmissionFromAnywhere": True})
    assert problems == [] and settings.allowed_cidrs == (value,)


@pytest.mark.parametrize("value", ["10.0.0.0/8", "fc00::/7", "203.0.113.0/24"])
def test_private_or_narrow_networks_need_no_opt_in(value: str) -> None:
    settings, problems = parse({"allowedCidrs": [value]})
    assert problems == [] and settings.allowed_cidrs == (value,)


def test_invalid_opt_in_is_reported_once() -> None:
    _, problems = parse({"allowedCidrs": ["0.0.0.0/0"], "allowSubmissionFromAnywhere": "yes"})
    assert problems == [
        f'{PATH}.allowSubmissionFromAnywhere: "yes" is not valid; expected true or false',
        f'{PATH}.allowedCidrs[0]: "0.0.0.0/0" is not valid; opens submission to the whole'
        " Internet; list your senders' networks, or set allowSubmissionFromAnywhere: true to"
        " accept this on purpose",
    ]


def test_concurrency_together_with_rate_delay_is_refused() -> None:
    _, problems = parse({"allowedCidrs": ["10.0.0.0/8"],
                         "throttling": {"gmail": {"concurrency": 5, "rateDelaySeconds": 2}}})
    assert problems == [
        f"{PATH}.throttling.gmail.concurrency: 5 is not valid; Postfix delivers one message at a"
        " time when rateDelaySeconds (2) is above 0; set concurrency to 1 or rateDelaySeconds to 0"
    ]


def test_unknown_provider_and_keys_are_reported() -> None:
    _, problems = parse({"allowedCidrs": ["10.0.0.0/8"], "throttling": {"aol": {}},
                         "retry": {"forever": True}})
    assert any(p.startswith(f"{PATH}.throttling.aol:") and "default, gmail, outlook, yahoo" in p
               for p in problems)
    assert any(p.startswith(f"{PATH}.retry.forever:") for p in problems)


@pytest.mark.parametrize(("raw", "key"), [
    ({"queueLifetime": "5x"}, "queueLifetime"),
    ({"queueLifetime": "30m"}, "queueLifetime"),
    ({"minimalBackoff": "2h", "maximalBackoff": "1h"}, "minimalBackoff"),
    ({"queueLifetime": "1h", "maximalBackoff": "2h"}, "maximalBackoff"),
])
def test_retry_policy_is_validated(raw: dict[str, Any], key: str) -> None:
    _, problems = parse({"allowedCidrs": ["10.0.0.0/8"], "retry": raw})
    assert len(problems) == 1 and problems[0].startswith(f"{PATH}.retry.{key}:")


@pytest.mark.parametrize(("raw", "key", "allowed"), [
    ({"hostname": "Relay.Example.com"}, "hostname", "lower-case"),
    ({"instanceType": "big"}, "instanceType", "EC2 instance type"),
    ({"dkimSelector": "bad_selector"}, "dkimSelector", "DNS label"),
    ({"messageSizeMb": 0}, "messageSizeMb", "from 1 to 150"),
    ({"outboundTls": "none"}, "outboundTls", "may, dane, encrypt"),
    ({"smarthost": "mailgun"}, "smarthost", "none, ses"),
    ({"sesRegion": "eu-west-1"}, "sesRegion", "only allowed with smarthost: ses"),
    ({"smarthost": "ses", "sesRegion": "europe"}, "sesRegion", "AWS region"),
])
def test_each_invalid_value_names_key_and_allowed_values(
    raw: dict[str, Any], key: str, allowed: str
) -> None:
    _, problems = parse({"allowedCidrs": ["10.0.0.0/8"], **raw})
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{PATH}.{key}:") and allowed in problems[0]


def test_ses_smarthost() -> None:
    settings, problems = parse({"allowedCidrs": ["10.0.0.0/8"], "smarthost": "ses",
                                "sesRegion": "eu-west-1"})
    assert problems == [] and settings.uses_ses and settings.ses_region == "eu-west-1"


def test_duration_seconds() -> None:
    assert duration_seconds("300s") == 300
    assert duration_seconds("2w") == 1209600
    with pytest.raises(ValueError):
        duration_seconds("5 days")


@given(st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.sampled_from(["allowedCidrs", "throttling", "retry", "gmail",
                                       "concurrency", "queueLifetime", "hostname", "x"]),
                      children, max_size=4),
    max_leaves=10,
))
def test_any_input_yields_settings_or_clear_problems(raw: Any) -> None:
    problems = Problems()
    settings = parse_relay(raw, PATH, problems, DOMAIN)
    assert isinstance(settings, RelaySettings)
    for problem in problems.found:
        assert problem.path.startswith(PATH) and problem.allowed


def test_a_recipient_limit_of_one_is_refused_because_it_defeats_throttling() -> None:
    # postconf(5): with a per-destination recipient limit of 1 a destination is a recipient.
    settings, problems = parse({"allowedCidrs": ["10.0.0.0/8"],
                                "throttling": {"yahoo": {"recipientLimit": 1}}})
    assert len(problems) == 1
    assert problems[0].startswith(f"{PATH}.throttling.yahoo.recipientLimit: 1 is not valid;")
    assert "from 2 to 1000" in problems[0] and "per recipient address" in problems[0]
    assert settings.throttling.yahoo.recipient_limit == 20
    _, problems = parse({"allowedCidrs": ["10.0.0.0/8"],
                         "throttling": {"default": {"recipientLimit": 2}}})
    assert problems == []


def test_provider_throttling_with_the_ses_smarthost_is_reported_not_ignored() -> None:
    _, problems = parse({"allowedCidrs": ["10.0.0.0/8"], "smarthost": "ses",
                         "throttling": {"default": {"concurrency": 10},
                                        "gmail": {"concurrency": 3}}})
    assert problems == [
        f'{PATH}.throttling.gmail: {{"concurrency": 3}} is not valid; has no effect with'
        " smarthost: ses, which sends every message to SES; set throttling.default instead"
    ]


def test_ses_smarthost_caps_the_message_size_at_what_ses_accepts() -> None:
    settings, problems = parse({"allowedCidrs": ["10.0.0.0/8"], "smarthost": "ses",
                                "messageSizeMb": 40})
    assert problems == [] and settings.message_size_mb == 40
    _, problems = parse({"allowedCidrs": ["10.0.0.0/8"], "smarthost": "ses",
                         "messageSizeMb": 41})
    assert len(problems) == 1
    assert problems[0].startswith(f"{PATH}.messageSizeMb: 41 is not valid; expected a whole"
                                  " number from 1 to 40 with smarthost: ses")
    settings, problems = parse({"allowedCidrs": ["10.0.0.0/8"], "messageSizeMb": 150})
    assert problems == [] and settings.message_size_limit == 150 * 1024 * 1024
