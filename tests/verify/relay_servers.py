"""Loopback SMTP relays for the relay checks: aiosmtpd with STARTTLS and a test CA."""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.support.dns_server import free_port


@dataclass(frozen=True)
class LocalCa:
    ca_file: Path
    directory: Path
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    def server_context(self, hostname: str) -> ssl.SSLContext:
        """A TLS server context with a certificate for `hostname` signed by this CA."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)]))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        cert_path = self.directory / f"{hostname}.crt"
        key_path = self.directory / f"{hostname}.key"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert_path, key_path)
        return context


def make_ca(directory: Path) -> LocalCa:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mailstack test CA")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    ca_file = directory / "ca.pem"
    ca_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return LocalCa(ca_file, directory, key, cert)


class RefusingRelay:
    """Accepts mail for its own domain only, like Postfix with reject_unauth_destination."""

    def __init__(self, own_domain: str) -> None:
        self.own_domain = own_domain

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if not address.lower().endswith("@" + self.own_domain):
            return "554 5.7.1 <" + address + ">: Relay access denied"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "250 OK"


class OpenRelay:
    """Accepts any recipient: the misconfiguration the open-relay check must catch."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "250 OK"


@contextlib.contextmanager
def smtp_relay(
    host: str,
    ehlo_name: str,
    handler: Any,
    tls_context: ssl.SSLContext | None,
) -> Iterator[int]:
    """Run an SMTP server on host:<free port>; yield the port."""
    port = free_port() if ":" not in host else _free_port_v6()
    kwargs: dict[str, Any] = {"server_hostname": ehlo_name}
    if tls_context is not None:
        kwargs["tls_context"] = tls_context
    controller = Controller(handler, hostname=host, port=port, **kwargs)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def _free_port_v6() -> int:
    import socket

    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
        sock.bind(("::1", 0))
        return int(sock.getsockname()[1])


def loopback(ip: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.ip_address(ip)
