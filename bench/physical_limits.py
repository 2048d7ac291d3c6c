"""The cost of the two things every relayed message pays for: a DKIM signature and a TLS handshake.

Timed in-process on this machine, so a relay's rate can be set against what the hardware allows.
"""

from __future__ import annotations

import socket
import ssl
import statistics
import tempfile
import threading
import time
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.relay.harness import client_tls_context, make_pki


def rsa2048_signature_ms(rounds: int = 200) -> float:
    """Median milliseconds for one RSA-2048 PKCS#1 v1.5 SHA-256 signature (DKIM's rsa-sha256)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    data = b"dkim-signature header hash input " * 8
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        timings.append(time.perf_counter() - start)
    return statistics.median(timings) * 1000


def tls_handshake_ms(rounds: int = 50) -> float:
    """Median milliseconds for one full TLS handshake (RSA-2048 certificate) over loopback TCP.

    Client and server run in this process, so the figure is the CPU of both ends plus the
    loopback round trips, without session resumption.
    """
    with tempfile.TemporaryDirectory() as directory:
        pki = make_pki(Path(directory), "localhost")
        server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server_context.load_cert_chain(str(pki.cert_file), str(pki.key_file))
    server_context.options |= ssl.OP_NO_TICKET
    client_context = client_tls_context()
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        for _ in range(rounds):
            connection, _address = listener.accept()
            with server_context.wrap_socket(connection, server_side=True) as tls:
                tls.recv(1)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    timings = []
    for _ in range(rounds):
        with socket.create_connection(("127.0.0.1", port)) as raw:
            start = time.perf_counter()
            with client_context.wrap_socket(raw, server_hostname="localhost") as tls:
                timings.append(time.perf_counter() - start)
                tls.sendall(b"x")
    thread.join(10)
    listener.close()
    return statistics.median(timings) * 1000
