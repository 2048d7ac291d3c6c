"""The rendered relay on a real Postfix + OpenDKIM: submission, signing, refusals, retries."""

from __future__ import annotations

import base64
import os
import re
import smtplib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email import message_from_bytes

import dkim
import pytest
from aiosmtpd.controller import Controller

from components.config.problems import Problems
from components.config.relay import RelaySettings, parse_relay
from components.relay.bundle import RelaySecrets
from tests.relay.harness import (
    Received,
    RelayInstance,
    SinkHandler,
    client_tls_context,
    missing_binaries,
    rsa_key_pem,
    run,
    start_sink,
)

DOMAIN = "mail.example.com"
PASSWORD = "correct-horse-battery-staple-42"
RAW_RELAY = {
    "hostname": "relay1.mail.example.com",
    # An IPv6 network makes smtpd listen on IPv6 too while delivery stays on IPv4.
    "allowedCidrs": ["203.0.113.0/24", "2001:db8:100::/48"],
    "dkimSelector": "mkt2026",
    "messageSizeMb": 12,
    "throttling": {
        "default": {"concurrency": 15, "recipientLimit": 40},
        "gmail": {"concurrency": 3},
        "outlook": {"concurrency": 2, "recipientLimit": 10},
        "yahoo": {"rateDelaySeconds": 2},
    },
    "retry": {
        "queueLifetime": "3d", "bounceQueueLifetime": "2d", "minimalBackoff": "120s",
        "maximalBackoff": "1h", "queueRunDelay": "120s",
    },
}

pytestmark = [
    pytest.mark.skipif(bool(missing_binaries()), reason=f"not installed: {missing_binaries()}"),
    pytest.mark.skipif(os.geteuid() != 0, reason="starting a Postfix instance requires root"),
]


def relay_settings() -> RelaySettings:
    problems = Problems()
    settings = parse_relay(RAW_RELAY, "relay", problems, DOMAIN)
    assert not problems.found
    return settings


@dataclass
class Relay:
    instance: RelayInstance
    sink: SinkHandler
    sink_controller: Controller


@pytest.fixture(scope="module")
def relay() -> Iterator[Relay]:
    sink = SinkHandler(defer_domains=("defer.example.org",))
    controller = start_sink(sink)
    secrets = RelaySecrets(dkim_private_key_pem=rsa_key_pem(), sasl_password=PASSWORD)
    sink_host = f"[127.0.0.1]:{controller.port}"
    try:
        # Test-only overlay: the sink stands in for every destination MX, also for the
        # mailbox providers' own transports.
        instance = RelayInstance(
            DOMAIN, relay_settings(), "us-east-1", secrets,
            overlay={"relayhost": sink_host}, transport_nexthop=sink_host,
        )
        with instance.running():
            yield Relay(instance, sink, controller)
    finally:
        controller.stop()


def submit(relay: Relay, to: str, subject: str, *, login: bool = True,
           password: str = PASSWORD) -> None:
    message = (
        f"From: Newsletter <news@{DOMAIN}>\r\n"
        f"To: <{to}>\r\n"
        f"Subject: {subject}\r\n"
        "List-Unsubscribe: <https://news.example.com/u/abc>, <mailto:unsub@mail.example.com>\r\n"
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
        "Received: from app-01.internal (app-01.internal [10.1.2.3]) by mq.internal\r\n"
        "X-Originating-IP: [10.1.2.3]\r\n"
        "\r\n"
        "Hello from the relay test.\r\n"
    ).encode()
    with smtplib.SMTP("127.0.0.1", relay.instance.submission_port, timeout=20) as client:
        client.ehlo("sender.test")
        client.starttls(context=client_tls_context())
        client.ehlo("sender.test")
        if login:
            client.login("submit", password)
        client.sendmail(f"news@{DOMAIN}", [to], message)


def published_txt(relay: Relay) -> dict[str, bytes]:
    name = f"{relay.instance.settings.dkim_selector}._domainkey.{DOMAIN}."
    return {name: relay.instance.install.dkim_txt.encode()}


