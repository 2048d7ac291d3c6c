"""Cyrus SASL for submission: a per-instance sasldb, read by Postfix's smtpd."""

from __future__ import annotations

from components.relay.layout import RelayLayout

SASL_USERNAME = "submit"


def render_smtpd_conf(layout: RelayLayout) -> str:
    """`smtpd.conf` in `cyrus_sasl_config_path`: passwords checked against our sasldb only."""
    return "\n".join((
        "pwcheck_method: auxprop",
        "auxprop_plugin: sasldb",
        "mech_list: PLAIN LOGIN",
        f"sasldb_path: {layout.sasldb}",
        "",
    ))


def sasl_user_command(layout: RelayLayout, realm: str, username: str = SASL_USERNAME) -> list[str]:
    """argv that creates or updates the submission user; the password is read from stdin."""
    return ["saslpasswd2", "-p", "-c", "-f", layout.sasldb, "-u", realm, username]
