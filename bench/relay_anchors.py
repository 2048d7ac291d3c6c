"""The reference Postfix instances the rendered relay is compared with.

- `HandBuiltRelay`: what an administrator builds by hand from Debian's packages for the same
  job. Postfix's main.cf is the one Debian's postinst writes (main.cf.debian + main.cf.tls,
  plus its relay restriction), completed with the answers of an "Internet with smarthost"
  install; master.cf is Debian's shipped master.cf.dist with its loopback `submission`
  service and that service's `-o` block uncommented (STARTTLS required, SASL AUTH, recipient
  restrictions permit_sasl_authenticated,reject). SASL checks a sasldb; OpenDKIM signs with
  Debian's shipped opendkim.conf, its commented single-domain `Domain`/`Selector`/`KeyFile`
  lines filled in and relaxed/relaxed canonicalization.
- `StockPostfix`: Debian's master.cf and Postfix defaults, plain SMTP, no AUTH, no milter:
  the ceiling without any of the work the relay exists for.

Both run from temporary trees on loopback, unchrooted (the jail needs files Debian's init
script copies in), and relay to the benchmark's sink.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.relay.harness import (
    free_port,
    make_pki,
    run,
    wait_for_port,
    wait_for_socket,
)

DEBIAN_MAIN_CF = Path("/usr/share/postfix/main.cf.debian")
DEBIAN_MAIN_CF_TLS = Path("/usr/share/postfix/main.cf.tls")
DEBIAN_MASTER_CF = Path("/usr/share/postfix/master.cf.dist")
DEBIAN_OPENDKIM_CONF = Path("/etc/opendkim.conf")
# What Debian's postinst adds to a fresh main.cf (postfix.postinst, NEWCONF branch).
POSTINST_RELAY_RESTRICTIONS = (
    "permit_mynetworks permit_sasl_authenticated defer_unauth_destination"
)


def _private_root(prefix: str) -> Path:
    # OpenDKIM refuses keys below a world-writable directory such as /tmp (RequireSafeKeys).
    base = Path("/run/mailstack-bench")
    base.mkdir(mode=0o755, exist_ok=True)
    base.chmod(0o755)
    root = Path(tempfile.mkdtemp(prefix=prefix, dir=base))
    root.chmod(0o755)
    return root


def shipped_submission_master_cf(listen: str) -> str:
    """Debian's master.cf with the loopback submission service and its options uncommented."""
    out: list[str] = []
    in_block = False
    for line in DEBIAN_MASTER_CF.read_text().splitlines():
        if line.startswith("#127.0.0.1:submission "):
            line = listen + line[len("#127.0.0.1:submission"):]
        elif line.startswith("#submission "):
            in_block = True
        elif in_block and line.startswith("#  -o "):
            line = line[1:]
        elif in_block and not line.startswith("#     "):
            in_block = False
        out.append(line)
    return "\n".join(out) + "\n"


def shipped_main_cf(cert_file: str, key_file: str) -> str:
    """main.cf as Debian's postinst creates it, pointed at this instance's certificate."""
    tls = DEBIAN_MAIN_CF_TLS.read_text()
    tls = re.sub(r"(?m)^smtpd_tls_cert_file=.*$", f"smtpd_tls_cert_file={cert_file}", tls)
    tls = re.sub(r"(?m)^smtpd_tls_key_file=.*$", f"smtpd_tls_key_file={key_file}", tls)
    return DEBIAN_MAIN_CF.read_text() + tls


def shipped_opendkim_conf(domain: str, selector: str, key_file: str, socket: str,
                          pidfile: str) -> str:
    """Debian's opendkim.conf with its single-domain signing lines filled in."""
    replacements = {
        "Canonicalization": "relaxed/relaxed",
        "Domain": domain,
        "Selector": selector,
        "KeyFile": key_file,
        "Socket": f"local:{socket}",
        "PidFile": pidfile,
        # A private directory holds the socket; Postfix runs as another user.
        "UMask": "000",
    }
    lines = DEBIAN_OPENDKIM_CONF.read_text().splitlines()
    active = {line.split(maxsplit=1)[0] for line in lines if line.strip() and line[0] != "#"}
    out: list[str] = []
    for line in lines:
        words = line.lstrip("#").split(maxsplit=1)
        key = words[0] if words else ""
        # A setting the file has active is changed in place; a commented one is filled in.
        if key in replacements and (line[:1] != "#" or key not in active):
            line = f"{key}\t\t\t{replacements.pop(key)}"
        elif key == "UserID" and line[:1] != "#":
            line = "#" + line  # runs as the invoking user, like the rendered relay's test tree
        out.append(line)
    out += [f"{key}\t\t\t{value}" for key, value in replacements.items()]
    return "\n".join(out) + "\n"


