"""Exported zone files load into a real authoritative DNS server and serve every record."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from components.records.dkim import dkim_record_name, dkim_txt_from_pem
from components.records.dmarc import DmarcPolicy, build_dmarc, dmarc_record_name
from components.records.dns_record import UNKNOWN, DnsRecord
from components.records.mail_from import mail_from_records
from components.records.mta_sts import MtaStsPolicy, mta_sts_record_name, mta_sts_txt
from components.records.ses import ses_dkim_cname
from components.records.spf import build_spf
from components.records.tls_rpt import tls_rpt_record_name, tls_rpt_txt
from components.records.zonefile import group_by_zone, render_zone_file
from tests.support.dns_server import DnsServerUnavailableError, find_server, serve_zones

ZONES = ("example.com", "news.example.com")


def _public_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


RECORDS = [
    DnsRecord(
        "example.com",
        "TXT",
        (build_spf(["include:amazonses.com", "ip4:192.0.2.0/24"], "-all"),),
        300,
    ),
    DnsRecord(
        dmarc_record_name("example.com"),
        "TXT",
        (build_dmarc(DmarcPolicy("quarantine", testing=True, rua=("d@example.com",))),),
        300,
    ),
    DnsRecord(
        mta_sts_record_name("example.com"),
        "TXT",
        (mta_sts_txt(MtaStsPolicy("enforce", ("mail.example.com",), 604800)),),
        3600,
    ),
    DnsRecord(tls_rpt_record_name("example.com"), "TXT", (tls_rpt_txt(["tls@example.com"]),), 3600),
    DnsRecord("example.com", "MX", ("10 mail.example.com", "20 mail2.example.net"), 300),
    DnsRecord("mail.example.com", "A", ("192.0.2.25",), 300),
    DnsRecord("notes.example.com", "TXT", ('quote " backslash \\ ünïcødé', "second value"), 60),
    DnsRecord(
        dkim_record_name("s2026", "news.example.com"),
        "TXT",
        (dkim_txt_from_pem(_public_pem()),),
        300,
    ),
    ses_dkim_cname("abcdefghijklmnopqrstuvwxyz234567", "news.example.com", "af-south-1", 1800),
    *mail_from_records("bounce.news.example.com", "af-south-1", 300),
    DnsRecord("news.example.com", "TXT", (build_spf(["include:amazonses.com"]),), 300),
]
UNKNOWN_RECORD = ses_dkim_cname(UNKNOWN, "news.example.com", "af-south-1", 1800)


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, int]]:
    try:
        find_server()
    except DnsServerUnavailableError as error:
        pytest.skip(str(error))
    grouped = group_by_zone([*RECORDS, UNKNOWN_RECORD], ZONES)
    texts = {zone: render_zone_file(records, zone, serial=7) for zone, records in grouped.items()}
    with serve_zones(texts) as address:
        yield address


def _ask(server: tuple[str, int], name: str, rtype: str) -> dns.message.Message:
    query = dns.message.make_query(name + ".", rtype)
    ip, port = server
    return dns.query.tcp(query, ip, port=port, timeout=5)


def _served(server: tuple[str, int], name: str, rtype: str) -> DnsRecord:
    """The record set the server answers for (name, type), in DnsRecord form."""
    response = _ask(server, name, rtype)
    assert response.rcode() == dns.rcode.NOERROR, (
        f"{name} {rtype}: {dns.rcode.to_text(response.rcode())}"
    )
    assert response.flags & dns.flags.AA, f"{name} {rtype}: answer is not authoritative"
    rrset = response.find_rrset(
        response.answer,
        dns.name.from_text(name + "."),
        dns.rdataclass.IN,
        dns.rdatatype.from_text(rtype),
    )
    values: list[str] = []
    for rdata in rrset:
        if rtype == "TXT":
            values.append(b"".join(rdata.strings).decode("utf-8"))
        elif rtype == "MX":
            values.append(f"{rdata.preference} {rdata.exchange.to_text().rstrip('.')}")
        elif rtype == "CNAME":
            values.append(rdata.target.to_text().rstrip("."))
        else:
            values.append(rdata.to_text())
    return DnsRecord(name, rtype, tuple(sorted(values)), rrset.ttl)


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: f"{r.name}-{r.type}")
def test_server_serves_each_exported_record(server: tuple[str, int], record: DnsRecord) -> None:
    expected = DnsRecord(record.name, record.type, tuple(sorted(record.values)), record.ttl)
    assert _served(server, record.name, record.type) == expected


def test_long_dkim_key_is_served_as_several_strings(server: tuple[str, int]) -> None:
    name = dkim_record_name("s2026", "news.example.com")
    response = _ask(server, name, "TXT")
    (rdata,) = response.answer[0]
    assert len(rdata.strings) == 2
    assert all(len(part) <= 255 for part in rdata.strings)


def test_each_zone_has_the_exported_soa(server: tuple[str, int]) -> None:
    for zone in ZONES:
        response = _ask(server, zone, "SOA")
        (soa,) = response.answer[0]
        assert soa.serial == 7
        assert soa.mname.to_text() == f"ns1.{zone}."


def test_unknown_records_are_not_served(server: tuple[str, int]) -> None:
    # The comment for the not-yet-known DKIM CNAME must not have produced any data.
    response = _ask(server, "_domainkey.news.example.com", "CNAME")
    assert not response.answer


@pytest.mark.parametrize("zone", ZONES)
def test_nsd_checkzone_accepts_the_exported_zone_files(zone: str, tmp_path: Path) -> None:
    checker = shutil.which("nsd-checkzone") or (
        "/usr/sbin/nsd-checkzone" if Path("/usr/sbin/nsd-checkzone").exists() else None
    )
    if checker is None:
        pytest.skip("nsd-checkzone not installed (Debian package 'nsd')")
    grouped = group_by_zone([*RECORDS, UNKNOWN_RECORD], ZONES)
    path = tmp_path / f"{zone}.zone"
    path.write_text(render_zone_file(grouped[zone], zone), encoding="ascii")
    result = subprocess.run([checker, zone, str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
