"""One look at a relay over SMTP: its EHLO name, STARTTLS with certificate validation, and
whether it relays for a stranger. Blocking; callers run it in a thread.

The whole probe (both connections) ends by one deadline, and every reply is capped in
bytes and lines (checks/smtp_reply.py), so a hostile server can neither hold it open
nor flood it.
"""

from __future__ import annotations

import contextlib
import ssl
from dataclasses import dataclass

from checks.deadline import DEFAULT_PROBE_DEADLINE, Deadline
from checks.smtp_reply import Reply, SmtpConnection, SmtpError, printable

# The probe's own names: a reserved TLD, so nothing can ever be delivered anywhere.
PROBE_HELO = "verify.mailstack.invalid"
PROBE_RECIPIENT = "open-relay-probe@mailstack-verify.example"


@dataclass(frozen=True)
class ProbeResult:
    connected: bool
    error: str = ""
    ehlo_name: str | None = None
    # Why the EHLO reply names no server (RFC 5321 section 4.1.1.1 requires it first).
    ehlo_problem: str = ""
    starttls_offered: bool = False
    tls_ok: bool = False
    tls_error: str = ""
    tls_version: str = ""
    relay_accepted: bool | None = None  # None: not determined
    relay_reply: str = ""


def _extensions(reply: Reply) -> set[str]:
    return {line.split()[0].upper() for line in reply.lines[1:] if line.split()}


def probe(
    host: str,
    port: int,
    tls_hostname: str | None,
    timeout: float = 10.0,
    ca_file: str | None = None,
    deadline: Deadline | None = None,
) -> ProbeResult:
    """Connect twice: once for EHLO + STARTTLS, once for a relay attempt (never sends DATA).

    `timeout` bounds each read; `deadline` (default DEFAULT_PROBE_DEADLINE from now) the
    whole probe.
    """
    deadline = deadline or Deadline.after(DEFAULT_PROBE_DEADLINE)
    try:
        client = SmtpConnection(host, port, deadline, timeout)
    except SmtpError as error:
        return ProbeResult(False, error=str(error))
    try:
        banner = client.read_reply("banner")
        if banner.code != 220:
            return ProbeResult(True, error=f"the server refused the session: {banner.describe()}")
        reply = client.command(f"EHLO {PROBE_HELO}")
        if reply.code != 250:
            return ProbeResult(True, error=f"EHLO refused: {reply.describe()}")
        first = reply.lines[0].split()
        ehlo_name = printable(first[0].rstrip(".").lower(), 253) if first else None
        problem = "" if first else f"the EHLO reply {reply.describe()!r} names no server"
        offered = "STARTTLS" in _extensions(reply)
        tls_ok, tls_error, version = False, "", ""
        if offered:
            tls_ok, tls_error, version = _starttls(client, tls_hostname, ca_file)
    except SmtpError as error:
        return ProbeResult(True, error=f"SMTP conversation failed: {error}")
    finally:
        with contextlib.suppress(Exception):
            client.close()
    accepted, relay_reply = _relay_attempt(host, port, timeout, deadline)
    return ProbeResult(
        True,
        ehlo_name=ehlo_name,
        ehlo_problem=problem,
        starttls_offered=offered,
        tls_ok=tls_ok,
        tls_error=tls_error,
        tls_version=version,
        relay_accepted=accepted,
        relay_reply=relay_reply,
    )


def _starttls(
    client: SmtpConnection, hostname: str | None, ca_file: str | None
) -> tuple[bool, str, str]:
    if not hostname:
        return False, "no hostname known to validate the certificate against", ""
    reply = client.command("STARTTLS")
    if reply.code != 220:
        return False, f"STARTTLS refused: {reply.describe()}", ""
    context = ssl.create_default_context(cafile=ca_file)
    try:
        version = client.starttls(context, hostname)
    except ssl.SSLCertVerificationError as error:
        return False, f"certificate not valid for {hostname}: {error.verify_message}", ""
    except (ssl.SSLError, OSError) as error:
        return False, f"TLS handshake failed: {printable(str(error))}", ""
    after = client.command(f"EHLO {PROBE_HELO}")
    if after.code != 250:
        return False, f"EHLO after STARTTLS refused: {after.describe()}", version
    return True, "", version


def _relay_attempt(
    host: str, port: int, timeout: float, deadline: Deadline
) -> tuple[bool | None, str]:
    try:
        client = SmtpConnection(host, port, deadline, timeout)
    except SmtpError as error:
        return None, f"cannot connect for the relay attempt: {error}"
    try:
        client.read_reply("banner")
        client.command(f"EHLO {PROBE_HELO}")
        reply = client.command("MAIL FROM:<>")
        if reply.code >= 400:
            return False, f"MAIL FROM:<> -> {reply.describe()}"
        reply = client.command(f"RCPT TO:<{PROBE_RECIPIENT}>")
        accepted = 200 <= reply.code < 300
        return accepted, f"RCPT TO:<{PROBE_RECIPIENT}> -> {reply.describe()}"
    except SmtpError as error:
        return None, f"relay attempt interrupted: {error}"
    finally:
        with contextlib.suppress(Exception):
            client.command("RSET")
        with contextlib.suppress(Exception):
            client.close()
