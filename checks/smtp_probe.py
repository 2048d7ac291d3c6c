"""One look at a relay over SMTP: its EHLO name, STARTTLS with certificate validation, and
whether it relays for a stranger. Blocking (smtplib); callers run it in a thread."""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from dataclasses import dataclass

# The probe's own names: a reserved TLD, so nothing can ever be delivered anywhere.
PROBE_HELO = "verify.mailstack.invalid"
PROBE_RECIPIENT = "open-relay-probe@mailstack-verify.example"


@dataclass(frozen=True)
class ProbeResult:
    connected: bool
    error: str = ""
    ehlo_name: str | None = None
    starttls_offered: bool = False
    tls_ok: bool = False
    tls_error: str = ""
    tls_version: str = ""
    relay_accepted: bool | None = None  # None: not determined
    relay_reply: str = ""


def _reply_text(code: int, message: bytes | str) -> str:
    text = message.decode(errors="replace") if isinstance(message, bytes) else message
    return f"{code} {' '.join(text.split())}"


def probe(
    host: str,
    port: int,
    tls_hostname: str | None,
    timeout: float = 10.0,
    ca_file: str | None = None,
) -> ProbeResult:
    """Connect twice: once for EHLO + STARTTLS, once for a relay attempt (never sends DATA)."""
    try:
        client = smtplib.SMTP(timeout=timeout)
        client.connect(host, port)
    except (OSError, smtplib.SMTPException) as error:
        return ProbeResult(False, error=f"cannot connect to {host} port {port}: {error}")
    try:
        code, message = client.ehlo(PROBE_HELO)
        if code != 250:
            return ProbeResult(True, error=f"EHLO refused: {_reply_text(code, message)}")
        first = message.decode(errors="replace").splitlines()[0].split()
        ehlo_name = first[0].rstrip(".").lower() if first else None
        offered = client.has_extn("starttls")
        tls_ok, tls_error, version = False, "", ""
        if offered:
            tls_ok, tls_error, version = _starttls(client, tls_hostname, ca_file)
    except (OSError, smtplib.SMTPException) as error:
        return ProbeResult(True, error=f"SMTP conversation failed: {error}")
    finally:
        with contextlib.suppress(Exception):
            client.quit()
        with contextlib.suppress(Exception):
            client.close()
    accepted, reply = _relay_attempt(host, port, timeout)
    return ProbeResult(
        True,
        ehlo_name=ehlo_name,
        starttls_offered=offered,
        tls_ok=tls_ok,
        tls_error=tls_error,
        tls_version=version,
        relay_accepted=accepted,
        relay_reply=reply,
    )


def _starttls(
    client: smtplib.SMTP, hostname: str | None, ca_file: str | None
) -> tuple[bool, str, str]:
    if not hostname:
        return False, "no hostname known to validate the certificate against", ""
    code, message = client.docmd("STARTTLS")
    if code != 220:
        return False, f"STARTTLS refused: {_reply_text(code, message)}", ""
    context = ssl.create_default_context(cafile=ca_file)
    sock = client.sock
    assert sock is not None
    try:
        wrapped = context.wrap_socket(sock, server_hostname=hostname)
    except ssl.SSLCertVerificationError as error:
        return False, f"certificate not valid for {hostname}: {error.verify_message}", ""
    except (ssl.SSLError, OSError) as error:
        return False, f"TLS handshake failed: {error}", ""
    client.sock = wrapped
    client.file = None
    version = wrapped.version() or ""
    client.ehlo(PROBE_HELO)
    return True, "", version


def _relay_attempt(host: str, port: int, timeout: float) -> tuple[bool | None, str]:
    try:
        client = smtplib.SMTP(timeout=timeout)
        client.connect(host, port)
    except (OSError, smtplib.SMTPException) as error:
        return None, f"cannot connect for the relay attempt: {error}"
    try:
        client.ehlo(PROBE_HELO)
        code, message = client.mail("")
        if code >= 400:
            return False, f"MAIL FROM:<> -> {_reply_text(code, message)}"
        code, message = client.rcpt(PROBE_RECIPIENT)
        return 200 <= code < 300, f"RCPT TO:<{PROBE_RECIPIENT}> -> {_reply_text(code, message)}"
    except (TimeoutError, OSError, smtplib.SMTPException) as error:
        return None, f"relay attempt interrupted: {error}"
    finally:
        with contextlib.suppress(Exception):
            client.rset()
            client.quit()
        with contextlib.suppress(Exception):
            client.close()
