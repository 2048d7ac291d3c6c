"""SPF checks against zones served by a real authoritative DNS server on loopback."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checks.report import Status
from checks.resolver import Nameserver
from checks.spf_syntax import MacroContext, SpfSyntaxError, expand_macros, parse_spf
from checks.targets import DomainTarget
from tests.verify.conftest import check_one, run

SPF_IDS = (
    "spf.present",
    "spf.syntax",
    "spf.lookup_limit",
    "spf.void_lookups",
    "spf.all",
    "spf.authorizes_sender",
)


def test_good_ses_domain_passes_every_spf_check(nameserver: Nameserver) -> None:
    report = check_one(DomainTarget("good.example.com"), nameserver)
    for check_id in SPF_IDS:
        assert report.result(check_id).status is Status.PASS, report.result(check_id)
    assert "1 of 10" in report.result("spf.lookup_limit").detail


@pytest.mark.parametrize(
    ("domain", "check_id", "status", "in_detail"),
    [
        ("nospf.example.com", "spf.present", Status.FAIL, "no v=spf1 TXT record"),
        ("twospf.example.com", "spf.present", Status.FAIL, "2 v=spf1 records"),
        ("badsyntax.example.com", "spf.syntax", Status.FAIL, "'300.1.1.1' is not an IP address"),
        ("badsyntax.example.com", "spf.syntax", Status.FAIL, "unknown mechanism 'frobnicate'"),
        ("toomany.example.com", "spf.lookup_limit", Status.FAIL, "11 DNS-querying terms"),
        ("voids.example.com", "spf.void_lookups", Status.FAIL, "3 lookups return no data"),
        ("onevoid.example.com", "spf.void_lookups", Status.WARN, "1 void lookup"),
        ("plusall.example.com", "spf.all", Status.FAIL, "+all, which authorizes every host"),
        ("neutralall.example.com", "spf.all", Status.FAIL, "?all"),
        ("noall.example.com", "spf.all", Status.FAIL, "does not end in -all or ~all"),
        ("noses.example.com", "spf.authorizes_sender", Status.FAIL, "SES 199.255.192.0: fail"),
        ("toomany.example.com", "spf.authorizes_sender", Status.FAIL, "permerror"),
    ],
)
def test_broken_spf_is_reported(
    nameserver: Nameserver, domain: str, check_id: str, status: Status, in_detail: str
) -> None:
    result = check_one(DomainTarget(domain), nameserver).result(check_id)
    assert result.status is status, result
    assert in_detail in result.detail


def test_lookup_limit_counts_nested_includes(nameserver: Nameserver) -> None:
    detail = (
        check_one(DomainTarget("toomany.example.com"), nameserver).result("spf.lookup_limit").detail
    )
    assert "include:l10.spf.example.com" in detail
    assert "include:amazonses.com" in detail


def test_relay_ips_are_evaluated_for_a_postfix_domain(nameserver: Nameserver) -> None:
    from checks.relay import parse_relay_ip

    good = DomainTarget(
        "relayed.example.com", sender="postfix", relays=(parse_relay_ip("127.0.0.1"),)
    )
    bad = DomainTarget(
        "relayed.example.com", sender="postfix", relays=(parse_relay_ip("127.0.0.7"),)
    )
    report = run([good, bad], nameserver, smtp=_no_smtp())
    assert report.domains[0].result("spf.authorizes_sender").status is Status.PASS
    failed = report.domains[1].result("spf.authorizes_sender")
    assert failed.status is Status.FAIL
    assert "127.0.0.7: fail" in failed.detail


def test_includes_are_fetched_once_per_run(nameserver: Nameserver) -> None:
    import asyncio

    from checks.resolver import Resolver
    from checks.runner import verify_async
    from tests.verify.conftest import options_for

    options = options_for(nameserver)
    resolver = Resolver(options.nameservers, timeout=2.0)
    targets = [
        DomainTarget(d) for d in ("good.example.com", "inherit.example.com", "big.example.com")
    ]
    asyncio.run(verify_async(targets, options, resolver=resolver))
    assert resolver.query_counts[("amazonses.com", "TXT")] == 1


def _no_smtp() -> object:
    from checks.relay import SmtpSettings

    return SmtpSettings(enabled=False, disabled_reason="not probed here")


# --- pure parser ---------------------------------------------------------------------------


def test_parser_reads_dual_cidr_and_modifiers() -> None:
    record = parse_spf(
        "v=spf1 a/24//64 mx:mail.example.com ip6:2001:db8::/32 redirect=_spf.example.com"
    )
    assert [m.text for m in record.directives] == [
        "a/24//64",
        "mx:mail.example.com",
        "ip6:2001:db8::/32",
    ]
    assert record.redirect == "_spf.example.com"


@pytest.mark.parametrize(
    "text",
    [
        "v=spf1 ip4:10.0.0.0/33 -all",
        "v=spf1 include -all",
        "v=spf1 redirect=a.example.com redirect=b.example.com",
        "v=spf1 all:example.com",
        "v=spf1 include:localhost -all",
    ],
)
def test_parser_rejects_invalid_terms(text: str) -> None:
    with pytest.raises(SpfSyntaxError):
        parse_spf(text)


def test_macros_expand_per_rfc_7208_section_7() -> None:
    context = MacroContext(
        sender="strong-bad@email.example.com",
        domain="email.example.com",
        ip=ipaddress.ip_address("192.0.2.3"),
    )
    assert expand_macros("%{ir}.%{v}._spf.%{d2}", context) == "3.2.0.192.in-addr._spf.example.com"
    assert expand_macros("%{l1r-}.example.com", context) == "strong.example.com"


@given(st.text(max_size=80))
def test_parser_either_parses_or_explains(text: str) -> None:
    try:
        parse_spf("v=spf1 " + text)
    except SpfSyntaxError as error:
        assert error.problems and all(isinstance(p, str) and p for p in error.problems)
