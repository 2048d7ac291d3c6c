"""SPF records (RFC 7208): term syntax, the 10-lookup limit, building and parsing.

A domain publishes exactly one SPF record, so every sender's terms are merged into
one call of `build_spf`; the lookup limit is checked here, when config is read,
rather than discovered by receivers as a permerror after deployment.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence

from components.records.errors import RecordError

MAX_DNS_LOOKUPS = 10
SES_SPF_INCLUDE = "include:amazonses.com"
ALL_QUALIFIERS = ("-all", "~all", "?all")

QUALIFIERS = "+-~?"
# Mechanisms and modifiers whose evaluation queries DNS (RFC 7208 4.6.4); exp= does not
# count because it is only looked up after a failure.
LOOKUP_TERMS = ("include", "a", "mx", "ptr", "exists", "redirect")
_MODIFIERS = ("redirect", "exp")

_MACRO_EXPAND = r"%\{[slodiphcrtvSLODIPHCRTV][0-9]*[rR]?[.\-+,/_=]*\}|%%|%_|%-"
_MACRO_STRING = re.compile(rf"(?:{_MACRO_EXPAND}|[\x21-\x24\x26-\x7e])*")
_MACRO_EXPAND_AT_END = re.compile(rf"(?:{_MACRO_EXPAND})\Z")
_TOPLABEL = re.compile(
    r"(?:[a-z0-9]*[a-z][a-z0-9]*|[a-z0-9]+-[a-z0-9-]*[a-z0-9])\.?\Z", re.IGNORECASE
)
_CIDR4 = r"(?:0|[1-9][0-9]?)"
_CIDR6 = r"(?:0|[1-9][0-9]{0,2})"
_A_OR_MX = re.compile(
    rf"^(?P<name>a|mx)(?::(?P<domain>.+?))?(?:/(?P<c4>{_CIDR4}))?(?://(?P<c6>{_CIDR6}))?\Z",
    re.IGNORECASE,
)
_IP4 = re.compile(rf"^ip4:(?P<addr>[^/]+)(?:/(?P<cidr>{_CIDR4}))?\Z", re.IGNORECASE)
_IP6 = re.compile(rf"^ip6:(?P<addr>[^/]+)(?:/(?P<cidr>{_CIDR6}))?\Z", re.IGNORECASE)

_ALLOWED = (
    "allowed: all, include:<domain>, a[:<domain>][/<cidr>][//<cidr6>], mx[:<domain>][/<cidr>]"
    "[//<cidr6>], ptr[:<domain>], ip4:<address>[/0-32], ip6:<address>[/0-128], exists:<domain>,"
    " redirect=<domain>, exp=<domain>; mechanisms may start with a qualifier + - ~ ?"
)


def validate_term(term: str) -> None:
    """Raise RecordError unless `term` is one RFC 7208 mechanism or modifier."""
    problem = _term_problem(term)
    if problem:
        raise RecordError(f"SPF term {term!r} is not valid: {problem}")


def count_dns_lookups(terms: Sequence[str]) -> int:
    """DNS-querying terms of this record; each include: adds its target's own at verify time."""
    return len(_lookup_terms(terms))


def dedupe_terms(terms: Sequence[str]) -> list[str]:
    """`terms` stripped, in order, without repeats (mechanism names and literal domains
    compare case-insensitively, since DNS does)."""
    seen: set[str] = set()
    result: list[str] = []
    for raw in terms:
        term = raw.strip()
        key = _term_key(term)
        if key not in seen:
            seen.add(key)
            result.append(term)
    return result


def build_spf(terms: Sequence[str], all_qualifier: str = "~all") -> str:
    """`v=spf1 <terms> <all_qualifier>`, validated against RFC 7208.

    `all_qualifier` is one of -all, ~all, ?all, or "" to end without `all`, which a
    record delegating with `redirect=` must do (RFC 7208 6.1 ignores redirect when
    `all` is present). `+all` is refused: it authorizes every host on the Internet.
    """
    if isinstance(terms, str):
        raise RecordError(f"SPF terms must be a list of terms, not the string {terms!r}")
    unique = dedupe_terms(terms)
    for term in unique:
        validate_term(term)
        if _name(term) == "all":
            raise RecordError(
                f"SPF term {term!r} is not allowed in the term list: the record ends with"
                f" the all qualifier ({', '.join(ALL_QUALIFIERS)}), set separately"
            )
    if all_qualifier not in (*ALL_QUALIFIERS, ""):
        raise RecordError(
            f"SPF all qualifier {all_qualifier!r} is not valid;"
            f" allowed: {', '.join(ALL_QUALIFIERS)}"
            " (or empty together with redirect=); +all would let any host send as the domain"
        )
    for modifier in _MODIFIERS:
        found = [t for t in unique if _name(t) == modifier]
        if len(found) > 1:
            raise RecordError(
                f"SPF record has {len(found)} {modifier}= modifiers ({', '.join(found)});"
                " RFC 7208 6 allows at most one"
            )
    redirects = [t for t in unique if _name(t) == "redirect"]
    if redirects and all_qualifier:
        raise RecordError(
            f"SPF {redirects[0]!r} cannot be combined with {all_qualifier!r}: receivers ignore"
            " redirect= when the record has an all mechanism; drop one of them"
        )
    lookups = _lookup_terms(unique)
    if len(lookups) > MAX_DNS_LOOKUPS:
        raise RecordError(
            f"SPF record needs {len(lookups)} DNS lookups ({', '.join(lookups)}); RFC 7208 4.6.4"
            f" allows at most {MAX_DNS_LOOKUPS}: replace some include:, a or mx terms with"
            " ip4:/ip6: ranges"
        )
    return " ".join(["v=spf1", *unique, *([all_qualifier] if all_qualifier else [])])


