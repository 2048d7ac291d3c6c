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
