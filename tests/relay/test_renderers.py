"""The rendered Postfix, OpenDKIM, SASL and cloud-init files, checked without running them."""

from __future__ import annotations

import base64
import gzip
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.hazmat.primitives import serialization

from components.config.problems import Problems
from components.config.relay import RelaySettings, parse_relay
from components.records.dkim import dkim_txt_from_pem
from components.relay.bundle import RelaySecrets, render_relay
from components.relay.cloud_init import USER_DATA_LIMIT, render_cloud_init, user_data_gzip_base64
from components.relay.dkim import public_key_pem_from_private
from components.relay.layout import PRODUCTION
from tests.relay.harness import rsa_key_pem

DOMAIN = "mail.example.com"


@lru_cache(maxsize=1)
def key_pem() -> str:
    return rsa_key_pem()


def settings(**raw: Any) -> RelaySettings:
    problems = Problems()
    parsed = parse_relay({"allowedCidrs": ["10.0.0.0/8"], **raw}, "relay", problems, DOMAIN)
    assert not problems.found, problems.found
    return parsed


def secrets(ses: bool = False) -> RelaySecrets:
    return RelaySecrets(
        dkim_private_key_pem=key_pem(), sasl_password="sasl-secret-value",
        ses_smtp_username="AKIAEXAMPLE" if ses else None,
        ses_smtp_password="ses-smtp-secret" if ses else None,
    )


def main_cf(text: str) -> dict[str, str]:
    pairs = (line.partition("=") for line in text.splitlines()
             if line and not line.startswith("#"))
    return {key.strip(): value.strip() for key, _, value in pairs}


def test_main_cf_is_not_an_open_relay_and_requires_tls_before_auth() -> None:
    install = render_relay(DOMAIN, settings(), "us-east-1", secrets())
    conf = main_cf(install.file("/etc/postfix/main.cf").content)
    assert conf["smtpd_relay_restrictions"] == (
        "permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination"
    )
    assert conf["smtpd_recipient_restrictions"] == "permit_sasl_authenticated, reject"
    assert conf["mynetworks"] == "127.0.0.0/8"
    assert conf["smtpd_tls_auth_only"] == "yes"
    assert conf["smtpd_tls_security_level"] == "encrypt"
    assert conf["smtpd_tls_mandatory_protocols"] == ">=TLSv1.2"
    assert conf["smtp_tls_protocols"] == ">=TLSv1.2"
    assert conf["myhostname"] == "relay1.mail.example.com"
    assert conf["inet_protocols"] == "ipv4"
    assert conf["milter_default_action"] == "tempfail"
    assert conf["cyrus_sasl_config_path"] == "/etc/postfix/sasl"


def test_master_cf_listens_on_submission_only() -> None:
    install = render_relay(DOMAIN, settings(), "us-east-1", secrets())
    inet = [line.split()[0] for line in install.file("/etc/postfix/master.cf").content.splitlines()
            if not line.startswith((" ", "#")) and line.split()[1] == "inet"]
    assert inet == ["submission"]


def test_provider_transports_and_throttles() -> None:
    s = settings(throttling={"gmail": {"concurrency": 7}, "yahoo": {"rateDelaySeconds": 5}})
    install = render_relay(DOMAIN, s, "us-east-1", secrets())
    conf = main_cf(install.file("/etc/postfix/main.cf").content)
    master = install.file("/etc/postfix/master.cf").content
    transport = install.file("/etc/postfix/transport").content
    assert conf["gmail_destination_concurrency_limit"] == "7"
    assert conf["yahoo_destination_rate_delay"] == "5s"
    assert conf["yahoo_destination_concurrency_failed_cohort_limit"] == "10"
    assert "gmail_destination_concurrency_failed_cohort_limit" not in conf
    assert "gmail.com gmail:" in transport and "hotmail.com outlook:" in transport
    for provider in ("gmail", "outlook", "yahoo"):
        assert f"\n{provider} " in master


def test_outbound_tls_levels() -> None:
    conf = main_cf(render_relay(DOMAIN, settings(outboundTls="dane"), "us-east-1",
                                secrets()).file("/etc/postfix/main.cf").content)
    assert conf["smtp_tls_security_level"] == "dane"
    assert conf["smtp_dns_support_level"] == "dnssec"


def test_ses_smarthost_rendering() -> None:
    install = render_relay(DOMAIN, settings(smarthost="ses"), "eu-west-1", secrets(ses=True))
    conf = main_cf(install.file("/etc/postfix/main.cf").content)
    assert conf["relayhost"] == "[email-smtp.eu-west-1.amazonaws.com]:587"
    assert conf["smtp_sasl_auth_enable"] == "yes"
    assert conf["smtp_tls_security_level"] == "secure"
    assert "transport_maps" not in conf
    passwd = install.file("/etc/postfix/sasl_passwd")
    assert passwd.content == (
        "[email-smtp.eu-west-1.amazonaws.com]:587 AKIAEXAMPLE:ses-smtp-secret\n"
    )
    assert passwd.mode == 0o600 and passwd.secret
    with pytest.raises(ValueError, match="SES SMTP credentials"):
        render_relay(DOMAIN, settings(smarthost="ses"), "eu-west-1", secrets())


