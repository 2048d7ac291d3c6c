"""Records for a custom MAIL FROM (envelope sender) domain used by Amazon SES."""

from __future__ import annotations

from components.records.dns_record import DnsRecord, domain_problem, normalize_name
from components.records.errors import RecordError
from components.records.ses import ses_feedback_host
from components.records.spf import SES_SPF_INCLUDE, build_spf

MAX_TTL = 2_147_483_647  # RFC 2181 8: TTLs are 31-bit unsigned


def mail_from_spf() -> str:
    # "~all", not "-all": only SES sends with this envelope domain, so legitimate mail
    # always passes either way, while RFC 9989 warns that some receivers act on an SPF
    # hard fail before DMARC runs and would then reject forwarded mail whose DKIM
    # signature still aligns. DMARC, not this record, is where rejection is decided.
    return build_spf([SES_SPF_INCLUDE], "~all")


def mail_from_records(mail_from: str, region: str, ttl: int) -> list[DnsRecord]:
    """MX `10 feedback-smtp.<region>.amazonses.com` and the SPF TXT for the MAIL FROM domain."""
    name = normalize_name(mail_from)
    problem = domain_problem(name)
    if problem:
        raise RecordError(f"MAIL FROM domain {mail_from!r} is not valid: {problem}")
    if isinstance(ttl, bool) or not isinstance(ttl, int) or not 1 <= ttl <= MAX_TTL:
        raise RecordError(f"TTL {ttl!r} is not valid; allowed: 1 to {MAX_TTL} seconds")
    return [
        DnsRecord(name=name, type="MX", values=(f"10 {ses_feedback_host(region)}",), ttl=ttl),
        DnsRecord(name=name, type="TXT", values=(mail_from_spf(),), ttl=ttl),
    ]