class _PostfixTree:
    def __init__(self, prefix: str) -> None:
        self.root = _private_root(prefix)
        self.etc = self.root / "etc"
        self.port = free_port()
        for name in ("etc", "spool", "lib", "log", "run"):
            (self.root / name).mkdir()
            (self.root / name).chmod(0o755)
        shutil.chown(self.root / "lib", "postfix", "postfix")

    def local_paths(self, sink_port: int, hostname: str) -> list[str]:
        return [
            f"myhostname={hostname}",
            "mydestination=",
            f"relayhost=[127.0.0.1]:{sink_port}",
            "mynetworks=127.0.0.0/8",
            "inet_interfaces=127.0.0.1",
            "inet_protocols=ipv4",
            f"queue_directory={self.root / 'spool'}",
            f"data_directory={self.root / 'lib'}",
            f"maillog_file={self.root / 'log/postfix.log'}",
            f"maillog_file_prefixes={self.root / 'log'}",
        ]

    def postconf(self, *args: str) -> None:
        run("postconf", "-c", str(self.etc), *args)

    def start(self) -> None:
        run("postfix", "-c", str(self.etc), "start")
        wait_for_port(self.port)

    def log(self) -> str:
        path = self.root / "log/postfix.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        run("postfix", "-c", str(self.etc), "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)


class StockPostfix(_PostfixTree):
    """Debian's shipped master.cf and Postfix defaults, relaying for loopback to the sink."""

    def __init__(self, sink_port: int) -> None:
        super().__init__("stock-")
        shutil.copy(DEBIAN_MASTER_CF, self.etc / "master.cf")
        (self.etc / "main.cf").write_text("compatibility_level = 3.6\n")
        self.postconf("-e", *self.local_paths(sink_port, "stock.example.com"))
        self.postconf("-F", "*/*/chroot = n")
        self.postconf("-MX", "smtp/inet")
        self.postconf("-Me", f"127.0.0.1:{self.port}/inet = "
                      f"127.0.0.1:{self.port} inet n - n - - smtpd")


class HandBuiltRelay(_PostfixTree):
    """Debian's stock Postfix + OpenDKIM, set up by hand for authenticated, signed submission."""

    def __init__(self, sink_port: int, domain: str, selector: str, private_key_pem: str,
                 username: str, password: str) -> None:
        super().__init__("anchor-")
        hostname = f"relay.{domain}"
        pki = make_pki(self.root / "pki", "localhost")
        shutil.chown(pki.key_file, "root", "postfix")
        listen = f"127.0.0.1:{self.port}"
        (self.etc / "master.cf").write_text(shipped_submission_master_cf(listen))
        (self.etc / "main.cf").write_text(shipped_main_cf(str(pki.cert_file), str(pki.key_file)))
        sasl = self.etc / "sasl"
        sasl.mkdir(mode=0o755)
        sasldb = sasl / "sasldb2"
        # Postfix's SASL_README: Cyrus SASL, passwords in a sasldb.
        (sasl / "smtpd.conf").write_text(
            f"pwcheck_method: auxprop\nauxprop_plugin: sasldb\nmech_list: PLAIN LOGIN\n"
            f"sasldb_path: {sasldb}\n"
        )
        run("saslpasswd2", "-p", "-c", "-f", str(sasldb), "-u", hostname, username,
            stdin=password)
        shutil.chown(sasldb, "root", "postfix")
        sasldb.chmod(0o640)
        dkim = self.root / "dkim"
        dkim.mkdir(mode=0o755)
        key_file = dkim / f"{selector}.private"
        key_file.write_text(private_key_pem)
        key_file.chmod(0o600)
        self.opendkim_conf = self.root / "etc/opendkim.conf"
        self.opendkim_socket = str(self.root / "run/opendkim.sock")
        self.opendkim_conf.write_text(shipped_opendkim_conf(
            domain, selector, str(key_file), self.opendkim_socket,
            str(self.root / "run/opendkim.pid"),
        ))
        self.postconf("-e", *self.local_paths(sink_port, hostname),
                      f"smtpd_relay_restrictions={POSTINST_RELAY_RESTRICTIONS}",
                      f"cyrus_sasl_config_path={sasl}",
                      "smtpd_sasl_local_domain=$myhostname",
                      # Debian's README for OpenDKIM with Postfix.
                      f"smtpd_milters=unix:{self.opendkim_socket}",
                      "non_smtpd_milters=$smtpd_milters",
                      "milter_default_action=accept")
        self.postconf("-F", "*/*/chroot = n")
        self.postconf("-MX", "smtp/inet")
        self.opendkim: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.opendkim = subprocess.Popen(
            ["opendkim", "-f", "-x", str(self.opendkim_conf)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for_socket(self.opendkim_socket)
        super().start()

    def stop(self) -> None:
        run("postfix", "-c", str(self.etc), "stop", check=False)
        if self.opendkim is not None:
            self.opendkim.kill()
            self.opendkim.wait(10)
        shutil.rmtree(self.root, ignore_errors=True)
