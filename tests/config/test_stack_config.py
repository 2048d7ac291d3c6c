"""The typed stack config: valid files load, every invalid value is reported with its key path."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from components.config.model import load_stack_config, load_stack_file
from components.config.problems import ConfigError

STACKS = Path(__file__).resolve().parents[2] / "stacks"

BASE: dict[str, Any] = {
    "aws:region": "us-east-1",
    "mailstack:environment": "production",
    "mailstack:dns": {"provider": "cloudflare", "zoneId": "0123456789abcdef"},
    "mailstack:alerts": {"emails": ["ops@example.com"]},
    "mailstack:domains": [
        {
            "name": "news.example.com",
            "sender": "ses",
            "mailFrom": "bounce.news.example.com",
            "dkim": "easy",
            "dmarc": {"policy": "quarantine", "rua": ["dmarc-reports@example.com"]},
        },
        {
            "name": "mail.example.com",
            "sender": "postfix",
            "dns": {"provider": "route53", "zoneId": "Z0123456789ABC"},
            "relay": {
                "hostname": "relay1.mail.example.com",
                "instanceType": "t3.small",
                "allowedCidrs": ["10.0.0.0/8"],
            },
            "dmarc": {"policy": "reject", "rua": ["dmarc-reports@example.com"]},
        },
    ],
}


def with_change(path: list[Any], value: Any) -> dict[str, Any]:
    raw = copy.deepcopy(BASE)
    target: Any = raw
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return raw


def problems_of(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_stack_config(raw)
    return [str(problem) for problem in caught.value.problems]


def test_design_card_example_loads_with_per_domain_dns_override() -> None:
    config = load_stack_config(BASE)
    news, mail = config.domains
    assert config.is_production
    assert (news.dns.provider, news.dns.zone_id, news.zone) == (
        "cloudflare",
        "0123456789abcdef",
        "example.com",
    )
    assert (mail.dns.provider, mail.dns.zone_id) == ("route53", "Z0123456789ABC")
    assert news.dmarc.rua == ("mailto:dmarc-reports@example.com",)
    assert news.mail_from == "bounce.news.example.com"
    assert mail.relay is not None and mail.relay.hostname == "relay1.mail.example.com"


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_example_stacks_are_valid(stack: str) -> None:
    config = load_stack_file(STACKS / f"Pulumi.{stack}.yaml")
    assert config.domains


def test_example_stacks_differ_per_environment() -> None:
    dev = load_stack_file(STACKS / "Pulumi.dev.yaml")
    prod = load_stack_file(STACKS / "Pulumi.prod.yaml")
    assert dev.environment == "development" and prod.environment == "production"
    assert {d.dmarc.policy for d in dev.domains} == {"none"}
    assert {d.dmarc.policy for d in prod.domains} <= {"quarantine", "reject"}
    assert {d.dns.provider for d in dev.domains} == {"cloudflare"}
    assert "route53" in {d.dns.provider for d in prod.domains}


@pytest.mark.parametrize(
    ("path", "value", "expected_path", "expected_words"),
    [
        (
            ["mailstack:domains", 0, "name"],
            "news..example.com",
            "mailstack:domains[0].name",
            "label",
        ),
        (
            ["mailstack:domains", 0, "name"],
            "-bad.example.com",
            "mailstack:domains[0].name",
            "hyphen",
        ),
        (["mailstack:domains", 0, "name"], "localhost", "mailstack:domains[0].name", "two labels"),
        (
            ["mailstack:domains", 0, "sender"],
            "sendgrid",
            "mailstack:domains[0].sender",
            "ses, postfix",
        ),
        (
            ["mailstack:dns", "provider"],
            "godaddy",
            "mailstack:dns.provider",
            "cloudflare, route53, zonefile",
        ),
        (
            ["mailstack:domains", 1, "dmarc", "policy"],
            "rejct",
            "mailstack:domains[1].dmarc.policy",
            "none, quarantine, reject",
        ),
        (
            ["mailstack:domains", 0, "dmarc", "rua"],
            ["not an address"],
            "mailstack:domains[0].dmarc.rua[0]",
            "",
        ),
        (
            ["mailstack:domains", 0, "dmarc", "pct"],
            50,
            "mailstack:domains[0].dmarc.pct",
            "testing: true",
        ),
        (
            ["mailstack:domains", 0, "dmarc", "ri"],
            3600,
            "mailstack:domains[0].dmarc.ri",
            "RFC 9989",
        ),
        (
            ["mailstack:domains", 0, "dmarc", "rf"],
            "afrf",
            "mailstack:domains[0].dmarc.rf",
            "RFC 9989",
        ),
        (
            ["mailstack:domains", 0, "mailFrom"],
            "bounce.other.com",
            "mailstack:domains[0].mailFrom",
            "subdomain of news.example.com",
        ),
        (
            ["mailstack:domains", 0, "mailFrom"],
            "news.example.com",
            "mailstack:domains[0].mailFrom",
            "subdomain",
        ),
        (
            ["mailstack:alerts", "bounceRate"],
            {"warning": 1.5, "critical": 0.05},
            "mailstack:alerts.bounceRate.warning",
            "0.0 to 1.0",
        ),
        (
            ["mailstack:alerts", "complaintRate"],
            {"warning": 0.001, "critical": -0.1},
            "mailstack:alerts.complaintRate.critical",
            "0.0 to 1.0",
        ),
        (
            ["mailstack:environment"],
            "prod",
            "mailstack:environment",
            "development, staging, production",
        ),
        (["aws:region"], "mars-north-1", "aws:region", "us-east-1"),
        (["mailstack:domains", 0, "dkim"], "strong", "mailstack:domains[0].dkim", "easy, byo"),
        (["mailstack:domains", 0, "colour"], "blue", "mailstack:domains[0].colour", "unknown key"),
        (
            ["mailstack:domains", 0, "spf"],
            {"include": ["bad domain"]},
            "mailstack:domains[0].spf.include[0]",
            "",
        ),
    ],
)
def test_invalid_value_names_key_path_value_and_allowed(
    path: list[Any], value: Any, expected_path: str, expected_words: str
) -> None:
    messages = problems_of(with_change(path, value))
    matching = [m for m in messages if m.startswith(expected_path + ":")]
    assert matching, messages
    assert expected_words in matching[0]


def test_duplicate_domains_are_refused() -> None:
    raw = copy.deepcopy(BASE)
    raw["mailstack:domains"].append(copy.deepcopy(raw["mailstack:domains"][0]))
    messages = problems_of(raw)
    assert any(m.startswith("mailstack:domains[2].name:") and "duplicate" in m for m in messages)


def test_all_problems_are_reported_at_once() -> None:
    raw = with_change(["mailstack:domains", 0, "sender"], "mailchimp")
    raw["mailstack:domains"][1]["dmarc"]["policy"] = "maybe"
    raw["aws:region"] = "nowhere-1"
    messages = problems_of(raw)
    assert len(messages) >= 3
    assert {m.split(":")[0] + ":" + m.split(":")[1] for m in messages} >= {
        "mailstack:domains[0].sender",
        "mailstack:domains[1].dmarc.policy",
        "aws:region",
    }


def test_spf_lookup_limit_is_a_config_error() -> None:
    includes = [f"_spf{i}.example.net" for i in range(10)]
    messages = problems_of(with_change(["mailstack:domains", 0, "spf"], {"include": includes}))
    assert any(
        m.startswith("mailstack:domains[0].spf:") and "11 DNS lookups" in m for m in messages
    )


def test_nine_extra_includes_fit_beside_ses() -> None:
    includes = [f"_spf{i}.example.net" for i in range(9)]
    config = load_stack_config(with_change(["mailstack:domains", 0, "spf"], {"include": includes}))
    assert len(config.domains[0].spf.extra_terms) == 9


def test_missing_dns_provider_is_reported_per_domain() -> None:
    raw = copy.deepcopy(BASE)
    del raw["mailstack:dns"]
    messages = problems_of(raw)
    assert any(m.startswith("mailstack:domains[0].dns:") for m in messages)
    assert not any(m.startswith("mailstack:domains[1].dns:") for m in messages)


def test_defaults_fill_mail_from_and_configuration_set() -> None:
    raw = copy.deepcopy(BASE)
    del raw["mailstack:domains"][0]["mailFrom"]
    news = load_stack_config(raw).domains[0]
    assert news.mail_from == "bounce.news.example.com"
    assert news.configuration_set == "news-example-com"
    assert news.dmarc.policy == "quarantine"


def test_byo_dkim_rotation_selectors_keep_order() -> None:
    raw = with_change(["mailstack:domains", 0, "dkim"], "byo")
    raw["mailstack:domains"][0]["dkimSelectors"] = ["s2027", "s2026"]
    news = load_stack_config(raw).domains[0]
    assert news.dkim_selectors == ("s2027", "s2026") and news.signing_selector == "s2027"


def test_easy_dkim_refuses_a_selector() -> None:
    messages = problems_of(with_change(["mailstack:domains", 0, "dkimSelector"], "s1"))
    assert any(
        m.startswith("mailstack:domains[0].dkimSelector:") and "Easy DKIM" in m for m in messages
    )


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "Pulumi.test.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def file_problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_stack_file(path)
    return [str(problem) for problem in caught.value.problems]


def test_a_file_that_is_not_text_is_reported(tmp_path: Path) -> None:
    (message,) = file_problems(write(tmp_path, b"\xff\xfe\x00config"))
    assert "not a text file" in message


def test_encrypted_values_are_named_not_misread(tmp_path: Path) -> None:
    text = (
        "config:\n  aws:region: us-east-1\n  mailstack:dns: {provider: route53}\n"
        "  mailstack:alerts:\n    webhooks:\n      - secure: v1:AAAABBBB\n"
        "  mailstack:domains: [{name: news.example.com}]\n"
    )
    (message,) = file_problems(write(tmp_path, text))
    assert message.startswith("mailstack:alerts.webhooks[0]:")
    assert "encrypted" in message


def test_keys_without_namespace_belong_to_the_project(tmp_path: Path) -> None:
    text = (
        "config:\n  aws:region: us-east-1\n  environment: staging\n"
        "  dns: {provider: zonefile, zoneName: example.com}\n"
        "  domains: [{name: news.example.com}]\n"
    )
    config = load_stack_file(write(tmp_path, text))
    assert config.environment == "staging"
    assert config.domains[0].dns.provider == "zonefile"


def test_missing_values_read_as_requirements() -> None:
    raw = copy.deepcopy(BASE)
    del raw["aws:region"]
    (message,) = problems_of(raw)
    assert message.startswith("aws:region: required; one of the SES regions")


def test_stack_without_default_dns_loads_when_every_domain_sets_dns() -> None:
    raw = copy.deepcopy(BASE)
    del raw["mailstack:dns"]
    raw["mailstack:domains"][0]["dns"] = {"provider": "zonefile", "zoneName": "example.com"}
    config = load_stack_config(raw)
    assert [d.dns.provider for d in config.domains] == ["zonefile", "route53"]


def test_smarthost_region_must_be_the_stacks_region() -> None:
    raw = copy.deepcopy(BASE)
    raw["mailstack:domains"][1]["relay"]["smarthost"] = "ses"
    raw["mailstack:domains"][1]["relay"]["sesRegion"] = "eu-west-1"
    messages = problems_of(raw)
    assert any(
        m.startswith("mailstack:domains[1].relay.sesRegion:") and "us-east-1" in m for m in messages
    )
    raw["mailstack:domains"][1]["relay"]["sesRegion"] = "us-east-1"
    assert load_stack_config(raw).domains[1].relay is not None
