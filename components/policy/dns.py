"""DNS rules: records read back from DNS resources, Cloudflare proxying, the SPF lookup limit."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from components.policy import types as t
from components.policy.wire import UNKNOWN, ResourceView, as_list
from components.records.errors import RecordError
from components.records.spf import MAX_DNS_LOOKUPS, count_dns_lookups, parse_spf
from components.records.txt import unquote_txt_strings

# Amazon SES Easy DKIM CNAME targets: <token>.dkim.amazonses.com.
_SES_DKIM_TARGET = ".dkim.amazonses.com"


@dataclass(frozen=True)
class RecordView:
    """A DNS record set in logical form: TXT values joined, names lower case without the dot."""

    name: str
    type: str
    values: tuple[str, ...]


def normalize_name(name: Any) -> str:
    return str(name).strip().rstrip(".").lower()


def txt_logical(value: str) -> str:
    """The logical TXT value of a presentation-form value (`"a" "b"` -> `ab`); plain text as is."""
    text = value.strip()
    if not text.startswith('"'):
        return value
    try:
        return "".join(unquote_txt_strings(text))
    except RecordError:
        return value


def records_of(resource_type: str, inputs: Mapping[str, Any]) -> list[RecordView]:
    """The record a Cloudflare or Route53 DNS resource publishes; [] for other resources."""
    if resource_type == t.CLOUDFLARE_RECORD:
        record_type = str(inputs.get("type", UNKNOWN)).upper()
        content = inputs.get("content", UNKNOWN)
        value = str(content)
        if record_type == "TXT":
            value = txt_logical(value)
        elif record_type == "MX" and inputs.get("priority") is not None:
            value = f"{inputs['priority']} {value}"
        return [RecordView(normalize_name(inputs.get("name", UNKNOWN)), record_type, (value,))]
    if resource_type == t.ROUTE53_RECORD:
        record_type = str(inputs.get("type", UNKNOWN)).upper()
        values = [str(v) for v in as_list(inputs.get("records"))]
        if record_type == "TXT":
            # The provider quotes each value itself; `""` inside one separates character-strings.
            values = [v if v == UNKNOWN else txt_logical(f'"{v}"') for v in values]
        return [RecordView(normalize_name(inputs.get("name", UNKNOWN)), record_type, tuple(values))]
    return []


def records_from_resources(resources: Iterable[ResourceView]) -> list[RecordView]:
    return [record for r in resources for record in records_of(r.type, r.inputs)]


def is_dkim_cname(name: str, content: str) -> bool:
    if name == UNKNOWN and content == UNKNOWN:
        # Easy DKIM CNAMEs are all unknown in a preview; a proxied one cannot be shown safe.
        return True
    return "._domainkey." in f".{name}." or content.rstrip(".").lower().endswith(_SES_DKIM_TARGET)


def cloudflare_proxied_violations(resource_type: str, inputs: Mapping[str, Any]) -> list[str]:
    """A Cloudflare MX, TXT or DKIM CNAME record that is proxied."""
    if resource_type != t.CLOUDFLARE_RECORD or inputs.get("proxied") is not True:
        return []
    record_type = str(inputs.get("type", "")).upper()
    name = normalize_name(inputs.get("name", UNKNOWN))
    content = str(inputs.get("content", ""))
    if record_type in ("MX", "TXT") or (record_type == "CNAME" and is_dkim_cname(name, content)):
        what = "DKIM CNAME" if record_type == "CNAME" else f"{record_type} record"
        return [
            f"the {what} {name} is proxied through Cloudflare, so receivers get Cloudflare's"
            " answer instead of the mail record; set proxied: false (DNS only) on it"
        ]
    return []


def spf_violations(resource_type: str, inputs: Mapping[str, Any]) -> list[str]:
    """SPF TXT values of a DNS resource that need more than 10 DNS lookups or do not parse."""
    return [message for _, message in spf_record_violations(records_of(resource_type, inputs))]


def spf_record_violations(records: Iterable[RecordView]) -> list[tuple[str, str]]:
    """(record name, message) for each SPF value over the lookup limit or unparsable."""
    found: list[tuple[str, str]] = []
    for record in records:
        if record.type == "TXT":
            for value in record.values:
                found += [(record.name, m) for m in spf_value_violations(record.name, value)]
    return found


def spf_value_violations(name: str, value: str) -> list[str]:
    if not value.lower().startswith("v=spf1"):
        return []
    try:
        terms, _ = parse_spf(value)
    except RecordError as error:
        return [f"the SPF record of {name} does not parse, so SPF fails with permerror: {error}"]
    lookups = count_dns_lookups(terms)
    if lookups <= MAX_DNS_LOOKUPS:
        return []
    return [
        f"the SPF record of {name} needs {lookups} DNS lookups before following any include;"
        f" RFC 7208 allows {MAX_DNS_LOOKUPS}, beyond that every check is a permerror. Replace"
        " include:, a and mx terms with ip4:/ip6: ranges or drop senders you no longer use"
        " (mailstack:domains[].spf)"
    ]


def records_named(records: Sequence[RecordView], name: str, record_type: str) -> list[RecordView]:
    return [r for r in records if r.name == name and r.type == record_type]
