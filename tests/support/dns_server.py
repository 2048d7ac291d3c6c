"""A real authoritative DNS server on loopback for integration tests and benchmarks.

`serve_zones({"example.com": zone_text})` starts Knot DNS (`knotd`, Debian package
`knot`) or, when Knot is absent, NSD, on 127.0.0.1 with a free unprivileged port,
waits until every zone is loaded, yields `(ip, port)` and stops the server.
A zone the server refuses to load raises `ZoneRejectedError` with the server's
own explanation, so a broken fixture is reported instead of silently served.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import dns.exception
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype

LOOPBACK = "127.0.0.1"
START_TIMEOUT = 30.0


class DnsServerUnavailableError(RuntimeError):
    """Neither knotd nor nsd is installed."""


class ZoneRejectedError(RuntimeError):
    """The DNS server refused to load a zone; the message carries its reason."""


def free_port() -> int:
    """A port free for both UDP and TCP on loopback at the time of the call."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind((LOOPBACK, 0))
            port = int(tcp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind((LOOPBACK, port))
                except OSError:
                    continue
            return port
    raise RuntimeError("no free loopback port found")


def zone_text(origin: str, body: str, ttl: int = 300) -> str:
    """A zone file for `origin`: a standard SOA and NS header followed by `body`.

    `body` uses names relative to the origin, as in any zone file.
    """
    origin = origin.rstrip(".")
    header = (
        f"$ORIGIN {origin}.\n$TTL {ttl}\n"
        f"@ IN SOA ns.{origin}. hostmaster.{origin}. 1 3600 600 86400 300\n"
        f"@ IN NS ns.{origin}.\n"
        f"ns IN A {LOOPBACK}\n"
    )
    return header + body.strip("\n") + "\n"


def find_server() -> str:
    """'knot' or 'nsd', whichever is installed (Knot preferred)."""
    if _binary("knotd"):
        return "knot"
    if _binary("nsd"):
        return "nsd"
    raise DnsServerUnavailableError(
        "no authoritative DNS server found: install the Debian package 'knot' (or 'nsd')"
    )


def _binary(name: str) -> str | None:
    return shutil.which(name) or next(
        (p for p in (f"/usr/sbin/{name}", f"/usr/local/sbin/{name}") if os.access(p, os.X_OK)),
        None,
    )


@contextlib.contextmanager
def serve_zones(zones: Mapping[str, str]) -> Iterator[tuple[str, int]]:
    """Serve `{zone_name: zone_file_text}` authoritatively; yield the server's (ip, port)."""
    if not zones:
        raise ValueError("serve_zones needs at least one zone")
    kind = find_server()
    names = [name.rstrip(".").lower() for name in zones]
    with tempfile.TemporaryDirectory(prefix="mailstack-dns-") as tmp:
        workdir = Path(tmp)
        for name, text in zip(names, zones.values(), strict=True):
            (workdir / f"{name}.zone").write_text(text)
        port = free_port()
        if kind == "knot":
            command = _knot_command(workdir, port, names)
        else:
            _nsd_check_zones(workdir, names)
            command = _nsd_command(workdir, port, names)
        log_path = workdir / "server.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        try:
            _wait_loaded(process, port, names, log_path, kind)
            yield LOOPBACK, port
        finally:
            _stop(process)


def _knot_command(workdir: Path, port: int, names: list[str]) -> list[str]:
    zone_lines = "".join(f"  - domain: {name}.\n" for name in names)
    config = (
        "server:\n"
        f"    listen: {LOOPBACK}@{port}\n"
        f'    rundir: "{workdir}"\n'
        "    udp-workers: 1\n"
        "    tcp-workers: 1\n"
        "    background-workers: 1\n"
        "log:\n"
        "  - target: stderr\n"
        "    any: info\n"
        "database:\n"
        f'    storage: "{workdir}"\n'
        "template:\n"
        "  - id: default\n"
        f'    storage: "{workdir}"\n'
        '    file: "%s.zone"\n'
        "    journal-content: none\n"
        "    zonefile-sync: -1\n"
        "zone:\n" + zone_lines
    )
    path = workdir / "knot.conf"
    path.write_text(config)
    return [str(_binary("knotd")), "-c", str(path)]


def _nsd_check_zones(workdir: Path, names: list[str]) -> None:
    checker = _binary("nsd-checkzone")
    if checker is None:
        return
    for name in names:
        result = subprocess.run(
            [checker, name, str(workdir / f"{name}.zone")],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise ZoneRejectedError(
                f"nsd rejected zone {name}: {(result.stdout + result.stderr).strip()}"
            )


def _nsd_command(workdir: Path, port: int, names: list[str]) -> list[str]:
    zone_lines = "".join(f"zone:\n    name: {name}\n    zonefile: {name}.zone\n" for name in names)
    config = (
        "server:\n"
        f"    ip-address: {LOOPBACK}@{port}\n"
        f'    zonesdir: "{workdir}"\n'
        f'    pidfile: "{workdir}/nsd.pid"\n'
        f'    xfrdfile: "{workdir}/xfrd.state"\n'
        f'    zonelistfile: "{workdir}/zone.list"\n'
        '    database: ""\n'
        '    username: ""\n'
        "    server-count: 1\n"
        "remote-control:\n    control-enable: no\n" + zone_lines
    )
    path = workdir / "nsd.conf"
    path.write_text(config)
    return [str(_binary("nsd")), "-d", "-c", str(path)]


def _wait_loaded(
    process: subprocess.Popen[bytes], port: int, names: list[str], log_path: Path, kind: str
) -> None:
    pending = set(names)
    deadline = time.monotonic() + START_TIMEOUT
    failure = re.compile(r"error: \[([^\]]+?)\.\]")
    while pending:
        log = log_path.read_text(errors="replace")
        if kind == "knot":
            rejected = {m.group(1).lower() for m in failure.finditer(log)} & pending
            if rejected:
                zone = sorted(rejected)[0]
                reasons = [line for line in log.splitlines() if f"[{zone}.]" in line]
                raise ZoneRejectedError(f"knotd rejected zone {zone}:\n" + "\n".join(reasons))
        if process.poll() is not None:
            raise RuntimeError(f"{kind} exited with code {process.returncode}:\n{log}")
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"{kind} did not load zones {sorted(pending)[:5]} within {START_TIMEOUT}s:\n{log}"
            )
        for name in sorted(pending):
            if not _answers_soa(port, name):
                break
            pending.discard(name)
        else:
            continue
        time.sleep(0.05)


def _answers_soa(port: int, name: str) -> bool:
    query = dns.message.make_query(name + ".", dns.rdatatype.SOA)
    try:
        response = dns.query.udp(query, LOOPBACK, port=port, timeout=0.5)
    except (OSError, dns.exception.DNSException):
        return False
    return response.rcode() == dns.rcode.NOERROR and bool(response.answer)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def dns_server_fixture(zones: Mapping[str, str]) -> Callable[[], Iterator[tuple[str, int]]]:
    """A generator for a pytest fixture serving `zones`; skips the test when no server exists.

    Usage in a test module or conftest:
        good_dns = pytest.fixture(scope="module")(dns_server_fixture({"example.com": text}))
    """

    def fixture() -> Iterator[tuple[str, int]]:
        import pytest

        try:
            find_server()
        except DnsServerUnavailableError as error:
            pytest.skip(str(error))
        with serve_zones(zones) as address:
            yield address

    return fixture
