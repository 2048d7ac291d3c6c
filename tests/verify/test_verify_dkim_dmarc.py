"""DKIM, DMARC and MAIL FROM checks against zones served by a real DNS server."""

from __future__ import annotations

import pytest

from checks.dmarc import parse_dmarc, walk_targets
from checks.report import CheckResult, Status
from checks.resolver import Nameserver
from checks.targets import DomainTarget
from tests.verify.conftest import check_one


def _dkim(nameserver: Nameserver, *selectors: str) -> dict[str, CheckResult]:
    report = check_one(DomainTarget("good.example.com", dkim_selectors=selectors), nameserver)
    return {c.id: c for c in report.checks if c.id.startswith("dkim.")}


def test_ses_easy_dkim_selectors_resolve_through_cnames(nameserver: Nameserver) -> None:
    checks = _dkim(nameserver, "tok1", "tok2")
    for check_id in ("dkim.selector_published", "dkim.key_valid", "dkim.key_strength"):
        assert checks[check_id].status is Status.PASS, checks[check_id]
    assert "via tok1.dkim.amazonses.com" in checks["dkim.selector_published"].detail
    assert "RSA 2048 bits" in checks["dkim.key_strength"].detail


@pytest.mark.parametrize(
    ("selector", "check_id", "status", "in_detail"),
    [
        ("missing", "dkim.selector_published", Status.FAIL, "NXDOMAIN"),
        ("loop1", "dkim.selector_published", Status.FAIL, "CNAME loop"),
        ("xloop", "dkim.selector_published", Status.FAIL, "CNAME loop: xloop._domainkey"),
        ("badkey", "dkim.key_valid", Status.FAIL, "not a DER-encoded RSA"),
        ("notbase64", "dkim.key_valid", Status.FAIL, "not valid base64"),
        ("revoked", "dkim.key_valid", Status.FAIL, "revoked"),
        ("rsa1024", "dkim.key_strength", Status.WARN, "RSA 1024 bits"),
        ("rsa512", "dkim.key_strength", Status.FAIL, "RSA 512 bits"),
        ("ed", "dkim.key_strength", Status.PASS, "Ed25519"),
        ("ed", "dkim.key_valid", Status.PASS, "ed25519"),
    ],
)
def test_dkim_key_records(
    nameserver: Nameserver, selector: str, check_id: str, status: Status, in_detail: str
) -> None:
    result = _dkim(nameserver, selector)[check_id]
    assert result.status is status, result
    assert in_detail in result.detail


def test_one_bad_selector_fails_the_check_among_good_ones(nameserver: Nameserver) -> None:
    result = _dkim(nameserver, "tok1", "missing")["dkim.selector_published"]
    assert result.status is Status.FAIL


def test_good_dmarc_passes(nameserver: Nameserver) -> None:
    report = check_one(DomainTarget("good.example.com"), nameserver)
    for check_id in ("dmarc.present", "dmarc.syntax", "dmarc.policy", "dmarc.rua_authorized"):
        assert report.result(check_id).status is Status.PASS, report.result(check_id)


@pytest.mark.parametrize(
    ("domain", "check_id", "status", "in_detail"),
    [
        ("nodmarc.other.test", "dmarc.present", Status.FAIL, "no DMARC record found"),
        (
            "typo.other.test",
            "dmarc.present",
            Status.FAIL,
            "the TXT at _dmarc.typo.other.test is not a DMARC record: 'v=DMARC1 p=reject'",
        ),
        ("twodmarc.example.com", "dmarc.present", Status.FAIL, "2 DMARC records"),
        ("inherit.example.com", "dmarc.present", Status.WARN, "tree walk found _dmarc.example.com"),
        ("badpolicy.example.com", "dmarc.syntax", Status.FAIL, "p='bogus' is invalid"),
        ("legacy.example.com", "dmarc.syntax", Status.WARN, "pct= is an RFC 7489 tag"),
        ("monitor.example.com", "dmarc.policy", Status.WARN, "p=none"),
        (
            "extrua.example.com",
            "dmarc.rua_authorized",
            Status.FAIL,
            "extrua.example.com._report._dmarc.reports.example.net",
        ),
        ("authrua.example.com", "dmarc.rua_authorized", Status.PASS, "authorized by"),
    ],
)
def test_dmarc_problems(
    nameserver: Nameserver, domain: str, check_id: str, status: Status, in_detail: str
) -> None:
    result = check_one(DomainTarget(domain), nameserver).result(check_id)
    assert result.status is status, result
    assert in_detail in result.detail


def test_strict_turns_p_none_into_a_failure(nameserver: Nameserver) -> None:
    result = check_one(DomainTarget("monitor.example.com"), nameserver, strict=True).result(
        "dmarc.policy"
    )
    assert result.status is Status.FAIL


def test_tree_walk_shortens_long_names_to_seven_labels() -> None:
    assert walk_targets("a.b.example.com") == [
        "a.b.example.com",
        "b.example.com",
        "example.com",
        "com",
    ]
    long = "1.2.3.4.5.6.7.8.9.example.com"
    targets = walk_targets(long)
    assert targets[0] == long
    assert targets[1] == "5.6.7.8.9.example.com"
    assert len(targets) <= 8


def test_dmarc_parser_flags_legacy_and_unknown_tags() -> None:
    record = parse_dmarc("v=DMARC1; p=quarantine; rf=afrf; ri=3600; foo=bar")
    assert not record.errors
    assert any("rf=" in w for w in record.warnings)
    assert any("ri=" in w for w in record.warnings)
    assert any("foo=" in w for w in record.warnings)


@pytest.mark.parametrize(
    ("mail_from", "check_id", "status", "in_detail"),
    [
        ("bounce.good.example.com", "mailfrom.mx", Status.PASS, "feedback-smtp.us-east-1"),
        ("bounce.good.example.com", "mailfrom.spf", Status.PASS, "check_host() = pass"),
        ("nomx.good.example.com", "mailfrom.mx", Status.FAIL, "no MX"),
        (
            "wrongmx.good.example.com",
            "mailfrom.mx",
            Status.FAIL,
            "SES needs 10 feedback-smtp.us-east-1",
        ),
        ("nospf-mf.good.example.com", "mailfrom.spf", Status.FAIL, "no v=spf1 record"),
    ],
)
def test_mail_from_domain(
    nameserver: Nameserver, mail_from: str, check_id: str, status: Status, in_detail: str
) -> None:
    target = DomainTarget("good.example.com", mail_from=mail_from, region="us-east-1")
    result = check_one(target, nameserver).result(check_id)
    assert result.status is status, result
    assert in_detail in result.detail


def test_mail_from_without_mx_falls_back_to_the_address_for_a_relay(nameserver: Nameserver) -> None:
    from checks.relay import SmtpSettings, parse_relay_ip

    target = DomainTarget(
        "relayed.example.com",
        sender="postfix",
        mail_from="relay.example.com",
        relays=(parse_relay_ip("127.0.0.1"),),
    )
    off = SmtpSettings(enabled=False, disabled_reason="off")
    result = check_one(target, nameserver, smtp=off).result("mailfrom.mx")
    assert result.status is Status.WARN
    assert "implicit MX" in result.detail
