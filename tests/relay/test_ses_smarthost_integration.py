"""Relaying through an SES-like smarthost: STARTTLS with a verified certificate, then AUTH."""

from __future__ import annotations

import os
import smtplib
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from components.config.problems import Problems
from components.config.relay import parse_relay
from components.relay.bundle import RelaySecrets
from components.relay.ses_smtp import ses_smtp_password_v4
from tests.relay.harness import (
    Credentials,
    RelayInstance,
    SinkHandler,
    client_tls_context,
    make_pki,
    missing_binaries,
    rsa_key_pem,
    run,
    start_sink,
)

DOMAIN = "mail.example.com"
PASSWORD = "submission-password-for-ses-test"
ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SES_REGION = "eu-west-1"

pytestmark = [
    pytest.mark.skipif(bool(missing_binaries()), reason=f"not installed: {missing_binaries()}"),
    pytest.mark.skipif(os.geteuid() != 0, reason="starting a Postfix instance requires root"),
]


@dataclass
class SesRelay:
    instance: RelayInstance
    upstream: SinkHandler
    upstream_port: int
    accepted: Credentials


@pytest.fixture(scope="module")
def ses_relay() -> Iterator[SesRelay]:
    problems = Problems()
    settings = parse_relay(
        {"allowedCidrs": ["198.51.100.7/32"], "smarthost": "ses", "sesRegion": SES_REGION},
        "relay", problems, DOMAIN,
    )
    assert not problems.found
    pki_dir = Path(tempfile.mkdtemp(prefix="mailstack-ses-pki-"))
    # The stand-in for email-smtp.<region>.amazonaws.com: TLS with a CA-signed name, AUTH required.
    upstream_pki = make_pki(pki_dir, "localhost")
    upstream = SinkHandler()
    smtp_password = ses_smtp_password_v4(SECRET_ACCESS_KEY, SES_REGION)
    accepted = Credentials(ACCESS_KEY_ID, smtp_password)
    controller = start_sink(upstream, tls=upstream_pki, credentials=accepted)
    secrets = RelaySecrets(
        dkim_private_key_pem=rsa_key_pem(), sasl_password=PASSWORD,
        ses_smtp_username=ACCESS_KEY_ID, ses_smtp_password=smtp_password,
    )
    try:
        instance = RelayInstance(
            DOMAIN, settings, "us-east-1", secrets,
            # No DNS here: "localhost" resolves from /etc/hosts.
            overlay={"smtp_host_lookup": "native"},
            layout_overrides={
                "ses_host": "localhost", "ses_port": controller.port,
                "ca_file": str(upstream_pki.ca_file),
            },
        )
        with instance.running():
            yield SesRelay(instance, upstream, controller.port, accepted)
    finally:
        controller.stop()
        for path in pki_dir.iterdir():
            path.unlink()
        pki_dir.rmdir()


def submit(ses_relay: SesRelay, subject: str) -> None:
    with smtplib.SMTP("127.0.0.1", ses_relay.instance.submission_port, timeout=20) as client:
        client.ehlo("sender.test")
        client.starttls(context=client_tls_context())
        client.ehlo("sender.test")
        client.login("submit", PASSWORD)
        client.sendmail(
            f"news@{DOMAIN}", ["reader@example.net"],
            f"From: news@{DOMAIN}\r\nTo: reader@example.net\r\nSubject: {subject}\r\n\r\nhi\r\n"
            .encode(),
        )


def test_relay_authenticates_to_the_smarthost_and_delivers(ses_relay: SesRelay) -> None:
    submit(ses_relay, "via ses")
    delivered = ses_relay.upstream.wait_for(lambda m: b"via ses" in m.content)
    assert delivered.login == ACCESS_KEY_ID
    assert delivered.rcpt_tos == ["reader@example.net"]
    assert b"DKIM-Signature:" in delivered.content
    log = ses_relay.instance.log()
    assert "Verified TLS connection established to localhost" in log


def test_rendered_relayhost_points_at_the_smarthost_with_sasl(ses_relay: SesRelay) -> None:
    conf = ses_relay.instance.postconf_n()
    assert conf["relayhost"] == f"[localhost]:{ses_relay.upstream_port}"
    assert conf["smtp_sasl_auth_enable"] == "yes"
    assert conf["smtp_tls_security_level"] == "secure"
    assert "transport_maps" not in conf


def test_rejected_smarthost_credentials_defer_mail_until_they_work(ses_relay: SesRelay) -> None:
    ses_relay.accepted.password = "rotated-elsewhere"
    try:
        submit(ses_relay, "credentials rotated")
        deadline = time.monotonic() + 30
        deferred: list[dict[str, Any]] = []
        while time.monotonic() < deadline and not deferred:
            deferred = [q for q in ses_relay.instance.queue() if q.get("queue_name") == "deferred"]
            time.sleep(0.2)
        assert deferred, ses_relay.instance.log()[-2000:]
        assert "SASL authentication failed" in str(deferred[0]["recipients"])
    finally:
        ses_relay.accepted.password = ses_smtp_password_v4(SECRET_ACCESS_KEY, SES_REGION)
    run("postqueue", "-c", ses_relay.instance.config_directory, "-f")
    ses_relay.upstream.wait_for(lambda m: b"credentials rotated" in m.content)
    assert "status=bounced" not in ses_relay.instance.log()
