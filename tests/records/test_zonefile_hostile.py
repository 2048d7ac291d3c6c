"""Hostile TXT values and names: a zone file either refuses them or carries them unchanged,
as dnspython and a real Knot read it back."""

from __future__ import annotations

import dns.message
import dns.query
import dns.rdatatype
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.records.dns_record import DnsRecord
from components.records.errors import RecordError
from components.records.zonefile import records_from_zone_text, render_zone_file
from tests.support.dns_server import DnsServerUnavailableError, find_server, serve_zones

NASTY = [
    "v=spf1 -all\nexample.com. 300 IN TXT injected",
    '" ; injected\n@ IN A 192.0.2.1',
    "\\\\\\\x00\x1b[31m\r\n\t\x7f\x85\u2028",
    "$ORIGIN evil.example.\n$INCLUDE /etc/passwd",
    "(\n) ; ü " + "x" * 300,
]


@settings(max_examples=150, deadline=None)
@given(values=st.lists(st.text(max_size=400), min_size=1, max_size=3, unique=True))
def test_any_txt_value_reads_back_unchanged(values: list[str]) -> None:
    record = DnsRecord("notes.example.com", "TXT", tuple(values), 300)
    text = render_zone_file([record], "example.com")
    assert records_from_zone_text(text, "example.com") == [
        DnsRecord("notes.example.com", "TXT", tuple(sorted(values)), 300)
    ]


@settings(max_examples=150, deadline=None)
@given(label=st.text(max_size=70))
def test_any_owner_name_is_refused_or_written_as_one_valid_owner(label: str) -> None:
    name = f"{label}.example.com"
    try:
        text = render_zone_file([DnsRecord(name, "TXT", ("v",), 300)], "example.com")
    except (RecordError, ValueError):
        return
    (record,) = records_from_zone_text(text, "example.com")
    assert record.name == name.strip().rstrip(".").lower()


def test_knot_serves_hostile_txt_values_unchanged() -> None:
    try:
        find_server()
    except DnsServerUnavailableError as error:
        pytest.skip(str(error))
    records = [
        DnsRecord(f"t{i}.example.com", "TXT", (value,), 300) for i, value in enumerate(NASTY)
    ]
    zone = render_zone_file(records, "example.com")
    with serve_zones({"example.com": zone}) as (ip, port):
        for record in records:
            query = dns.message.make_query(record.name, "TXT")
            response = dns.query.tcp(query, ip, port=port, timeout=5)
            served = [
                b"".join(rdata.strings).decode("utf-8")
                for rrset in response.answer
                if rrset.rdtype == dns.rdatatype.TXT
                for rdata in rrset
            ]
            assert served == list(record.values)
        injected = dns.query.tcp(dns.message.make_query("example.com", "TXT"), ip, port=port)
        assert not injected.answer
