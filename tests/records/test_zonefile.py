"""Zone files rendered from a record set: valid RFC 1035 text, deterministic, complete."""

from __future__ import annotations

import dns.rdatatype
import dns.zone
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.records.dmarc import DmarcPolicy, build_dmarc
from components.records.dns_record import UNKNOWN, DnsRecord
from components.records.errors import RecordError
from components.records.mail_from import mail_from_records
from components.records.ses import ses_dkim_cname
from components.records.spf import build_spf
from components.records.zonefile import group_by_zone, records_from_zone_text, render_zone_file

LONG_DKIM = "v=DKIM1; k=rsa; p=" + "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" * 9


def record_set() -> list[DnsRecord]:
    return [
        DnsRecord("example.com", "TXT", (build_spf(["include:amazonses.com"]),), 300),
        DnsRecord(
            "_dmarc.example.com",
            "TXT",
            (build_dmarc(DmarcPolicy("reject", rua=("mailto:d@example.com",))),),
            300,
        ),
        DnsRecord("s1._domainkey.news.example.com", "TXT", (LONG_DKIM,), 600),
        ses_dkim_cname("abcdefghijklmnopqrstuvwxyz234567", "news.example.com", "eu-south-1", 1800),
        *mail_from_records("bounce.news.example.com", "eu-south-1", 300),
        DnsRecord("relay.example.com", "A", ("192.0.2.10",), 300),
        DnsRecord("relay.example.com", "AAAA", ("2001:db8::10",), 300),
    ]


def test_zone_file_loads_in_dnspython_and_holds_every_record() -> None:
    text = render_zone_file(record_set(), "example.com")
    zone = dns.zone.from_text(text, origin="example.com.", relativize=False)
    zone.check_origin()
    assert records_from_zone_text(text, "example.com") == sorted(
        record_set(), key=lambda r: (r.name, r.type, r.values)
    )


def test_layout_directives_soa_ns_and_relative_names() -> None:
    text = render_zone_file(record_set(), "Example.com.", default_ttl=600, serial=2026112601)
    lines = text.splitlines()
    assert "$ORIGIN example.com." in lines
    assert "$TTL 600" in lines
    soa = next(line for line in lines if line.startswith("@") and " SOA " in line)
    assert soa.split() == [
        "@",
        "600",
        "IN",
        "SOA",
        "ns1.example.com.",
        "hostmaster.example.com.",
        "2026112601",
        "7200",
        "3600",
        "1209600",
        "300",
    ]
    assert any(line.split() == ["@", "600", "IN", "NS", "ns1.example.com."] for line in lines)
    assert any(line.startswith("bounce.news ") and "MX" in line for line in lines)
    assert "example.com.example.com" not in text


def test_long_txt_is_split_into_quoted_255_byte_strings() -> None:
    text = render_zone_file(record_set(), "example.com")
    line = next(line for line in text.splitlines() if line.startswith("s1._domainkey.news"))
    data = line.split("TXT", 1)[1].strip()
    strings = data.split('" "')
    assert len(strings) == 2
    assert len(strings[0].lstrip('"')) == 255


def test_targets_are_absolute() -> None:
    text = render_zone_file(record_set(), "example.com")
    assert "10 feedback-smtp.eu-south-1.amazonses.com.\n" in text
    assert "abcdefghijklmnopqrstuvwxyz234567.dkim.eu-south-1.amazonses.com.\n" in text


def test_output_is_deterministic_and_sorted_whatever_the_input_order() -> None:
    forward = render_zone_file(record_set(), "example.com")
    backward = render_zone_file(list(reversed(record_set())), "example.com")
    assert forward == backward
    owners = [line.split()[0] for line in forward.splitlines() if line and line[0] not in ";$"]
    assert owners[:4] == ["@", "@", "@", "_dmarc"]


def test_custom_nameservers_and_hostmaster() -> None:
    text = render_zone_file(
        [],
        "example.com",
        nameservers=["ns-1.awsdns-01.org", "ns-2.awsdns-02.net."],
        hostmaster="dns-admin.example.com",
    )
    zone = dns.zone.from_text(text, origin="example.com.", relativize=False)
    ns = zone.find_rdataset("example.com.", dns.rdatatype.NS)
    assert sorted(r.target.to_text() for r in ns) == ["ns-1.awsdns-01.org.", "ns-2.awsdns-02.net."]
    assert "dns-admin.example.com." in text


