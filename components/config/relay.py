"""Relay host settings for `sender: postfix` domains (`mailstack:domains[i].relay`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from components.config.problems import Problems, Section

RELAY_KEYS = ("hostname", "instanceType", "allowedCidrs", "dkimSelector")


@dataclass(frozen=True)
class RelaySettings:
    hostname: str
    instance_type: str
    allowed_cidrs: tuple[str, ...]
    dkim_selector: str


def parse_relay(raw: Any, path: str, problems: Problems, domain: str) -> RelaySettings:
    section = Section(raw, path, problems, RELAY_KEYS)
    return RelaySettings(
        hostname=section.string("hostname", default=f"relay1.{domain}") or f"relay1.{domain}",
        instance_type=section.string("instanceType", default="t3.small") or "t3.small",
        allowed_cidrs=section.string_list("allowedCidrs"),
        dkim_selector=section.string("dkimSelector", default="relay") or "relay",
    )
