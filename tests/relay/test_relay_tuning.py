"""Rendered settings that decide the relay's per-process and per-session cost."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from components.config.problems import Problems
from components.config.relay import RelaySettings, parse_relay
from components.relay.bundle import RelaySecrets, render_relay
from components.relay.layout import PRODUCTION
from tests.relay.harness import rsa_key_pem

DOMAIN = "mail.example.com"
KEY = rsa_key_pem()


def settings(**raw: Any) -> RelaySettings:
    problems = Problems()
    parsed = parse_relay({"allowedCidrs": ["10.0.0.0/8"], **raw}, "relay", problems, DOMAIN)
    assert not problems.found, problems.found
    return parsed


def main_cf(relay_settings: RelaySettings, **layout: Any) -> dict[str, str]:
    secrets = RelaySecrets(KEY, "sasl-secret", "AKIAEXAMPLE", "ses-secret")
    install = render_relay(DOMAIN, relay_settings, "us-east-1", secrets,
                           replace(PRODUCTION, **layout))
    text = install.file(f"{layout.get('config_directory', '/etc/postfix')}/main.cf").content
    pairs = (line.partition("=") for line in text.splitlines()
             if line and not line.startswith("#"))
    return {key.strip(): value.strip() for key, _, value in pairs}


def test_outbound_tls_trusts_debians_hashed_ca_directory_not_the_bundle_file() -> None:
    # A bundle file is parsed whole by every new smtp process; the hashed directory is read
    # per certificate a handshake needs.
    for relay_settings in (settings(), settings(outboundTls="dane"),
                           settings(smarthost="ses", sesRegion="eu-west-1")):
        conf = main_cf(relay_settings)
        assert conf["smtp_tls_CApath"] == "/etc/ssl/certs"
        assert "smtp_tls_CAfile" not in conf


def test_a_private_ca_bundle_is_trusted_in_addition_to_the_system_roots() -> None:
    conf = main_cf(settings(smarthost="ses", sesRegion="eu-west-1"),
                   ca_file="/etc/postfix/tls/upstream-ca.pem")
    assert conf["smtp_tls_CAfile"] == "/etc/postfix/tls/upstream-ca.pem"
    assert conf["smtp_tls_CApath"] == "/etc/ssl/certs"
    assert conf["smtp_tls_security_level"] == "secure"


def test_submission_sessions_keep_no_server_side_session_cache() -> None:
    # TLS 1.3 resumption uses stateless tickets; a server cache costs a tlsmgr round trip
    # per handshake.
    conf = main_cf(settings())
    assert "smtpd_tls_session_cache_database" not in conf
    assert conf["smtpd_tls_security_level"] == "encrypt"
    assert conf["smtpd_tls_auth_only"] == "yes"
