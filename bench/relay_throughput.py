"""Messages per second through the rendered relay vs a hand-built Debian Postfix + OpenDKIM.

Three Postfix instances run side by side from temporary trees on loopback and relay to Postfix's
own `smtp-sink`, measured interleaved (A B C A B C ...) in one run by the same client:

- rendered: the relay as mailstack renders it (STARTTLS + AUTH submission, OpenDKIM signing);
- anchor: the same work set up by hand from Debian's shipped files (see relay_anchors.py);
- stock: Debian's stock Postfix without TLS, AUTH or DKIM, the ceiling for plain relaying.

Two scenarios: many messages per connection (each of `--connections` parallel sessions sends
its share of `--messages`), and one message per connection (`--single-messages` messages, each
over a new STARTTLS + AUTH session, `--connections` at a time). Also prints the cost of one
RSA-2048 signature and one loopback TLS handshake, timed in-process.

    python3 bench/relay_throughput.py [--messages 2000] [--single-messages 400]
        [--connections 8] [--runs 3] [--json FILE]

Needs root and the Debian packages postfix, opendkim and sasl2-bin (see .ci/run).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import smtplib
import ssl
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.physical_limits import rsa2048_signature_ms, tls_handshake_ms
from bench.relay_anchors import HandBuiltRelay, StockPostfix
from components.config.problems import Problems
from components.config.relay import parse_relay
from components.relay.bundle import RelaySecrets
from tests.relay.harness import (
    RelayInstance,
    free_port,
    missing_binaries,
    rsa_key_pem,
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


def _client_context() -> ssl.SSLContext:
    """One context for every session: building one loads the system CA bundle (~20 ms)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    # Submitters pin the relay's self-signed certificate; the benchmark skips verification.
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


CLIENT_CONTEXT = _client_context()


def open_session(port: int, secure: bool) -> smtplib.SMTP:
    client = smtplib.SMTP("127.0.0.1", port, timeout=60)
    client.ehlo("bench.test")
    if secure:
        client.starttls(context=CLIENT_CONTEXT)
        client.ehlo("bench.test")
        client.login("submit", PASSWORD)
    return client


def send(port: int, secure: bool, first: int, count: int) -> None:
    with open_session(port, secure) as client:
        for index in range(first, first + count):
            client.sendmail(f"news@{DOMAIN}", [f"reader{index}@example.net"], message(index))


def send_each_alone(port: int, secure: bool, first: int, count: int) -> None:
    """One new session (connect, STARTTLS, AUTH) per message, as many small senders do."""
    for index in range(first, first + count):
        send(port, secure, index, 1)


@dataclass(frozen=True)
class Target:
    label: str
    port: int
    secure: bool
    log: Callable[[], str]


@dataclass(frozen=True)
class Scenario:
    name: str
    messages: int
    connections: int
    sender: Callable[[int, bool, int, int], None]


def measure(target: Target, scenario: Scenario, sink: Sink) -> float:
    """Messages per second from the first SMTP connection until the sink has seen them all."""
    start_count = sink.delivered()
    messages, connections = scenario.messages, scenario.connections
    share = [messages // connections + (1 if i < messages % connections else 0)
             for i in range(connections)]
    firsts = [sum(share[:i]) for i in range(connections)]
    start = time.perf_counter()
    with ThreadPoolExecutor(connections) as pool:
        futures = [pool.submit(scenario.sender, target.port, target.secure, f, n)
                   for f, n in zip(firsts, share, strict=True)]
        for future in futures:
            future.result()
    wait_until(lambda: sink.delivered() - start_count >= messages, 600, target.log)
    return messages / (time.perf_counter() - start)


def warm_up(target: Target, sink: Sink) -> None:
    """Spawns smtpd, cleanup, smtp and milter workers before anything is timed."""
    start_count = sink.delivered()
    send(target.port, target.secure, 0, 10)
    wait_until(lambda: sink.delivered() - start_count >= 10, 60, target.log)


def wait_until(done: Callable[[], bool], timeout: float, log: Callable[[], str]) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError(
                "messages did not reach the sink; Postfix log tail:\n" + log()[-3000:]
            )
        time.sleep(0.01)


def rendered_relay(sink: Sink, private_key_pem: str) -> RelayInstance:
    problems = Problems()
    settings = parse_relay({"allowedCidrs": ["10.0.0.0/8"]}, "relay", problems, DOMAIN)
    secrets = RelaySecrets(dkim_private_key_pem=private_key_pem, sasl_password=PASSWORD)
    return RelayInstance(DOMAIN, settings, "us-east-1", secrets,
                         overlay={"relayhost": f"[127.0.0.1]:{sink.port}"})


