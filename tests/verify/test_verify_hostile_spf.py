"""Hostile SPF trees and macros, served over DNS: the walk stops where a receiver stops
(RFC 7208 section 4.6.4), in bounded time and memory, with a finding and no traceback."""

from __future__ import annotations

import asyncio
import ipaddress
import time
import tracemalloc
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checks import spf
from checks.report import Status
from checks.resolver import Nameserver, Resolver
from checks.spf_syntax import MacroContext, SpfMacroError, SpfSyntaxError, expand_macros, parse_spf
from checks.targets import DomainTarget
from tests.verify.conftest import check_one
from tests.verify.scripted_dns import ScriptedDns, Zone, scripted_dns
from tests.verify.zones import SES_SPF

CLIENT = ipaddress.ip_address("198.51.100.7")
# A correctness bound, not a benchmark: far above the few hundred ms a walk takes, far
# below the minutes and gigabytes an unbounded walk of these trees costs.
MEMORY_LIMIT = 50 * 1024 * 1024


@pytest.fixture(scope="module")
def server() -> Iterator[ScriptedDns]:
    with scripted_dns() as running:
        yield running


def _resolver(server: ScriptedDns) -> Resolver:
    return Resolver((Nameserver(*server.address),), timeout=0.5, lifetime=1.0)


def diamond(width: int, depth: int) -> Zone:
    """Every name at one level includes every name at the next: width**depth paths."""
    zone: Zone = {}
    for level in range(depth):
        below = (
            " ".join(f"include:n{level + 1}-{j}.spf.test" for j in range(width))
            if level < depth - 1
            else "ip4:192.0.2.1"
        )
        names = ["diamond.test"] if level == 0 else [f"n{level}-{i}.spf.test" for i in range(width)]
        for name in names:
            zone[name] = [{"TXT": f"v=spf1 {below} -all"}]
    return zone


def _analyse_and_evaluate(server: ScriptedDns, domain: str) -> tuple[spf.SpfAnalysis, str, int]:
    resolver = _resolver(server)

    async def go() -> tuple[spf.SpfAnalysis, str]:
        fetched = await spf.fetch_spf(resolver, domain)
        analysis = await spf.analyse(resolver, domain, parse_spf(fetched.records[0]))
        evaluation = await spf.check_host(resolver, CLIENT, domain, f"postmaster@{domain}")
        return analysis, evaluation.result

    analysis, result = asyncio.run(go())
    return analysis, result, resolver.queries_sent


def test_a_diamond_include_graph_is_walked_once_per_name(server: ScriptedDns) -> None:
    server.set_zone(diamond(width=5, depth=10))  # 5**9 include paths, 46 distinct names
    tracemalloc.start()
    try:
        analysis, result, queries = _analyse_and_evaluate(server, "diamond.test")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # A receiver counts every include it evaluates: 5 + 25 + ... + 5**9 terms.
    assert analysis.lookups == sum(5**level for level in range(1, 10))
    assert result == "permerror"
    assert queries <= 46 * 2
    assert peak < MEMORY_LIMIT


def test_an_include_loop_is_a_finding_and_a_permerror(server: ScriptedDns) -> None:
    server.set_zone(
        {
            "loop.test": [{"TXT": "v=spf1 include:a.loop.test -all"}],
            "a.loop.test": [{"TXT": "v=spf1 include:b.loop.test -all"}],
            "b.loop.test": [{"TXT": "v=spf1 include:loop.test ~all"}],
        }
    )
    analysis, result, _ = _analyse_and_evaluate(server, "loop.test")
    assert any("loops back to loop.test" in problem for problem in analysis.problems)
    assert result == "permerror"


def test_a_wide_fan_out_stops_at_the_distinct_name_cap(server: ScriptedDns) -> None:
    zone: Zone = {"wide.test": [{"TXT": "v=spf1 include:w0.wide.test -all"}]}
    for i in range(300):
        children = " ".join(f"include:w{i * 3 + k}.wide.test" for k in (1, 2, 3))
        zone[f"w{i}.wide.test"] = [{"TXT": f"v=spf1 {children} -all"}]
    server.set_zone(zone)
    analysis, result, queries = _analyse_and_evaluate(server, "wide.test")
    assert any(f"more than {spf.MAX_NAMES} distinct domains" in p for p in analysis.problems)
    assert queries <= spf.MAX_NAMES + 20
    assert result == "permerror"


