"""SPF record syntax (RFC 7208 section 4.6 and 12): parsing and macro expansion, no I/O."""

from __future__ import annotations

import functools
import ipaddress
import re
import urllib.parse
from dataclasses import dataclass

QUALIFIERS = "+-?~"
MECHANISMS = ("all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists")
# Terms that cost a DNS query under the 10-lookup limit (RFC 7208 section 4.6.4).
LOOKUP_MECHANISMS = ("include", "a", "mx", "ptr", "exists")

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]*")
_MACRO_EXPAND = r"%\{[slodiphcrtvSLODIPHCRTV][0-9]*[rR]?[.\-+,/_=]*\}|%%|%_|%-"
_MACRO_STRING = re.compile(rf"(?:{_MACRO_EXPAND}|[\x21-\x24\x26-\x7e])*")
_TOPLABEL = re.compile(
    r"(?:[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9\-]*[A-Za-z0-9])"
)
_MACRO_ANYWHERE = re.compile(_MACRO_EXPAND)
# Letters allowed only in the explanation string (RFC 7208 section 7.2).
_EXP_ONLY_LETTERS = "crtCRT"


# A macro expansion longer than this is abuse, not a name (a domain name is at most 253).
MAX_EXPANSION = 8192
MAX_NAME = 253
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IP4 = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")
_IP6 = re.compile(r"[0-9A-Fa-f:.]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class SpfMacroError(ValueError):
    """A macro cannot be expanded (invalid transformer, or an absurdly long result)."""


class SpfSyntaxError(ValueError):
    """The record breaks RFC 7208 syntax; `problems` lists every offending term."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Mechanism:
    qualifier: str
    kind: str
    domain_spec: str | None = None
    network: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None
    cidr4: int | None = None
    cidr6: int | None = None

    @property
    def text(self) -> str:
        out = ("" if self.qualifier == "+" else self.qualifier) + self.kind
        if self.network is not None:
            out += f":{self.network.with_prefixlen}"
        elif self.domain_spec is not None:
            out += f":{self.domain_spec}"
        if self.cidr4 is not None:
            out += f"/{self.cidr4}"
        if self.cidr6 is not None:
            out += f"//{self.cidr6}"
        return out


@dataclass(frozen=True)
class SpfRecord:
    text: str
    directives: tuple[Mechanism, ...]
    redirect: str | None = None
    explanation: str | None = None

    @property
    def all_qualifier(self) -> str | None:
        """The qualifier of the final `all`, or None when the record has no `all`."""
        for mechanism in self.directives:
            if mechanism.kind == "all":
                return mechanism.qualifier
        return None


def is_spf(text: str) -> bool:
    """Whether a TXT string is an SPF record (RFC 7208 section 4.5)."""
    lowered = text.lower()
    return lowered == "v=spf1" or lowered.startswith("v=spf1 ")


def has_macro(text: str) -> bool:
    return bool(_MACRO_ANYWHERE.search(text))


def valid_domain_spec(spec: str) -> str | None:
    """None when `spec` is a valid RFC 7208 domain-spec, else the reason it is not."""
    if not spec:
        return "empty domain"
    if not _MACRO_STRING.fullmatch(spec):
        return "contains characters outside the SPF macro-string grammar"
    for letter in re.findall(r"%\{(.)", spec):
        if letter in _EXP_ONLY_LETTERS:
            return f"macro %{{{letter}}} is allowed only in exp= explanations"
    if spec.endswith("}"):
        return None  # domain-end may be a macro-expand
    labels = spec.rstrip(".").split(".")
    if len(labels) < 2:
        return "needs at least two labels (a domain name, not a single word)"
    if not _TOPLABEL.fullmatch(labels[-1]):
        return f"top label {labels[-1]!r} is not a valid domain label"
    if any(not label for label in labels[:-1] if not has_macro(label)):
        return "contains an empty label"
    if any(len(label) > 63 for label in labels if not has_macro(label)):
        return "has a label longer than 63 characters"
    return None


@functools.lru_cache(maxsize=4096)
def parse_spf(text: str) -> SpfRecord:
    """Parse one SPF record; raise SpfSyntaxError naming every invalid term."""
    if not is_spf(text):
        raise SpfSyntaxError([f"record does not start with 'v=spf1': {text[:40]!r}"])
    problems: list[str] = []
    directives: list[Mechanism] = []
    redirect: str | None = None
    explanation: str | None = None
    control = _CONTROL.search(text)
    if control:
        # RFC 7208 section 4.6.1 separates terms with spaces only; no control character is
        # part of any term, so the record is a permerror, not a list of terms.
        problems.append(
            f"contains the control character {control.group(0)!r} at offset "
            f"{control.start()}; terms are separated by single spaces only"
        )
    for term in [t for t in text.split(" ")[1:] if t]:
        if "=" in term and ":" not in term.split("=", 1)[0]:
            name, value = term.split("=", 1)
            if not _NAME.fullmatch(name):
                problems.append(f"{term!r}: modifier name {name!r} is not valid")
                continue
            lowered = name.lower()
            if lowered in ("redirect", "exp"):
                reason = valid_domain_spec(value)
                if reason:
                    problems.append(f"{term!r}: {reason}")
                    continue
                if lowered == "redirect":
                    if redirect is not None:
                        problems.append("redirect= appears more than once")
                    redirect = value
                else:
                    if explanation is not None:
                        problems.append("exp= appears more than once")
                    explanation = value
            elif not _MACRO_STRING.fullmatch(value):
                problems.append(f"{term!r}: modifier value is not a valid macro-string")
            continue
        try:
            directives.append(_parse_directive(term))
        except ValueError as error:
            problems.append(f"{term!r}: {error}")
    if problems:
        raise SpfSyntaxError(problems)
    return SpfRecord(text, tuple(directives), redirect, explanation)


def _parse_directive(term: str) -> Mechanism:
    qualifier = "+"
    if term[0] in QUALIFIERS:
        qualifier, term = term[0], term[1:]
    match = re.fullmatch(r"([A-Za-z0-9]+)(.*)", term, re.DOTALL)
    if not match:
        raise ValueError("not a mechanism or modifier")
    kind, rest = match.group(1).lower(), match.group(2)
    if kind not in MECHANISMS:
        raise ValueError(f"unknown mechanism {kind!r} (allowed: {', '.join(MECHANISMS)})")
    if kind == "all":
        if rest:
            raise ValueError("'all' takes no argument")
        return Mechanism(qualifier, kind)
    if kind in ("ip4", "ip6"):
        return _parse_ip(qualifier, kind, rest)
    if kind in ("include", "exists"):
        if not rest.startswith(":"):
            raise ValueError(f"'{kind}' requires ':domain'")
        spec = rest[1:]
        reason = valid_domain_spec(spec)
        if reason:
            raise ValueError(reason)
        return Mechanism(qualifier, kind, spec)
    spec, cidr4, cidr6 = _split_dual_cidr(rest, allow=kind in ("a", "mx"))
    if spec is not None:
        reason = valid_domain_spec(spec)
        if reason:
            raise ValueError(reason)
    return Mechanism(qualifier, kind, spec, cidr4=cidr4, cidr6=cidr6)


def _split_dual_cidr(rest: str, allow: bool) -> tuple[str | None, int | None, int | None]:
    cidr4: int | None = None
    cidr6: int | None = None
    match = re.search(r"(?:/([0-9]+))?(?://([0-9]+))?\Z", rest)
    if allow and match and match.group(0):
        if match.group(1) is not None:
            cidr4 = _cidr(match.group(1), 32)
        if match.group(2) is not None:
            cidr6 = _cidr(match.group(2), 128)
        rest = rest[: match.start()]
    if not rest:
        return None, cidr4, cidr6
    if not rest.startswith(":"):
        raise ValueError(f"unexpected {rest!r}; expected ':domain' or a CIDR length")
    return rest[1:], cidr4, cidr6


def _cidr(text: str, maximum: int) -> int:
    if (
        not re.fullmatch(r"[0-9]{1,3}", text)
        or (len(text) > 1 and text.startswith("0"))
        or not 0 <= int(text) <= maximum
    ):
        raise ValueError(f"CIDR length /{text} is not in 0-{maximum}")
    return int(text)


def _parse_ip(qualifier: str, kind: str, rest: str) -> Mechanism:
    if not rest.startswith(":"):
        raise ValueError(f"'{kind}' requires ':address'")
    value = rest[1:]
    address, slash, length = value.partition("/")
    maximum = 32 if kind == "ip4" else 128
    if slash and not length:
        raise ValueError(f"{value!r}: a CIDR length is missing after '/'")
    if not (_IP4 if kind == "ip4" else _IP6).fullmatch(address):
        raise ValueError(f"{address!r} is not an IP address (IPv{4 if kind == 'ip4' else 6})")
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        raise ValueError(f"{address!r} is not an IP address") from None
    if ip.version != (4 if kind == "ip4" else 6):
        raise ValueError(f"{address!r} is not an IPv{4 if kind == 'ip4' else 6} address")
    prefix = _cidr(length, maximum) if length else maximum
    network = ipaddress.ip_network(f"{ip}/{prefix}", strict=False)
    return Mechanism(qualifier, kind, network=network)


@dataclass(frozen=True)
class MacroContext:
    sender: str
    domain: str
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address
    helo: str = ""
    # The %{p} macro: a validated PTR name of the client (RFC 7208 section 7.3).
    validated: str = "unknown"


def expand_macros(spec: str, context: MacroContext) -> str:
    """Expand SPF macros (RFC 7208 section 7) in a domain-spec."""

    def letter_value(letter: str) -> str:
        local, _, sender_domain = context.sender.rpartition("@")
        values = {
            "s": context.sender,
            "l": local or "postmaster",
            "o": sender_domain,
            "d": context.domain,
            "i": _ip_macro(context.ip),
            "p": context.validated,
            "v": "in-addr" if context.ip.version == 4 else "ip6",
            "h": context.helo or context.domain,
        }
        return values.get(letter.lower(), "")

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "%%":
            return "%"
        if token == "%_":
            return " "
        if token == "%-":
            return "%20"
        inner = re.match(r"%\{(.)([0-9]*)([rR]?)([.\-+,/_=]*)\}", token)
        assert inner is not None
        letter, digits, reverse, delimiters = inner.groups()
        value = letter_value(letter)
        parts = re.split("[" + re.escape(delimiters or ".") + "]", value)
        if reverse:
            parts.reverse()
        if digits:
            # More digits than labels means all labels; a name has at most 127 labels,
            # so a huge number is never converted (nor allowed to cost anything).
            count = int(digits) if len(digits) <= 3 else 1000
            if count == 0:
                raise SpfMacroError(f"{token}: the digit transformer must not be 0")
            parts = parts[-count:]
        expanded = ".".join(parts)
        if letter.isupper():
            expanded = urllib.parse.quote(expanded, safe="")
        return expanded

    pieces: list[str] = []
    size = 0
    position = 0
    for match in _MACRO_ANYWHERE.finditer(spec):
        pieces.append(spec[position : match.start()])
        pieces.append(replace(match))
        size += len(pieces[-1]) + len(pieces[-2])
        if size > MAX_EXPANSION:
            raise SpfMacroError(f"expands to more than {MAX_EXPANSION} characters")
        position = match.end()
    pieces.append(spec[position:])
    return "".join(pieces)


def truncate_name(name: str) -> str:
    """RFC 7208 section 7.3: drop labels from the left until the name fits in 253 octets."""
    while len(name) > MAX_NAME and "." in name:
        name = name.split(".", 1)[1]
    return name


def domain_problem(name: str) -> str | None:
    """Why `name` is not a multi-label domain name that can be looked up, or None."""
    if not name:
        return "empty name"
    if len(name.encode("utf-8")) > MAX_NAME:
        return f"longer than {MAX_NAME} octets"
    if _CONTROL.search(name):
        return "contains a control character"
    labels = name.split(".")
    if len(labels) < 2:
        return "not a multi-label domain name"
    for label in labels:
        if not label:
            return "has an empty label"
        if len(label.encode("utf-8")) > 63:
            return f"has a label longer than 63 octets ({label[:20]}...)"
    return None


def _ip_macro(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if ip.version == 4:
        return str(ip)
    return ".".join(ip.exploded.replace(":", ""))