def test_unknown_values_become_comments_not_records() -> None:
    records = [
        *record_set(),
        ses_dkim_cname(UNKNOWN, "news.example.com", "us-east-1", 300),
        DnsRecord("s2._domainkey.example.com", "TXT", (UNKNOWN,), 300),
    ]
    text = render_zone_file(records, "example.com")
    unknown_lines = [line for line in text.splitlines() if UNKNOWN in line]
    assert len(unknown_lines) == 2
    assert all(line.startswith("; ") and "unknown until deploy" in line for line in unknown_lines)
    assert records_from_zone_text(text, "example.com") == sorted(
        record_set(), key=lambda r: (r.name, r.type, r.values)
    )


def test_unknown_value_with_a_line_break_stays_inside_its_comment() -> None:
    record = DnsRecord("x.example.com", "CNAME", (UNKNOWN + "\nevil 300 IN A 192.0.2.1",), 300)
    text = render_zone_file([record], "example.com")
    assert records_from_zone_text(text, "example.com") == []


def test_records_outside_the_origin_are_refused() -> None:
    with pytest.raises(RecordError, match=r"mail\.example\.org TXT is outside zone example\.com"):
        render_zone_file([DnsRecord("mail.example.org", "TXT", ("x",))], "example.com")
    with pytest.raises(RecordError, match="outside zone"):
        render_zone_file([DnsRecord("notexample.com", "TXT", ("x",))], "example.com")


@pytest.mark.parametrize(
    ("records", "reason"),
    [
        ([DnsRecord("example.com", "CNAME", ("target.example.net",))], "zone apex"),
        (
            [
                DnsRecord("a.example.com", "CNAME", ("t.example.net",)),
                DnsRecord("a.example.com", "TXT", ("x",)),
            ],
            "cannot coexist with other records",
        ),
        (
            [
                DnsRecord("a.example.com", "TXT", ("x",), 300),
                DnsRecord("a.example.com", "TXT", ("y",), 600),
            ],
            "different TTLs",
        ),
        ([DnsRecord("a.example.com", "A", ("192.0.2.300",))], "not an IPv4 address"),
        ([DnsRecord("a.example.com", "AAAA", ("192.0.2.1",))], "not an IPv6 address"),
        ([DnsRecord("a.example.com", "MX", ("high mail.example.com",))], "preference 0-65535"),
        ([DnsRecord("a.example.com", "MX", ("10",))], "no mail host"),
        ([DnsRecord("a.example.com", "CNAME", ("bad..target",))], "not valid"),
        ([DnsRecord("a b.example.com", "TXT", ("x",))], "record name"),
        ([DnsRecord("a.example.com", "TXT", ("x",), -1)], "TTL of a.example.com TXT -1"),
    ],
)
def test_invalid_record_sets_are_refused(records: list[DnsRecord], reason: str) -> None:
    with pytest.raises(RecordError, match=reason):
        render_zone_file(records, "example.com")


def test_two_spf_records_at_one_name_are_refused() -> None:
    records = [
        DnsRecord("example.com", "TXT", ("v=spf1 include:amazonses.com ~all",)),
        DnsRecord(
            "example.com", "TXT", ("v=spf1 include:_spf.google.com ~all", "site-verification=x")
        ),
    ]
    with pytest.raises(
        RecordError, match=r"example\.com has 2 SPF records; RFC 7208 3\.2 allows one"
    ):
        render_zone_file(records, "example.com")


def test_same_name_and_type_are_merged_into_one_record_set() -> None:
    records = [
        DnsRecord("a.example.com", "TXT", ("x",)),
        DnsRecord("a.example.com", "TXT", ("y", "x")),
    ]
    text = render_zone_file(records, "example.com")
    assert records_from_zone_text(text, "example.com") == [
        DnsRecord("a.example.com", "TXT", ("x", "y"))
    ]