def test_the_lookup_limit_spans_nested_includes_in_the_report(server: ScriptedDns) -> None:
    # 4 + 4 + 4 includes across three records: 12 DNS-querying terms in all.
    zone: Zone = {}
    for name, nxt in (("deep.test", "a.deep.test"), ("a.deep.test", "b.deep.test")):
        extra = " ".join(f"include:x{i}.{name}" for i in range(3))
        zone[name] = [{"TXT": f"v=spf1 {extra} include:{nxt} -all"}]
        for i in range(3):
            zone[f"x{i}.{name}"] = [{"TXT": "v=spf1 ip4:192.0.2.9 -all"}]
    zone["amazonses.com"] = [{"TXT": SES_SPF}]
    zone["b.deep.test"] = [{"TXT": "v=spf1 " + " ".join(f"a:h{i}.deep.test" for i in range(4))}]
    for i in range(4):
        zone[f"h{i}.deep.test"] = [{"A": "192.0.2.10"}]
    server.set_zone(zone)
    report = check_one(DomainTarget("deep.test"), Nameserver(*server.address))
    limit = report.result("spf.lookup_limit")
    assert limit.status is Status.FAIL
    assert "12 DNS-querying terms" in limit.detail
    assert "permerror" in report.result("spf.authorizes_sender").detail


@pytest.mark.parametrize(
    "spec",
    [
        "%{d999999999r}.example.com",
        "%{d" + "9" * 5000 + "}.example.com",
        "%{i" + "1" * 4400 + "r}.x.example.com",
    ],
)
def test_huge_digit_transformers_expand_without_cost(spec: str) -> None:
    context = MacroContext("user@a.b.example.com", "a.b.example.com", CLIENT)
    # More digits than labels keeps every label (RFC 7208 section 7.3).
    assert expand_macros(spec, context).endswith(".example.com")


def test_a_zero_digit_transformer_and_huge_expansions_are_errors() -> None:
    context = MacroContext("user@example.com", "example.com", ipaddress.ip_address("2001:db8::1"))
    with pytest.raises(SpfMacroError, match="must not be 0"):
        expand_macros("%{d0}.example.com", context)
    with pytest.raises(SpfMacroError, match="expands to more than"):
        expand_macros("%{i}" * 400 + ".example.com", context)


def test_hostile_macros_in_dns_give_permerror_not_a_traceback(server: ScriptedDns) -> None:
    server.set_zone(
        {
            "zero.test": [{"TXT": "v=spf1 exists:%{d0}.zero.test -all"}],
            "huge.test": [{"TXT": "v=spf1 exists:" + "%{i}" * 300 + ".huge.test -all"}],
            "digits.test": [{"TXT": "v=spf1 a:%{d" + "9" * 4000 + "r}.digits.test -all"}],
        }
    )
    resolver = _resolver(server)
    ip6 = ipaddress.ip_address("2001:db8::1")
    results = {
        domain: asyncio.run(spf.check_host(resolver, ip6, domain, f"x@{domain}")).result
        for domain in ("zero.test", "huge.test", "digits.test")
    }
    assert results == {"zero.test": "permerror", "huge.test": "permerror", "digits.test": "fail"}


# --- hostile records, generated ------------------------------------------------------------

_POOL = [f"p{i}.pool.test" for i in range(12)]
_TERM = st.one_of(
    st.sampled_from([f"include:{n}" for n in _POOL]),
    st.sampled_from([f"a:{n}" for n in _POOL] + [f"mx:{n}" for n in _POOL]),
    st.sampled_from(
        ["-all", "~all", "?all", "ptr", "exists:%{i}.pool.test", "redirect=p0.pool.test"]
    ),
    st.builds(lambda n: f"exists:%{{d{n}r}}.pool.test", st.integers(0, 10**12)),
    st.text(st.characters(codec="utf-8"), max_size=12),
)
_RECORD = st.lists(_TERM, max_size=12).map(lambda terms: "v=spf1 " + " ".join(terms))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(_RECORD, min_size=len(_POOL), max_size=len(_POOL)))
def test_random_spf_graphs_end_quickly_in_bounded_memory(
    server: ScriptedDns, records: list[str]
) -> None:
    zone: Zone = {name: [{"TXT": text}] for name, text in zip(_POOL, records, strict=True)}
    zone["root.pool.test"] = [{"TXT": "v=spf1 " + " ".join(f"include:{n}" for n in _POOL)}]
    server.set_zone(zone)
    resolver = _resolver(server)
    started = time.monotonic()
    tracemalloc.start()
    try:

        async def go() -> None:
            for domain in ["root.pool.test", *_POOL]:
                fetched = await spf.fetch_spf(resolver, domain)
                try:
                    record = parse_spf(fetched.records[0])
                except (SpfSyntaxError, IndexError):
                    pass
                else:
                    await spf.analyse(resolver, domain, record)
                evaluation = await spf.check_host(resolver, CLIENT, domain, f"x@{domain}")
                assert evaluation.result in (
                    "pass",
                    "fail",
                    "softfail",
                    "neutral",
                    "none",
                    "permerror",
                    "temperror",
                )

        asyncio.run(go())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 10
    assert peak < MEMORY_LIMIT
