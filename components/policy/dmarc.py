"""DMARC rules: every sending domain publishes a policy; production stacks enforce it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from components.policy import types as t
from components.policy.dns import RecordView, normalize_name
from components.policy.wire import UNKNOWN, ResourceView

PRODUCTION = "production"
ENFORCING = ("quarantine", "reject")


def sending_domains(
    resources: Iterable[ResourceView], records: Iterable[RecordView], declared: Iterable[str] = ()
) -> list[str]:
    """The From domains of a stack: declared ones, SES domain identities, and DKIM owners."""
    domains = {normalize_name(d) for d in declared if d and d != UNKNOWN}
    for resource in resources:
        if resource.type == t.EMAIL_IDENTITY:
            identity = resource.inputs.get("emailIdentity")
            if isinstance(identity, str) and identity != UNKNOWN and "@" not in identity:
                domains.add(normalize_name(identity))
    for record in records:
        _, marker, owner = record.name.partition("._domainkey.")
        if marker and owner:
            domains.add(owner)
    return sorted(domains)


def published_domains(domains: Iterable[str], records: Iterable[RecordView]) -> list[str]:
    """The domains that have at least one record at or below them in `records`."""
    names = {r.name for r in records}
    return [d for d in domains if any(n == d or n.endswith("." + d) for n in names)]


def dmarc_tags(value: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    for part in value.split(";"):
        key, equals, tag_value = part.partition("=")
        if equals:
            tags.setdefault(key.strip().lower(), tag_value.strip())
    return tags


def _dmarc_values(records: Sequence[RecordView], name: str) -> list[str]:
    return [
        value
        for record in records
        if record.name == name and record.type == "TXT"
        for value in record.values
        if value == UNKNOWN or value.strip().lower().startswith("v=dmarc1")
    ]


def _applicable(domain: str, records: Sequence[RecordView]) -> tuple[str, list[str]]:
    """(owner, values) of the DMARC record receivers use for `domain`: its own, else the
    nearest parent's (RFC 9989 tree walk)."""
    labels = domain.split(".")
    for start in range(len(labels) - 1):
        owner = ".".join(labels[start:])
        values = _dmarc_values(records, f"_dmarc.{owner}")
        if values:
            return owner, values
    return domain, []


def dmarc_published_violations(
    domains: Sequence[str], records: Sequence[RecordView]
) -> list[tuple[str, str]]:
    """(domain, message) for each sending domain receivers would find no single DMARC record for."""
    violations: list[tuple[str, str]] = []
    for domain in domains:
        owner, values = _applicable(domain, records)
        if not values:
            violations.append((
                domain,
                f"{domain} publishes no DMARC record (_dmarc.{domain} TXT \"v=DMARC1; p=...\");"
                f" set mailstack:domains[].dmarc for {domain}, e.g. {{policy: none, rua:"
                " [dmarc-reports@<your domain>]} to start monitoring",
            ))
        elif len(values) > 1:
            violations.append((
                domain,
                f"_dmarc.{owner} has {len(values)} DMARC records; receivers ignore them all"
                " when there is more than one. Publish exactly one",
            ))
    return violations


def dmarc_enforcement_violations(
    domains: Sequence[str], records: Sequence[RecordView], environment: str
) -> list[tuple[str, str]]:
    """(domain, message) for production sending domains whose DMARC policy does not enforce."""
    if environment != PRODUCTION:
        return []
    violations: list[tuple[str, str]] = []
    for domain in domains:
        owner, values = _applicable(domain, records)
        if len(values) != 1 or values[0] == UNKNOWN:
            continue  # missing or ambiguous: dmarc-published reports it
        tags = dmarc_tags(values[0])
        inherited = owner != domain
        policy = tags.get("sp", tags.get("p", "")) if inherited else tags.get("p", "")
        policy = policy.lower()
        source = f"_dmarc.{owner}" + (" (inherited, sp= applies)" if inherited else "")
        if policy not in ENFORCING:
            violations.append((
                domain,
                f"{domain} has DMARC policy p={policy or '(missing)'} in {source} in a production"
                " stack; set mailstack:domains[].dmarc.policy to quarantine or reject once the"
                " aggregate reports show your mail passes",
            ))
        elif tags.get("t", "n").lower() == "y":
            violations.append((
                domain,
                f"{domain} has DMARC p={policy} in testing mode (t=y) in {source}, so receivers"
                " apply the next weaker policy; remove dmarc.testing in production",
            ))
    return violations