def test_null_mx_and_wildcards() -> None:
    records = [
        DnsRecord("nomail.example.com", "MX", ("0 .",)),
        DnsRecord("*.example.com", "TXT", ("w",)),
    ]
    text = render_zone_file(records, "example.com")
    assert records_from_zone_text(text, "example.com") == sorted(records)


def test_invalid_origin_and_soa_values() -> None:
    with pytest.raises(RecordError, match="zone origin"):
        render_zone_file([], "exa mple.com")
    with pytest.raises(RecordError, match="SOA serial"):
        render_zone_file([], "example.com", serial=-1)


def test_group_by_zone_picks_the_longest_matching_zone() -> None:
    records = [*record_set(), DnsRecord("x.other.org", "TXT", ("y",))]
    grouped = group_by_zone(records, ["example.com", "news.example.com", "other.org", "unused.net"])
    assert list(grouped) == ["example.com", "news.example.com", "other.org", "unused.net"]
    assert {r.name for r in grouped["news.example.com"]} == {
        "s1._domainkey.news.example.com",
        "abcdefghijklmnopqrstuvwxyz234567._domainkey.news.example.com",
        "bounce.news.example.com",
    }
    assert {r.name for r in grouped["example.com"]} == {
        "example.com",
        "_dmarc.example.com",
        "relay.example.com",
    }
    assert grouped["unused.net"] == []


def test_group_by_zone_refuses_records_in_no_zone() -> None:
    with pytest.raises(
        RecordError, match=r"x\.example\.org TXT is in none of the zones example\.com"
    ):
        group_by_zone([DnsRecord("x.example.org", "TXT", ("y",))], ["example.com"])


labels = st.from_regex(r"\A(_?[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?)\Z")
names = st.lists(labels, min_size=0, max_size=3).map(lambda ls: ".".join([*ls, "example.com"]))
hostnames = st.from_regex(r"\A[a-z][a-z0-9-]{0,8}[a-z0-9]\.example\.(net|org)\Z")
record_strategy = st.one_of(
    st.builds(
        lambda n, v, t: DnsRecord(n, "TXT", tuple(v), t),
        names,
        # A value holding the deploy-time placeholder is written as a comment, not a record.
        st.lists(
            st.text(max_size=600).filter(lambda v: "<unknown>" not in v),
            min_size=1,
            max_size=3,
            unique=True,
        ),
        st.integers(0, 86400),
    ),
    st.builds(
        lambda n, v: DnsRecord(n, "A", tuple(v)),
        names,
        st.lists(st.ip_addresses(v=4).map(str), min_size=1, max_size=3, unique=True),
    ),
    st.builds(
        lambda n, p, h: DnsRecord(n, "MX", (f"{p} {h}",)), names, st.integers(0, 65535), hostnames
    ),
)


def unique_record_sets(records: list[DnsRecord]) -> list[DnsRecord]:
    seen: dict[str, DnsRecord] = {}
    for record in records:
        seen.setdefault(record.name, record)
    return list(seen.values())


@settings(deadline=None)
@given(st.lists(record_strategy, max_size=8).map(unique_record_sets))
def test_any_record_set_round_trips_through_a_zone_file(records: list[DnsRecord]) -> None:
    text = render_zone_file(records, "example.com")
    assert text.isascii()
    expected = sorted(
        DnsRecord(r.name, r.type, tuple(sorted(set(r.values))), r.ttl) for r in records
    )
    assert records_from_zone_text(text, "example.com") == expected


def test_group_by_zone_places_partly_unknown_names_and_explains_wholly_unknown_ones() -> None:
    partly = DnsRecord(f"{UNKNOWN}._domainkey.news.example.com", "CNAME", (UNKNOWN,))
    grouped = group_by_zone([partly], ["example.com", "news.example.com"])
    assert grouped["news.example.com"] == [partly]
    with pytest.raises(RecordError, match="entirely unknown until deploy"):
        group_by_zone([DnsRecord(UNKNOWN, "CNAME", (UNKNOWN,))], ["example.com"])
    # A single zone file can still show it, as a comment.
    text = render_zone_file([DnsRecord(UNKNOWN, "CNAME", (UNKNOWN,))], "example.com")
    assert "; <unknown>. 300 IN CNAME <unknown> ; unknown until deploy" in text
