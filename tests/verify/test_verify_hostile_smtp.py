"""Hostile SMTP servers: floods, drip feeds, empty and garbage replies end as findings within
the probe's deadline, never as a hang, a memory blow-up or a traceback."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import threading
import time
import tracemalloc
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checks.deadline import Deadline
from checks.relay import RelayTarget, SmtpSettings, relay_checks
from checks.report import Status
from checks.resolver import Nameserver, Resolver
from checks.smtp_probe import ProbeResult, probe
from checks.smtp_reply import MAX_REPLY_BYTES, MAX_REPLY_LINES
from tests.verify.hostile_smtp import (
    answers,
    drip_feed,
    endless_line,
    endless_multiline_banner,
    garbage,
    smtp_server,
)
from tests.verify.scripted_dns import scripted_dns

# Correctness bounds (the probe must stop by its deadline), not benchmarks.
SLACK = 2.0


def _probe(port: int, seconds: float = 3.0) -> tuple[ProbeResult, float]:
    started = time.monotonic()
    result = probe("127.0.0.1", port, "relay.example.com", 10.0, None, Deadline.after(seconds))
    return result, time.monotonic() - started


def test_an_endless_multiline_banner_is_cut_at_the_line_cap() -> None:
    tracemalloc.start()
    try:
        with smtp_server(endless_multiline_banner) as port:
            result, elapsed = _probe(port)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert f"more than {MAX_REPLY_LINES} lines" in result.error
    assert peak < 4 * MAX_REPLY_BYTES + 1024 * 1024
    assert elapsed < 3.0 + SLACK


def test_an_endless_reply_line_is_cut_at_the_byte_cap() -> None:
    with smtp_server(endless_line) as port:
        result, _ = _probe(port)
    assert f"longer than {MAX_REPLY_BYTES // 1024} KiB" in result.error


def test_a_drip_feeding_server_is_cut_off_at_the_probe_deadline() -> None:
    with smtp_server(drip_feed) as port:
        result, elapsed = _probe(port, seconds=3.0)
    assert "timed out after 3s" in result.error
    assert elapsed < 3.0 + SLACK


def test_garbage_is_reported_printably() -> None:
    with smtp_server(garbage) as port:
        result, _ = _probe(port)
    error = result.error
    assert "not an SMTP reply line: 'HTTP/1.1 400 Bad Request'" in error
    assert "\x1b" not in error


@pytest.fixture(scope="module")
def relay_dns() -> Iterator[Nameserver]:
    zone = {
        "1.0.0.127.in-addr.arpa": [{"PTR": "relay.example.com"}],
        "relay.example.com": [{"A": "127.0.0.1"}],
    }
    with scripted_dns(zone) as server:
        yield Nameserver(*server.address)


def test_an_ehlo_answered_250_without_text_is_a_finding(relay_dns: Nameserver) -> None:
    with smtp_server(answers(b"250\r\n")) as port:
        target = RelayTarget(ipaddress.ip_address("127.0.0.1"), port, "relay.example.com")
        resolver = Resolver((relay_dns,), timeout=1.0, lifetime=2.0)
        results = asyncio.run(
            relay_checks(resolver, target, (), SmtpSettings(timeout=2.0, probe_deadline=5.0))
        )
    by_id = {r.id: r for r in results}
    assert by_id["relay.ptr"].status is Status.FAIL
    assert "names no server" in by_id["relay.ptr"].detail
    assert by_id["relay.open_relay"].status is Status.PASS  # the conversation went on


def test_a_server_silent_after_the_banner_ends_at_the_check_deadline(
    relay_dns: Nameserver,
) -> None:
    def silent(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(b"220 relay.example.com\r\n")
        stop.wait(30)

    with smtp_server(silent) as port:
        target = RelayTarget(ipaddress.ip_address("127.0.0.1"), port, "relay.example.com")
        resolver = Resolver((relay_dns,), timeout=1.0, lifetime=2.0)
        started = time.monotonic()
        results = asyncio.run(
            relay_checks(
                resolver,
                target,
                (),
                SmtpSettings(timeout=30.0, probe_deadline=30.0),
                Deadline.after(2.0),
            )
        )
        elapsed = time.monotonic() - started
    assert elapsed < 2.0 + SLACK
    starttls = {r.id: r for r in results}["relay.starttls"]
    assert starttls.status is Status.FAIL and "timed out after 2s" in starttls.detail


# --- random replies ------------------------------------------------------------------------

_REPLY = st.one_of(
    st.binary(max_size=300),
    st.lists(
        st.tuples(
            st.sampled_from([b"220", b"250", b"421", b"554", b"2x0"]), st.binary(max_size=40)
        ),
        max_size=6,
    ).map(lambda lines: b"".join(code + b"-" + text + b"\r\n" for code, text in lines)),
)


class _Scripted:
    banner = b"220 ok\r\n"
    ehlo = b"250 ok\r\n"


def _replay(conn: socket.socket, stop: threading.Event) -> None:
    answers(_Scripted.ehlo, banner=_Scripted.banner)(conn, stop)


@pytest.fixture(scope="module")
def replay_port() -> Iterator[int]:
    with smtp_server(_replay) as port:
        yield port


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(_REPLY, _REPLY)
def test_random_replies_never_escape_or_outlive_the_deadline(
    replay_port: int, banner: bytes, ehlo: bytes
) -> None:
    _Scripted.banner, _Scripted.ehlo = banner, ehlo
    result, elapsed = _probe(replay_port, seconds=0.5)
    assert elapsed < 0.5 + SLACK
    assert result.connected
