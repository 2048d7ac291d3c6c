"""An SMTP client connection that cannot be held open or flooded by the server.

smtplib reads a reply line by line with a per-read timeout and no size limit, so a
server that sends an endless multi-line reply exhausts memory, and one that drips a
byte every few seconds keeps it waiting forever. Here every read is bounded by one
`Deadline` for the whole conversation and every reply by MAX_REPLY_BYTES and
MAX_REPLY_LINES; any breach is an `SmtpError` saying what the server did.
"""

from __future__ import annotations

import re
import socket
import ssl
from dataclasses import dataclass

from checks.deadline import Deadline

MAX_REPLY_BYTES = 64 * 1024
MAX_REPLY_LINES = 100
# RFC 5321 section 4.2: a reply line is a three-digit code, then "-" (more lines follow),
# or a space and text, or nothing.
_REPLY_LINE = re.compile(rb"([2-5][0-9][0-9])(?:([ -])(.*))?", re.DOTALL)
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class SmtpError(Exception):
    """The conversation cannot continue; the message is a sentence for a report detail."""


def printable(text: str, limit: int = 200) -> str:
    """Server text made safe for a terminal and a report: no control characters, short."""
    cleaned = _UNPRINTABLE.sub("?", text)
    return cleaned if len(cleaned) <= limit else cleaned[:limit] + "..."


@dataclass(frozen=True)
class Reply:
    code: int
    lines: tuple[str, ...]  # the text of each line, without the code

    @property
    def text(self) -> str:
        return " ".join(" ".join(line.split()) for line in self.lines)

    def describe(self) -> str:
        return printable(f"{self.code} {self.text}".strip())


class SmtpConnection:
    """One TCP connection to an SMTP server, every wait bounded by `deadline`."""

    def __init__(self, host: str, port: int, deadline: Deadline, read_timeout: float) -> None:
        self.deadline = deadline
        self.read_timeout = read_timeout
        self._buffer = bytearray()
        self._check_time("connecting")
        try:
            self.sock: socket.socket = socket.create_connection(
                (host, port), timeout=deadline.timeout(read_timeout)
            )
        except TimeoutError:
            raise SmtpError(f"connecting to {host} port {port}: no answer (timeout)") from None
        except OSError as error:
            raise SmtpError(f"cannot connect to {host} port {port}: {error}") from None

    def _check_time(self, doing: str) -> None:
        if self.deadline.expired:
            raise SmtpError(f"{doing}: the SMTP probe {self.deadline.describe()}")

    def _receive(self, doing: str) -> None:
        self._check_time(doing)
        self.sock.settimeout(self.deadline.timeout(self.read_timeout))
        try:
            data = self.sock.recv(4096)
        except TimeoutError:
            if self.deadline.expired:
                raise SmtpError(f"{doing}: the SMTP probe {self.deadline.describe()}") from None
            raise SmtpError(f"{doing}: no data within {self.read_timeout:g}s") from None
        except OSError as error:
            raise SmtpError(f"{doing}: {error}") from None
        if not data:
            raise SmtpError(f"{doing}: the server closed the connection")
        self._buffer += data

    def _line(self, doing: str, budget: int) -> bytes:
        while True:
            end = self._buffer.find(b"\n")
            if end >= 0:
                line = bytes(self._buffer[: end + 1])
                del self._buffer[: end + 1]
                return line
            if len(self._buffer) > budget:
                raise SmtpError(
                    f"{doing}: the reply is longer than {MAX_REPLY_BYTES // 1024} KiB; "
                    "stopped reading"
                )
            self._receive(doing)

    def read_reply(self, doing: str) -> Reply:
        """One complete (possibly multi-line) reply, within the caps and the deadline."""
        lines: list[str] = []
        code: bytes | None = None
        used = 0
        while True:
            raw = self._line(doing, MAX_REPLY_BYTES - used)
            used += len(raw)
            if used > MAX_REPLY_BYTES:
                raise SmtpError(
                    f"{doing}: the reply is longer than {MAX_REPLY_BYTES // 1024} KiB; "
                    "stopped reading"
                )
            match = _REPLY_LINE.fullmatch(raw.rstrip(b"\r\n"))
            if match is None:
                shown = printable(raw.decode("utf-8", "replace").strip(), 80)
                raise SmtpError(f"{doing}: not an SMTP reply line: {shown!r}")
            if code is not None and match.group(1) != code:
                raise SmtpError(
                    f"{doing}: reply code changed from {code.decode()} to "
                    f"{match.group(1).decode()} inside one multi-line reply"
                )
            code = match.group(1)
            lines.append((match.group(3) or b"").decode("utf-8", "replace"))
            if match.group(2) != b"-":
                return Reply(int(code), tuple(lines))
            if len(lines) >= MAX_REPLY_LINES:
                raise SmtpError(
                    f"{doing}: the reply has more than {MAX_REPLY_LINES} lines; stopped reading"
                )

    def command(self, line: str) -> Reply:
        self._check_time(line)
        self.sock.settimeout(self.deadline.timeout(self.read_timeout))
        try:
            self.sock.sendall(line.encode("ascii") + b"\r\n")
        except OSError as error:
            raise SmtpError(f"sending {line}: {error}") from None
        return self.read_reply(line.split(":", 1)[0])

    def starttls(self, context: ssl.SSLContext, hostname: str) -> str:
        """Switch to TLS after a 220 to STARTTLS; return the TLS version."""
        if self._buffer:
            # Bytes sent before the handshake would be read as if protected by it.
            raise SmtpError("the server sent data after its STARTTLS reply (before TLS)")
        self._check_time("TLS handshake")
        self.sock.settimeout(self.deadline.timeout(self.read_timeout))
        self.sock = context.wrap_socket(self.sock, server_hostname=hostname)
        return self.sock.version() or ""

    def close(self) -> None:
        try:
            self.sock.settimeout(0.5)
            self.sock.sendall(b"QUIT\r\n")
        except OSError:
            pass
        finally:
            self.sock.close()
