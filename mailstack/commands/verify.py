"""`mailstack verify`: prove from the outside that deployed mail will authenticate."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

from checks.deadline import DEFAULT_CHECK_TIMEOUT, DEFAULT_PROBE_DEADLINE, DEFAULT_RUN_DEADLINE
from checks.relay import DEFAULT_DNSBL_ZONES, SmtpSettings
from checks.render import render_json, render_junit, render_text
from checks.report import Report
from checks.resolver import Nameserver, parse_nameserver
from checks.runner import VerifyOptions, verify
from checks.ses import SesSettings
from checks.targets import DomainTarget, TargetError, targets_from_flags, targets_from_outputs
from mailstack.cli import UsageError

FORMATS = ("text", "json", "junit")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="check DNS, DKIM, DMARC, relays and SES of deployed domains",
        description=(
            "Run post-deploy checks the way a receiving mail server sees the domains. "
            "Exit 0 when nothing failed (warnings allowed), 1 when a check failed, "
            "2 on a usage error."
        ),
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--domain", action="append", metavar="D", help="a sending domain (repeatable)"
    )
    source.add_argument(
        "--outputs",
        metavar="FILE",
        help="JSON of `pulumi stack output --json` (records and domains outputs)",
    )
    parser.add_argument(
        "--dkim-selector",
        action="append",
        default=[],
        metavar="SEL",
        help="expected DKIM selector, e.g. an SES Easy DKIM token (repeatable; with --domain)",
    )
    parser.add_argument("--mail-from", metavar="DOMAIN", help="expected MAIL FROM domain")
    parser.add_argument(
        "--relay-ip",
        action="append",
        default=[],
        metavar="IP",
        help="a Postfix relay address, IP or IP:SMTP_PORT (repeatable; makes the domain a "
        "Postfix sender, otherwise SES is expected)",
    )
    parser.add_argument(
        "--nameserver",
        action="append",
        default=[],
        metavar="IP[:PORT]",
        help="send every DNS query to this server instead of the system resolver (repeatable)",
    )
    parser.add_argument("--format", choices=FORMATS, default="text", help="report format")
    parser.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="re-run failing checks with backoff for up to SECONDS (DNS propagation)",
    )
    parser.add_argument("--strict", action="store_true", help="treat p=none and t=y as failures")
    parser.add_argument(
        "--dnsbl-zone",
        action="append",
        default=None,
        metavar="ZONE",
        help=f"DNS block list to query (repeatable; default {', '.join(DEFAULT_DNSBL_ZONES)})",
    )
    parser.add_argument(
        "--dns-timeout", type=float, default=3.0, metavar="SECONDS", help="per-query timeout"
    )
    parser.add_argument(
        "--check-timeout",
        type=float,
        default=DEFAULT_CHECK_TIMEOUT,
        metavar="SECONDS",
        help="budget of each check of a domain (SPF, DKIM, DMARC, MAIL FROM, relay, SES); "
        f"a check that runs out fails with 'timed out' (default {DEFAULT_CHECK_TIMEOUT:g})",
    )
    parser.add_argument(
        "--deadline",
        type=float,
        default=DEFAULT_RUN_DEADLINE,
        metavar="SECONDS",
        help="budget of one verification round of all domains; --wait retries come on top "
        f"(default {DEFAULT_RUN_DEADLINE:g})",
    )
    parser.add_argument(
        "--smtp-deadline",
        type=float,
        default=DEFAULT_PROBE_DEADLINE,
        metavar="SECONDS",
        help="budget of the SMTP probe of one relay, both connections "
        f"(default {DEFAULT_PROBE_DEADLINE:g})",
    )
    parser.add_argument(
        "--ca-file", metavar="FILE", help="CA bundle for relay certificates (default: system)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    targets = _targets(args)
    options = _options(args)
    started = time.monotonic()
    _progress(f"verifying {len(targets)} domain(s)...")
    report = verify(targets, options, progress=_progress)
    elapsed = time.monotonic() - started
    if elapsed > 1.0:
        _progress(f"done in {elapsed:.1f}s")
    sys.stdout.write(render(report, args.format))
    return report.exit_code()


def render(report: Report, fmt: str) -> str:
    if fmt == "json":
        return render_json(report)
    if fmt == "junit":
        return render_junit(report)
    colour = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    return render_text(report, colour=colour)


def _progress(message: str) -> None:
    print(f"mailstack verify: {message}", file=sys.stderr, flush=True)


def _targets(args: argparse.Namespace) -> list[DomainTarget]:
    try:
        if args.outputs is not None:
            extra = [
                flag
                for flag, value in (
                    ("--dkim-selector", args.dkim_selector),
                    ("--mail-from", args.mail_from),
                    ("--relay-ip", args.relay_ip),
                )
                if value
            ]
            if extra:
                raise UsageError(
                    f"{', '.join(extra)} only apply with --domain; with --outputs the "
                    "expectations come from the stack outputs"
                )
            return targets_from_outputs(_read_outputs(args.outputs), source=args.outputs)
        return targets_from_flags(args.domain, args.dkim_selector, args.mail_from, args.relay_ip)
    except TargetError as error:
        raise UsageError("\n  " + "\n  ".join(error.problems)) from None


def _read_outputs(path: str) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise UsageError(f"--outputs {path!r}: cannot read the file ({error.strerror})") from None
    except UnicodeDecodeError as error:
        raise UsageError(
            f"--outputs {path!r}: not UTF-8 text (byte {error.object[error.start]:#04x} at "
            f"offset {error.start}); expected the JSON of `pulumi stack output --json`"
        ) from None
    try:
        return json.loads(text)
    except RecursionError:
        raise UsageError(
            f"--outputs {path!r}: JSON nested too deeply to be stack outputs (they are at most "
            "3 levels deep); expected the output of `pulumi stack output --json`"
        ) from None
    except json.JSONDecodeError as error:
        raise UsageError(
            f"--outputs {path!r}: not JSON (line {error.lineno} column {error.colno}: {error.msg});"
            " expected the output of `pulumi stack output --json`"
        ) from None


def _options(args: argparse.Namespace) -> VerifyOptions:
    nameservers: list[Nameserver] = []
    for raw in args.nameserver:
        try:
            nameservers.append(parse_nameserver(raw))
        except ValueError as error:
            raise UsageError(f"--nameserver: {error}") from None
    if not math.isfinite(args.wait) or args.wait < 0:
        raise UsageError(f"--wait {args.wait:g}: must be 0 or more seconds (a finite number)")
    if not math.isfinite(args.dns_timeout) or args.dns_timeout <= 0:
        raise UsageError(
            f"--dns-timeout {args.dns_timeout:g}: must be more than 0 seconds (a finite number)"
        )
    for flag, value in (
        ("--check-timeout", args.check_timeout),
        ("--deadline", args.deadline),
        ("--smtp-deadline", args.smtp_deadline),
    ):
        if not math.isfinite(value) or value <= 0:
            raise UsageError(f"{flag} {value:g}: must be more than 0 seconds (a finite number)")
    if args.ca_file and not Path(args.ca_file).is_file():
        raise UsageError(f"--ca-file {args.ca_file!r}: no such file")
    zones = tuple(z.strip().rstrip(".").lower() for z in (args.dnsbl_zone or DEFAULT_DNSBL_ZONES))
    return VerifyOptions(
        nameservers=tuple(nameservers),
        strict=args.strict,
        wait=args.wait,
        dns_timeout=args.dns_timeout,
        check_timeout=args.check_timeout,
        deadline=args.deadline,
        dnsbl_zones=zones,
        smtp=SmtpSettings(ca_file=args.ca_file, probe_deadline=args.smtp_deadline),
        ses=SesSettings(),
    )
