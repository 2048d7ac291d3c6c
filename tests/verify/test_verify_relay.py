"""Relay checks against SMTP servers on loopback and reverse zones on a real DNS server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from checks.relay import RelayTarget, SmtpSettings
from checks.report import DomainReport, Status
from checks.resolver import Nameserver
from checks.targets import DomainTarget
from tests.verify.conftest import check_one
from tests.verify.relay_servers import (
    LocalCa,
    OpenRelay,
    RefusingRelay,
    loopback,
    make_ca,
    smtp_relay,
)
from tests.verify.zones import RELAY_HOST

DOMAIN = "relayed.example.com"


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> LocalCa:
    return make_ca(tmp_path_factory.mktemp("ca"))


def _verify(
    nameserver: Nameserver, ip: str, port: int, ca: LocalCa, **changes: object
) -> DomainReport:
    target = DomainTarget(
        DOMAIN, sender="postfix", relays=(RelayTarget(loopback(ip), port, RELAY_HOST),)
    )
    changes.setdefault("smtp", SmtpSettings(timeout=5, ca_file=str(ca.ca_file)))
    return check_one(target, nameserver, **changes)


@pytest.fixture(scope="module")
def good_relay(ca: LocalCa) -> Iterator[int]:
    with smtp_relay(
        "127.0.0.1", RELAY_HOST, RefusingRelay(DOMAIN), ca.server_context(RELAY_HOST)
    ) as port:
        yield port


def test_well_configured_relay_passes(nameserver: Nameserver, ca: LocalCa, good_relay: int) -> None:
    report = _verify(nameserver, "127.0.0.1", good_relay, ca)
    for check_id in ("relay.ptr", "relay.dnsbl", "relay.starttls", "relay.open_relay"):
        assert report.result(check_id).status is Status.PASS, report.result(check_id)
    assert "matching the EHLO name" in report.result("relay.ptr").detail
    assert "Relay access denied" in report.result("relay.open_relay").detail
    assert "certificate valid for relay.example.com" in report.result("relay.starttls").detail


def test_ipv6_relay_has_forward_confirmed_reverse_dns(nameserver: Nameserver, ca: LocalCa) -> None:
    context = ca.server_context(RELAY_HOST)
    with smtp_relay("::1", RELAY_HOST, RefusingRelay(DOMAIN), context) as port:
        report = _verify(nameserver, "::1", port, ca)
    assert report.result("relay.ptr").status is Status.PASS, report.result("relay.ptr")
    assert report.result("relay.starttls").status is Status.PASS


def test_ehlo_name_other_than_the_ptr_fails(nameserver: Nameserver, ca: LocalCa) -> None:
    context = ca.server_context(RELAY_HOST)
    with smtp_relay("127.0.0.1", "mx.elsewhere.example", RefusingRelay(DOMAIN), context) as port:
        result = _verify(nameserver, "127.0.0.1", port, ca).result("relay.ptr")
    assert result.status is Status.FAIL
    assert "announces mx.elsewhere.example in EHLO" in result.detail


def test_ptr_not_confirmed_by_forward_lookup_fails(nameserver: Nameserver, ca: LocalCa) -> None:
    off = SmtpSettings(enabled=False, disabled_reason="off")
    result = _verify(nameserver, "127.0.0.2", 25, ca, smtp=off).result("relay.ptr")
    assert result.status is Status.FAIL
    assert "unconfirmed.example.com" in result.detail
    assert "no name resolves back to 127.0.0.2" in result.detail


def test_relay_without_starttls_fails(nameserver: Nameserver, ca: LocalCa) -> None:
    with smtp_relay("127.0.0.1", RELAY_HOST, RefusingRelay(DOMAIN), None) as port:
        result = _verify(nameserver, "127.0.0.1", port, ca).result("relay.starttls")
    assert result.status is Status.FAIL
    assert "does not offer STARTTLS" in result.detail


def test_certificate_for_another_name_fails(nameserver: Nameserver, ca: LocalCa) -> None:
    context = ca.server_context("wrong.example.com")
    with smtp_relay("127.0.0.1", RELAY_HOST, RefusingRelay(DOMAIN), context) as port:
        result = _verify(nameserver, "127.0.0.1", port, ca).result("relay.starttls")
    assert result.status is Status.FAIL
    assert "certificate not valid for relay.example.com" in result.detail


def test_untrusted_certificate_fails(nameserver: Nameserver, ca: LocalCa, tmp_path: Path) -> None:
    other_ca = make_ca(tmp_path)
    context = other_ca.server_context(RELAY_HOST)
    with smtp_relay("127.0.0.1", RELAY_HOST, RefusingRelay(DOMAIN), context) as port:
        result = _verify(nameserver, "127.0.0.1", port, ca).result("relay.starttls")
    assert result.status is Status.FAIL
    assert "certificate" in result.detail


def test_open_relay_is_caught(nameserver: Nameserver, ca: LocalCa) -> None:
    context = ca.server_context(RELAY_HOST)
    with smtp_relay("127.0.0.1", RELAY_HOST, OpenRelay(), context) as port:
        result = _verify(nameserver, "127.0.0.1", port, ca).result("relay.open_relay")
    assert result.status is Status.FAIL
    assert "open relay" in result.detail


def test_unreachable_relay_is_not_reported_as_safe(nameserver: Nameserver, ca: LocalCa) -> None:
    from tests.support.dns_server import free_port

    report = _verify(nameserver, "127.0.0.1", free_port(), ca)
    assert report.result("relay.open_relay").status is Status.SKIP
    assert report.result("relay.starttls").status is Status.FAIL
    assert "cannot connect" in report.result("relay.starttls").detail


@pytest.mark.parametrize(
    ("ip", "zones", "status", "in_detail"),
    [
        ("127.0.0.1", ("zen.spamhaus.org",), Status.PASS, "not listed on zen.spamhaus.org"),
        (
            "127.0.0.2",
            ("zen.spamhaus.org",),
            Status.FAIL,
            "listed on zen.spamhaus.org (127.0.0.2: listed for the test)",
        ),
        ("127.0.0.1", ("zen.spamhaus.org", "refusing.example"), Status.SKIP, "refused the query"),
        ("127.0.0.1", ("zen.spamhaus.org", "bl.spamcop.net"), Status.SKIP, "bl.spamcop.net"),
    ],
)
def test_dnsbl(
    nameserver: Nameserver,
    ca: LocalCa,
    ip: str,
    zones: tuple[str, ...],
    status: Status,
    in_detail: str,
) -> None:
    off = SmtpSettings(enabled=False, disabled_reason="off")
    result = _verify(nameserver, ip, 25, ca, smtp=off, dnsbl_zones=zones).result("relay.dnsbl")
    assert result.status is status, result
    assert in_detail in result.detail
