"""Where a domain's records go: provider, zone name and (optionally) a known zone id."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ZoneTarget:
    provider: str
    zone_name: str
    zone_id: str | None

    @property
    def resource_prefix(self) -> str:
        return f"{self.provider}-{self.zone_name.replace('.', '-')}"
