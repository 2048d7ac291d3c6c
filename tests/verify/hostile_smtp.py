"""Hostile SMTP servers on loopback: each runs a script against every client connection."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator

Script = Callable[[socket.socket, threading.Event], None]


@contextlib.contextmanager
def smtp_server(script: Script) -> Iterator[int]:
    """Listen on 127.0.0.1; run `script(conn, stop)` per connection; yield the port."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.1)
    stop = threading.Event()

    def client(conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            script(conn, stop)

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=client, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=2)
        listener.close()


def endless_multiline_banner(conn: socket.socket, stop: threading.Event) -> None:
    while not stop.is_set():
        conn.sendall(b"220-still greeting you " + b"x" * 60 + b"\r\n")


def endless_line(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(b"220 ")
    while not stop.is_set():
        conn.sendall(b"A" * 4096)


def drip_feed(conn: socket.socket, stop: threading.Event) -> None:
    for byte in b"220 slowly.example.com ESMTP\r\n":
        if stop.wait(2.0):
            return
        conn.sendall(bytes([byte]))


def garbage(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\x1b[31mred\r\n\r\n")
    stop.wait(5)


def _lines(conn: socket.socket) -> Iterator[bytes]:
    buffer = b""
    conn.settimeout(5)
    while True:
        while b"\n" not in buffer:
            data = conn.recv(1024)
            if not data:
                return
            buffer += data
        line, buffer = buffer.split(b"\n", 1)
        yield line.strip()


def answers(ehlo: bytes, banner: bytes = b"220 relay.example.com ESMTP\r\n") -> Script:
    """A server that greets with `banner`, answers EHLO with `ehlo`, refuses to relay."""

    def script(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(banner)
        for line in _lines(conn):
            verb = line.split(b" ", 1)[0].upper()
            if verb == b"EHLO":
                conn.sendall(ehlo)
            elif verb == b"RCPT":
                conn.sendall(b"554 5.7.1 Relay access denied\r\n")
            elif verb == b"QUIT":
                conn.sendall(b"221 bye\r\n")
                return
            else:
                conn.sendall(b"250 ok\r\n")
            time.sleep(0)

    return script
