"""Custom open/click tracking domain: validation and the DNS record that points it at SES."""

from __future__ import annotations

from components.config.problems import Problems
from components.records.dns_record import DnsRecord, domain_problem, is_within, normalize_name
from components.records.plain_text import control_character_problem

TRACKING_TTL = 300


def tracking_host(region: str) -> str:
    """SES's regional open/click tracking endpoint."""
    return f"r.{region}.awstrack.me"


def tracking_record(tracking_domain: str, region: str) -> DnsRecord:
    return DnsRecord(
        normalize_name(tracking_domain), "CNAME", (tracking_host(region),), TRACKING_TTL
    )


def parse_tracking_domain(raw: object, path: str, problems: Problems, domain: str) -> str | None:
    """`trackingDomain` of a sending domain: a host name strictly inside that domain, or absent.

    It must sit inside the sending domain so its CNAME lands in the zone the stack publishes and
    SES accepts it as part of an identity it has verified.
    """
    if raw is None:
        return None
    allowed = f"expected a host name inside {domain}, such as links.{domain}"
    if not isinstance(raw, str) or not raw.strip() or control_character_problem(raw):
        problems.add(path, raw, allowed)
        return None
    if raw.strip().lower().startswith(("http://", "https://")):
        problems.add(path, raw, f"{allowed} (a bare host name; HTTPS is always required)")
        return None
    name = normalize_name(raw)
    if (
        domain_problem(name) is not None
        or not is_within(name, domain)
        or name == normalize_name(domain)
    ):
        problems.add(path, raw, allowed)
        return None
    return name
