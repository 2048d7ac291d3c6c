"""DNS failures become clear `fail` details, never tracebacks; --wait retries until DNS is live."""

from __future__ import annotations

import asyncio
import threading
import time

import dns.flags
import dns.message
import dns.query
import dns.rcode

from checks.embedded_dns import EmbeddedDnsServer, ServedRecord
from checks.report import Status
from checks.resolver import Nameserver
from checks.runner import verify_async
from checks.targets import DomainTarget
from components.records.dns_record import DnsRecord
from tests.verify.conftest import check_one, options_for
from tests.verify.fake_servers import udp_server


def test_servfail_is_a_clear_failure() -> None:
    with udp_server(dns.rcode.SERVFAIL) as (ip, port):
        report = check_one(DomainTarget("good.example.com"), Nameserver(ip, port))
    result = report.result("spf.present")
    assert result.status is Status.FAIL
    assert "SERVFAIL" in result.detail
    assert report.result("dmarc.present").status is Status.FAIL


def test_timeout_is_a_clear_failure() -> None:
    started = time.monotonic()
    with udp_server(None) as (ip, port):
        report = check_one(DomainTarget("good.example.com"), Nameserver(ip, port), dns_timeout=0.3)
    assert time.monotonic() - started < 10
    result = report.result("spf.present")
    assert result.status is Status.FAIL
    assert "timeout" in result.detail


def test_lame_server_refusing_the_zone_is_a_clear_failure(nameserver: Nameserver) -> None:
    result = check_one(DomainTarget("notserved.invalid"), nameserver).result("spf.present")
    assert result.status is Status.FAIL
    assert "REFUSED" in result.detail and "lame" in result.detail


def test_nxdomain_is_named(nameserver: Nameserver) -> None:
    target = DomainTarget("good.example.com", dkim_selectors=("nosuchselector",))
    result = check_one(target, nameserver).result("dkim.selector_published")
    assert result.status is Status.FAIL
    assert "NXDOMAIN" in result.detail


def test_truncated_udp_answer_is_retried_over_tcp(nameserver: Nameserver) -> None:
    query = dns.message.make_query("big.example.com.", "TXT", use_edns=0, payload=1232)
    udp = dns.query.udp(query, nameserver.address, port=nameserver.port, timeout=2)
    assert udp.flags & dns.flags.TC, "the fixture record must not fit in a UDP answer"
    result = check_one(DomainTarget("big.example.com"), nameserver).result("spf.present")
    assert result.status is Status.PASS
    assert "ip4:10.0.0.129" in result.detail


def _records(with_spf: bool) -> list[DnsRecord | ServedRecord]:
    records: list[DnsRecord | ServedRecord] = [
        DnsRecord("_dmarc.late.example", "TXT", ("v=DMARC1; p=reject; rua=mailto:d@late.example",)),
        ServedRecord("amazonses.com", "TXT", ("v=spf1 ip4:199.255.192.0/22 -all",)),
    ]
    if with_spf:
        records.append(DnsRecord("late.example", "TXT", ("v=spf1 include:amazonses.com -all",)))
    return records


def test_wait_retries_until_the_record_propagates() -> None:
    zones = ["late.example", "amazonses.com"]
    server = EmbeddedDnsServer(zones, _records(with_spf=False))
    messages: list[str] = []
    with server as (ip, port):
        timer = threading.Timer(0.5, server.replace_records, (zones, _records(with_spf=True)))
        timer.start()
        options = options_for(Nameserver(ip, port), wait=20.0)
        started = time.monotonic()
        report = asyncio.run(verify_async([DomainTarget("late.example")], options, messages.append))
        timer.join()
    assert report.domains[0].result("spf.present").status is Status.PASS
    assert time.monotonic() - started < 15
    assert any("retrying in" in m for m in messages)


def test_wait_gives_up_when_time_runs_out() -> None:
    zones = ["late.example", "amazonses.com"]
    with EmbeddedDnsServer(zones, _records(with_spf=False)) as (ip, port):
        started = time.monotonic()
        options = options_for(Nameserver(ip, port), wait=1.5)
        report = asyncio.run(verify_async([DomainTarget("late.example")], options))
    assert 1.5 <= time.monotonic() - started < 8
    assert report.domains[0].result("spf.present").status is Status.FAIL
