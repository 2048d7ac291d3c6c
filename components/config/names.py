"""Domain name rules shared by the config model (RFC 1035 / RFC 5890 LDH names)."""

from __future__ import annotations

from functools import lru_cache

from publicsuffixlist import PublicSuffixList

from components.records.names import dns_name_problem
from components.records.plain_text import control_character_problem


def domain_name_problem(name: str, allow_underscore: bool = False) -> str | None:
    """Why `name` is not a usable host/domain name, or None when it is."""
    control = control_character_problem(name)
    if control:
        return control
    if not name or len(name) > 253:
        return "expected a domain name of 1 to 253 characters"
    if not name.isascii():
        return _idn_problem(name)
    if name != name.lower():
        return "expected a lower-case domain name"
    if len(name.split(".")) < 2:
        return "expected a fully qualified domain name of two labels or more (mail.example.com)"
    problem = dns_name_problem(name, service_labels=allow_underscore)
    if problem and problem.startswith("the last label"):
        return "the top-level label cannot be numeric"
    return problem


def _idn_problem(name: str) -> str:
    # DNS and SES take internationalized names only in their ASCII (punycode) form; converting
    # silently would publish under a name the user never wrote, so suggest it instead.
    try:
        ascii_form = name.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return "expected an ASCII domain name; write internationalized names in their xn-- form"
    return (
        "expected an ASCII domain name; write internationalized names in their xn-- form,"
        f" here {ascii_form}"
    )


def is_subdomain(child: str, parent: str) -> bool:
    """True when `child` lies strictly below `parent`."""
    return child.endswith("." + parent)


@lru_cache(maxsize=1)
def _suffix_list() -> PublicSuffixList:
    return PublicSuffixList()


def is_public_suffix(name: str) -> bool:
    """True when `name` is itself a public suffix (co.uk, github.io), where no one sends mail."""
    return bool(_suffix_list().is_public(name))


def registrable_domain(name: str) -> str | None:
    """The organizational domain (public suffix + one label), the usual DNS zone apex."""
    result = _suffix_list().privatesuffix(name)
    return str(result) if result else None
