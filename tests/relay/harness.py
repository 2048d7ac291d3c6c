"""A throwaway Postfix + OpenDKIM instance on loopback, configured by the relay renderers.

Shared by the integration tests and `bench/relay_throughput.py`.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from components.config.relay import RelaySettings
from components.relay.bundle import RelayInstall, RelaySecrets, render_relay
from components.relay.layout import RelayLayout

BINARIES = ("postfix", "postconf", "postqueue", "opendkim", "saslpasswd2")


def missing_binaries() -> list[str]:
    return [name for name in BINARIES if shutil.which(name) is None]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def wait_for_socket(path: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX) as sock:
            sock.connect(path)
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {path} after {timeout}s")


def rsa_key_pem(bits: int = 2048) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


@dataclass(frozen=True)
class Pki:
    ca_file: Path
    cert_file: Path
    key_file: Path


def make_pki(directory: Path, dns_name: str) -> Pki:
    """A CA and a server certificate for `dns_name` signed by it."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mailstack test CA")])
    ca = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, dns_name)]))
        .issuer_name(ca_name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(dns_name)]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    pki = Pki(directory / "ca.pem", directory / f"{dns_name}.crt", directory / f"{dns_name}.key")
    pki.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    pki.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pki.key_file.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ))
    pki.key_file.chmod(0o640)
    return pki


# --- the destination MX stand-in -------------------------------------------------------------

@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    login: str | None


@dataclass
class SinkHandler:
    """Accepts everything except recipients in `defer_domains`, which get a 451."""

    defer_domains: tuple[str, ...] = ()
    messages: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str,
        rcpt_options: list[str],
    ) -> str:
        if address.rsplit("@", 1)[-1].lower() in self.defer_domains:
            return "451 4.3.0 Mailbox temporarily unavailable, try again later"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        auth = session.auth_data if session.authenticated else None
        login = auth.login.decode() if auth is not None and hasattr(auth, "login") else None
        content = envelope.original_content or b""
        with self.lock:
            self.messages.append(Received(
                str(envelope.mail_from), list(envelope.rcpt_tos), content, login,
            ))
        return "250 2.0.0 queued"

    def wait_for(self, predicate: Callable[[Received], bool], timeout: float = 30.0) -> Received:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for message in self.messages:
                    if predicate(message):
                        return message
            time.sleep(0.05)
        raise TimeoutError(f"no matching message reached the sink within {timeout}s")


@dataclass
class Credentials:
    """What the sink accepts for AUTH; mutable, so a test can rotate it mid-run."""

    username: str
    password: str


def start_sink(
    handler: SinkHandler,
    tls: Pki | None = None,
    credentials: Credentials | None = None,
) -> Controller:
    """An aiosmtpd server; with `credentials` it requires STARTTLS and AUTH, like SES."""
    kwargs: dict[str, Any] = {}
    if tls is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(tls.cert_file), str(tls.key_file))
        kwargs.update(tls_context=context, require_starttls=True)
    if credentials is not None:
        accepted = credentials

        def authenticator(
            server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
        ) -> AuthResult:
            ok = (data.login.decode() == accepted.username
                  and data.password.decode() == accepted.password)
            return AuthResult(success=ok, handled=False, auth_data=data)

        kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=True)
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **kwargs)
    controller.start()
    return controller


# --- the relay under test --------------------------------------------------------------------

def make_layout(root: Path, tls: Pki, **overrides: Any) -> RelayLayout:
    layout = RelayLayout(
        config_directory=str(root / "etc/postfix"),
        queue_directory=str(root / "spool"),
        data_directory=str(root / "lib"),
        submission_listen=f"127.0.0.1:{free_port()}",
        inet_interfaces="127.0.0.1",
        maillog_file=str(root / "log/postfix.log"),
        tls_cert_file=str(tls.cert_file),
        tls_key_file=str(tls.key_file),
        opendkim_conf=str(root / "etc/opendkim.conf"),
        opendkim_directory=str(root / "etc/opendkim"),
        opendkim_socket=str(root / "run/opendkim.sock"),
        opendkim_umask="000",
        opendkim_pidfile=str(root / "run/opendkim.pid"),
        opendkim_user=None,
    )
    return replace(layout, **overrides)


def run(
    *argv: str, stdin: str | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=60)
    if check and result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(argv)} exited {result.returncode}: {result.stderr.strip() or result.stdout}"
        )
    return result


