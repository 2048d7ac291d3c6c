"""Alert routing and reputation thresholds (`mailstack:alerts`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from components.config.problems import Problems, Section
from components.records.dns_record import domain_problem

ALERT_KEYS = (
    "emails",
    "webhooks",
    "bounceRate",
    "complaintRate",
    "autoPause",
    "minimumSends",
    "periodSeconds",
    "evaluationPeriods",
    "campaignTag",
    "relay",
)
RELAY_ALERT_KEYS = ("bounceRate", "deferralRate", "minimumMessages")

# CloudWatch accepts these periods for standard-resolution alarms that must still react quickly.
ALLOWED_PERIODS = (300, 600, 900, 1800, 3600)
# AWS reviews and may pause an account within hours; an alarm that needs longer is no warning.
MAX_REACTION_SECONDS = 3600

# RFC 5322 atext dot-atoms: the addresses SNS subscribes, nothing quoted.
_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+"
)
# RFC 3986 2: the characters a URI is written with; anything else must be %-encoded.
_URI = re.compile(r"[A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=%-]+")
# SES message tag names and CloudWatch dimension names share this alphabet.
_TAG_NAME = re.compile(r"[A-Za-z0-9_-]{1,256}")


@dataclass(frozen=True)
class Thresholds:
    warning: float
    critical: float


# Half of AWS's review level warns; the review level itself is critical,
# so alarms fire before AWS acts.
DEFAULT_BOUNCE = Thresholds(warning=0.025, critical=0.05)
DEFAULT_COMPLAINT = Thresholds(warning=0.0005, critical=0.001)
# A relay has no AWS reviewer, but receivers judge it by the same bounce levels.
DEFAULT_RELAY_BOUNCE = DEFAULT_BOUNCE
# A quarter of attempts deferred means throttling or a block list, not ordinary greylisting.
DEFAULT_RELAY_DEFERRAL = Thresholds(warning=0.1, critical=0.25)
DEFAULT_MINIMUM_SENDS = 1000
DEFAULT_MINIMUM_RELAY_MESSAGES = 50
DEFAULT_PERIOD_SECONDS = 900
DEFAULT_EVALUATION_PERIODS = 1
DEFAULT_CAMPAIGN_TAG = "campaign"


@dataclass(frozen=True)
class RelayAlertSettings:
    bounce_rate: Thresholds = DEFAULT_RELAY_BOUNCE
    deferral_rate: Thresholds = DEFAULT_RELAY_DEFERRAL
    # Below this many delivery attempts in a period, relay ratios are not evaluated.
    minimum_messages: int = DEFAULT_MINIMUM_RELAY_MESSAGES


@dataclass(frozen=True)
class AlertSettings:
    emails: tuple[str, ...] = ()
    webhooks: tuple[str, ...] = ()
    bounce_rate: Thresholds = DEFAULT_BOUNCE
    complaint_rate: Thresholds = DEFAULT_COMPLAINT
    auto_pause: bool = False
    # Below this many sends in a period, rates computed from event metrics are not evaluated.
    minimum_sends: int = DEFAULT_MINIMUM_SENDS
    period_seconds: int = DEFAULT_PERIOD_SECONDS
    evaluation_periods: int = DEFAULT_EVALUATION_PERIODS
    campaign_tag: str = DEFAULT_CAMPAIGN_TAG
    relay: RelayAlertSettings = field(default_factory=RelayAlertSettings)


def _level(sub: Section, key: str, default: float) -> float:
    value = sub.value(key)
    if not sub.has(key):
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
        sub.problems.add(
            sub.key_path(key),
            value,
            "expected a number from 0.0 to 1.0, above 0 (a rate: 0.05 means 5%)",
        )
        return default
    if value == 0:
        sub.problems.add(
            sub.key_path(key),
            value,
            "expected a number above 0 and up to 1 (a rate of 0 would alarm on every period)",
        )
        return default
    return float(value)


def _thresholds(section: Section, key: str, default: Thresholds) -> Thresholds:
    sub = section.section(key, ("warning", "critical"))
    warning = _level(sub, "warning", default.warning)
    critical = _level(sub, "critical", default.critical)
    if warning > critical:
        # Name the level the user wrote: a default they never saw is no place to look.
        if sub.has("warning") and sub.has("critical"):
            sub.problems.add(
                sub.key_path("warning"), warning, f"must not exceed critical ({critical})"
            )
        elif sub.has("warning"):
            sub.problems.add(
                sub.key_path("warning"),
                warning,
                f"must not exceed critical ({critical}); critical is not set, so it is the "
                "default: set critical as well to raise it",
            )
        else:
            sub.problems.add(
                sub.key_path("critical"),
                critical,
                f"must not be below warning ({warning}); warning is not set, so it is the "
                f"default: set warning as well, at most {critical}",
            )
    return Thresholds(warning=warning, critical=critical)


def _emails(section: Section) -> tuple[str, ...]:
    valid: dict[str, str] = {}
    for index, email in enumerate(section.string_list("emails")):
        if not _EMAIL.fullmatch(email):
            section.problems.add(
                f"{section.key_path('emails')}[{index}]",
                email,
                "expected an email address such as ops@example.com",
            )
            continue
        # Mail systems treat addresses case-insensitively; one subscription per mailbox.
        valid.setdefault(email.lower(), email)
    return tuple(valid.values())


def _webhooks(section: Section) -> tuple[str, ...]:
    valid: list[str] = []
    for index, url in enumerate(section.string_list("webhooks")):
        try:
            parts = urlsplit(url)
            host = parts.hostname
            # Reading the port validates it (out of range or not a number raises).
            parts.port  # noqa: B018
        except ValueError:
            parts, host = None, None
        if (
            parts is None
            or parts.scheme != "https"
            or not host
            or parts.username is not None
            or parts.password is not None
            or domain_problem(host.rstrip(".")) is not None
            # One reading only: what SNS is given is what was written.
            or urlunsplit(parts) != url
            or not _URI.fullmatch(url)
        ):
            section.problems.add(
                f"{section.key_path('webhooks')}[{index}]",
                url,
                "expected an https:// URL with a valid host name, a valid port if any, no"
                " user:password, and no spaces or characters that need %-encoding"
                " (alerts are never sent over plain HTTP)",
            )
            continue
        if url not in valid:
            valid.append(url)
    return tuple(valid)


def _period(section: Section) -> int:
    value = section.value("periodSeconds")
    if not section.has("periodSeconds"):
        return DEFAULT_PERIOD_SECONDS
    if isinstance(value, bool) or value not in ALLOWED_PERIODS:
        section.problems.add(
            section.key_path("periodSeconds"),
            value,
            f"expected one of {', '.join(str(p) for p in ALLOWED_PERIODS)} (seconds)",
        )
        return DEFAULT_PERIOD_SECONDS
    return int(value)


def _campaign_tag(section: Section) -> str:
    tag = section.string("campaignTag", default=DEFAULT_CAMPAIGN_TAG) or DEFAULT_CAMPAIGN_TAG
    if not _TAG_NAME.fullmatch(tag) or tag.lower().startswith(("aws", "ses")):
        section.problems.add(
            section.key_path("campaignTag"),
            tag,
            "expected a message tag name of letters, digits, '_' or '-' (at most 256), "
            "not starting with 'aws' or 'ses' (those are reserved)",
        )
        return DEFAULT_CAMPAIGN_TAG
    return tag


def _relay(section: Section) -> RelayAlertSettings:
    sub = section.section("relay", RELAY_ALERT_KEYS)
    return RelayAlertSettings(
        bounce_rate=_thresholds(sub, "bounceRate", DEFAULT_RELAY_BOUNCE),
        deferral_rate=_thresholds(sub, "deferralRate", DEFAULT_RELAY_DEFERRAL),
        minimum_messages=sub.integer(
            "minimumMessages", DEFAULT_MINIMUM_RELAY_MESSAGES, 1, 10_000_000
        ),
    )


def parse_alerts(raw: Any, path: str, problems: Problems) -> AlertSettings:
    section = Section(raw, path, problems, ALERT_KEYS)
    period = _period(section)
    evaluation_periods = section.integer("evaluationPeriods", DEFAULT_EVALUATION_PERIODS, 1, 12)
    if period * evaluation_periods > MAX_REACTION_SECONDS:
        problems.add(
            section.key_path("evaluationPeriods"),
            evaluation_periods,
            f"periodSeconds x evaluationPeriods must be at most {MAX_REACTION_SECONDS} so alarms "
            f"react within an hour; with periodSeconds {period} use at most "
            f"{MAX_REACTION_SECONDS // period}",
        )
        evaluation_periods = max(1, MAX_REACTION_SECONDS // period)
    return AlertSettings(
        emails=_emails(section),
        webhooks=_webhooks(section),
        bounce_rate=_thresholds(section, "bounceRate", DEFAULT_BOUNCE),
        complaint_rate=_thresholds(section, "complaintRate", DEFAULT_COMPLAINT),
        auto_pause=section.boolean("autoPause", False),
        minimum_sends=section.integer("minimumSends", DEFAULT_MINIMUM_SENDS, 1, 10_000_000),
        period_seconds=period,
        evaluation_periods=evaluation_periods,
        campaign_tag=_campaign_tag(section),
        relay=_relay(section),
    )