def test_ses_region_override_wins() -> None:
    install = render_relay(DOMAIN, settings(smarthost="ses", sesRegion="us-west-2"), "eu-west-1",
                           secrets(ses=True))
    main = install.file("/etc/postfix/main.cf").content
    assert "relayhost = [email-smtp.us-west-2.amazonaws.com]:587" in main


def test_opendkim_signs_unsubscribe_headers_relaxed_rsa_sha256() -> None:
    install = render_relay(DOMAIN, settings(dkimSelector="news"), "us-east-1", secrets())
    conf = dict(line.split(" ", 1) for line in install.file("/etc/opendkim.conf").content
                .splitlines() if line and not line.startswith("#"))
    signed = conf["SignHeaders"].split(",")
    assert {"From", "Subject", "List-Unsubscribe", "List-Unsubscribe-Post"} <= set(signed)
    assert conf["Canonicalization"] == "relaxed/relaxed"
    assert conf["SignatureAlgorithm"] == "rsa-sha256"
    assert conf["Mode"] == "s"
    assert conf["UserID"] == "opendkim"
    assert conf["Socket"] == "local:/run/opendkim/opendkim.sock"
    main = main_cf(install.file("/etc/postfix/main.cf").content)
    assert main["smtpd_milters"] == "unix:/run/opendkim/opendkim.sock"
    assert conf["Domain"] == "mail.example.com"
    assert conf["Selector"] == "news"
    assert conf["KeyFile"] == "/etc/opendkim/keys/news.private"
    key = install.file("/etc/opendkim/keys/news.private")
    assert key.mode == 0o600 and key.owner == "opendkim:opendkim" and key.secret


def test_dkim_txt_is_the_public_half_of_the_signing_key() -> None:
    install = render_relay(DOMAIN, settings(), "us-east-1", secrets())
    assert install.dkim_txt.startswith("v=DKIM1; k=rsa; p=")
    der = base64.b64decode(install.dkim_txt.split("p=", 1)[1])
    public = serialization.load_der_public_key(der)
    private = serialization.load_pem_private_key(key_pem().encode(), None)
    assert public.public_numbers() == private.public_key().public_numbers()  # type: ignore[union-attr]
    assert install.dkim_txt == dkim_txt_from_pem(public_key_pem_from_private(key_pem()))


def test_short_dkim_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 2048"):
        render_relay(DOMAIN, settings(), "us-east-1",
                     RelaySecrets(dkim_private_key_pem=rsa_key_pem(1024), sasl_password="x"))


def test_sasl_server_uses_the_instance_sasldb() -> None:
    install = render_relay(DOMAIN, settings(), "us-east-1", secrets())
    smtpd_conf = install.file("/etc/postfix/sasl/smtpd.conf").content
    assert "auxprop_plugin: sasldb" in smtpd_conf
    assert f"sasldb_path: {PRODUCTION.sasldb}" in smtpd_conf
    assert install.sasl_command == (
        "saslpasswd2", "-p", "-c", "-f", PRODUCTION.sasldb, "-u", "relay1.mail.example.com",
        "submit",
    )


def test_cloud_init_installs_and_configures_everything() -> None:
    text = render_cloud_init(DOMAIN, settings(), "us-east-1", secrets())
    assert text.startswith("#cloud-config\n")
    doc = yaml.safe_load(text)
    assert {"postfix", "opendkim", "sasl2-bin", "libsasl2-modules"} <= set(doc["packages"])
    files = {f["path"]: f for f in doc["write_files"]}
    install = render_relay(DOMAIN, settings(), "us-east-1", secrets())
    for item in install.files:
        assert files[item.path]["content"] == item.content
        assert files[item.path]["permissions"] == f"0{item.mode:o}"
        assert files[item.path]["defer"] is True
    assert files["/etc/mailstack/sasl-password"]["content"] == "sasl-secret-value"
    commands = [" ".join(c) if isinstance(c, list) else c for c in doc["runcmd"]]
    assert any("saslpasswd2" in c and "/etc/mailstack/sasl-password" in c for c in commands)
    assert any("amazon-cloudwatch-agent-ctl" in c for c in commands)
    assert "usermod -a -G opendkim postfix" in commands
    restart = commands.index("systemctl restart postfix")
    assert all(commands.index(c) < restart for c in commands if "saslpasswd2" in c)
    assert doc["fqdn"] == "relay1.mail.example.com"