def test_authenticated_submission_is_relayed_with_a_verifiable_dkim_signature(relay: Relay) -> None:
    submit(relay, "alice@example.net", "signed newsletter")
    delivered = relay.sink.wait_for(lambda m: b"signed newsletter" in m.content)
    assert delivered.rcpt_tos == ["alice@example.net"]

    records = published_txt(relay)

    def dnsfunc(name: bytes | str, timeout: int = 5) -> bytes | None:
        key = name.decode() if isinstance(name, bytes) else name
        return records.get(key if key.endswith(".") else key + ".")

    assert dkim.verify(delivered.content, dnsfunc=dnsfunc)
    signature = message_from_bytes(delivered.content)["DKIM-Signature"]
    tags = {k.strip(): v.strip() for k, v in (t.split("=", 1) for t in
            re.sub(r"\s+", "", signature).split(";") if "=" in t)}
    signed = {h.lower() for h in tags["h"].split(":")}
    assert {"from", "subject", "list-unsubscribe", "list-unsubscribe-post"} <= signed
    assert tags["a"] == "rsa-sha256"
    assert tags["c"] == "relaxed/relaxed"
    assert tags["d"] == DOMAIN
    assert tags["s"] == "mkt2026"


def test_signature_breaks_when_a_signed_unsubscribe_header_is_altered(relay: Relay) -> None:
    submit(relay, "carol@example.net", "tamper check")
    delivered = relay.sink.wait_for(lambda m: b"tamper check" in m.content)
    tampered = delivered.content.replace(b"List-Unsubscribe=One-Click", b"List-Unsubscribe=Other")
    records = published_txt(relay)
    assert not dkim.verify(tampered, dnsfunc=lambda name, timeout=5: records.get(
        (name.decode() if isinstance(name, bytes) else name).rstrip(".") + "."))


def test_internal_hops_are_removed_from_relayed_mail(relay: Relay) -> None:
    submit(relay, "dave@example.net", "hop cleanup")
    delivered = relay.sink.wait_for(lambda m: b"hop cleanup" in m.content)
    headers = message_from_bytes(delivered.content)
    received = headers.get_all("Received") or []
    assert not any("10.1.2.3" in value or "ESMTPSA" in value for value in received)
    assert headers["X-Originating-IP"] is None


def test_unauthenticated_relay_to_a_foreign_domain_is_refused(relay: Relay) -> None:
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        submit(relay, "victim@example.org", "open relay probe", login=False)
    code, text = refused.value.recipients["victim@example.org"]
    assert 500 <= code < 600, (code, text)
    time.sleep(0.5)
    assert not any(b"open relay probe" in m.content for m in relay.sink.messages)


def test_authenticated_clients_cannot_send_as_other_domains(relay: Relay) -> None:
    with smtplib.SMTP("127.0.0.1", relay.instance.submission_port, timeout=20) as client:
        client.ehlo("sender.test")
        client.starttls(context=client_tls_context())
        client.ehlo("sender.test")
        client.login("submit", PASSWORD)
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            client.sendmail("ceo@bank.example", ["alice@example.net"], b"Subject: spoof\r\n\r\nx")
        code, _ = refused.value.recipients["alice@example.net"]
        assert 500 <= code < 600
        client.rset()
        # Subdomains of the relay domain (such as its MAIL FROM domain) are allowed.
        client.sendmail(f"bounce@bounce.{DOMAIN}", ["erin@example.net"],
                        f"From: news@{DOMAIN}\r\nSubject: subdomain sender\r\n\r\nx".encode())
    relay.sink.wait_for(lambda m: b"subdomain sender" in m.content)


def test_auth_before_starttls_is_refused(relay: Relay) -> None:
    with smtplib.SMTP("127.0.0.1", relay.instance.submission_port, timeout=20) as client:
        client.ehlo("sender.test")
        assert client.esmtp_features["size"] == str(12 * 1024 * 1024)
        assert client.has_extn("starttls")
        assert not client.has_extn("auth")
        token = base64.b64encode(f"\0submit\0{PASSWORD}".encode()).decode()
        code, _ = client.docmd("AUTH", f"PLAIN {token}")
        assert 500 <= code < 600
        code, text = client.docmd("MAIL", f"FROM:<news@{DOMAIN}>")
        assert code == 530, text


def test_wrong_password_is_refused(relay: Relay) -> None:
    with pytest.raises(smtplib.SMTPAuthenticationError) as refused:
        submit(relay, "alice@example.net", "wrong password", password="not-the-password")
    assert refused.value.smtp_code == 535


