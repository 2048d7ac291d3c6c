"""Relay host settings for `sender: postfix` domains (`mailstack:domains[i].relay`)."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any

from components.config.names import domain_name_problem
from components.config.networks import is_internet_wide
from components.config.problems import Problems, Section

RELAY_KEYS = (
    "hostname", "instanceType", "allowedCidrs", "allowSubmissionFromAnywhere", "dkimSelector",
    "dkimSelectors",
    "messageSizeMb", "outboundTls", "throttling", "retry", "smarthost", "sesRegion",
)
THROTTLE_KEYS = ("concurrency", "rateDelaySeconds", "recipientLimit")
RETRY_KEYS = (
    "queueLifetime", "bounceQueueLifetime", "minimalBackoff", "maximalBackoff", "queueRunDelay",
)
# Large mailbox providers throttle hardest; each gets its own Postfix transport.
PROVIDERS = ("gmail", "outlook", "yahoo")
THROTTLING_KEYS = ("default", *PROVIDERS)
OUTBOUND_TLS_LEVELS = ("may", "dane", "encrypt")
SMARTHOSTS = ("none", "ses")
MAX_MESSAGE_SIZE_MB = 150
# The SES SMTP interface refuses messages above 40 MB.
SES_MAX_MESSAGE_SIZE_MB = 40

_INSTANCE_TYPE = re.compile(r"[a-z][a-z0-9-]*\.[a-z0-9]+")
_SELECTOR = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_DURATION = re.compile(r"([1-9][0-9]{0,6})([smhdw])")
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


@dataclass(frozen=True)
class Throttle:
    """Per-destination delivery limits for one Postfix transport.

    Postfix enforces a rate delay *between* deliveries to a destination, so with a
    delay the concurrency is always one; the model refuses asking for both.
    """

    concurrency: int
    rate_delay_seconds: int
    recipient_limit: int


@dataclass(frozen=True)
class Throttling:
    default: Throttle = Throttle(concurrency=20, rate_delay_seconds=0, recipient_limit=50)
    gmail: Throttle = Throttle(concurrency=10, rate_delay_seconds=0, recipient_limit=50)
    outlook: Throttle = Throttle(concurrency=4, rate_delay_seconds=0, recipient_limit=20)
    yahoo: Throttle = Throttle(concurrency=1, rate_delay_seconds=1, recipient_limit=20)

    def provider(self, name: str) -> Throttle:
        value: Throttle = getattr(self, name)
        return value


@dataclass(frozen=True)
class RetryPolicy:
    """Postfix time values ("5d", "300s"): how long to keep trying and how often."""

    queue_lifetime: str = "5d"
    bounce_queue_lifetime: str = "1d"
    minimal_backoff: str = "300s"
    maximal_backoff: str = "4000s"
    queue_run_delay: str = "300s"


@dataclass(frozen=True)
class RelaySettings:
    hostname: str
    instance_type: str
    allowed_cidrs: tuple[str, ...]
    dkim_selector: str
    allow_submission_from_anywhere: bool = False
    # Selectors kept published beside the signing one: the next key before it signs, or the
    # previous one while mail it signed may still be in flight (key rotation overlap).
    published_dkim_selectors: tuple[str, ...] = ()
    message_size_mb: int = 25
    outbound_tls: str = "may"
    throttling: Throttling = field(default_factory=Throttling)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    smarthost: str = "none"
    # SES region for the smarthost; None means the stack's aws:region.
    ses_region: str | None = None

    @property
    def message_size_limit(self) -> int:
        return self.message_size_mb * 1024 * 1024

    @property
    def uses_ses(self) -> bool:
        return self.smarthost == "ses"

    @property
    def dkim_selectors(self) -> tuple[str, ...]:
        """Every published selector, the signing one first."""
        return (self.dkim_selector, *self.published_dkim_selectors)


def duration_seconds(value: str) -> int:
    """Seconds in a Postfix time value such as "300s" or "5d"."""
    match = _DURATION.fullmatch(value)
    if not match:
        raise ValueError(f"{value!r} is not a Postfix time value")
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def _hostname(section: Section, domain: str) -> str:
    default = f"relay1.{domain}"
    value = section.string("hostname", default=default) or default
    problem = domain_name_problem(value)
    if problem:
        section.problems.add(section.key_path("hostname"), value, problem)
    return value


def _instance_type(section: Section) -> str:
    value = section.string("instanceType", default="t3.small") or "t3.small"
    if not _INSTANCE_TYPE.fullmatch(value):
        section.problems.add(
            section.key_path("instanceType"), value,
            "expected an EC2 instance type such as t3.small or m6i.large",
        )
    return value


def _selectors(section: Section) -> tuple[str, ...]:
    """`dkimSelector: s`, or `dkimSelectors: [signing, published...]` for a key rotation."""
    allowed = "expected a DNS label: lower-case letters, digits and inner hyphens, 1-63 characters"
    if section.has("dkimSelectors"):
        if section.has("dkimSelector"):
            section.problems.add(
                section.key_path("dkimSelector"), section.value("dkimSelector"),
                "set either dkimSelector or dkimSelectors, not both",
            )
        values = section.string_list("dkimSelectors")
        if not values:
            section.problems.add(
                section.key_path("dkimSelectors"), section.value("dkimSelectors"),
                "expected at least one selector; the first one signs, all stay published",
            )
            return ("relay",)
        for index, value in enumerate(values):
            if not _SELECTOR.fullmatch(value):
                section.problems.add(section.key_path(f"dkimSelectors[{index}]"), value, allowed)
        if len(set(values)) != len(values):
            section.problems.add(
                section.key_path("dkimSelectors"), list(values), "selectors must be unique"
            )
        return values
    value = section.string("dkimSelector", default="relay") or "relay"
    if not _SELECTOR.fullmatch(value):
        section.problems.add(section.key_path("dkimSelector"), value, allowed)
    return (value,)


def _cidrs(section: Section, open_ok: bool) -> tuple[str, ...]:
    raw = section.value("allowedCidrs")
    path = section.key_path("allowedCidrs")
    if not section.has("allowedCidrs"):
        if section.reported("allowedCidrs"):
            return ()
        section.problems.add(
            path, raw,
            "required; list the networks (CIDR, e.g. 203.0.113.0/24) allowed to submit on port 587",
        )
        return ()
    values = section.string_list("allowedCidrs")
    if not values and isinstance(raw, list):
        section.problems.add(path, raw, "expected at least one CIDR such as 203.0.113.0/24")
    cidrs: list[str] = []
    for index, value in enumerate(values):
        item_path = f"{path}[{index}]"
        try:
            network = ipaddress.ip_network(value, strict=True)
        except ValueError:
            section.problems.add(
                item_path, value,
                "expected a network in CIDR form with no host bits set, e.g. 203.0.113.0/24"
                " or 2001:db8::/32",
            )
            continue
        if is_internet_wide(network) and not open_ok:
            section.problems.add(
                item_path, value,
                "opens submission to the whole Internet; list your senders' networks, or set"
                " allowSubmissionFromAnywhere: true to accept this on purpose",
            )
            continue
        if str(network) in cidrs:
            section.problems.add(item_path, value, "duplicate CIDR; list each network once")
            continue
        cidrs.append(str(network))
    return tuple(cidrs)


def _throttle(section: Section, key: str, default: Throttle) -> Throttle:
    sub = section.section(key, THROTTLE_KEYS)
    concurrency = sub.integer("concurrency", default.concurrency, 1, 100)
    delay_default = default.rate_delay_seconds
    if sub.has("concurrency") and not sub.has("rateDelaySeconds") and concurrency > 1:
        # Raising concurrency alone means "parallel, no delay".
        delay_default = 0
    delay = sub.integer("rateDelaySeconds", delay_default, 0, 3600)
    if sub.has("rateDelaySeconds") and not sub.has("concurrency") and delay > 0:
        concurrency = 1
    if delay > 0 and concurrency > 1:
        sub.problems.add(
            sub.key_path("concurrency"), concurrency,
            f"Postfix delivers one message at a time when rateDelaySeconds ({delay}) is above 0;"
            " set concurrency to 1 or rateDelaySeconds to 0",
        )
        concurrency = 1
    recipient_limit = default.recipient_limit
    if type(sub.raw.get("recipientLimit")) is int and sub.raw.get("recipientLimit") == 1:
        # postconf(5): with a per-destination recipient limit of 1, a "destination" is a
        # recipient address, not a domain; every limit here would then apply per address.
        sub.problems.add(
            sub.key_path("recipientLimit"), 1,
            "expected a whole number from 2 to 1000; with 1, Postfix counts concurrency and"
            " rateDelaySeconds per recipient address instead of per domain, so the"
            " destination would not be throttled",
        )
    else:
        recipient_limit = sub.integer("recipientLimit", default.recipient_limit, 2, 1000)
    return Throttle(
        concurrency=concurrency,
        rate_delay_seconds=delay,
        recipient_limit=recipient_limit,
    )


def _throttling(section: Section, smarthost: str) -> Throttling:
    sub = section.section("throttling", THROTTLING_KEYS)
    defaults = Throttling()
    if smarthost == "ses":
        for provider in PROVIDERS:
            if sub.has(provider):
                # Through SES every message has one destination, the SES endpoint.
                sub.problems.add(
                    sub.key_path(provider), sub.value(provider),
                    "has no effect with smarthost: ses, which sends every message to SES;"
                    " set throttling.default instead",
                )
    return Throttling(
        default=_throttle(sub, "default", defaults.default),
        gmail=_throttle(sub, "gmail", defaults.gmail),
        outlook=_throttle(sub, "outlook", defaults.outlook),
        yahoo=_throttle(sub, "yahoo", defaults.yahoo),
    )


def _duration(section: Section, key: str, default: str, minimum: int, maximum: int) -> str:
    raw = section.value(key)
    if not section.has(key):
        return default
    text = str(raw) + "s" if isinstance(raw, int) and not isinstance(raw, bool) else raw
    allowed = (
        f"expected a time such as 300s, 30m, 4h, 5d or 1w, from {minimum}s to {maximum}s"
    )
    if not isinstance(text, str) or not _DURATION.fullmatch(text):
        section.problems.add(section.key_path(key), raw, allowed)
        return default
    if not minimum <= duration_seconds(text) <= maximum:
        section.problems.add(section.key_path(key), raw, allowed)
        return default
    return text


def _retry(section: Section) -> RetryPolicy:
    sub = section.section("retry", RETRY_KEYS)
    d = RetryPolicy()
    week = _UNIT_SECONDS["w"]
    policy = RetryPolicy(
        queue_lifetime=_duration(sub, "queueLifetime", d.queue_lifetime, 3600, 14 * 86400),
        bounce_queue_lifetime=_duration(
            sub, "bounceQueueLifetime", d.bounce_queue_lifetime, 3600, 14 * 86400
        ),
        minimal_backoff=_duration(sub, "minimalBackoff", d.minimal_backoff, 60, week),
        maximal_backoff=_duration(sub, "maximalBackoff", d.maximal_backoff, 60, week),
        queue_run_delay=_duration(sub, "queueRunDelay", d.queue_run_delay, 60, week),
    )
    if duration_seconds(policy.minimal_backoff) > duration_seconds(policy.maximal_backoff):
        sub.problems.add(
            sub.key_path("minimalBackoff"), policy.minimal_backoff,
            f"must not exceed maximalBackoff ({policy.maximal_backoff})",
        )
    if duration_seconds(policy.maximal_backoff) > duration_seconds(policy.queue_lifetime):
        sub.problems.add(
            sub.key_path("maximalBackoff"), policy.maximal_backoff,
            f"must not exceed queueLifetime ({policy.queue_lifetime}), or mail is never retried",
        )
    return policy


def _ses_region(section: Section, smarthost: str) -> str | None:
    value = section.string("sesRegion")
    if value is None:
        return None
    if smarthost != "ses":
        section.problems.add(
            section.key_path("sesRegion"), value, "only allowed with smarthost: ses"
        )
        return None
    if not _REGION.fullmatch(value):
        section.problems.add(
            section.key_path("sesRegion"), value, "expected an AWS region such as eu-west-1"
        )
        return None
    return value


def _message_size(section: Section, smarthost: str) -> int:
    size = section.integer("messageSizeMb", 25, 1, MAX_MESSAGE_SIZE_MB)
    if smarthost == "ses" and size > SES_MAX_MESSAGE_SIZE_MB:
        section.problems.add(
            section.key_path("messageSizeMb"), size,
            f"expected a whole number from 1 to {SES_MAX_MESSAGE_SIZE_MB} with smarthost: ses;"
            " SES refuses larger messages, so the relay would accept mail it can only bounce",
        )
        return SES_MAX_MESSAGE_SIZE_MB
    return size


def parse_relay(raw: Any, path: str, problems: Problems, domain: str) -> RelaySettings:
    section = Section(raw, path, problems, RELAY_KEYS)
    smarthost = section.choice("smarthost", SMARTHOSTS, default="none")
    open_ok = section.boolean("allowSubmissionFromAnywhere", False)
    selectors = _selectors(section)
    return RelaySettings(
        hostname=_hostname(section, domain),
        instance_type=_instance_type(section),
        allowed_cidrs=_cidrs(section, open_ok),
        dkim_selector=selectors[0],
        published_dkim_selectors=selectors[1:],
        allow_submission_from_anywhere=open_ok,
        message_size_mb=_message_size(section, smarthost),
        outbound_tls=section.choice("outboundTls", OUTBOUND_TLS_LEVELS, default="may"),
        throttling=_throttling(section, smarthost),
        retry=_retry(section),
        smarthost=smarthost,
        ses_region=_ses_region(section, smarthost),
    )
