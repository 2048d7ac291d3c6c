"""DNS names, checked label by label (RFC 1035 2.3.4, RFC 5890/5891 for xn-- labels).

One grammar for every name a record, a Postfix table or a cloud-init file is written with.
A name is given without its trailing dot, in its ASCII (A-label) form.
"""

from __future__ import annotations

import re

import idna

from components.records.plain_text import control_character_problem

MAX_NAME_LENGTH = 253  # RFC 1035 2.3.4: 255 octets on the wire, 253 in presentation form
MAX_LABEL_LENGTH = 63
_LDH_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)", re.ASCII)
# Service labels such as _dmarc, _domainkey and _smtp._tls (RFC 8552).
_SERVICE_LABEL = re.compile(r"_[a-z0-9](?:[a-z0-9-]{0,60}[a-z0-9])?", re.ASCII)


def dns_name_problem(name: str, *, service_labels: bool = False) -> str | None:
    """Why `name` is not a usable lower-case DNS name, or None when it is.

    Labels take letters, digits and inner hyphens, at most 63 octets each and 253 in all; an
    `xn--` label must be valid punycode that decodes to a valid IDNA 2008 label and encodes
    back to itself. `service_labels=True` also admits underscore labels such as `_dmarc`.
    """
    if not isinstance(name, str):
        return "a domain name is text"
    control = control_character_problem(name)
    if control:
        return control
    if not name or len(name) > MAX_NAME_LENGTH:
        return f"a domain name has 1 to {MAX_NAME_LENGTH} characters"
    if not name.isascii():
        return "write internationalized names in their ASCII (xn--) form"
    if name != name.lower():
        return "write domain names in lower case"
    labels = name.split(".")
    for label in labels:
        problem = label_problem(label, service_labels=service_labels)
        if problem:
            return problem
    if labels[-1].isdigit():
        return "the last label cannot be all digits"
    return None


def label_problem(label: str, *, service_labels: bool = False) -> str | None:
    """Why `label` is not one valid DNS label, or None when it is."""
    if len(label.encode("utf-8")) > MAX_LABEL_LENGTH:
        return f"label {label[:20]!r}... has {len(label)} characters; DNS allows {MAX_LABEL_LENGTH}"
    if _LDH_LABEL.fullmatch(label):
        return _punycode_problem(label) if label[2:4] == "--" else None
    if service_labels and _SERVICE_LABEL.fullmatch(label):
        return None
    extra = " or an underscore label such as _dmarc" if service_labels else ""
    return (
        f"label {label!r} is not valid: labels are 1-63 letters, digits or hyphens,"
        f" not starting or ending with a hyphen{extra}"
    )


def _punycode_problem(label: str) -> str | None:
    if not label.startswith("xn--"):
        # RFC 5891 4.2.3.1: "??--" is reserved for encodings; only xn-- is defined.
        return (
            f"label {label!r} is not valid: hyphens in the third and fourth positions are"
            " reserved for xn-- (punycode) labels"
        )
    try:
        unicode_label = idna.decode(label)
        round_trip = idna.encode(unicode_label).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        return f"label {label!r} is not valid punycode (an xn-- label must decode to a valid IDN)"
    if round_trip != label:
        return f"label {label!r} is not the canonical punycode of {unicode_label!r} ({round_trip})"
    return None
