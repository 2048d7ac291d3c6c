"""RFC 1035 master files from a record set, for DNS admins and for servers to load.

The output is deterministic (sorted, no timestamps) and loads on its own: it carries
$ORIGIN, $TTL and placeholder SOA and NS records a DNS admin replaces with their own.
Values known only after deployment are written as comments, never as broken records.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

import dns.exception
import dns.rdatatype
import dns.zone

from components.records.dns_record import (
    UNKNOWN,
    DnsRecord,
    domain_problem,
    is_unknown,
    is_within,
    normalize_name,
    relative_name,
    sorted_records,
)
from components.records.errors import RecordError
from components.records.sizes import txt_size_problem
from components.records.spf import is_spf_record
from components.records.txt import join_txt, quote_txt_strings

MAX_TTL = 2_147_483_647  # RFC 2181 8
MAX_SERIAL = 4_294_967_295  # RFC 1982: a 32-bit unsigned serial number
TYPE_ORDER = ("A", "AAAA", "CNAME", "MX", "TXT")


def render_zone_file(
    records: Sequence[DnsRecord],
    origin: str,
    default_ttl: int = 300,
    *,
    nameservers: Sequence[str] = (),
    hostmaster: str | None = None,
    serial: int = 1,
    refresh: int = 7200,
    retry: int = 3600,
    expire: int = 1_209_600,
    negative_ttl: int = 300,
) -> str:
    """The zone file for `origin` holding `records` (all of which must lie inside it).

    `nameservers` default to `ns1.<origin>`; `hostmaster` (the SOA mailbox as a domain
    name) defaults to `hostmaster.<origin>`.
    """
    zone = _zone_name(origin)
    _check_ttl(default_ttl, "default TTL")
    if isinstance(serial, bool) or not isinstance(serial, int) or not 0 <= serial <= MAX_SERIAL:
        raise RecordError(f"SOA serial {serial!r} is not valid; allowed: 0 to {MAX_SERIAL}")
    soa_fields = {
        "refresh": refresh,
        "retry": retry,
        "expire": expire,
        "negative_ttl": negative_ttl,
    }
    for field, value in soa_fields.items():
        _check_ttl(value, f"SOA {field}")
    servers = [_host(ns, "name server") for ns in nameservers] or [f"ns1.{zone}"]
    mailbox = _host(hostmaster, "SOA hostmaster") if hostmaster else f"hostmaster.{zone}"

    known, unknown = _partition(records, zone)
    lines = [
        f"; Zone {zone}: the mailstack record set.",
        "; SOA and NS are placeholders so the file loads on its own; keep your zone's own.",
        f"$ORIGIN {zone}.",
        f"$TTL {default_ttl}",
    ]
    rows: list[tuple[str, str, str, str]] = [
        (
            "@",
            str(default_ttl),
            "SOA",
            f"{servers[0]}. {mailbox}. {serial} {refresh} {retry} {expire} {negative_ttl}",
        ),
        *[("@", str(default_ttl), "NS", f"{server}.") for server in dict.fromkeys(servers)],
    ]
    for record in known:
        owner = record.relative_to(zone)
        rows += [(owner, str(record.ttl), record.type, rdata) for rdata in _rdatas(record)]
    width = max(len(row[0]) for row in rows)
    lines += [
        f"{owner:<{width}}  {ttl:>6}  IN  {rtype:<5}  {rdata}" for owner, ttl, rtype, rdata in rows
    ]
    for record in unknown:
        values = " ".join(_comment_safe(record, value) for value in record.values)
        lines.append(
            f"; {_no_controls(record.name)}. {record.ttl} IN {record.type} {values}"
            " ; unknown until deploy: its value is only known after `pulumi up`"
        )
    return "\n".join(lines) + "\n"


def group_by_zone(records: Sequence[DnsRecord], zones: Sequence[str]) -> dict[str, list[DnsRecord]]:
    """Each record under the longest (most specific) zone containing it; every zone is a key."""
    names = sorted(dict.fromkeys(_zone_name(zone) for zone in zones))
    grouped: dict[str, list[DnsRecord]] = {zone: [] for zone in names}
    for record in records:
        if record.name == UNKNOWN:
            raise RecordError(
                f"a {record.type} record's name is entirely unknown until deploy, so its zone"
                " cannot be chosen; name it from its known domain, e.g."
                " ses.dkim_cname_name(UNKNOWN, domain)"
            )
        matches = [zone for zone in names if is_within(record.name, zone)]
        if not matches:
            raise RecordError(
                f"record {record.name} {record.type} is in none of the zones"
                f" {', '.join(names) or '(none)'};"
                " add its zone or fix its name"
            )
        grouped[max(matches, key=len)].append(record)
    return {zone: sorted_records(found) for zone, found in grouped.items()}


def records_from_zone_text(text: str, origin: str) -> list[DnsRecord]:
    """The record set in a zone file, without the apex SOA and NS (inverse of render_zone_file).

    Values use DnsRecord's conventions: TXT strings joined, no trailing dots.
    """
    zone_name = _zone_name(origin)
    try:
        zone = dns.zone.from_text(text, origin=zone_name + ".", relativize=False)
    except dns.exception.DNSException as error:
        raise RecordError(f"zone file for {zone_name} does not parse: {error}") from None
    records: list[DnsRecord] = []
    for name, rdataset in zone.iterate_rdatasets():
        owner = normalize_name(name.to_text())
        rtype = dns.rdatatype.to_text(rdataset.rdtype)
        if owner == zone_name and rtype in ("SOA", "NS"):
            continue
        values = tuple(sorted(_value_from_rdata(rdata, rtype) for rdata in rdataset))
        records.append(DnsRecord(name=owner, type=rtype, values=values, ttl=rdataset.ttl))
    return sorted_records(records)


def _value_from_rdata(rdata: object, rtype: str) -> str:
    if rtype == "TXT":
        strings = rdata.strings  # type: ignore[attr-defined]
        return join_txt([s.decode("utf-8") for s in strings])
    if rtype == "MX":
        exchange = normalize_name(rdata.exchange.to_text()) or "."  # type: ignore[attr-defined]
        return f"{rdata.preference} {exchange}"  # type: ignore[attr-defined]
    if rtype == "CNAME":
        return normalize_name(rdata.target.to_text())  # type: ignore[attr-defined]
    return str(rdata)


def _zone_name(origin: str) -> str:
    zone = normalize_name(origin) if isinstance(origin, str) else ""
    problem = domain_problem(zone)
    if problem:
        raise RecordError(f"zone origin {origin!r} is not valid: {problem}")
    return zone


def _host(name: str | None, what: str) -> str:
    host = normalize_name(name) if isinstance(name, str) else ""
    problem = domain_problem(host, service_labels=True)
    if problem:
        raise RecordError(f"{what} {name!r} is not valid: {problem}")
    return host


def _check_ttl(value: int, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TTL:
        raise RecordError(f"{what} {value!r} is not valid; allowed: 0 to {MAX_TTL}")


def _partition(records: Iterable[DnsRecord], zone: str) -> tuple[list[DnsRecord], list[DnsRecord]]:
    """Known records merged per (name, type) and sorted; records with unknown parts apart."""
    merged: dict[tuple[str, str], DnsRecord] = {}
    unknown: list[DnsRecord] = []
    for record in records:
        if is_unknown(record.name) or any(is_unknown(value) for value in record.values):
            if record.name != UNKNOWN and not is_within(record.name, zone):
                raise RecordError(f"record {record.name} {record.type} is outside zone {zone}")
            unknown.append(record)
            continue
        name = normalize_name(record.name)
        if not is_within(name, zone):
            raise RecordError(
                f"record {record.name} {record.type} is outside zone {zone}; allowed: {zone}"
                f" and names ending in .{zone}"
            )
        _check_owner(name, zone)
        _check_ttl(record.ttl, f"TTL of {record.name} {record.type}")
        key = (name, record.type)
        previous = merged.get(key)
        if previous is not None and previous.ttl != record.ttl:
            raise RecordError(
                f"records {name} {record.type} have different TTLs"
                f" ({previous.ttl} and {record.ttl});"
                " one record set has one TTL"
            )
        values = (*previous.values, *record.values) if previous else record.values
        merged[key] = DnsRecord(name, record.type, tuple(sorted(dict.fromkeys(values))), record.ttl)
    for (name, rtype), record in merged.items():
        too_large = txt_size_problem(name, record.values) if rtype == "TXT" else None
        if too_large:
            raise RecordError(too_large)
        if rtype == "TXT" and sum(1 for value in record.values if is_spf_record(value)) > 1:
            raise RecordError(
                f"{name} has {sum(1 for v in record.values if is_spf_record(v))} SPF records;"
                " RFC 7208 3.2 allows one (receivers fail them all): merge their terms"
                " into one record"
            )
    by_name: dict[str, set[str]] = {}
    for name, rtype in merged:
        by_name.setdefault(name, set()).add(rtype)
    for name, types in by_name.items():
        if "CNAME" in types and (len(types) > 1 or name == zone):
            where = "the zone apex (which holds SOA and NS)" if name == zone else "other records"
            raise RecordError(f"CNAME at {name} cannot coexist with {where} (RFC 1034 3.6.2)")
        cname = merged.get((name, "CNAME"))
        if cname is not None and len(cname.values) > 1:
            raise RecordError(f"CNAME at {name} has {len(cname.values)} targets; a CNAME has one")
    ordered = sorted(
        merged.values(), key=lambda r: (_sort_key(r.name, zone), TYPE_ORDER.index(r.type))
    )
    unknown.sort(key=lambda r: (r.name, r.type, r.values))
    return ordered, unknown


def _sort_key(name: str, zone: str) -> tuple[str, ...]:
    # Parents before children, siblings alphabetically: the order DNS admins read zones in.
    relative = relative_name(name, zone)
    return () if relative == "@" else tuple(reversed(relative.split(".")))


def _check_owner(name: str, zone: str) -> None:
    relative = relative_name(name, zone)
    if relative == "@":
        return
    labels = relative.split(".")
    check = ".".join([*labels[1:], zone]) if labels[0] == "*" else name
    problem = domain_problem(check, service_labels=True)
    if problem:
        raise RecordError(f"record name {name!r} is not valid: {problem}")


def _comment_safe(record: DnsRecord, value: str) -> str:
    # A line break inside a value would end the comment and turn the rest into zone data.
    if record.type == "TXT":
        return quote_txt_strings(value, ascii_only=True)
    return _no_controls(value)


def _no_controls(text: str) -> str:
    """`text` with control and non-ASCII characters as \\DDD byte escapes."""
    out: list[str] = []
    for char in text:
        if 0x20 <= ord(char) < 0x7F:
            out.append(char)
        else:
            out.extend(f"\\{byte:03d}" for byte in char.encode("utf-8", "replace"))
    return "".join(out)


def _rdatas(record: DnsRecord) -> list[str]:
    return [_rdata(record, value) for value in record.values]


def _rdata(record: DnsRecord, value: str) -> str:
    where = f"{record.name} {record.type} value {value!r}"
    if record.type == "TXT":
        # RFC 1035 master files are ASCII; Knot refuses raw UTF-8 inside quoted strings.
        return quote_txt_strings(value, ascii_only=True)
    if record.type == "A":
        try:
            return str(ipaddress.IPv4Address(value))
        except ValueError:
            raise RecordError(f"{where} is not an IPv4 address") from None
    if record.type == "AAAA":
        try:
            return str(ipaddress.IPv6Address(value))
        except ValueError:
            raise RecordError(f"{where} is not an IPv6 address") from None
    if record.type == "CNAME":
        return _host(value, where) + "."
    if record.type == "MX":
        preference, _, exchange = value.strip().partition(" ")
        if not preference.isdigit() or not 0 <= int(preference) <= 65535:
            raise RecordError(f"{where} is not valid; expected '<preference 0-65535> <host>'")
        exchange = exchange.strip()
        if exchange == ".":
            return f"{int(preference)} ."  # null MX (RFC 7505)
        if not exchange:
            raise RecordError(f"{where} has no mail host; expected '<preference> <host>'")
        return f"{int(preference)} {_host(exchange, where)}."
    raise RecordError(f"{where}: type {record.type} is not supported in zone files")
