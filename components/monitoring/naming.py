"""Deterministic, provider-safe names derived from domains and host names."""

from __future__ import annotations

import hashlib
import re

_UNSAFE = re.compile(r"[^a-z0-9-]+")


def slug(text: str, max_length: int = 40) -> str:
    """`news.example.com` -> `news-example-com`; long inputs keep a stable hash suffix."""
    cleaned = _UNSAFE.sub("-", text.strip().lower()).strip("-") or "x"
    if len(cleaned) <= max_length:
        return cleaned
    digest = hashlib.sha256(cleaned.encode()).hexdigest()[:8]
    return f"{cleaned[: max_length - 9].rstrip('-')}-{digest}"


def short_hash(text: str) -> str:
    """A stable key that names a value without revealing it (webhook URLs carry tokens)."""
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def host_slug(host: str, max_length: int = 40) -> str:
    """A host or domain name as a name part, different for every name.

    `slug` maps both `a.b.example.com` and `a-b.example.com` to `a-b-example-com`; doubling
    the hyphens first keeps them apart (`a-b-example-com`, `a--b-example-com`) while names
    without hyphens read as before. Labels never start or end with a hyphen, so a lone hyphen
    is always a dot and the mapping cannot collide.
    """
    return slug(host.strip().rstrip(".").lower().replace("-", "--"), max_length)


# AutoPause appends at most 14 characters; AWS allows 64 in role, function and rule names.
MAX_PREFIX_LENGTH = 50
PAUSE_SUFFIX = "-pause-sending"


def monitoring_prefix(domain: str, name_prefix: str = "mailstack") -> str:
    """What every alarm, topic and function of one sending domain is named with: unique per
    domain (even `a.b.example.com` beside `a-b.example.com`) and at most 50 characters."""
    room = MAX_PREFIX_LENGTH - len(name_prefix) - 1
    if room < 12:
        raise ValueError(
            f"name prefix {name_prefix!r} is too long: at most {MAX_PREFIX_LENGTH - 13} characters"
        )
    return f"{name_prefix}-{host_slug(domain, room)}"


def pause_function_name(monitoring_prefix: str) -> str:
    """The pause function's name, also its role's and its rule's."""
    return f"{monitoring_prefix}{PAUSE_SUFFIX}"
