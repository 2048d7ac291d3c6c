"""Messages per second through the rendered relay (TLS + AUTH + DKIM) vs a stock Postfix.

Both Postfix instances run from temporary configuration directories on loopback and relay
to Postfix's own `smtp-sink`, one after the other in the same run, fed by the same client
(parallel SMTP connections, each sending its share of the messages over one session).

    python3 bench/relay_throughput.py [--messages 1000] [--connections 8]

Needs root and the Debian packages postfix, opendkim and sasl2-bin (see .ci/run).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import smtplib
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from components.config.problems import Problems
from components.config.relay import parse_relay
from components.relay.bundle import RelaySecrets
from tests.relay.harness import (
    RelayInstance,
    client_tls_context,
    free_port,
    missing_binaries,
    rsa_key_pem,
    run,
    wait_for_port,
)

DOMAIN = "mail.example.com"
PASSWORD = "benchmark-submission-password"
BODY = ("This line pads the benchmark message to a realistic newsletter size.\r\n" * 30)


class Sink:
    """Postfix's smtp-sink, counting delivered messages from its -c counter."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            ["smtp-sink", "-u", "postfix", "-c", f"127.0.0.1:{self.port}", "256"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )
        self.count = 0
        self._lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()
        wait_for_port(self.port)

    def _read(self) -> None:
        assert self.process.stdout is not None
        buffer = b""
        while chunk := os.read(self.process.stdout.fileno(), 4096):
            buffer += chunk
            *records, buffer = re.split(rb"[\r\n]", buffer)
            for record in records:
                match = re.search(rb"mesg=(\d+)", record)
                if match:
                    with self._lock:
                        self.count = int(match.group(1))

    def delivered(self) -> int:
        with self._lock:
            return self.count

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def message(index: int) -> bytes:
    return (
        f"From: Newsletter <news@{DOMAIN}>\r\nTo: <reader{index}@example.net>\r\n"
        f"Subject: Benchmark issue {index}\r\n"
        "List-Unsubscribe: <https://news.example.com/u/abc>\r\n"
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n\r\n" + BODY
    ).encode()


def open_session(port: int, secure: bool) -> smtplib.SMTP:
    client = smtplib.SMTP("127.0.0.1", port, timeout=60)
    client.ehlo("bench.test")
    if secure:
        client.starttls(context=client_tls_context())
        client.ehlo("bench.test")
        client.login("submit", PASSWORD)
    return client


def send(port: int, secure: bool, first: int, count: int) -> None:
    with open_session(port, secure) as client:
        for index in range(first, first + count):
            client.sendmail(f"news@{DOMAIN}", [f"reader{index}@example.net"], message(index))


@dataclass
class Result:
    label: str
    messages: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.messages / self.seconds


def measure(label: str, port: int, secure: bool, sink: Sink, messages: int, connections: int,
            log: Callable[[], str]) -> Result:
    send(port, secure, 0, 10)  # warm up: spawn smtpd, cleanup, smtp and milter workers
    wait_until(lambda: sink.delivered() >= 10, 60, log)
    start_count = sink.delivered()
    share = [messages // connections + (1 if i < messages % connections else 0)
             for i in range(connections)]
    firsts = [sum(share[:i]) for i in range(connections)]
    start = time.perf_counter()
    with ThreadPoolExecutor(connections) as pool:
        futures = [pool.submit(send, port, secure, f, n)
                   for f, n in zip(firsts, share, strict=True)]
        for future in futures:
            future.result()
    wait_until(lambda: sink.delivered() - start_count >= messages, 600, log)
    return Result(label, messages, time.perf_counter() - start)


def wait_until(done: Callable[[], bool], timeout: float, log: Callable[[], str]) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError(
                "messages did not reach the sink; Postfix log tail:\n" + log()[-3000:]
            )
        time.sleep(0.02)


def rendered_relay(sink: Sink) -> RelayInstance:
    problems = Problems()
    settings = parse_relay({"allowedCidrs": ["10.0.0.0/8"]}, "relay", problems, DOMAIN)
    secrets = RelaySecrets(dkim_private_key_pem=rsa_key_pem(), sasl_password=PASSWORD)
    return RelayInstance(DOMAIN, settings, "us-east-1", secrets,
                         overlay={"relayhost": f"[127.0.0.1]:{sink.port}"})


class StockPostfix:
    """Debian's shipped master.cf and Postfix defaults, relaying for loopback to the sink."""

    def __init__(self, sink: Sink) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="mailstack-stock-"))
        self.root.chmod(0o755)
        self.etc = self.root / "etc"
        self.port = free_port()
        self.etc.mkdir()
        shutil.copy("/etc/postfix/master.cf", self.etc / "master.cf")
        for name in ("spool", "lib", "log"):
            (self.root / name).mkdir()
        shutil.chown(self.root / "lib", "postfix", "postfix")
        (self.etc / "main.cf").write_text("\n".join((
            "compatibility_level = 3.6",
            "myhostname = stock.example.com",
            f"queue_directory = {self.root / 'spool'}",
            f"data_directory = {self.root / 'lib'}",
            f"maillog_file = {self.root / 'log/postfix.log'}",
            f"maillog_file_prefixes = {self.root / 'log'}",
            "inet_interfaces = 127.0.0.1",
            "inet_protocols = ipv4",
            "mynetworks = 127.0.0.0/8",
            "mydestination =",
            f"relayhost = [127.0.0.1]:{sink.port}",
            "",
        )))
        etc = str(self.etc)
        # The chroot jail needs files copied in by Debian's init script; run unjailed instead.
        run("postconf", "-c", etc, "-F", "*/*/chroot = n")
        run("postconf", "-c", etc, "-MX", "smtp/inet")
        run("postconf", "-c", etc, "-Me", f"127.0.0.1:{self.port}/inet = "
            f"127.0.0.1:{self.port} inet n - n - - smtpd")

    def start(self) -> None:
        run("postfix", "-c", str(self.etc), "start")
        wait_for_port(self.port)

    def log(self) -> str:
        path = self.root / "log/postfix.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        run("postfix", "-c", str(self.etc), "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args(argv)
    missing = missing_binaries() + ([] if shutil.which("smtp-sink") else ["smtp-sink"])
    if missing:
        print(f"cannot run: not installed: {', '.join(missing)}", file=sys.stderr)
        return 2
    if os.geteuid() != 0:
        print("cannot run: starting Postfix instances requires root", file=sys.stderr)
        return 2
    sink = Sink()
    results: list[Result] = []
    try:
        relay = rendered_relay(sink)
        print(f"rendered relay: {args.messages} messages over {args.connections} connections ...",
              file=sys.stderr)
        with relay.running():
            results.append(measure("rendered relay (STARTTLS+AUTH, DKIM)",
                                   relay.submission_port, True, sink, args.messages,
                                   args.connections, relay.log))
        stock = StockPostfix(sink)
        print("stock Postfix ...", file=sys.stderr)
        try:
            stock.start()
            results.append(measure("stock Postfix (plain SMTP, no milter)", stock.port, False,
                                   sink, args.messages, args.connections, stock.log))
        finally:
            stock.stop()
    finally:
        sink.stop()
    width = max(len(r.label) for r in results)
    print(f"{'configuration':<{width}}  messages  seconds  msg/s")
    for r in results:
        print(f"{r.label:<{width}}  {r.messages:>8}  {r.seconds:>7.2f}  {r.rate:>6.1f}")
    print(f"ratio rendered/stock: {results[0].rate / results[1].rate:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
