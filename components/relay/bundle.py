"""Every file the relay runs with, rendered for one domain.

The single unit that cloud-init, `mailstack relay-config` and the integration tests apply.
"""

from __future__ import annotations

from dataclasses import dataclass

from components.config.relay import RelaySettings
from components.records.dkim import dkim_txt_from_pem
from components.relay import opendkim, postfix, sasl
from components.relay.dkim import public_key_pem_from_private
from components.relay.layout import PRODUCTION, RelayLayout


@dataclass(frozen=True)
class RelaySecrets:
    dkim_private_key_pem: str
    sasl_password: str
    ses_smtp_username: str | None = None
    ses_smtp_password: str | None = None


@dataclass(frozen=True)
class RelayFile:
    path: str
    content: str
    mode: int = 0o644
    owner: str = "root:root"
    secret: bool = False


@dataclass(frozen=True)
class RelayInstall:
    """The rendered relay: files to write plus the DNS value that must match the key."""

    files: tuple[RelayFile, ...]
    dkim_txt: str
    sasl_command: tuple[str, ...]

    def file(self, path: str) -> RelayFile:
        for item in self.files:
            if item.path == path:
                return item
        raise KeyError(path)


def render_relay(
    domain: str,
    settings: RelaySettings,
    region: str,
    secrets: RelaySecrets,
    layout: RelayLayout = PRODUCTION,
) -> RelayInstall:
    if settings.uses_ses and not (secrets.ses_smtp_username and secrets.ses_smtp_password):
        raise ValueError("smarthost: ses needs SES SMTP credentials (username and password)")
    public_pem = public_key_pem_from_private(secrets.dkim_private_key_pem)
    selector = settings.dkim_selector
    user = layout.opendkim_user
    dkim_owner = f"{user}:{user}" if user else "root:root"
    files = [
        RelayFile(
            layout.postfix("main.cf"), postfix.render_main_cf(domain, settings, region, layout)
        ),
        RelayFile(layout.postfix("master.cf"), postfix.render_master_cf(settings, layout)),
        RelayFile(layout.postfix("header_checks"), postfix.render_header_checks()),
        RelayFile(layout.postfix("sender_access"), postfix.render_sender_access(domain)),
        RelayFile(f"{layout.sasl_directory}/smtpd.conf", sasl.render_smtpd_conf(layout)),
        RelayFile(layout.opendkim_conf, opendkim.render_opendkim_conf(domain, selector, layout)),
        RelayFile(
            layout.opendkim("TrustedHosts"), opendkim.render_trusted_hosts(settings.hostname)
        ),
        RelayFile(
            opendkim.key_path(layout, selector), secrets.dkim_private_key_pem,
            mode=0o600, owner=dkim_owner, secret=True,
        ),
    ]
    if settings.uses_ses:
        assert secrets.ses_smtp_username and secrets.ses_smtp_password
        files.append(RelayFile(
            layout.postfix("sasl_passwd"),
            postfix.render_sasl_passwd(
                region, settings, layout, secrets.ses_smtp_username, secrets.ses_smtp_password
            ),
            mode=0o600, secret=True,
        ))
    else:
        files.append(RelayFile(layout.postfix("transport"), postfix.render_transport_map(settings)))
    return RelayInstall(
        files=tuple(files),
        dkim_txt=dkim_txt_from_pem(public_pem),
        sasl_command=tuple(sasl.sasl_user_command(layout, settings.hostname)),
    )
