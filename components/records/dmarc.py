"""DMARC policy records (RFC 9989, which obsoleted RFC 7489).

RFC 9989 removed `pct`, `rf` and `ri` and added `np`, `psd` and `t`. Building refuses
anything that is not valid RFC 9989; parsing also refuses the removed tags, so a
record or config still using them is reported instead of silently half-honoured.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from components.records.dns_record import domain_problem, normalize_name
from components.records.errors import RecordError
from components.records.plain_text import control_character_problem

POLICIES = ("none", "quarantine", "reject")
PSD_VALUES = ("y", "n", "u")
ALIGNMENTS = ("r", "s")
FAILURE_OPTIONS = ("0", "1", "d", "s")
# Publication order; RFC 9989 only requires v first, a fixed order keeps output deterministic.
TAG_ORDER = ("v", "p", "sp", "np", "psd", "t", "adkim", "aspf", "rua", "ruf", "fo")

OBSOLETE_TAGS: dict[str, str] = {
    "pct": (
        "RFC 9989 removed pct (sampling); to roll a policy out in test mode set"
        " `testing: true`, which publishes t=y"
    ),
    "rf": "RFC 9989 removed rf; failure reports have a single format, so remove the setting",
    "ri": (
        "RFC 9989 removed ri; aggregate reports are sent at least daily and the interval"
        " cannot be requested, so remove the setting"
    ),
}

# RFC 5321 dot-atom local part, minus characters with a meaning in a mailto: URI or in the
# tag list ("%", "?", "#", "!", "," and ";"), which would otherwise need %-encoding.
_LOCAL_PART = re.compile(r"^[A-Za-z0-9.$&'*+/=^_`{|}~-]{1,64}\Z")


@dataclass(frozen=True)
class DmarcPolicy:
    policy: str
    subdomain_policy: str | None = None
    nonexistent_policy: str | None = None
    psd: str | None = None
    testing: bool = False
    adkim: str | None = None
    aspf: str | None = None
    rua: tuple[str, ...] = ()
    ruf: tuple[str, ...] = ()
    fo: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Callers often hold lists, and bare addresses; a policy equal to what its record
        # parses back to must hold tuples of normalized, unique values. Invalid values are
        # kept as given so build_dmarc reports them.
        for name in ("rua", "ruf", "fo"):
            value = getattr(self, name)
            if isinstance(value, str):
                value = (value,)
            items = [_normalized_uri(item) for item in value] if name != "fo" else list(value)
            object.__setattr__(self, name, tuple(dict.fromkeys(items)))


def _normalized_uri(uri: object) -> object:
    try:
        return validate_report_uri(uri) if isinstance(uri, str) else uri
    except RecordError:
        return uri


def validate_report_uri(uri: str) -> str:
    """`mailto:<address>` for a DMARC report destination; a bare address gets `mailto:`."""
    text = uri.strip() if isinstance(uri, str) else ""
    if not text:
        raise RecordError(f"DMARC report URI {uri!r} is empty; expected mailto:reports@example.com")
    control = control_character_problem(text)
    if control:
        raise RecordError(f"DMARC report URI {uri!r} {control}")
    scheme, colon, rest = text.partition(":")
    if colon and "@" not in scheme:
        if scheme.lower() != "mailto":
            raise RecordError(
                f"DMARC report URI {uri!r} uses the {scheme!r} scheme; DMARC reports are sent by"
                " email, so use mailto:<address> or a bare address"
            )
        address = rest
    else:
        address = text
    if "!" in address:
        raise RecordError(
            f"DMARC report URI {uri!r} has a '!size' limit, which RFC 9989 removed; drop it"
        )
    return "mailto:" + mailbox(address, f"DMARC report URI {uri!r}")


def mailbox(address: str, what: str) -> str:
    """`local@domain` validated for use inside a report URI; the domain is lower-cased."""
    local, at, domain = address.rpartition("@")
    if not at or not local:
        raise RecordError(f"{what} is not an email address; expected e.g. reports@example.com")
    if (
        not _LOCAL_PART.match(local)
        or local.startswith(".")
        or local.endswith(".")
        or ".." in local
    ):
        raise RecordError(
            f"{what} has an invalid local part {local!r}: allowed are letters, digits and"
            " $&'*+/=^_`{|}~.- without leading, trailing or repeated dots"
        )
    domain = normalize_name(domain)
    problem = domain_problem(domain)
    if problem or "." not in domain:
        raise RecordError(
            f"{what} has an invalid domain {domain!r}: {problem or 'not fully qualified'}"
        )
    return f"{local}@{domain}"


def build_dmarc(policy: DmarcPolicy) -> str:
    """`v=DMARC1; p=...; ...` with tags in TAG_ORDER; optional tags appear only when set."""
    tags = _tags(policy)
    return "; ".join(f"{name}={value}" for name, value in tags)


def parse_dmarc(text: str) -> DmarcPolicy:
    """The policy of a DMARC record; RecordError on syntax errors and removed tags.

    Unknown tags are ignored as RFC 9989 requires; a record without `p` but with a
    valid `rua` means p=none.
    """
    parts = [part.strip() for part in text.strip().split(";")]
    if parts and parts[-1] == "":
        parts.pop()
    if not parts or re.sub(r"\s", "", parts[0]) != "v=DMARC1":
        raise RecordError(f"DMARC record {text!r} is not valid: it must start with 'v=DMARC1'")
    seen: dict[str, str] = {}
    for part in parts[1:]:
        name, equals, value = part.partition("=")
        name, value = name.strip().lower(), value.strip()
        if not equals or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise RecordError(
                f"DMARC record {text!r} has a malformed tag {part!r}; expected name=value"
            )
        if name in OBSOLETE_TAGS:
            raise RecordError(f"DMARC tag {name}={value} is obsolete: {OBSOLETE_TAGS[name]}")
        if name == "v":
            raise RecordError(f"DMARC record {text!r} repeats the v tag")
        if name in seen:
            raise RecordError(f"DMARC record {text!r} sets the {name} tag twice")
        if name in TAG_ORDER:
            seen[name] = value
    rua = _uri_list(seen["rua"], "rua") if "rua" in seen else ()
    if "p" in seen:
        policy = _choice(seen["p"].lower(), POLICIES, "p")
    elif rua:
        policy = "none"
    else:
        raise RecordError(f"DMARC record {text!r} has no p tag (and no rua to imply p=none)")
    testing = _choice(seen["t"].lower(), ("y", "n"), "t") == "y" if "t" in seen else False
    fo: tuple[str, ...] = ()
    if "fo" in seen:
        fo = tuple(
            _choice(option.strip().lower(), FAILURE_OPTIONS, "fo")
            for option in seen["fo"].split(":")
        )
    parsed = DmarcPolicy(
        policy=policy,
        subdomain_policy=_optional_choice(seen, "sp", POLICIES),
        nonexistent_policy=_optional_choice(seen, "np", POLICIES),
        psd=_optional_choice(seen, "psd", PSD_VALUES),
        testing=testing,
        adkim=_optional_choice(seen, "adkim", ALIGNMENTS),
        aspf=_optional_choice(seen, "aspf", ALIGNMENTS),
        rua=rua,
        ruf=_uri_list(seen["ruf"], "ruf") if "ruf" in seen else (),
        fo=fo,
    )
    _tags(parsed)
    return parsed


def dmarc_record_name(domain: str) -> str:
    """`_dmarc.<domain>`."""
    domain = normalize_name(domain)
    problem = domain_problem(domain)
    if problem:
        raise RecordError(f"DMARC domain {domain!r} is not valid: {problem}")
    return f"_dmarc.{domain}"


def _tags(policy: DmarcPolicy) -> list[tuple[str, str]]:
    tags = [("v", "DMARC1"), ("p", _choice(policy.policy, POLICIES, "p (policy)"))]
    optional = (
        ("sp", policy.subdomain_policy, POLICIES, "sp (subdomain_policy)"),
        ("np", policy.nonexistent_policy, POLICIES, "np (nonexistent_policy)"),
        ("psd", policy.psd, PSD_VALUES, "psd"),
    )
    for name, value, allowed, label in optional:
        if value is not None:
            tags.append((name, _choice(value, allowed, label)))
    if not isinstance(policy.testing, bool):
        raise RecordError(f"DMARC testing {policy.testing!r} is not valid; allowed: true, false")
    if policy.testing:
        tags.append(("t", "y"))
    for name, value in (("adkim", policy.adkim), ("aspf", policy.aspf)):
        if value is not None:
            tags.append((name, _choice(value, ALIGNMENTS, name)))
    for name, uris in (("rua", policy.rua), ("ruf", policy.ruf)):
        if uris:
            normalized = [validate_report_uri(uri) for uri in uris]
            tags.append((name, ",".join(dict.fromkeys(normalized))))
    if policy.fo:
        options = [_choice(option, FAILURE_OPTIONS, "fo") for option in policy.fo]
        tags.append(("fo", ":".join(dict.fromkeys(options))))
    return tags


def _choice(value: object, allowed: Sequence[str], name: str) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise RecordError(
            f"DMARC {name} value {value!r} is not valid; allowed: {', '.join(allowed)}"
        )
    return value


def _optional_choice(tags: dict[str, str], name: str, allowed: Sequence[str]) -> str | None:
    return _choice(tags[name].lower(), allowed, name) if name in tags else None


def _uri_list(value: str, name: str) -> tuple[str, ...]:
    uris = [uri.strip() for uri in value.split(",")]
    if any(not uri for uri in uris):
        raise RecordError(
            f"DMARC {name}={value} has an empty URI; separate URIs with single commas"
        )
    normalized = []
    for uri in uris:
        if not uri.lower().startswith("mailto:"):
            raise RecordError(f"DMARC {name} URI {uri!r} is not a mailto: URI")
        normalized.append(validate_report_uri(uri))
    return tuple(dict.fromkeys(normalized))
