"""Every config key, given a value with a control character, is refused at its key path by the
one text rule; the walk covers every key the model declares, so a new key cannot bypass it."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.config import alerts, model, relay
from components.config.model import load_stack_config
from components.config.problems import ConfigError
from components.program import TOP_LEVEL_KEYS
from components.records.plain_text import is_refused

PRIMITIVE = "control character"
HOSTILE_FORMS: tuple[Callable[[str], str], ...] = (
    lambda v: v + "\n",
    lambda v: v + "\nmydestination = evil.example",
    lambda v: "\x1b[31m" + v,
    lambda v: v[:1] + "\x00" + v[1:],
    lambda v: v + "\r",
    lambda v: v + "\u2028",
    lambda v: v + "\x85",
    lambda v: v + "\x7f",
    lambda v: v.replace(".", "\t.", 1) if "." in v else v + "\t",
)


def ses_base() -> dict[str, Any]:
    return {
        "aws:region": "us-east-1",
        "mailstack:environment": "staging",
        "mailstack:dns": {"provider": "route53", "zoneName": "example.com"},
        "mailstack:domains": [{"name": "news.example.com"}],
    }


def byo_base() -> dict[str, Any]:
    config = ses_base()
    config["mailstack:domains"][0]["dkim"] = "byo"
    return config


def mta_sts_base() -> dict[str, Any]:
    config = ses_base()
    config["mailstack:domains"][0]["mtaSts"] = {"mx": ["mx.example.com"]}
    return config


def relay_base(smarthost: str = "none") -> Callable[[], dict[str, Any]]:
    def build() -> dict[str, Any]:
        config = ses_base()
        config["mailstack:domains"] = [
            {
                "name": "mail.example.com",
                "sender": "postfix",
                "relay": {
                    "hostname": "relay1.mail.example.com",
                    "allowedCidrs": ["10.0.0.0/8"],
                    "smarthost": smarthost,
                },
            }
        ]
        return config

    return build


D = ("mailstack:domains", 0)
R = (*D, "relay")
A = ("mailstack:alerts",)
# (declared keys, where they live, base config, valid value per key)
Case = tuple[tuple[str, ...], tuple[Any, ...], Callable[[], dict[str, Any]], dict[str, Any]]
CASES: list[Case] = [
    (
        model.DNS_KEYS,
        ("mailstack:dns",),
        ses_base,
        {"provider": "route53", "zoneId": "Z0123", "zoneName": "example.com", "ttl": 300},
    ),
    (
        model.DOMAIN_KEYS,
        D,
        ses_base,
        {
            "name": "news.example.com",
            "sender": "ses",
            "mailFrom": "bounce.news.example.com",
            "dkim": "easy",
            "dkimKeyBits": 2048,
            "configurationSet": "news-set",
            "trackingDomain": "links.news.example.com",
        },
    ),
    (model.DOMAIN_KEYS, D, byo_base, {"dkimSelector": "s1", "dkimSelectors": ["s1", "s2"]}),
    (
        model.DMARC_KEYS,
        (*D, "dmarc"),
        ses_base,
        {
            "policy": "reject",
            "subdomainPolicy": "reject",
            "nonexistentPolicy": "quarantine",
            "psd": "n",
            "testing": True,
            "adkim": "s",
            "aspf": "s",
            "rua": ["mailto:d@example.com"],
            "ruf": ["mailto:f@example.com"],
            "fo": ["1"],
        },
    ),
    (
        model.SPF_KEYS,
        (*D, "spf"),
        ses_base,
        {
            "include": ["_spf.example.net"],
            "ip4": ["192.0.2.0/24"],
            "ip6": ["2001:db8::/32"],
            "mechanisms": ["mx"],
            "all": "-all",
        },
    ),
    (
        model.MTA_STS_KEYS,
        (*D, "mtaSts"),
        mta_sts_base,
        {"mode": "enforce", "mx": ["mail.example.com"], "maxAge": 604800},
    ),
    (model.TLS_RPT_KEYS, (*D, "tlsRpt"), ses_base, {"rua": ["https://tlsrpt.example.com/v1"]}),
    (
        relay.RELAY_KEYS,
        R,
        relay_base(),
        {
            "hostname": "relay2.mail.example.com",
            "instanceType": "t3.small",
            "allowedCidrs": ["192.0.2.0/24"],
            "allowSubmissionFromAnywhere": True,
            "dkimSelector": "r1",
            "dkimSelectors": ["r1", "r2"],
            "messageSizeMb": 20,
            "outboundTls": "dane",
            "smarthost": "none",
        },
    ),
    (relay.RELAY_KEYS, R, relay_base("ses"), {"sesRegion": "us-east-1"}),
    (
        relay.THROTTLE_KEYS,
        (*R, "throttling", "default"),
        relay_base(),
        {"concurrency": 5, "rateDelaySeconds": 0, "recipientLimit": 10},
    ),
    *[
        (relay.THROTTLE_KEYS, (*R, "throttling", provider), relay_base(), {"recipientLimit": 10})
        for provider in relay.PROVIDERS
    ],
    (
        relay.RETRY_KEYS,
        (*R, "retry"),
        relay_base(),
        {
            "queueLifetime": "5d",
            "bounceQueueLifetime": "1d",
            "minimalBackoff": "300s",
            "maximalBackoff": "4000s",
            "queueRunDelay": "300s",
        },
    ),
    (
        alerts.ALERT_KEYS,
        A,
        ses_base,
        {
            "emails": ["ops@example.com"],
            "webhooks": ["https://hooks.example.com/services/T0/B0"],
            "autoPause": True,
            "minimumSends": 100,
            "periodSeconds": 300,
            "evaluationPeriods": 2,
            "campaignTag": "campaign",
        },
    ),
    *[
        (("warning", "critical"), (*A, key), ses_base, {"warning": 0.0001, "critical": 0.9})
        for key in ("bounceRate", "complaintRate")
    ],
    (alerts.RELAY_ALERT_KEYS, (*A, "relay"), ses_base, {"minimumMessages": 10}),
    *[
        (("warning", "critical"), (*A, "relay", key), ses_base, {"warning": 0.01, "critical": 0.9})
        for key in ("bounceRate", "deferralRate")
    ],
]
TOP_LEVEL = {"aws:region": "us-east-1", "mailstack:environment": "production"}
# Keys whose value is a mapping: covered through the keys inside it.
SECTION_KEYS = {
    "dns",
    "dmarc",
    "spf",
    "mtaSts",
    "tlsRpt",
    "relay",
    "throttling",
    "retry",
    "bounceRate",
    "complaintRate",
    "deferralRate",
    *relay.PROVIDERS,
    "default",
}


def _with(base: dict[str, Any], where: tuple[Any, ...], key: str, value: Any) -> dict[str, Any]:
    config = copy.deepcopy(base)
    node: Any = config
    for step in where:
        if isinstance(node, dict) and step not in node:
            node[step] = {}
        node = node[step]
    node[key] = value
    return config


def _path(where: tuple[Any, ...], key: str) -> str:
    text = ""
    for step in (*where, key):
        if isinstance(step, int):
            text += f"[{step}]"
        else:
            text += f".{step}" if text else step
    return text


def _hostile(value: Any, form: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return form(value)
    if isinstance(value, list):
        return [form(value[0]), *value[1:]]
    return form(str(value))


LEAVES = [
    (where, base, key, value) for _, where, base, values in CASES for key, value in values.items()
]


def test_every_declared_key_is_walked() -> None:
    walked: dict[tuple[str, ...], set[str]] = {}
    for keys, _, _, values in CASES:
        walked.setdefault(keys, set()).update(values)
    for keys, covered in walked.items():
        missing = set(keys) - covered - SECTION_KEYS
        assert not missing, f"keys without a hostile-value case: {sorted(missing)}"
    declared = {
        model.DNS_KEYS,
        model.DOMAIN_KEYS,
        model.DMARC_KEYS,
        model.SPF_KEYS,
        model.MTA_STS_KEYS,
        model.TLS_RPT_KEYS,
        relay.RELAY_KEYS,
        relay.THROTTLE_KEYS,
        relay.RETRY_KEYS,
        alerts.ALERT_KEYS,
        alerts.RELAY_ALERT_KEYS,
    }
    assert declared <= set(walked)
    # Top-level keys are plain values walked below, or sections walked above.
    for key in TOP_LEVEL_KEYS:
        assert f"mailstack:{key}" in TOP_LEVEL or key in ("dns", "alerts", "domains")


@pytest.mark.parametrize(("where", "base", "key", "value"), LEAVES, ids=lambda x: str(x)[:40])
def test_each_key_refuses_control_characters_at_its_key_path(
    where: tuple[Any, ...], base: Callable[[], dict[str, Any]], key: str, value: Any
) -> None:
    # The valid value loads, so a refusal below is the hostile character's doing.
    load_stack_config(_with(base(), where, key, value))
    path = _path(where, key)
    for form in HOSTILE_FORMS:
        with pytest.raises(ConfigError) as caught:
            load_stack_config(_with(base(), where, key, _hostile(value, form)))
        at_key = [
            p for p in caught.value.problems if p.path == path or p.path.startswith(path + "[")
        ]
        assert at_key, (path, [str(p) for p in caught.value.problems])
        if isinstance(value, str | list):
            assert any(PRIMITIVE in p.allowed for p in at_key), [str(p) for p in at_key]
        rendered = caught.value.render()
        for char in "\x00\x1b\r\x7f\x85\u2028\t":
            assert char not in rendered


@pytest.mark.parametrize("key", sorted(TOP_LEVEL))
def test_top_level_keys_refuse_control_characters(key: str) -> None:
    for form in HOSTILE_FORMS:
        config = ses_base()
        config[key] = form(TOP_LEVEL[key])
        with pytest.raises(ConfigError) as caught:
            load_stack_config(config)
        assert any(p.path == key and PRIMITIVE in p.allowed for p in caught.value.problems)


def test_a_trailing_newline_no_longer_passes_a_name_check() -> None:
    config = ses_base()
    config["mailstack:domains"][0]["mailFrom"] = "bounce.news.example.com\n."
    with pytest.raises(ConfigError) as caught:
        load_stack_config(config)
    assert [p.path for p in caught.value.problems] == ["mailstack:domains[0].mailFrom"]


hostile_text = st.one_of(
    st.text(max_size=30),
    st.builds(
        lambda a, c, b: a + c + b,
        st.text(alphabet="abcxyz.-", max_size=12),
        st.sampled_from(
            [
                "\n",
                "\r\n",
                "\x00",
                "\x1b[0m",
                "\u2028",
                "\u202e",
                "\x85",
                "\t",
                " ",
                ";",
                '"',
                "\\",
                "'",
                "xn--",
                "xn--a.",
                "--",
                "a" * 64 + ".",
                "%",
                "=",
                ",",
                "{}",
                "..",
                "*.",
            ]
        ),
        st.text(alphabet="abcxyz.-", max_size=12),
    ),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(leaf=st.sampled_from(LEAVES), text=hostile_text, as_list=st.booleans())
def test_any_hostile_string_at_any_key_is_refused_at_a_key_path_or_loads_clean(
    leaf: tuple[tuple[Any, ...], Callable[[], dict[str, Any]], str, Any], text: str, as_list: bool
) -> None:
    where, base, key, value = leaf
    hostile: Any = [text] if as_list or isinstance(value, list) else text
    try:
        config = load_stack_config(_with(base(), where, key, hostile))
    except ConfigError as error:
        assert error.problems
        assert all(p.path and p.allowed for p in error.problems)
        rendered = error.render()
        assert not any(is_refused(char) for char in rendered.replace("\n", ""))
        return
    # Loaded: nothing with a control character reached the typed config.
    assert not any(is_refused(char) for char in repr_strings(config))


def repr_strings(value: Any) -> str:
    if isinstance(value, str):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return "".join(repr_strings(getattr(value, f.name)) for f in dataclasses.fields(value))
    if isinstance(value, list | tuple):
        return "".join(repr_strings(item) for item in value)
    return ""
