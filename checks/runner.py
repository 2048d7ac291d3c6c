"""Run every check for every domain concurrently and collect the report."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from checks.dns_checks import (
    dkim_checks,
    dmarc_checks,
    mail_from_checks,
    records_match,
    sender_addresses,
    spf_checks,
)
from checks.relay import DEFAULT_DNSBL_ZONES, SmtpSettings, relay_checks
from checks.report import CheckResult, DomainReport, Report, Status, worst
from checks.resolver import DEFAULT_TIMEOUT, Nameserver, Resolver
from checks.ses import SesSettings, SesTarget, ses_checks
from checks.targets import DomainTarget

RELAY_CHECK_IDS = ("relay.ptr", "relay.dnsbl", "relay.starttls", "relay.open_relay")
MAX_BACKOFF = 30.0

Progress = Callable[[str], None]


@dataclass(frozen=True)
class VerifyOptions:
    nameservers: tuple[Nameserver, ...] = ()
    strict: bool = False
    wait: float = 0.0
    dns_timeout: float = DEFAULT_TIMEOUT
    dnsbl_zones: tuple[str, ...] = DEFAULT_DNSBL_ZONES
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    ses: SesSettings = field(default_factory=SesSettings)


async def verify_domain(
    resolver: Resolver, target: DomainTarget, options: VerifyOptions
) -> DomainReport:
    # The first lookup of every check starts now, so a slow or silent server costs one
    # timeout per domain instead of one per step; the checks then read the shared cache.
    first = [(target.domain, "TXT"), (f"_dmarc.{target.domain}", "TXT")]
    first += [(f"{s}._domainkey.{target.domain}", "TXT") for s in target.dkim_selectors]
    if target.mail_from:
        first += [(target.mail_from, "MX"), (target.mail_from, "TXT")]
    warm = [asyncio.ensure_future(resolver.lookup(name, rdtype)) for name, rdtype in first]
    sender_ips, sender_error = await sender_addresses(resolver, target)
    groups = await asyncio.gather(
        spf_checks(resolver, target, sender_ips, sender_error),
        dkim_checks(resolver, target),
        dmarc_checks(resolver, target, options.strict),
        mail_from_checks(resolver, target, sender_ips, sender_error),
        _relay_group(resolver, target, options),
        _ses_group(target, options),
    )
    await asyncio.gather(*warm)
    checks: list[CheckResult] = [check for group in groups for check in group]
    if target.records:
        checks.append(await records_match(resolver, target.records))
    return DomainReport(target.domain, checks)


async def _relay_group(
    resolver: Resolver, target: DomainTarget, options: VerifyOptions
) -> list[CheckResult]:
    if target.sender != "postfix":
        return []
    if not target.relays:
        reason = "no relay IP given (--relay-ip or relayIps in the outputs)"
        return [CheckResult(i, Status.FAIL, reason) for i in RELAY_CHECK_IDS]
    per_relay = await asyncio.gather(
        *(
            relay_checks(resolver, relay, options.dnsbl_zones, options.smtp)
            for relay in target.relays
        )
    )
    if len(per_relay) == 1:
        return per_relay[0]
    folded: list[CheckResult] = []
    for index, check_id in enumerate(RELAY_CHECK_IDS):
        results = [relay_results[index] for relay_results in per_relay]
        folded.append(
            CheckResult(
                check_id, worst(r.status for r in results), "\n".join(r.detail for r in results)
            )
        )
    return folded


async def _ses_group(target: DomainTarget, options: VerifyOptions) -> list[CheckResult]:
    if not target.sends_via_ses:
        return []
    return await ses_checks(
        SesTarget(target.domain, target.region, target.mail_from, target.configuration_set),
        options.ses,
    )


async def verify_async(
    targets: Sequence[DomainTarget],
    options: VerifyOptions,
    progress: Progress | None = None,
    resolver: Resolver | None = None,
) -> Report:
    """Verify all targets at once; with `options.wait`, retry failing domains with backoff."""
    resolver = resolver or Resolver(
        options.nameservers, timeout=options.dns_timeout, lifetime=options.dns_timeout * 2
    )
    deadline = time.monotonic() + options.wait
    reports = await _run_round(resolver, list(targets), options, progress)
    delay = 1.0
    while options.wait > 0:
        failing = [i for i, report in enumerate(reports) if report.has_failure]
        remaining = deadline - time.monotonic()
        if not failing or remaining <= 0:
            break
        pause = min(delay, remaining)
        if progress:
            count = sum(1 for i in failing for c in reports[i].checks if c.status is Status.FAIL)
            progress(
                f"{count} check(s) failing in {len(failing)} domain(s); "
                f"retrying in {pause:.0f}s ({remaining:.0f}s left of --wait)"
            )
        await asyncio.sleep(pause)
        delay = min(delay * 2, MAX_BACKOFF)
        resolver.clear()
        retry = _run_round(resolver, [targets[i] for i in failing], options, None)
        try:
            # A retry cut short by the deadline keeps the last complete results: --wait
            # promises to give up in time even when every query times out.
            again = await asyncio.wait_for(retry, max(deadline - time.monotonic(), 0.001))
        except TimeoutError:
            if progress:
                progress(f"--wait {options.wait:g}s ran out during a retry; reporting the last run")
            break
        for index, report in zip(failing, again, strict=True):
            reports[index] = report
    return Report(reports)


async def _run_round(
    resolver: Resolver,
    targets: list[DomainTarget],
    options: VerifyOptions,
    progress: Progress | None,
) -> list[DomainReport]:
    done = 0
    last = time.monotonic()

    async def one(target: DomainTarget) -> DomainReport:
        nonlocal done, last
        report = await verify_domain(resolver, target, options)
        done += 1
        now = time.monotonic()
        if progress and (now - last >= 1.0):
            last = now
            progress(f"verified {done}/{len(targets)} domains")
        return report

    return list(await asyncio.gather(*(one(t) for t in targets)))


def verify(
    targets: Sequence[DomainTarget], options: VerifyOptions, progress: Progress | None = None
) -> Report:
    return asyncio.run(verify_async(targets, options, progress))
