"""Config values users write that sit at the edges: IDN and public-suffix names, SPF modifiers and
duplicates, names DNS cannot hold, colliding domains, and one message per problem."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from components.config.model import load_stack_config
from components.config.problems import ConfigError
from components.records.spf import parse_spf

BASE: dict[str, Any] = {
    "aws:region": "us-east-1",
    "mailstack:dns": {"provider": "zonefile"},
    "mailstack:alerts": {"emails": ["ops@example.com"]},
}


def stack(*domains: dict[str, Any], **extra: Any) -> dict[str, Any]:
    raw = copy.deepcopy(BASE)
    raw.update(extra)
    raw["mailstack:domains"] = list(domains)
    return raw


def problems_of(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_stack_config(raw)
    return [str(problem) for problem in caught.value.problems]


def test_an_internationalized_name_is_refused_with_its_ascii_form() -> None:
    (problem,) = problems_of(stack({"name": "bücher.example.com"}))
    assert problem.startswith('mailstack:domains[0].name: "bücher.example.com" is not valid;')
    assert "xn--bcher-kva.example.com" in problem


def test_punycode_upper_case_and_trailing_dots_are_accepted_and_normalized() -> None:
    config = load_stack_config(
        stack(
            {"name": "XN--BCHER-KVA.Example.COM.", "mailFrom": "Bounce.xn--bcher-kva.EXAMPLE.com."},
            {
                "name": "News.Example.com",
                "dns": {"provider": "zonefile", "zoneName": "EXAMPLE.com."},
            },
        )
    )
    first, second = config.domains
    assert (first.name, first.mail_from) == (
        "xn--bcher-kva.example.com",
        "bounce.xn--bcher-kva.example.com",
    )
    assert (second.name, second.zone) == ("news.example.com", "example.com")


@pytest.mark.parametrize("suffix", ["co.uk", "github.io"])
def test_a_public_suffix_is_not_a_sending_domain(suffix: str) -> None:
    (problem,) = problems_of(stack({"name": suffix}))
    assert problem.startswith(f'mailstack:domains[0].name: "{suffix}" is not valid;')
    assert "public suffix" in problem and f"example.{suffix}" in problem


@pytest.mark.parametrize(
    ("name", "zone"), [("example.co.uk", "example.co.uk"), ("foo.github.io", "foo.github.io")]
)
def test_a_domain_under_a_public_suffix_is_its_own_zone(name: str, zone: str) -> None:
    (domain,) = load_stack_config(stack({"name": name})).domains
    assert domain.zone == zone


def test_duplicate_spf_terms_count_once_towards_the_lookup_limit() -> None:
    includes = [f"_spf{i}.example.net" for i in range(9)]
    # With SES's own include these are exactly 10 lookups once repeats are dropped.
    raw = stack(
        {
            "name": "example.com",
            "spf": {
                "include": [*includes, "_SPF0.example.net", "include:_spf1.example.net"],
                "mechanisms": ["include:amazonses.com"],
            },
        }
    )
    (domain,) = load_stack_config(raw).domains
    assert len(domain.spf.extra_terms) == 10  # the 9 includes and amazonses.com, once each


def test_eleven_lookups_name_the_limit_and_the_policy() -> None:
    includes = [f"_spf{i}.example.net" for i in range(10)]
    (problem,) = problems_of(stack({"name": "example.com", "spf": {"include": includes}}))
    assert problem.startswith("mailstack:domains[0].spf:")
    assert "11 DNS lookups" in problem and "at most 10" in problem
    assert "spf-lookup-limit" in problem


def test_redirect_ends_the_record_without_all() -> None:
    (domain,) = load_stack_config(
        stack(
            {
                "name": "example.com",
                "spf": {"mechanisms": ["redirect=_spf.example.net", "ip4:192.0.2.0/24"]},
            }
        )
    ).domains
    assert domain.spf.all_qualifier == ""
    # The modifier goes last, after whatever the sender adds in front.
    assert domain.spf.extra_terms == ("ip4:192.0.2.0/24", "redirect=_spf.example.net")
    terms, qualifier = parse_spf("v=spf1 include:amazonses.com " + " ".join(domain.spf.extra_terms))
    assert qualifier == "" and terms[-1] == "redirect=_spf.example.net"


def test_redirect_with_an_explicit_all_is_one_clear_problem() -> None:
    (problem,) = problems_of(
        stack(
            {
                "name": "example.com",
                "spf": {"mechanisms": ["redirect=_spf.example.net"], "all": "-all"},
            }
        )
    )
    assert problem.startswith('mailstack:domains[0].spf.all: "-all" is not valid;')
    assert "redirect=_spf.example.net" in problem


def test_a_record_spf_could_not_build_is_a_config_error() -> None:
    (problem,) = problems_of(
        stack(
            {
                "name": "example.com",
                "spf": {"mechanisms": ["exp=a.example.net", "exp=b.example.net"]},
            }
        )
    )
    assert problem.startswith("mailstack:domains[0].spf:")
    assert "exp=" in problem and "at most one" in problem


def test_an_upper_case_all_in_mechanisms_points_to_the_all_key() -> None:
    (problem,) = problems_of(stack({"name": "example.com", "spf": {"mechanisms": ["-ALL"]}}))
    assert problem.startswith('mailstack:domains[0].spf.mechanisms[0]: "-ALL" is not valid;')
    assert "spf.all" in problem


def test_a_name_too_long_for_its_dkim_records_is_reported_on_the_name() -> None:
    label = "a" * 60
    name = f"{label}.{label}.{label}.example.com"
    (problem,) = problems_of(
        stack({"name": name, "dkim": "byo", "dkimSelector": "s" * 50, "configurationSet": "long"})
    )
    assert problem.startswith("mailstack:domains[0].name:")
    assert "256 characters" in problem and "253" in problem and "selector" in problem


def test_easy_dkim_names_must_fit_too() -> None:
    name = f"{'a' * 63}.{'b' * 63}.{'c' * 63}.{'d' * 13}.example.com"
    (problem,) = problems_of(stack({"name": name, "configurationSet": "long"}))
    assert "._domainkey.<name>" in problem and "DNS allows 253" in problem


def test_domains_whose_resource_names_collide_are_refused() -> None:
    problems = problems_of(stack({"name": "a-b.example.com"}, {"name": "a.b-example.com"}))
    assert problems[0].startswith('mailstack:domains[1].name: "a.b-example.com" is not valid;')
    assert "a-b-example-com" in problems[0] and "a-b.example.com" in problems[0]


def test_two_ses_domains_cannot_share_a_configuration_set() -> None:
    (problem,) = problems_of(
        stack(
            {"name": "one.example.com", "configurationSet": "shared"},
            {"name": "two.example.com", "configurationSet": "shared"},
        )
    )
    assert problem.startswith('mailstack:domains[1].configurationSet: "shared" is not valid;')
    assert "one.example.com" in problem


def test_selectors_differing_only_in_case_are_duplicates() -> None:
    (problem,) = problems_of(
        stack({"name": "example.com", "dkim": "byo", "dkimSelectors": ["S2026", "s2026"]})
    )
    assert problem.startswith("mailstack:domains[0].dkimSelectors:")
    assert "unique" in problem


@pytest.mark.parametrize("value", ["2048", 2048.0, True, [2048]])
def test_dkim_key_bits_of_the_wrong_type_lists_the_allowed_sizes(value: Any) -> None:
    (problem,) = problems_of(stack({"name": "example.com", "dkimKeyBits": value}))
    assert problem.startswith("mailstack:domains[0].dkimKeyBits:")
    assert "expected one of 1024, 2048" in problem


def test_null_dkim_key_bits_means_the_default() -> None:
    (domain,) = load_stack_config(stack({"name": "example.com", "dkimKeyBits": None})).domains
    assert domain.dkim_key_bits == 2048


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ({"name": "example.com", "mtaSts": {"mx": 5}}, "mailstack:domains[0].mtaSts.mx: 5"),
        ({"name": "example.com", "mtaSts": {"mx": []}}, "mailstack:domains[0].mtaSts.mx: []"),
        ({"name": "example.com", "tlsRpt": {"rua": 5}}, "mailstack:domains[0].tlsRpt.rua: 5"),
        ({"name": "example.com", "tlsRpt": {"rua": []}}, "mailstack:domains[0].tlsRpt.rua: []"),
        ({"name": "example.com", "mtaSts": True}, "mailstack:domains[0].mtaSts: true"),
        ({"name": "example.com", "tlsRpt": ["a@example.com"]}, "mailstack:domains[0].tlsRpt: ["),
        (["example.com"], "mailstack:domains[0]: ["),
    ],
)
def test_one_wrong_value_gives_exactly_one_message(domain: Any, expected: str) -> None:
    (problem,) = problems_of(stack(domain))
    assert problem.startswith(expected)


def test_a_malformed_dns_section_is_reported_once() -> None:
    raw = stack({"name": "example.com"})
    raw["mailstack:dns"] = ["cloudflare"]
    (problem,) = problems_of(raw)
    assert problem.startswith('mailstack:dns: ["cloudflare"] is not valid;')


def test_an_invalid_name_does_not_also_report_the_configuration_set_derived_from_it() -> None:
    (problem,) = problems_of(stack({"name": "bad_name.example.com"}))
    assert problem.startswith("mailstack:domains[0].name:")


def test_a_derived_configuration_set_name_too_long_says_which_key_to_set() -> None:
    name = f"{'a' * 40}.{'b' * 40}.example.com"
    (problem,) = problems_of(stack({"name": name}))
    assert problem.startswith("mailstack:domains[0].configurationSet:")
    assert "set mailstack:domains[0].configurationSet" in problem


def test_dmarc_with_every_tag_loads_and_builds_the_exact_record() -> None:
    from components.records.dmarc import build_dmarc, parse_dmarc

    (domain,) = load_stack_config(
        stack(
            {
                "name": "example.com",
                "dmarc": {
                    "policy": "quarantine",
                    "subdomainPolicy": "reject",
                    "nonexistentPolicy": "reject",
                    "psd": "n",
                    "testing": True,
                    "adkim": "s",
                    "aspf": "r",
                    "rua": ["a@example.com", "MAILTO:b@Example.ORG"],
                    "ruf": ["f@example.com"],
                    "fo": ["1", "d", "s"],
                },
            }
        )
    ).domains
    text = build_dmarc(domain.dmarc)
    assert text == (
        "v=DMARC1; p=quarantine; sp=reject; np=reject; psd=n; t=y; adkim=s; aspf=r;"
        " rua=mailto:a@example.com,mailto:b@example.org; ruf=mailto:f@example.com; fo=1:d:s"
    )
    assert parse_dmarc(text) == domain.dmarc


def test_mta_sts_mx_patterns_are_checked_with_their_index() -> None:
    (problem,) = problems_of(
        stack({"name": "example.com", "mtaSts": {"mx": ["*.example.com", "bad host"]}})
    )
    assert problem.startswith('mailstack:domains[0].mtaSts.mx[1]: "bad host" is not valid;')


def test_mta_sts_mx_patterns_are_lower_cased_and_mode_none_needs_none() -> None:
    first, second = load_stack_config(
        stack(
            {"name": "example.com", "mtaSts": {"mode": "enforce", "mx": ["MX1.Example.com."]}},
            {"name": "example.org", "mtaSts": {"mode": "none"}},
        )
    ).domains
    assert first.mta_sts is not None and first.mta_sts.mx == ("mx1.example.com",)
    assert second.mta_sts is not None and second.mta_sts.mx == ()


def test_a_dns_override_keeps_the_default_zone_unless_it_names_another() -> None:
    raw = stack(
        {"name": "news.dev.example.com", "dns": {"ttl": 600}},
        {"name": "shop.example.org", "dns": {"zoneId": "Z2"}},
        {"name": "mail.example.org", "dns": {"provider": "zonefile"}},
        **{"mailstack:dns": {"provider": "route53", "zoneName": "dev.example.com", "zoneId": "Z1"}},
    )
    same_zone, other_id, other_provider = load_stack_config(raw).domains
    assert (same_zone.zone, same_zone.dns.zone_id, same_zone.dns.ttl) == (
        "dev.example.com",
        "Z1",
        600,
    )
    assert (other_id.zone, other_id.dns.zone_id) == ("example.org", "Z2")
    assert (other_provider.zone, other_provider.dns.zone_id) == ("example.org", None)


def test_a_default_zone_that_misses_a_domain_is_reported_where_it_is_set() -> None:
    raw = stack(
        {"name": "mail.example.org"},
        **{"mailstack:dns": {"provider": "route53", "zoneName": "example.com"}},
    )
    (problem,) = problems_of(raw)
    assert problem.startswith('mailstack:dns.zoneName: "example.com" is not valid;')
    assert "mail.example.org (mailstack:domains[0])" in problem


def test_a_mail_from_inside_another_domains_zone_is_refused() -> None:
    raw = stack(
        {"name": "example.com", "mailFrom": "mx.news.example.com"},
        {"name": "news.example.com", "dns": {"zoneName": "news.example.com"}},
    )
    (problem,) = problems_of(raw)
    assert problem.startswith('mailstack:domains[0].mailFrom: "mx.news.example.com"')
    assert "inside the zone news.example.com" in problem and "bounce.example.com" in problem


def test_nested_zones_each_hold_their_own_domain() -> None:
    raw = stack(
        {"name": "example.com"},
        {"name": "news.example.com", "dns": {"zoneName": "news.example.com"}},
    )
    assert [d.zone for d in load_stack_config(raw).domains] == ["example.com", "news.example.com"]


def test_one_zone_cannot_be_split_between_providers() -> None:
    raw = stack(
        {"name": "a.example.com", "dns": {"provider": "cloudflare"}},
        {"name": "b.example.com", "dns": {"provider": "route53"}},
        {"name": "c.example.org", "dns": {"provider": "route53"}},
    )
    (problem,) = problems_of(raw)
    assert problem.startswith('mailstack:domains[1].dns.provider: "route53" is not valid;')
    assert "example.com is already published with cloudflare for a.example.com" in problem


def test_delegated_zones_may_use_different_providers() -> None:
    raw = stack(
        {"name": "a.example.com", "dns": {"provider": "cloudflare"}},
        {"name": "b.example.com", "dns": {"provider": "route53", "zoneName": "b.example.com"}},
        {"name": "c.example.com", "dns": {"provider": "route53", "zoneId": "Z1"}},
    )
    assert [d.dns.provider for d in load_stack_config(raw).domains] == [
        "cloudflare",
        "route53",
        "route53",
    ]


def test_each_bad_tls_rpt_uri_is_reported_at_its_index() -> None:
    problems = problems_of(
        stack(
            {
                "name": "example.com",
                "tlsRpt": {"rua": ["tls@example.com", "http://x.example.com", "mailto:bad"]},
            }
        )
    )
    assert [p.split(":")[1].strip() for p in problems] == [
        "domains[0].tlsRpt.rua[1]",
        "domains[0].tlsRpt.rua[2]",
    ]
