"""The provider-neutral DNS record: built by components, published by adapters, read by checks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from components.records.names import dns_name_problem

SUPPORTED_TYPES = ("A", "AAAA", "CNAME", "MX", "TXT")
DEFAULT_TTL = 300
# What `mailstack plan` shows for a value Pulumi only learns on deploy (an Easy DKIM token, a key).
UNKNOWN = "<unknown>"


@dataclass(frozen=True, order=True)
class DnsRecord:
    """One record set: every value of one type at one name.

    `name` is fully qualified, lower case, without the trailing dot.
    TXT values are the logical string (unsplit, unquoted); adapters split them
    into 255-byte character-strings as their provider requires.
    MX values are "<preference> <exchange>"; CNAME and MX targets carry no trailing dot.
    """

    name: str
    type: str
    values: tuple[str, ...]
    ttl: int = DEFAULT_TTL

    def __post_init__(self) -> None:
        if self.type not in SUPPORTED_TYPES:
            raise ValueError(
                f"record type {self.type!r} is not one of {', '.join(SUPPORTED_TYPES)}"
            )
        if not self.values:
            raise ValueError(f"record {self.name} {self.type} has no values")
        if self.type == "CNAME" and len(self.values) != 1:
            raise ValueError(f"CNAME {self.name} must have exactly one value")

    def relative_to(self, zone: str) -> str:
        """The record's name relative to `zone` ("@" at the apex)."""
        return relative_name(self.name, zone)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "values": list(self.values), "ttl": self.ttl}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DnsRecord:
        return cls(
            name=normalize_name(str(data["name"])),
            type=str(data["type"]).upper(),
            values=tuple(str(v) for v in data["values"]),
            ttl=int(data.get("ttl", DEFAULT_TTL)),
        )


def normalize_name(name: str) -> str:
    return name.strip().rstrip(".").lower()


def relative_name(name: str, zone: str) -> str:
    name, zone = normalize_name(name), normalize_name(zone)
    if name == zone:
        return "@"
    suffix = "." + zone
    if not name.endswith(suffix):
        raise ValueError(f"{name} is not inside zone {zone}")
    return name[: -len(suffix)]


def is_within(name: str, zone: str) -> bool:
    name, zone = normalize_name(name), normalize_name(zone)
    return name == zone or name.endswith("." + zone)


def sorted_records(records: Iterable[DnsRecord]) -> list[DnsRecord]:
    return sorted(records, key=lambda r: (r.name, r.type, r.values))


def is_unknown(text: str) -> bool:
    """True when `text` is, or contains, a value known only after deployment."""
    return UNKNOWN in text


def domain_problem(name: str, *, service_labels: bool = False) -> str | None:
    """Why `name` is not a usable lower-case domain name, or None when it is.

    Host names (MX and CNAME targets, mail domains) take letters, digits and hyphens
    only; `service_labels=True` also admits underscore labels such as `_dmarc`.
    """
    return dns_name_problem(name, service_labels=service_labels)
