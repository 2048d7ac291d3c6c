"""Domain name rules shared by the config model (RFC 1035 / RFC 5890 LDH names)."""

from __future__ import annotations

import re
from functools import lru_cache

from publicsuffixlist import PublicSuffixList

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_UNDERSCORE_LABEL = re.compile(r"^_?(?!-)[a-z0-9-]{1,63}(?<!-)$")


def domain_name_problem(name: str, allow_underscore: bool = False) -> str | None:
    """Why `name` is not a usable host/domain name, or None when it is."""
    if not name or len(name) > 253:
        return "expected a domain name of 1 to 253 characters"
    if name != name.lower():
        return "expected a lower-case domain name"
    labels = name.split(".")
    if len(labels) < 2:
        return "expected a fully qualified domain name of two labels or more (mail.example.com)"
    pattern = _UNDERSCORE_LABEL if allow_underscore else _LABEL
    for label in labels:
        if not pattern.match(label):
            return (
                f"label {label!r} is not valid; labels are 1-63 letters, digits or hyphens,"
                " not starting or ending with a hyphen"
            )
    if labels[-1].isdigit():
        return "the top-level label cannot be numeric"
    return None


def is_subdomain(child: str, parent: str) -> bool:
    """True when `child` lies strictly below `parent`."""
    return child.endswith("." + parent)


@lru_cache(maxsize=1)
def _suffix_list() -> PublicSuffixList:
    return PublicSuffixList()


def registrable_domain(name: str) -> str | None:
    """The organizational domain (public suffix + one label), the usual DNS zone apex."""
    result = _suffix_list().privatesuffix(name)
    return str(result) if result else None
