"""Hostile relay values: refused by the config with their key path, or written into files that
Postfix, OpenDKIM and a YAML parser read back with exactly the meaning configured."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.config.model import load_stack_config
from components.config.problems import ConfigError
from components.config.relay import RelaySettings
from components.records.plain_text import UnsafeTextError
from components.relay.bundle import RelaySecrets, render_relay
from components.relay.cloud_init import render_cloud_init
from components.relay.layout import RelayLayout
from tests.relay.harness import private_base, rsa_key_pem

DOMAIN = "mail.example.com"
HOSTILE = ["\n", "\r", "\x00", "\x1b", "\u2028", "\x85", "\t", " ", ";", '"', "'", "\\", "#", "$"]


@lru_cache(maxsize=1)
def _key() -> str:
    return rsa_key_pem()


def _secrets(password: str = "sasl-secret-value") -> RelaySecrets:
    return RelaySecrets(dkim_private_key_pem=_key(), sasl_password=password)


def _relay_settings(hostname: str = f"relay1.{DOMAIN}") -> RelaySettings:
    config = load_stack_config(_config({"hostname": hostname}))
    relay = config.domains[0].relay
    assert relay is not None
    return relay


def _config(relay: dict[str, Any], name: str = DOMAIN) -> dict[str, Any]:
    return {
        "aws:region": "us-east-1",
        "mailstack:dns": {"provider": "route53", "zoneName": "example.com"},
        "mailstack:domains": [
            {
                "name": name,
                "sender": "postfix",
                "relay": {"allowedCidrs": ["10.0.0.0/8"], **relay},
            }
        ],
    }


def _layout(root: Path) -> RelayLayout:
    return RelayLayout(
        config_directory=str(root / "postfix"),
        opendkim_conf=str(root / "opendkim.conf"),
        opendkim_directory=str(root / "opendkim"),
        opendkim_socket=str(root / "opendkim.sock"),
        opendkim_pidfile=str(root / "opendkim.pid"),
        opendkim_user=None,
    )


@pytest.mark.parametrize("char", HOSTILE)
def test_renderers_refuse_a_value_that_would_change_a_files_structure(char: str) -> None:
    # Built by hand, past the config model: the renderers are their own last defence.
    bad_host = dataclasses.replace(_relay_settings(), hostname=f"relay1.{DOMAIN}{char}x")
    with pytest.raises(UnsafeTextError):
        render_relay(DOMAIN, bad_host, "us-east-1", _secrets())
    with pytest.raises(UnsafeTextError):
        render_cloud_init(DOMAIN, bad_host, "us-east-1", _secrets())
    with pytest.raises(UnsafeTextError):
        render_relay(f"{DOMAIN}{char}evil.example", _relay_settings(), "us-east-1", _secrets())


labels = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?", fullmatch=True)
hostile_labels = st.builds(
    lambda a, c, b: a + c + b, labels, st.sampled_from([*HOSTILE, "xn--", "-", "."]), labels
)
hostnames = st.builds(
    lambda parts: ".".join([*parts, DOMAIN]),
    st.lists(st.one_of(labels, hostile_labels, st.just("x" * 64), st.just("xn--zz")), min_size=1,
             max_size=3),
)


def _tool_available(*names: str) -> bool:
    return all(shutil.which(name) for name in names)


@pytest.mark.skipif(not _tool_available("postconf", "postmap", "opendkim"),
                    reason="Postfix and OpenDKIM are installed by .ci/run")
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostname=hostnames)
def test_hostile_hostnames_are_refused_or_read_back_unchanged_by_postfix_and_opendkim(
    hostname: str,
) -> None:
    try:
        relay = load_stack_config(_config({"hostname": hostname})).domains[0].relay
    except ConfigError as error:
        assert all(p.path.startswith("mailstack:domains[0]") for p in error.problems)
        assert any(p.path == "mailstack:domains[0].relay.hostname" for p in error.problems)
        return
    assert relay is not None
    # OpenDKIM checks its KeyFile with RequireSafeKeys: no world-writable parent, a 0600 key.
    with tempfile.TemporaryDirectory(dir=private_base()) as tmp:
        layout = _layout(Path(tmp))
        install = render_relay(DOMAIN, relay, "us-east-1", _secrets(), layout)
        for item in install.files:
            path = Path(item.path)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(item.content, encoding="utf-8")
            path.chmod(item.mode)
        postconf = subprocess.run(
            ["postconf", "-c", layout.config_directory, "-n", "myhostname", "mydomain"],
            capture_output=True, text=True, check=True,
        )
        assert postconf.stdout.splitlines() == [f"myhostname = {hostname}", f"mydomain = {DOMAIN}"]
        sender = subprocess.run(
            ["postmap", "-q", DOMAIN, f"texthash:{layout.postfix('sender_access')}"],
            capture_output=True, text=True, check=True,
        )
        assert sender.stdout == "OK\n"
        check = subprocess.run(["opendkim", "-n", "-x", layout.opendkim_conf],
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        trusted = Path(layout.opendkim("TrustedHosts")).read_text().splitlines()
        assert trusted == ["127.0.0.1", "::1", "localhost", hostname]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(password=st.text(min_size=1, max_size=40))
def test_cloud_init_parses_back_to_exactly_the_files_it_was_given(password: str) -> None:
    relay = _relay_settings()
    user_data = render_cloud_init(DOMAIN, relay, "us-east-1", _secrets(password))
    assert user_data.startswith("#cloud-config\n")
    document = yaml.safe_load(user_data)
    install = render_relay(DOMAIN, relay, "us-east-1", _secrets(password))
    written = {item["path"]: item["content"] for item in document["write_files"]}
    for item in install.files:
        assert written[item.path] == item.content
    assert written["/etc/mailstack/sasl-password"] == password
    assert document["fqdn"] == relay.hostname
    assert set(document) == {
        "hostname", "fqdn", "prefer_fqdn_over_hostname", "manage_etc_hosts", "bootcmd",
        "package_update", "package_upgrade", "packages", "write_files", "runcmd",
    }
