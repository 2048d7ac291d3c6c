"""The reusable authoritative DNS server fixture: serves zones, rejects broken ones clearly."""

from __future__ import annotations

import dns.message
import dns.query
import dns.rcode
import pytest

from tests.support.dns_server import (
    DnsServerUnavailableError,
    ZoneRejectedError,
    find_server,
    serve_zones,
    zone_text,
)


@pytest.fixture(autouse=True)
def need_server() -> None:
    try:
        find_server()
    except DnsServerUnavailableError as error:
        pytest.skip(str(error))


def test_serves_each_zone_on_loopback_and_stops() -> None:
    zones = {
        "one.example": zone_text("one.example", '@ TXT "hello"'),
        "two.example": zone_text("two.example", "www A 192.0.2.7"),
    }
    with serve_zones(zones) as (ip, port):
        assert ip == "127.0.0.1"
        answer = dns.query.udp(
            dns.message.make_query("one.example", "TXT"), ip, port=port, timeout=2
        )
        assert answer.answer[0][0].strings == (b"hello",)
        answer = dns.query.tcp(
            dns.message.make_query("www.two.example", "A"), ip, port=port, timeout=2
        )
        assert answer.answer[0][0].address == "192.0.2.7"
    with pytest.raises(OSError):
        dns.query.tcp(dns.message.make_query("one.example", "TXT"), ip, port=port, timeout=1)


def test_a_zone_the_server_refuses_raises_with_its_reason() -> None:
    broken = zone_text("broken.example", "@ CNAME elsewhere.example.")
    with pytest.raises(ZoneRejectedError) as error, serve_zones({"broken.example": broken}):
        pass
    assert "broken.example" in str(error.value)
    assert "CNAME" in str(error.value)
