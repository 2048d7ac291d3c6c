"""Where the relay's files live and which sockets it listens on.

Production uses Debian's standard paths. Tests render the very same files with a
layout pointing at a temporary directory and loopback ports.
"""

from __future__ import annotations

from dataclasses import dataclass

SUBMISSION_PORT = 587


@dataclass(frozen=True)
class RelayLayout:
    config_directory: str = "/etc/postfix"
    queue_directory: str = "/var/spool/postfix"
    data_directory: str = "/var/lib/postfix"
    # master.cf service name of the submission listener ("submission" is port 587).
    submission_listen: str = "submission"
    inet_interfaces: str = "all"
    maillog_file: str = "/var/log/mail.log"
    tls_cert_file: str = "/etc/postfix/tls/relay.crt"
    tls_key_file: str = "/etc/postfix/tls/relay.key"
    # Outbound TLS trust: Debian's hashed certificate directory. OpenSSL then reads only the
    # roots a handshake needs, where a bundle file is parsed whole (~150 certificates) by every
    # new smtp process. `ca_file` adds a bundle (e.g. a private CA) on top.
    ca_path: str = "/etc/ssl/certs"
    ca_file: str | None = None
    opendkim_conf: str = "/etc/opendkim.conf"
    opendkim_directory: str = "/etc/opendkim"
    # A UNIX socket: over loopback TCP the milter's small writes stall on Nagle and
    # delayed ACKs (measured: about a third of the throughput).
    opendkim_socket: str = "/run/opendkim/opendkim.sock"
    # 007 with postfix in the opendkim group; tests use 000 inside a private directory.
    opendkim_umask: str = "007"
    opendkim_pidfile: str = "/run/opendkim/opendkim.pid"
    # None runs OpenDKIM as the invoking user (tests); production drops to `opendkim`.
    opendkim_user: str | None = "opendkim"
    # None keeps the SES endpoint of the region; tests point it at a local server.
    ses_host: str | None = None
    ses_port: int = SUBMISSION_PORT

    def postfix(self, name: str) -> str:
        return f"{self.config_directory}/{name}"

    def opendkim(self, name: str) -> str:
        return f"{self.opendkim_directory}/{name}"

    @property
    def sasl_directory(self) -> str:
        return self.postfix("sasl")

    @property
    def sasldb(self) -> str:
        return self.postfix("sasl/sasldb2")

    @property
    def milter(self) -> str:
        # Absolute path: the Postfix daemons run outside a chroot.
        return f"unix:{self.opendkim_socket}"


PRODUCTION = RelayLayout()
