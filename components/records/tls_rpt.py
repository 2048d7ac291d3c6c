"""SMTP TLS reporting (RFC 8460): the `_smtp._tls` TXT record."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit, urlunsplit

from components.records.dmarc import mailbox
from components.records.dns_record import domain_problem, normalize_name
from components.records.errors import RecordError
from components.records.plain_text import control_character_problem

# Characters that would end a URI inside the record (RFC 8460 3: "," and ";" must be %-encoded).
_FORBIDDEN = set(',;! \t"\\')


def validate_tls_rpt_uri(uri: str) -> str:
    """A `mailto:` or `https:` report URI, normalized; a bare address gets `mailto:`."""
    text = uri.strip() if isinstance(uri, str) else ""
    if not text:
        raise RecordError(f"TLS-RPT report URI {uri!r} is empty; expected mailto: or https:")
    control = control_character_problem(text)
    if control:
        raise RecordError(f"TLS-RPT report URI {uri!r} {control}")
    if _FORBIDDEN & set(text) or not text.isascii():
        raise RecordError(
            f"TLS-RPT report URI {uri!r} contains a space, comma, semicolon, quote, backslash,"
            " '!' or non-ASCII character; allowed: a plain mailto: or https: URI"
        )
    scheme, colon, rest = text.partition(":")
    if not colon or "@" in scheme:
        return "mailto:" + mailbox(text, f"TLS-RPT report URI {uri!r}")
    if scheme.lower() == "mailto":
        return "mailto:" + mailbox(rest, f"TLS-RPT report URI {uri!r}")
    if scheme.lower() == "https":
        parts = urlsplit(text)
        host = (parts.hostname or "").lower()
        problem = domain_problem(host) if host else "no host"
        if not problem and "." not in host:
            problem = f"host {host!r} is not fully qualified"
        try:
            parts.port  # noqa: B018 - urlsplit validates the port only when it is read
        except ValueError:
            problem = "the port is not a number from 0 to 65535"
        if parts.username is not None or parts.password is not None:
            problem = "credentials are not allowed in the URL"
        if not text[len("https:") :].startswith("//"):
            problem = "expected https:// followed by a host"
        elif not problem and urlunsplit(parts) != text:
            # What is published must be what a reporter parses: one reading of the URI only.
            problem = f"it does not read back unchanged (parsed as {urlunsplit(parts)!r})"
        if problem:
            raise RecordError(
                f"TLS-RPT report URI {uri!r} is not a valid https URL ({problem});"
                " expected e.g. https://tlsrpt.example.com/v1"
            )
        return "https" + text[len(scheme) :]
    raise RecordError(
        f"TLS-RPT report URI {uri!r} uses the {scheme!r} scheme; allowed: mailto: and https:"
    )


def tls_rpt_txt(rua: Sequence[str]) -> str:
    """`v=TLSRPTv1; rua=<uri>[,<uri>...]`."""
    if isinstance(rua, str):
        rua = [rua]
    if not rua:
        raise RecordError("TLS-RPT needs at least one report URI (mailto: or https:)")
    uris = dict.fromkeys(validate_tls_rpt_uri(uri) for uri in rua)
    return f"v=TLSRPTv1; rua={','.join(uris)}"


def tls_rpt_record_name(domain: str) -> str:
    """`_smtp._tls.<domain>`."""
    name = normalize_name(domain)
    problem = domain_problem(name)
    if problem:
        raise RecordError(f"TLS-RPT domain {domain!r} is not valid: {problem}")
    return f"_smtp._tls.{name}"