def test_cloud_init_is_deterministic_and_fits_ec2_user_data() -> None:
    first = render_cloud_init(DOMAIN, settings(smarthost="ses"), "us-east-1", secrets(ses=True))
    second = render_cloud_init(DOMAIN, settings(smarthost="ses"), "us-east-1", secrets(ses=True))
    assert first == second
    packed = user_data_gzip_base64(first)
    assert packed == user_data_gzip_base64(second)
    assert len(base64.b64decode(packed)) <= USER_DATA_LIMIT
    assert gzip.decompress(base64.b64decode(packed)).decode() == first


def test_ipv6_submitters_get_an_ipv6_listener_while_delivery_stays_on_ipv4() -> None:
    install = render_relay(DOMAIN, settings(allowedCidrs=["2001:db8::/32"]), "us-east-1",
                           secrets())
    conf = main_cf(install.file("/etc/postfix/main.cf").content)
    assert conf["inet_protocols"] == "all"
    assert conf["mynetworks"] == "127.0.0.0/8 [::1]/128"
    master = install.file("/etc/postfix/master.cf").content.splitlines()
    for transport in ("smtp", "relay", "gmail", "outlook", "yahoo"):
        index = next(i for i, line in enumerate(master) if line.split()[0] == transport)
        options = []
        for line in master[index + 1:]:
            if not line.startswith(" "):
                break
            options.append(line.strip())
        assert "-o inet_protocols=ipv4" in options, transport
    submission = next(i for i, line in enumerate(master) if line.startswith("submission"))
    assert "inet_protocols" not in master[submission + 1]


@pytest.mark.skipif(shutil.which("postmap") is None, reason="postmap is not installed")
def test_header_checks_drop_private_ipv6_hops_and_keep_public_ones(tmp_path: Path) -> None:
    table = tmp_path / "header_checks"
    # Its own (empty) main.cf: the machine's Postfix configuration is never read or needed.
    (tmp_path / "main.cf").write_text("")
    table.write_text(render_relay(DOMAIN, settings(), "us-east-1", secrets())
                     .file("/etc/postfix/header_checks").content)

    def action(header: str) -> str:
        # The same regexp engine and flags Postfix's cleanup applies.
        result = subprocess.run(["postmap", "-c", str(tmp_path), "-q", header,
                                 f"regexp:{table}"],
                                capture_output=True, text=True, check=False)
        return result.stdout.strip()

    for private in ("fd12:3456::1", "FC00::7", "fe80::1", "::1"):
        assert action(f"Received: from app (app [IPv6:{private}]) by mq.internal") == "IGNORE"
    assert action("Received: from app (app [IPv6:2001:db8::1]) by mx.example.net") == ""
    assert action("Received: from app (app [203.0.113.5]) by mx.example.net") == ""


def test_dane_gets_its_own_validating_resolver_that_dhcp_does_not_replace() -> None:
    doc = yaml.safe_load(render_cloud_init(DOMAIN, settings(outboundTls="dane"), "us-east-1",
                                           secrets()))
    assert "unbound" in doc["packages"]
    commands = [" ".join(c) if isinstance(c, list) else c for c in doc["runcmd"]]
    resolver = next(c for c in commands if "/etc/resolv.conf" in c)
    # A symlink into systemd-resolved's directory is replaced, not written through.
    assert resolver.startswith("sh -c rm -f /etc/resolv.conf && ")
    assert "nameserver 127.0.0.1\noptions trust-ad\n" in resolver
    assert commands.index(resolver) < commands.index("systemctl restart postfix")
    hooks = [f for f in doc["write_files"] if f["path"].startswith("/etc/dhcp/")]
    assert len(hooks) == 1 and "make_resolv_conf() { :; }" in hooks[0]["content"]
    for plain in (settings(), settings(outboundTls="dane", smarthost="ses")):
        doc = yaml.safe_load(render_cloud_init(DOMAIN, plain, "us-east-1",
                                               secrets(ses=plain.uses_ses)))
        assert "unbound" not in doc["packages"]
        assert not any("/etc/resolv.conf" in str(c) for c in doc["runcmd"])


def test_every_provider_domain_has_exactly_one_transport_entry() -> None:
    from components.relay.postfix import PROVIDER_DOMAINS

    lines = render_relay(DOMAIN, settings(), "us-east-1", secrets()) \
        .file("/etc/postfix/transport").content.splitlines()
    entries = [line.split() for line in lines if line and not line.startswith("#")]
    assert len(entries) == len({domain for domain, _ in entries})
    routed = dict(entries)
    for provider, domains in PROVIDER_DOMAINS.items():
        for domain in domains:
            assert routed[domain] == f"{provider}:"
    assert routed["aol.com"] == "yahoo:" and routed["hotmail.de"] == "outlook:"