def is_spf_record(text: str) -> bool:
    """True when a TXT value is an SPF record (RFC 7208 4.5: `v=spf1` then a space or the end)."""
    head = text[:7].lower()
    return head == "v=spf1" or head == "v=spf1 "


def parse_spf(text: str) -> tuple[list[str], str]:
    """(terms, all qualifier) of an SPF record; the qualifier is "" when it has no `all`.

    The `all` mechanism is returned separately with an explicit qualifier (`all` is `+all`).
    """
    version, _, rest = text.strip().partition(" ")
    if version.lower() != "v=spf1":
        raise RecordError(f"SPF record {text!r} is not valid: it must start with 'v=spf1 '")
    terms: list[str] = []
    all_qualifier = ""
    for term in rest.split():
        validate_term(term)
        if _name(term) == "all":
            if all_qualifier:
                raise RecordError(f"SPF record {text!r} has more than one all mechanism")
            qualifier = term[0] if term[0] in QUALIFIERS else "+"
            all_qualifier = qualifier + "all"
        else:
            terms.append(term)
    for modifier in _MODIFIERS:
        if sum(1 for t in terms if _name(t) == modifier) > 1:
            raise RecordError(f"SPF record {text!r} has more than one {modifier}= modifier")
    return terms, all_qualifier


def _name(term: str) -> str:
    """The lower-case mechanism or modifier name of a syntactically valid term."""
    body = term.lstrip(QUALIFIERS)
    return re.split(r"[:=/]", body, maxsplit=1)[0].lower()


def _lookup_terms(terms: Sequence[str]) -> list[str]:
    return [t for t in terms if _name(t.strip()) in LOOKUP_TERMS]


def _term_key(term: str) -> str:
    qualifier = term[0] if term and term[0] in QUALIFIERS else "+"
    body = term.lstrip(QUALIFIERS)
    # Macro letters are case-sensitive (upper case asks for URL escaping); literal names are not.
    return qualifier + (body if "%" in body else body.lower())


def _term_problem(term: str) -> str | None:
    if not isinstance(term, str) or not term:
        return "a term cannot be empty; " + _ALLOWED
    if term != term.strip() or any(c.isspace() for c in term):
        return "a term cannot contain spaces; " + _ALLOWED
    if not term.isascii():
        return "SPF records are ASCII; write domains in their xn-- form"
    qualifier = term[0] if term[0] in QUALIFIERS else ""
    body = term[len(qualifier) :]
    if "=" in body and not body.lower().startswith(("ip4:", "ip6:", "include:", "exists:")):
        name, _, value = body.partition("=")
        if name.lower() not in _MODIFIERS:
            return f"unknown modifier {name!r}; " + _ALLOWED
        if qualifier:
            return f"the {name}= modifier takes no qualifier"
        return _domain_spec_problem(value)
    name, colon, value = body.partition(":")
    lowered = name.lower()
    if lowered in ("a", "mx") or lowered.startswith(("a/", "mx/")):
        match = _A_OR_MX.match(body)
        if not match or not _cidr_ok(match.group("c4"), 32) or not _cidr_ok(match.group("c6"), 128):
            return "a and mx take an optional :<domain>, /<0-32> and //<0-128>; " + _ALLOWED
        domain = match.group("domain")
        return _domain_spec_problem(domain) if domain is not None else None
    if lowered == "all":
        return "all takes no argument" if colon else None
    if lowered in ("include", "exists"):
        if not colon:
            return f"{lowered} needs a domain, e.g. {lowered}:_spf.example.com"
        return _domain_spec_problem(value)
    if lowered == "ptr":
        return _domain_spec_problem(value) if colon else None
    if lowered == "ip4":
        return _ip_problem(body, _IP4, ipaddress.IPv4Address, "ip4:192.0.2.0/24")
    if lowered == "ip6":
        return _ip_problem(body, _IP6, ipaddress.IPv6Address, "ip6:2001:db8::/32")
    return f"unknown mechanism {name!r}; " + _ALLOWED


def _ip_problem(
    body: str,
    pattern: re.Pattern[str],
    kind: type[ipaddress.IPv4Address] | type[ipaddress.IPv6Address],
    example: str,
) -> str | None:
    bits = 32 if kind is ipaddress.IPv4Address else 128
    match = pattern.match(body)
    if match and _cidr_ok(match.group("cidr"), bits):
        address = match.group("addr")
        if "%" not in address:
            try:
                kind(address)
                return None
            except ValueError:
                pass
    return f"expected an address with an optional /0-{bits} prefix, e.g. {example}"


def _cidr_ok(length: str | None, bits: int) -> bool:
    return length is None or int(length) <= bits


def _domain_spec_problem(spec: str) -> str | None:
    """RFC 7208 7.1 domain-spec: a macro-string ending in a top label or a macro expansion."""
    if not spec:
        return "the domain is empty"
    if not _MACRO_STRING.fullmatch(spec):
        return f"{spec!r} is not a valid domain (check % macros and characters)"
    if _MACRO_EXPAND_AT_END.search(spec):
        return None
    if "%" not in spec:
        literal = spec.rstrip(".")
        labels = literal.split(".")
        if len(literal) > 253 or any(not 1 <= len(label) <= 63 for label in labels):
            return f"{spec!r} is not a valid domain: labels are 1-63 characters, 253 in all"
    head, dot, last = spec.rstrip(".").rpartition(".")
    if not dot or not head or not _TOPLABEL.fullmatch(last):
        return f"{spec!r} is not a fully qualified domain (it must end in a label such as .com)"
    return None
