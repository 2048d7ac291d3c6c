"""Record sizes: what the config accepts is exactly what a real DNS server (Knot) serves."""

from __future__ import annotations

import ipaddress
from typing import Any

import dns.message
import dns.query
import dns.rdatatype
import pytest

from components.config.model import load_stack_config
from components.config.problems import ConfigError
from components.records.dns_record import DnsRecord
from components.records.errors import RecordError
from components.records.sizes import (
    MAX_DNS_MESSAGE,
    SPF_GUIDELINE_OCTETS,
    txt_answer_octets,
    txt_size_problem,
)
from components.records.zonefile import render_zone_file
from tests.support.dns_server import DnsServerUnavailableError, find_server, serve_zones


def _ip4_terms(count: int) -> list[str]:
    network = ipaddress.IPv4Network("10.0.0.0/8")
    return [f"{network.network_address + 256 * i}/24" for i in range(count)]


def _config(spf: dict[str, Any], dmarc: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "aws:region": "us-east-1",
        "mailstack:dns": {"provider": "route53", "zoneName": "example.com"},
        "mailstack:domains": [{"name": "news.example.com", "spf": spf, "dmarc": dmarc or {}}],
    }


def _largest_value(name: str) -> str:
    """The longest TXT value the size rule accepts at `name`."""
    low, high = 1, 70000
    while low < high:
        middle = (low + high + 1) // 2
        if txt_size_problem(name, ["x" * middle]) is None:
            low = middle
        else:
            high = middle - 1
    return "x" * low


def test_the_answer_size_counts_header_question_and_every_string() -> None:
    # 12 header + (13 name + 4) question + 12 answer fixed + 1 length octet + 3 text octets.
    assert txt_answer_octets("example.com", ["abc"]) == 12 + 17 + 12 + 4
    # 256 octets of text are two character-strings, so two length octets.
    assert txt_answer_octets("example.com", ["a" * 256]) == 12 + 17 + 12 + 258
    # The limit measured against Knot: 65238 characters at example.com.
    assert len(_largest_value("example.com")) == 65238


def test_an_spf_with_thousands_of_terms_is_a_config_error_at_its_key() -> None:
    with pytest.raises(ConfigError) as caught:
        load_stack_config(_config({"ip4": _ip4_terms(6000)}))
    (problem,) = caught.value.problems
    assert problem.path == "mailstack:domains[0].spf"
    assert str(MAX_DNS_MESSAGE) in problem.allowed
    assert len(str(caught.value)) < 2000


def test_an_spf_above_the_rfc_7208_guideline_is_refused_and_one_below_loads() -> None:
    with pytest.raises(ConfigError) as caught:
        load_stack_config(_config({"ip4": _ip4_terms(30)}))
    (problem,) = caught.value.problems
    assert problem.path == "mailstack:domains[0].spf"
    assert "RFC 7208 3.4" in problem.allowed and str(SPF_GUIDELINE_OCTETS) in problem.allowed
    load_stack_config(_config({"ip4": _ip4_terms(10)}))


def test_a_dmarc_record_too_large_for_dns_is_refused_at_its_key() -> None:
    rua = [f"mailto:reports-{i:05d}@example.com" for i in range(2500)]
    with pytest.raises(ConfigError) as caught:
        load_stack_config(_config({}, {"policy": "none", "rua": rua}))
    assert [p.path for p in caught.value.problems] == ["mailstack:domains[0].dmarc"]


def test_zone_files_refuse_a_txt_set_beyond_one_message() -> None:
    name = "_dmarc.news.example.com"
    largest = _largest_value(name)
    render_zone_file([DnsRecord(name, "TXT", (largest,), 300)], "example.com")
    with pytest.raises(RecordError, match="65535"):
        render_zone_file([DnsRecord(name, "TXT", (largest + "x",), 300)], "example.com")


@pytest.mark.parametrize("name", ["example.com", "_dmarc.news.example.com"])
def test_the_largest_accepted_txt_record_is_served_by_knot(name: str) -> None:
    try:
        kind = find_server()
    except DnsServerUnavailableError as error:
        pytest.skip(str(error))
    if kind != "knot":
        pytest.skip("the limit is measured against Knot")
    value = _largest_value(name)
    zone = render_zone_file([DnsRecord(name, "TXT", (value,), 300)], "example.com")
    with serve_zones({"example.com": zone}) as (ip, port):
        response = dns.query.tcp(dns.message.make_query(name, "TXT"), ip, port=port, timeout=5)
    served = [
        b"".join(rdata.strings).decode()
        for rrset in response.answer
        if rrset.rdtype == dns.rdatatype.TXT
        for rdata in rrset
    ]
    assert served == [value]
    assert len(response.to_wire()) <= MAX_DNS_MESSAGE
