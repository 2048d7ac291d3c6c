"""OpenDKIM as a signing-only milter: its config and TrustedHosts."""

from __future__ import annotations

from components.relay.formats import conf_value, table_line, token
from components.relay.layout import RelayLayout

# Headers covered by h=. RFC 8058 one-click unsubscribe is only honoured when both
# List-Unsubscribe and List-Unsubscribe-Post are signed.
SIGNED_HEADERS = (
    "From", "Sender", "Reply-To", "Subject", "Date", "Message-ID", "To", "Cc",
    "MIME-Version", "Content-Type", "Content-Transfer-Encoding", "In-Reply-To", "References",
    "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post", "Feedback-ID",
)
# Signed once more than present, so nobody can add a second copy after signing.
OVERSIGNED_HEADERS = ("From", "Subject", "List-Unsubscribe", "List-Unsubscribe-Post")


def key_path(layout: RelayLayout, selector: str) -> str:
    return layout.opendkim(f"keys/{selector}.private")


def render_opendkim_conf(domain: str, selector: str, layout: RelayLayout) -> str:
    """One relay signs for one domain: `Domain`/`Selector`/`KeyFile` rather than tables.

    With a KeyTable, OpenDKIM looks the key up, re-checks the file's safety and reads it again
    for every message; a `KeyFile` is read and checked once at start. `Domain` signs exactly
    what a `*@domain` SigningTable entry did: mail whose From: domain is `domain`.
    """
    lines = [
        "# OpenDKIM for the mailstack relay: signs mail from authenticated submitters",
        "# and local processes; never verifies (receivers do that).",
        "Syslog yes",
        "SyslogSuccess yes",
        "LogWhy yes",
        "Mode s",
        f"Socket local:{layout.opendkim_socket}",
        f"PidFile {layout.opendkim_pidfile}",
        f"UMask {layout.opendkim_umask}",
        "Canonicalization relaxed/relaxed",
        "SignatureAlgorithm rsa-sha256",
        f"Domain {token(domain, 'OpenDKIM domain')}",
        f"Selector {token(selector, 'OpenDKIM selector')}",
        f"KeyFile {token(key_path(layout, selector), 'OpenDKIM key path')}",
        f"InternalHosts {layout.opendkim('TrustedHosts')}",
        f"ExternalIgnoreList {layout.opendkim('TrustedHosts')}",
        f"SignHeaders {','.join(SIGNED_HEADERS)}",
        f"OversignHeaders {','.join(OVERSIGNED_HEADERS)}",
        "RequireSafeKeys yes",
    ]
    if layout.opendkim_user:
        lines.append(f"UserID {token(layout.opendkim_user, 'OpenDKIM user')}")
    return "".join(conf_value(line, "opendkim.conf line") + "\n" for line in lines)


def render_trusted_hosts(hostname: str) -> str:
    hosts = ("127.0.0.1", "::1", "localhost", hostname)
    return "".join(table_line(host, what="TrustedHosts entry") + "\n" for host in hosts)
