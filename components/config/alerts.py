"""Alert routing and reputation thresholds (`mailstack:alerts`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from components.config.problems import Problems, Section

ALERT_KEYS = ("emails", "webhooks", "bounceRate", "complaintRate", "autoPause")


@dataclass(frozen=True)
class Thresholds:
    warning: float
    critical: float


# Half of AWS's review level warns; the review level itself is critical, so alarms fire before AWS acts.
DEFAULT_BOUNCE = Thresholds(warning=0.025, critical=0.05)
DEFAULT_COMPLAINT = Thresholds(warning=0.0005, critical=0.001)


@dataclass(frozen=True)
class AlertSettings:
    emails: tuple[str, ...] = ()
    webhooks: tuple[str, ...] = ()
    bounce_rate: Thresholds = DEFAULT_BOUNCE
    complaint_rate: Thresholds = DEFAULT_COMPLAINT
    auto_pause: bool = False


def _thresholds(section: Section, key: str, default: Thresholds) -> Thresholds:
    sub = section.section(key, ("warning", "critical"))
    warning = sub.number("warning", default.warning, 0.0, 1.0)
    critical = sub.number("critical", default.critical, 0.0, 1.0)
    if warning > critical:
        section.problems.add(
            sub.key_path("warning"), warning, f"must not exceed critical ({critical})"
        )
    return Thresholds(warning=warning, critical=critical)


def parse_alerts(raw: Any, path: str, problems: Problems) -> AlertSettings:
    section = Section(raw, path, problems, ALERT_KEYS)
    return AlertSettings(
        emails=section.string_list("emails"),
        webhooks=section.string_list("webhooks"),
        bounce_rate=_thresholds(section, "bounceRate", DEFAULT_BOUNCE),
        complaint_rate=_thresholds(section, "complaintRate", DEFAULT_COMPLAINT),
        auto_pause=section.boolean("autoPause", False),
    )
