"""How large a TXT record set may be and still be served (RFC 1035, RFC 7208 3.4).

Hard limit: a record set is sent in one DNS message, at most 65535 octets over TCP (RFC 1035
4.2.2), holding the header, the question and every record of the set. A larger set cannot be
answered at all; Knot, for one, refuses to serve it (measured: the largest TXT value Knot
serves at example.com is 65238 characters, exactly this limit).

SPF guideline: RFC 7208 3.4 asks that an SPF answer fit a 512-octet UDP message, "the combined
length of the DNS name and the text of all the records of a given type under 450 octets". A
larger SPF record makes receivers retry over TCP, and those that cannot return temperror for
every message, so the config refuses it too.
"""

from __future__ import annotations

from collections.abc import Sequence

from components.records.txt import split_txt

MAX_DNS_MESSAGE = 65535
MAX_CHARACTER_STRING = 255
SPF_GUIDELINE_OCTETS = 450
_HEADER = 12
_QUESTION_FIXED = 4  # QTYPE and QCLASS
# An answer record's name is a 2-octet compression pointer to the question; then TYPE, CLASS,
# TTL and RDLENGTH.
_ANSWER_FIXED = 2 + 10


def name_wire_octets(name: str) -> int:
    """Octets of `name` (no trailing dot) on the wire: a length octet per label and the root."""
    name = name.rstrip(".")
    return 1 if not name else len(name.encode("utf-8")) + 2


def txt_rdata_octets(value: str) -> int:
    """RDATA octets of one TXT value: each 255-octet string plus its length octet."""
    return sum(len(part.encode("utf-8")) + 1 for part in split_txt(value))


def txt_answer_octets(name: str, values: Sequence[str]) -> int:
    """Octets of the DNS message answering a TXT query at `name` with `values`."""
    question = name_wire_octets(name) + _QUESTION_FIXED
    return _HEADER + question + sum(_ANSWER_FIXED + txt_rdata_octets(v) for v in values)


def txt_size_problem(name: str, values: Sequence[str]) -> str | None:
    """Why the TXT set at `name` cannot be served, or None when it fits one DNS message."""
    size = txt_answer_octets(name, values)
    if size <= MAX_DNS_MESSAGE:
        return None
    return (
        f"the TXT record at {name} would need a {size}-octet DNS answer; one DNS message holds"
        f" at most {MAX_DNS_MESSAGE} octets (RFC 1035 4.2.2), so no DNS server can serve it"
    )


def spf_size_problem(name: str, record: str) -> str | None:
    """Why the SPF record at `name` is too large for receivers, or None when it is not."""
    size = len(name.rstrip(".").encode("utf-8")) + len(record.encode("utf-8"))
    if size <= SPF_GUIDELINE_OCTETS:
        return None
    return (
        f"the SPF record at {name} would be {len(record)} characters ({size} octets with its"
        f" name); RFC 7208 3.4 keeps name and record under {SPF_GUIDELINE_OCTETS} octets so the"
        " answer fits one UDP packet: merge ip4/ip6 ranges into wider prefixes, or move them to"
        " an include: record"
    )
