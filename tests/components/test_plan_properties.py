"""Property: any valid config plans the resources and records the contract promises, once each."""

from __future__ import annotations

from collections import Counter
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from components.config.model import load_stack_config
from components.config.problems import ConfigError
from components.program import build
from mailstack.plan import UNKNOWN, run_program

ZONES = ("example.com", "example.co.uk", "mail-example.net")
DNS_TYPES = {
    "cloudflare": "cloudflare:index/dnsRecord:DnsRecord",
    "route53": "aws:route53/record:Record",
}
label = st.from_regex(r"[a-z]([a-z0-9-]{0,6}[a-z0-9])?", fullmatch=True)


@st.composite
def domain_configs(draw: st.DrawFn, zone: str) -> dict[str, Any]:
    name = f"{draw(label)}.{zone}"
    sender = draw(st.sampled_from(["ses", "ses", "postfix"]))
    domain: dict[str, Any] = {
        "name": name,
        "sender": sender,
        "dmarc": {
            "policy": draw(st.sampled_from(["none", "quarantine", "reject"])),
            "rua": draw(st.lists(st.just(f"dmarc@{zone}"), max_size=1)),
            "testing": draw(st.booleans()),
        },
        "dns": {
            "provider": draw(st.sampled_from(["cloudflare", "route53", "zonefile"])),
            "zoneName": zone,
            **draw(st.sampled_from([{}, {"zoneId": "Z1"}])),
        },
    }
    if draw(st.booleans()):
        domain["mailFrom"] = f"{draw(label)}.{name}"
    if draw(st.booleans()):
        domain["spf"] = {"include": [f"_spf.{draw(label)}.net"], "all": "-all"}
    if sender == "ses" and draw(st.booleans()):
        domain["dkim"] = "byo"
        domain["dkimSelectors"] = draw(st.lists(label, min_size=1, max_size=2, unique=True))
    if sender == "postfix":
        domain["relay"] = {
            "hostname": f"relay.{name}",
            "allowedCidrs": ["10.0.0.0/8"],
            "smarthost": draw(st.sampled_from(["none", "ses"])),
        }
    if draw(st.booleans()):
        domain["mtaSts"] = {"mode": "testing", "mx": [f"mx.{zone}"]}
    return domain


@st.composite
def stack_configs(draw: st.DrawFn) -> dict[str, Any]:
    zones = draw(st.lists(st.sampled_from(ZONES), min_size=1, max_size=3))
    warning = draw(st.floats(0.001, 0.04))
    return {
        "aws:region": draw(st.sampled_from(["us-east-1", "eu-west-1", "af-south-1"])),
        "mailstack:environment": draw(st.sampled_from(["development", "staging", "production"])),
        "mailstack:alerts": {"bounceRate": {"warning": warning, "critical": warning * 2}},
        "mailstack:domains": [draw(domain_configs(zone)) for zone in zones],
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=stack_configs())
def test_every_domain_gets_its_resources_and_one_record_set_per_name(raw: dict[str, Any]) -> None:
    try:
        config = load_stack_config(raw)
    except ConfigError:
        event("refused")
        return  # duplicates and other refusals are the config tests' business
    event("planned")
    plan = run_program(raw, "prop", build)
    resources = Counter((r.type, r.inputs.get("emailIdentity")) for r in plan.resources)
    records = [(r.name, r.type) for r in plan.dns_records if r.name != UNKNOWN]
    # Each name and type is one record set: never two SPF records, never a duplicate CNAME.
    assert len(records) == len(set(records)), records
    for domain in config.domains:
        spf = [
            v
            for r in plan.dns_records
            if r.name == domain.name and r.type == "TXT"
            for v in r.values
            if v.startswith("v=spf1") or v == UNKNOWN
        ]
        assert len(spf) == 1
        assert (f"_dmarc.{domain.name}", "TXT") in records
        if domain.uses_ses:
            assert resources[("aws:sesv2/emailIdentity:EmailIdentity", domain.name)] == 1
            assert (domain.mail_from, "MX") in records and (domain.mail_from, "TXT") in records
            if domain.dkim == "easy":
                dkim = [r for r in plan.dns_records if r.type == "CNAME"]
                assert len(dkim) >= 3
            else:
                for selector in domain.dkim_selectors:
                    assert (f"{selector}._domainkey.{domain.name}", "TXT") in records
        if domain.relay is not None:
            assert (domain.relay.hostname, "A") in records
        provider_type = DNS_TYPES.get(domain.dns.provider)
        published = [
            r
            for r in plan.resources
            if r.type in DNS_TYPES.values() and r.parent == f"{domain.name.replace('.', '-')}-dns"
        ]
        if provider_type is None:
            assert published == []
        else:
            assert published and {r.type for r in published} == {provider_type}
    ses_domains = [d for d in config.domains if d.uses_ses]
    assert Counter(r.type for r in plan.resources)[
        "aws:sesv2/configurationSet:ConfigurationSet"
    ] == len(ses_domains)
