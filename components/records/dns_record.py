"""The provider-neutral DNS record: built by components, published by adapters, read by checks."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

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


_LDH_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)\Z")
# Service labels such as _dmarc, _domainkey and _smtp._tls (RFC 8552).
_SERVICE_LABEL = re.compile(r"^_[a-z0-9](?:[a-z0-9-]{0,60}[a-z0-9])?\Z")


def domain_problem(name: str, *, service_labels: bool = False) -> str | None:
    """Why `name` is not a usable lower-case domain name, or None when it is.

    Host names (MX and CNAME targets, mail domains) take letters, digits and hyphens
    only; `service_labels=True` also admits underscore labels such as `_dmarc`.
    """
    if not name or len(name) > 253:
        return "a domain name has 1 to 253 characters"
    if not name.isascii():
        return "write internationalized names in their ASCII (xn--) form"
    if name != name.lower():
        return "write domain names in lower case"
    labels = name.split(".")
    for label in labels:
        if _LDH_LABEL.match(label) or (service_labels and _SERVICE_LABEL.match(label)):
            continue
        extra = " or an underscore label such as _dmarc" if service_labels else ""
        return (
            f"label {label!r} is not valid: labels are 1-63 letters, digits or hyphens,"
            f" not starting or ending with a hyphen{extra}"
        )
    if labels[-1].isdigit():
        return "the last label cannot be all digits"
    return None
