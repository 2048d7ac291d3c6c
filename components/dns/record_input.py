"""A record on its way to a provider: like DnsRecord, but name and values may be Pulumi outputs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from components.records.dns_record import DnsRecord


@dataclass(frozen=True)
class RecordInput:
    # Stable logical name for the provider resource, so a value change updates in place.
    key: str
    name: pulumi.Input[str]
    type: str
    values: Sequence[pulumi.Input[str]]
    ttl: int
    # How a plan shows the name and values while parts are known only after deployment: the
    # known parts as they will be, each unknown part as a placeholder such as `<token 1>`.
    preview_name: str | None = None
    preview_values: tuple[str, ...] | None = None

    @classmethod
    def from_record(cls, key: str, record: DnsRecord) -> RecordInput:
        return cls(
            key=key, name=record.name, type=record.type, values=record.values, ttl=record.ttl
        )

    def as_json(self, zone: str | None = None) -> dict[str, Any]:
        """The record in `DnsRecord.to_json` form (plus its zone, when known) with output leaves.

        Each leaf resolves on its own, so a name known only after deployment (an Easy DKIM
        token) leaves the record's type, values, TTL and zone visible in a preview.
        """
        result: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "values": list(self.values),
            "ttl": self.ttl,
        }
        if zone is not None:
            result["zone"] = zone
        return result
