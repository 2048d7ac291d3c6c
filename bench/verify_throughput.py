"""Throughput of `mailstack verify` against checkdmarc on the same 1,000 domains and server.

A real authoritative DNS server (Knot, else NSD; tests/support/dns_server.py) serves
every domain on a loopback port. Both tools query only that server, in the same run.

    python3 bench/verify_throughput.py [--domains 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import checkdmarc  # noqa: E402
import dns.nameserver  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402

from checks.relay import SmtpSettings  # noqa: E402
from checks.report import Status  # noqa: E402
from checks.resolver import Nameserver, Resolver  # noqa: E402
from checks.runner import VerifyOptions, verify_async  # noqa: E402
from checks.ses import SesSettings  # noqa: E402
from checks.targets import DomainTarget  # noqa: E402
from tests.support.dns_server import serve_zones, zone_text  # noqa: E402

SES_SPF = "v=spf1 ip4:199.255.192.0/22 ip4:54.240.0.0/18 ip4:69.169.224.0/20 -all"


def _txt(value: str) -> str:
    chunks = [value[i : i + 255] for i in range(0, len(value), 255)]
    return " ".join(f'"{chunk}"' for chunk in chunks)


def build_zones(count: int) -> tuple[list[str], dict[str, str]]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    dkim = "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()
    domains = [f"d{i:04d}.example" for i in range(count)]
    zones = {
        "amazonses.com": zone_text(
            "amazonses.com", f"@ TXT {_txt(SES_SPF)}\nfeedback-smtp.us-east-1 A 192.0.2.80"
        )
    }
    for domain in domains:
        body = f"""
@ MX 10 mx.{domain}.
mx A 127.0.0.1
@ TXT {_txt("v=spf1 include:amazonses.com -all")}
_dmarc TXT {_txt(f"v=DMARC1; p=reject; rua=mailto:dmarc@{domain}")}
sel._domainkey TXT {_txt(dkim)}
bounce MX 10 feedback-smtp.us-east-1.amazonses.com.
bounce TXT {_txt("v=spf1 include:amazonses.com -all")}
"""
        zones[domain] = zone_text(domain, body)
    return domains, zones


def run_mailstack(domains: list[str], ip: str, port: int) -> tuple[float, int, int]:
    targets = [
        DomainTarget(
            domain,
            dkim_selectors=("sel",),
            mail_from=f"bounce.{domain}",
            region="us-east-1",
        )
        for domain in domains
    ]
    options = VerifyOptions(
        nameservers=(Nameserver(ip, port),),
        smtp=SmtpSettings(enabled=False),
        ses=SesSettings(enabled=False, disabled_reason="benchmark: DNS checks only"),
    )
    resolver = Resolver(options.nameservers, timeout=3.0, lifetime=10.0)
    started = time.perf_counter()
    report = asyncio.run(verify_async(targets, options, resolver=resolver))
    elapsed = time.perf_counter() - started
    failures = sum(1 for d in report.domains for c in d.checks if c.status is Status.FAIL)
    return elapsed, failures, resolver.queries_sent


def run_checkdmarc(domains: list[str], ip: str, port: int) -> tuple[float, int]:
    nameservers = [dns.nameserver.Do53Nameserver(ip, port)]
    started = time.perf_counter()
    results = checkdmarc.check_domains(domains, nameservers=nameservers, timeout=3.0)
    elapsed = time.perf_counter() - started
    listed = results if isinstance(results, list) else [results]
    invalid = sum(1 for r in listed if not (r["spf"].get("valid") and r["dmarc"].get("valid")))
    return elapsed, invalid


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domains", type=int, default=1000, help="number of domains (1000)")
    args = parser.parse_args()
    # Anything either tool might fetch over HTTP(S) goes nowhere: a closed loopback port.
    os.environ["HTTP_PROXY"] = os.environ["HTTPS_PROXY"] = "http://127.0.0.1:9"
    print(f"building {args.domains} zones...", file=sys.stderr, flush=True)
    domains, zones = build_zones(args.domains)
    print("starting the authoritative DNS server...", file=sys.stderr, flush=True)
    with serve_zones(zones) as (ip, port):
        print(f"serving {len(zones)} zones on {ip}:{port}", file=sys.stderr, flush=True)
        print("running mailstack verify...", file=sys.stderr, flush=True)
        ours, failures, queries = run_mailstack(domains, ip, port)
        print("running checkdmarc...", file=sys.stderr, flush=True)
        theirs, invalid = run_checkdmarc(domains, ip, port)
    count = len(domains)
    print(f"domains: {count} (served by a real authoritative DNS server on loopback)")
    print(
        f"mailstack verify: {ours:7.2f}s  {count / ours:8.1f} domains/s  "
        f"({queries} DNS queries, {failures} failed checks)"
    )
    print(
        f"checkdmarc:       {theirs:7.2f}s  {count / theirs:8.1f} domains/s  "
        f"({invalid} domains with invalid SPF/DMARC)"
    )
    print(f"ratio: mailstack verify is {theirs / ours:.1f}x the throughput of checkdmarc")
    return 0 if failures == 0 and invalid == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