RENDERED = "rendered relay (STARTTLS+AUTH, DKIM)"
ANCHOR = "hand-built Debian Postfix+OpenDKIM"
STOCK = "stock Postfix (no TLS/AUTH/DKIM)"


def run_benchmark(scenarios: list[Scenario], runs: int,
                  progress: Callable[[str], None]) -> dict[str, dict[str, list[float]]]:
    """msg/s per scenario and configuration, one figure per run, configurations interleaved."""
    sink = Sink()
    rates: dict[str, dict[str, list[float]]] = {
        s.name: {RENDERED: [], ANCHOR: [], STOCK: []} for s in scenarios
    }
    private_key_pem = rsa_key_pem()
    with contextlib.ExitStack() as stack:
        stack.callback(sink.stop)
        relay = rendered_relay(sink, private_key_pem)
        stack.enter_context(relay.running())
        anchor = HandBuiltRelay(sink.port, DOMAIN, "anchor", private_key_pem, "submit",
                                PASSWORD)
        stack.callback(anchor.stop)
        anchor.start()
        stock = StockPostfix(sink.port)
        stack.callback(stock.stop)
        stock.start()
        targets = [
            Target(RENDERED, relay.submission_port, True, relay.log),
            Target(ANCHOR, anchor.port, True, anchor.log),
            Target(STOCK, stock.port, False, stock.log),
        ]
        for target in targets:
            warm_up(target, sink)
        for scenario in scenarios:
            for run_index in range(runs):
                for target in targets:
                    progress(f"{scenario.name}: run {run_index + 1}/{runs}: {target.label}")
                    rates[scenario.name][target.label].append(measure(target, scenario, sink))
    return rates


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000,
                        help="messages in the many-per-connection scenario (default 2000)")
    parser.add_argument("--single-messages", type=int, default=400,
                        help="messages in the one-per-connection scenario (default 400)")
    parser.add_argument("--connections", type=int, default=8,
                        help="parallel client connections (default 8)")
    parser.add_argument("--runs", type=int, default=3,
                        help="interleaved runs per configuration (default 3)")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    missing = missing_binaries() + ([] if shutil.which("smtp-sink") else ["smtp-sink"])
    if missing:
        print(f"cannot run: not installed: {', '.join(missing)}", file=sys.stderr)
        return 2
    if os.geteuid() != 0:
        print("cannot run: starting Postfix instances requires root", file=sys.stderr)
        return 2
    scenarios = [
        Scenario(f"{args.messages} msgs over {args.connections} connections",
                 args.messages, args.connections, send),
        Scenario(f"{args.single_messages} msgs, one per connection, {args.connections} at a time",
                 args.single_messages, args.connections, send_each_alone),
    ]
    rates = run_benchmark(scenarios, args.runs, lambda line: print(line, file=sys.stderr))
    signature_ms = rsa2048_signature_ms()
    handshake_ms = tls_handshake_ms()
    report = summarize(rates, signature_ms, handshake_ms)
    print(render_text(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    return 0


def summarize(rates: dict[str, dict[str, list[float]]], signature_ms: float,
              handshake_ms: float) -> dict[str, Any]:
    scenarios = []
    for name, by_config in rates.items():
        medians = {label: statistics.median(values) for label, values in by_config.items()}
        ratios = [r / a for r, a in zip(by_config[RENDERED], by_config[ANCHOR], strict=True)]
        scenarios.append({
            "scenario": name,
            "msg_per_s": {label: round(rate, 1) for label, rate in medians.items()},
            "runs": {label: [round(v, 1) for v in values] for label, values in by_config.items()},
            "ratio_rendered_to_anchor": round(statistics.median(ratios), 3),
            "ratio_range": [round(min(ratios), 3), round(max(ratios), 3)],
        })
    return {
        "scenarios": scenarios,
        "rsa2048_signature_ms": round(signature_ms, 3),
        "tls_handshake_ms": round(handshake_ms, 3),
    }


def render_text(report: dict[str, Any]) -> str:
    labels = (RENDERED, ANCHOR, STOCK)
    width = max(len(label) for label in labels)
    lines = []
    for scenario in report["scenarios"]:
        lines.append(scenario["scenario"])
        for label in labels:
            runs = ", ".join(f"{v:.1f}" for v in scenario["runs"][label])
            lines.append(f"  {label:<{width}}  {scenario['msg_per_s'][label]:>7.1f} msg/s"
                         f"  (runs: {runs})")
        low, high = scenario["ratio_range"]
        lines.append(f"  ratio rendered/anchor: {scenario['ratio_rendered_to_anchor']:.2f}"
                     f" (per run {low:.2f}-{high:.2f})")
    lines.append(f"one RSA-2048 signature: {report['rsa2048_signature_ms']:.2f} ms;"
                 f" one loopback TLS handshake: {report['tls_handshake_ms']:.2f} ms")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