class RelayInstance:
    """Writes the rendered files into a temp tree, starts OpenDKIM and Postfix, stops them."""

    def __init__(
        self, domain: str, settings: RelaySettings, region: str, secrets: RelaySecrets,
        overlay: dict[str, str], root: Path | None = None, tls_name: str = "localhost",
        layout_overrides: dict[str, Any] | None = None, transport_nexthop: str | None = None,
    ) -> None:
        self.root = root or Path(tempfile.mkdtemp(prefix="relay-", dir=private_base()))
        self.tls = make_pki(self.root / "pki", tls_name)
        self.domain = domain
        self.settings = settings
        self.secrets = secrets
        self.layout = make_layout(self.root, self.tls, **(layout_overrides or {}))
        self.install: RelayInstall = render_relay(domain, settings, region, secrets, self.layout)
        self.overlay = overlay
        # Test-only: where the provider transports deliver instead of the providers' MX hosts.
        self.transport_nexthop = transport_nexthop
        self.opendkim: subprocess.Popen[bytes] | None = None
        self.started = False

    @property
    def submission_port(self) -> int:
        return int(self.layout.submission_listen.rsplit(":", 1)[1])

    @property
    def config_directory(self) -> str:
        return self.layout.config_directory

    def apply(self) -> None:
        for item in self.install.files:
            path = Path(item.path)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(item.content)
            path.chmod(item.mode)
        for name in ("spool", "lib", "log", "run"):
            (self.root / name).mkdir(exist_ok=True)
        # Postfix daemons drop to the `postfix` user and must traverse the tree.
        for directory in (self.root, *self.root.iterdir()):
            if directory.is_dir():
                directory.chmod(0o755)
        os.chown(self.root / "lib", _uid("postfix"), _gid("postfix"))
        os.chown(self.tls.key_file, 0, _gid("postfix"))
        run(*self.install.sasl_command, stdin=self.secrets.sasl_password)
        os.chown(self.layout.sasldb, 0, _gid("postfix"))
        os.chmod(self.layout.sasldb, 0o640)
        if self.overlay:
            run("postconf", "-c", self.config_directory, "-e",
                *(f"{k}={v}" for k, v in self.overlay.items()))
        if self.transport_nexthop:
            _set_transport_nexthop(Path(self.layout.postfix("transport")), self.transport_nexthop)

    def start(self) -> None:
        self.apply()
        # Registered before anything runs, so an interrupted test run still stops it at exit.
        _LIVE.add(self)
        _stop_on_sigterm()
        self.opendkim = subprocess.Popen(
            ["opendkim", "-f", "-x", self.layout.opendkim_conf],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        try:
            wait_for_socket(self.layout.opendkim_socket)
        except TimeoutError:
            self.opendkim.kill()
            _, err = self.opendkim.communicate()
            raise RuntimeError(f"opendkim did not start: {err.decode(errors='replace')}") from None
        # Set before the command: a start that fails half-way may still leave a master behind.
        self.started = True
        run("postfix", "-c", self.config_directory, "start")
        wait_for_port(self.submission_port)

    @property
    def master_pid_file(self) -> Path:
        return Path(self.layout.queue_directory) / "pid" / "master.pid"

    def _master_pid(self) -> int | None:
        with contextlib.suppress(OSError, ValueError):
            return int(self.master_pid_file.read_text().split()[0])
        return None

    def stop(self) -> None:
        if self.started or self.master_pid_file.exists():
            self._stop_master()
            self.started = False
        if self.opendkim is not None:
            self.opendkim.terminate()
            try:
                # libmilter notices SIGTERM only on its next poll, seconds later; a signing
                # filter of a stopped test instance has nothing left to finish.
                self.opendkim.wait(0.3)
            except subprocess.TimeoutExpired:
                self.opendkim.kill()
                self.opendkim.wait(10)
            self.opendkim = None
        _LIVE.discard(self)

    def _stop_master(self) -> None:
        """Stops this instance's master by its pid; `postfix stop` polls in whole seconds."""
        pid = self._master_pid()
        if pid is not None and _is_postfix_master(pid, self.config_directory):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and _alive(pid):
                time.sleep(0.02)
            if not _alive(pid):
                return
        run("postfix", "-c", self.config_directory, "stop", check=False)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def postconf_n(self) -> dict[str, str]:
        out = run("postconf", "-c", self.config_directory, "-n").stdout
        return dict(_setting(line) for line in out.splitlines())

    def queue(self) -> list[dict[str, Any]]:
        import json

        out = run("postqueue", "-c", self.config_directory, "-j").stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def log(self) -> str:
        path = Path(self.layout.maillog_file)
        return path.read_text(errors="replace") if path.exists() else ""

    @contextlib.contextmanager
    def running(self) -> Iterator[RelayInstance]:
        try:
            self.start()
            yield self
        finally:
            self.cleanup()


_LIVE: set[RelayInstance] = set()


@atexit.register
def _stop_leftovers() -> None:
    for instance in list(_LIVE):
        with contextlib.suppress(Exception):
            instance.cleanup()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _stop_on_sigterm() -> None:
    """A CI timeout sends SIGTERM, which by default exits without teardown or atexit hooks.

    As KeyboardInterrupt it unwinds through the fixtures' finalizers instead.
    """
    if (threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL):
        signal.signal(signal.SIGTERM, _interrupt)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A daemonized master that exited is reaped by init; a zombie left behind counts as gone.
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    return False


def _is_postfix_master(pid: int, config_directory: str) -> bool:
    """Guards against a recycled pid: the process must be the master of this config directory."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return False
    # postfix(1) hands the master its configuration directory in MAIL_CONFIG.
    return argv[0].endswith(b"/master") and f"MAIL_CONFIG={config_directory}".encode() in environ


def _set_transport_nexthop(path: Path, nexthop: str) -> None:
    """Points every `domain transport:` entry at `nexthop`, keeping the rendered transport."""
    lines = []
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#") and line.endswith(":"):
            line = f"{line}{nexthop}"
        lines.append(line)
    path.write_text("\n".join(lines) + "\n")


def _setting(line: str) -> tuple[str, str]:
    key, _, value = line.partition("=")
    return key.strip(), value.strip()


def private_base() -> Path:
    """A parent for instance trees that no other user can write to.

    OpenDKIM (RequireSafeKeys) refuses a key below a world-writable directory such as /tmp.
    """
    base = Path("/run/mailstack-tests")
    base.mkdir(mode=0o755, exist_ok=True)
    base.chmod(0o755)
    return base


def _uid(user: str) -> int:
    import pwd

    return pwd.getpwnam(user).pw_uid


def _gid(group: str) -> int:
    import grp

    return grp.getgrnam(group).gr_gid


def client_tls_context() -> ssl.SSLContext:
    """Submitters pin the relay's self-signed certificate; the tests just skip verification."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context
