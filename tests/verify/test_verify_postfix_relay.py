"""Relay checks against the real Postfix relay rendered by mailstack (tests/relay/harness.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from checks.relay import RelayTarget, SmtpSettings
from checks.report import Status
from checks.resolver import Nameserver
from checks.targets import DomainTarget
from tests.support.dns_server import DnsServerUnavailableError, find_server, serve_zones, zone_text
from tests.verify.conftest import check_one
from tests.verify.relay_servers import loopback

harness = pytest.importorskip("tests.relay.harness")

DOMAIN = "mail.example.com"
HOSTNAME = "relay1.mail.example.com"

pytestmark = [
    pytest.mark.skipif(
        bool(harness.missing_binaries()), reason=f"not installed: {harness.missing_binaries()}"
    ),
    pytest.mark.skipif(os.geteuid() != 0, reason="starting a Postfix instance requires root"),
]


@pytest.fixture(scope="module")
def postfix() -> Iterator[object]:
    from components.config.problems import Problems
    from components.config.relay import parse_relay
    from components.relay.bundle import RelaySecrets

    problems = Problems()
    settings = parse_relay(
        {"hostname": HOSTNAME, "allowedCidrs": ["203.0.113.0/24"]}, "relay", problems, DOMAIN
    )
    assert not problems.found
    secrets = RelaySecrets(
        dkim_private_key_pem=harness.rsa_key_pem(), sasl_password="pw-0123456789"
    )
    instance = harness.RelayInstance(
        DOMAIN, settings, "us-east-1", secrets, overlay={}, tls_name=HOSTNAME
    )
    with instance.running():
        yield instance


@pytest.fixture(scope="module")
def relay_dns() -> Iterator[Nameserver]:
    try:
        find_server()
    except DnsServerUnavailableError as error:
        pytest.skip(str(error))
    zones = {
        DOMAIN: zone_text(
            DOMAIN,
            f'@ TXT "v=spf1 ip4:127.0.0.1 -all"\n'
            f'_dmarc TXT "v=DMARC1; p=reject; rua=mailto:dmarc@{DOMAIN}"\n'
            "relay1 A 127.0.0.1\n",
        ),
        "127.in-addr.arpa": zone_text("127.in-addr.arpa", f"1.0.0 PTR {HOSTNAME}.\n"),
    }
    with serve_zones(zones) as (ip, port):
        yield Nameserver(ip, port)


def test_rendered_postfix_relay_passes_the_relay_checks(
    postfix: object, relay_dns: Nameserver
) -> None:
    port = postfix.submission_port  # type: ignore[attr-defined]
    ca_file = str(postfix.tls.ca_file)  # type: ignore[attr-defined]
    target = DomainTarget(
        DOMAIN, sender="postfix", relays=(RelayTarget(loopback("127.0.0.1"), port, HOSTNAME),)
    )
    report = check_one(
        target, relay_dns, smtp=SmtpSettings(timeout=10, ca_file=ca_file), dnsbl_zones=()
    )
    for check_id in ("relay.ptr", "relay.starttls", "relay.open_relay"):
        assert report.result(check_id).status is Status.PASS, report.result(check_id)
    assert "refused to relay" in report.result("relay.open_relay").detail
    assert report.result("spf.authorizes_sender").status is Status.PASS
    assert report.result("relay.dnsbl").status is Status.SKIP
