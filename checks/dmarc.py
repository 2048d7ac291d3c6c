"""DMARC records (RFC 9989): tag parsing, the DNS tree walk, report-address authorization."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from checks.resolver import Lookup, Resolver
from components.records.plain_text import control_character_problem

POLICIES = ("none", "quarantine", "reject")
# RFC 9989 tags and what each accepts.
_ALIGNMENT = ("r", "s")
_YES_NO = ("y", "n")
_PSD = ("y", "n", "u")
# Tags of RFC 7489 that RFC 9989 removed; receivers ignore them now.
LEGACY_TAGS = {
    "pct": "use t=y for testing instead of a percentage",
    "rf": "only afrf was ever defined; it is implied",
    "ri": "receivers choose their own reporting interval",
}
KNOWN_TAGS = ("v", "p", "sp", "np", "psd", "t", "adkim", "aspf", "fo", "rua", "ruf")
# RFC 9989 section 4.10: the tree walk never queries more than 8 names.
_MAX_WALK_LABELS = 8


def is_dmarc(text: str) -> bool:
    # ABNF literals are case-insensitive (RFC 5234), so "V=" counts; DMARC1 is given in hex.
    return re.match(r"[vV]\s*=\s*DMARC1\s*(;|\Z)", text) is not None


@dataclass
class DmarcRecord:
    text: str
    tags: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def policy(self) -> str | None:
        return self.tags.get("p")

    def report_uris(self) -> list[str]:
        uris: list[str] = []
        for tag in ("rua", "ruf"):
            if tag in self.tags:
                uris.extend(u.strip() for u in self.tags[tag].split(",") if u.strip())
        return uris


def parse_dmarc(text: str) -> DmarcRecord:
    """Parse a DMARC record, collecting errors (invalid) and warnings (legacy/odd)."""
    record = DmarcRecord(text)
    parts = [p.strip() for p in text.split(";")]
    if parts and parts[-1] == "":
        parts.pop()
    for index, part in enumerate(parts):
        if "=" not in part:
            record.errors.append(f"{part!r} is not a tag=value pair")
            continue
        name, value = (s.strip() for s in part.split("=", 1))
        name = name.lower()
        if index == 0 and (name != "v" or value != "DMARC1"):
            record.errors.append("the record must start with v=DMARC1")
        if name in record.tags:
            record.errors.append(f"tag {name}= appears more than once")
            continue
        record.tags[name] = value
        _check_tag(record, name, value)
    if "p" not in record.tags:
        if "rua" in record.tags:
            record.warnings.append("no p= tag: treated as p=none because rua= is present")
        else:
            record.errors.append("required tag p= is missing (allowed: none, quarantine, reject)")
    return record


def _check_tag(record: DmarcRecord, name: str, value: str) -> None:
    lowered = value.lower()

    def expect(allowed: tuple[str, ...]) -> None:
        if lowered not in allowed:
            record.errors.append(f"{name}={value!r} is invalid (allowed: {', '.join(allowed)})")

    if name in ("p", "sp", "np"):
        expect(POLICIES)
    elif name in ("adkim", "aspf"):
        expect(_ALIGNMENT)
    elif name == "t":
        expect(_YES_NO)
    elif name == "psd":
        expect(_PSD)
    elif name == "fo":
        options = [o.strip() for o in value.split(":")]
        bad = [o for o in options if o not in ("0", "1", "d", "s")]
        if bad:
            record.errors.append(f"fo={value!r} has invalid options {bad} (allowed: 0, 1, d, s)")
    elif name in ("rua", "ruf"):
        for uri in (u.strip() for u in value.split(",")):
            problem = control_character_problem(uri)
            if problem:
                record.errors.append(f"{name}= entry {uri!r} {problem}")
            elif not re.fullmatch(r"mailto:[^@\s]+@[^@\s!]+(![0-9]+[kmgt]?)?", uri, re.IGNORECASE):
                record.errors.append(
                    f"{name}= entry {uri!r} is not a mailto: URI (RFC 9989 section 4.7)"
                )
    elif name in LEGACY_TAGS:
        record.warnings.append(
            f"{name}= is an RFC 7489 tag removed by RFC 9989: {LEGACY_TAGS[name]}"
        )
        if name == "pct" and (not value.isdigit() or not 0 <= int(value) <= 100):
            record.errors.append(f"pct={value!r} is not an integer 0-100")
    elif name != "v":
        record.warnings.append(f"unknown tag {name}= is ignored by receivers")


@dataclass(frozen=True)
class DmarcDiscovery:
    """Where the policy for a domain was found by the tree walk, and what was there."""

    domain: str
    found_at: str | None
    records: tuple[str, ...]
    errors: tuple[str, ...]
    # TXT values on the walk that mention DMARC1 but are not DMARC records (typos, no `;`).
    malformed: tuple[tuple[str, str], ...] = ()

    @property
    def at_domain(self) -> bool:
        return self.found_at == self.domain


def walk_targets(domain: str) -> list[str]:
    """Names queried by the RFC 9989 DNS tree walk, in order (without the _dmarc prefix)."""
    labels = domain.rstrip(".").lower().split(".")
    targets = [".".join(labels)]
    if len(labels) > _MAX_WALK_LABELS:
        labels = labels[-(_MAX_WALK_LABELS - 1) :]
        targets.append(".".join(labels))
    else:
        labels = labels[1:]
        if labels:
            targets.append(".".join(labels))
    while len(labels) > 1:
        labels = labels[1:]
        targets.append(".".join(labels))
    return targets


async def discover(resolver: Resolver, domain: str) -> DmarcDiscovery:
    """Query _dmarc at the domain, then walk up the tree until a DMARC record is found."""
    errors: list[str] = []
    malformed: list[tuple[str, str]] = []
    for target in walk_targets(domain):
        lookup: Lookup = await resolver.lookup(f"_dmarc.{target}", "TXT")
        if lookup.failed:
            errors.append(lookup.describe())
            if target == domain.rstrip(".").lower():
                # Without an answer at the domain itself the walk would mislead.
                return DmarcDiscovery(domain, None, (), tuple(errors), tuple(malformed))
            continue
        records = tuple(v for v in lookup.values if is_dmarc(v))
        malformed += [
            (target, v) for v in lookup.values if not is_dmarc(v) and "dmarc1" in v.lower()
        ]
        if records:
            return DmarcDiscovery(domain, target, records, tuple(errors), tuple(malformed))
    return DmarcDiscovery(domain, None, (), tuple(errors), tuple(malformed))


def mailto_domain(uri: str) -> str | None:
    match = re.match(r"^mailto:[^@]+@([^!]+)", uri.strip(), re.IGNORECASE)
    return match.group(1).rstrip(".").lower() if match else None


def report_authorization_name(policy_domain: str, report_domain: str) -> str:
    """RFC 9989 section 4.7.1 (external destinations): where the receiver must opt in."""
    return f"{policy_domain.rstrip('.').lower()}._report._dmarc.{report_domain}"