def test_postfix_check_is_clean_and_postconf_shows_configured_limits(relay: Relay) -> None:
    check = run("postfix", "-c", relay.instance.config_directory, "check", check=False)
    assert check.returncode == 0 and not check.stderr.strip() and not check.stdout.strip()
    conf = relay.instance.postconf_n()
    expected = {
        "myhostname": "relay1.mail.example.com",
        "message_size_limit": str(12 * 1024 * 1024),
        "default_destination_concurrency_limit": "15",
        "default_destination_recipient_limit": "40",
        "gmail_destination_concurrency_limit": "3",
        "outlook_destination_concurrency_limit": "2",
        "outlook_destination_recipient_limit": "10",
        "yahoo_destination_concurrency_limit": "1",
        "yahoo_destination_rate_delay": "2s",
        "maximal_queue_lifetime": "3d",
        "bounce_queue_lifetime": "2d",
        "minimal_backoff_time": "120s",
        "maximal_backoff_time": "1h",
        "queue_run_delay": "120s",
        "smtpd_tls_auth_only": "yes",
        "smtp_tls_security_level": "may",
    }
    assert {key: conf.get(key) for key in expected} == expected


def test_provider_domains_route_to_their_throttled_transports(relay: Relay) -> None:
    transport = f"texthash:{relay.instance.layout.postfix('transport')}"
    nexthop = relay.instance.transport_nexthop
    assert nexthop is not None
    for domain, expected in (("gmail.com", "gmail:"), ("hotmail.com", "outlook:"),
                             ("yahoo.com", "yahoo:")):
        result = run("postmap", "-c", relay.instance.config_directory, "-q", domain, transport)
        # The rendered entry, plus the test-only nexthop that stands in for the provider's MX.
        assert result.stdout.strip() == expected + nexthop
    services = run("postconf", "-c", relay.instance.config_directory, "-M", "gmail/unix").stdout
    assert "smtp" in services


def _containing(text: str) -> Callable[[Received], bool]:
    return lambda message: text.encode() in message.content


def test_mail_to_each_mailbox_provider_leaves_through_its_own_transport(relay: Relay) -> None:
    recipients = {"gmail": "ann@gmail.com", "outlook": "bob@hotmail.com",
                  "yahoo": "cat@yahoo.com", "smtp": "dan@example.net"}
    for recipient in recipients.values():
        submit(relay, recipient, f"provider route {recipient}")
    for recipient in recipients.values():
        delivered = relay.sink.wait_for(_containing(f"provider route {recipient}"))
        assert delivered.rcpt_tos == [recipient]
    log = relay.instance.log()
    for transport, recipient in recipients.items():
        sent = [line for line in log.splitlines()
                if f"to=<{recipient}>" in line and "status=sent" in line]
        assert sent, log[-2000:]
        tag = "postfix/smtp[" if transport == "smtp" else f"postfix/{transport}/smtp["
        assert f" {tag}" in sent[0], sent[0]
        assert "relay=127.0.0.1[127.0.0.1]" in sent[0]


def test_delivery_stays_on_ipv4_while_submission_also_listens_on_ipv6(relay: Relay) -> None:
    conf = relay.instance.postconf_n()
    assert conf["inet_protocols"] == "all"
    services = run("postconf", "-c", relay.instance.config_directory, "-P").stdout.splitlines()
    for transport in ("smtp", "relay", "gmail", "outlook", "yahoo"):
        assert f"{transport}/unix/inet_protocols = ipv4" in services


def test_a_destination_answering_4xx_leaves_the_message_deferred(relay: Relay) -> None:
    submit(relay, "someone@defer.example.org", "temporary failure")
    deadline = time.monotonic() + 30
    deferred: list[dict[str, object]] = []
    while time.monotonic() < deadline and not deferred:
        deferred = [q for q in relay.instance.queue() if q.get("queue_name") == "deferred"]
        time.sleep(0.2)
    assert deferred, relay.instance.log()[-2000:]
    recipients = deferred[0]["recipients"]
    assert isinstance(recipients, list)
    assert recipients[0]["address"] == "someone@defer.example.org"
    assert "451" in str(recipients[0].get("delay_reason"))
    # Not bounced: no non-delivery report went back to the sender.
    time.sleep(1)
    assert not any(m.mail_from in ("", "<>") for m in relay.sink.messages)
    assert "status=bounced" not in relay.instance.log()
