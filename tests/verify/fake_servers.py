"""Misbehaving DNS servers on loopback: one that answers every query with a fixed error
code, one that never answers. Real UDP sockets, real DNS messages."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

import dns.message
import dns.rcode


@contextlib.contextmanager
def udp_server(
    rcode: dns.rcode.Rcode | None, silent: threading.Event | None = None
) -> Iterator[tuple[str, int]]:
    """Answer each query with `rcode`; with None, or once `silent` is set, never answer."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.1)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                payload, peer = sock.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            if rcode is None or (silent is not None and silent.is_set()):
                continue
            response = dns.message.make_response(dns.message.from_wire(payload))
            response.set_rcode(rcode)
            sock.sendto(response.to_wire(), peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield sock.getsockname()
    finally:
        stop.set()
        thread.join(timeout=2)
        sock.close()


@contextlib.contextmanager
def servfail_for(upstream: tuple[str, int], names: set[str]) -> Iterator[tuple[str, int]]:
    """Forward UDP queries to `upstream`, but answer SERVFAIL for the given names."""
    failing = {name.rstrip(".").lower() for name in names}
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.1)
    stop = threading.Event()

    def answer(payload: bytes, peer: tuple[str, int]) -> None:
        query = dns.message.from_wire(payload)
        if query.question[0].name.to_text(omit_final_dot=True).lower() in failing:
            response = dns.message.make_response(query)
            response.set_rcode(dns.rcode.SERVFAIL)
            sock.sendto(response.to_wire(), peer)
            return
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as forward:
            forward.settimeout(2)
            forward.sendto(payload, upstream)
            with contextlib.suppress(OSError):
                sock.sendto(forward.recvfrom(65535)[0], peer)

    def serve() -> None:
        while not stop.is_set():
            try:
                payload, peer = sock.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=answer, args=(payload, peer), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield sock.getsockname()
    finally:
        stop.set()
        thread.join(timeout=2)
        sock.close()
