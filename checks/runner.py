"""Run every check for every domain concurrently and collect the report."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace

from checks.deadline import DEFAULT_CHECK_TIMEOUT, DEFAULT_RUN_DEADLINE, Deadline
from checks.dns_checks import (
    dkim_checks,
    dmarc_checks,
    mail_from_checks,
    records_match,
    sender_addresses,
    spf_checks,
)
from checks.relay import DEFAULT_DNSBL_ZONES, SmtpSettings, relay_checks
from checks.report import CheckResult, DomainReport, Report, Status, failed, worst
from checks.resolver import DEFAULT_TIMEOUT, Nameserver, Resolver
from checks.ses import CHECK_IDS as SES_CHECK_IDS
from checks.ses import SesSettings, SesTarget, ses_checks
from checks.targets import DomainTarget

RELAY_CHECK_IDS = ("relay.ptr", "relay.dnsbl", "relay.starttls", "relay.open_relay")
SPF_CHECK_IDS = (
    "spf.present",
    "spf.syntax",
    "spf.lookup_limit",
    "spf.void_lookups",
    "spf.all",
    "spf.authorizes_sender",
)
DKIM_CHECK_IDS = ("dkim.selector_published", "dkim.key_valid", "dkim.key_strength")
DMARC_CHECK_IDS = ("dmarc.present", "dmarc.syntax", "dmarc.policy", "dmarc.rua_authorized")
MAIL_FROM_CHECK_IDS = ("mailfrom.mx", "mailfrom.spf")
MAX_BACKOFF = 30.0

Progress = Callable[[str], None]


@dataclass(frozen=True)
class VerifyOptions:
    nameservers: tuple[Nameserver, ...] = ()
    strict: bool = False
    wait: float = 0.0
    dns_timeout: float = DEFAULT_TIMEOUT
    # Budgets (seconds): each check group of a domain, and one verification round.
    check_timeout: float = DEFAULT_CHECK_TIMEOUT
    deadline: float = DEFAULT_RUN_DEADLINE
    dnsbl_zones: tuple[str, ...] = DEFAULT_DNSBL_ZONES
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    ses: SesSettings = field(default_factory=SesSettings)


async def verify_domain(
    resolver: Resolver,
    target: DomainTarget,
    options: VerifyOptions,
    run_deadline: Deadline | None = None,
) -> DomainReport:
    deadline = (run_deadline or Deadline.after(options.deadline)).sooner(options.check_timeout)
    # The first lookup of every check starts now, so a slow or silent server costs one
    # timeout per domain instead of one per step; the checks then read the shared cache.
    first = [(target.domain, "TXT"), (f"_dmarc.{target.domain}", "TXT")]
    first += [(f"{s}._domainkey.{target.domain}", "TXT") for s in target.dkim_selectors]
    if target.mail_from:
        first += [(target.mail_from, "MX"), (target.mail_from, "TXT")]
    warm = [asyncio.ensure_future(resolver.lookup(name, rdtype)) for name, rdtype in first]
    try:
        sender_ips, sender_error = await deadline.run(sender_addresses(resolver, target))
    except TimeoutError:
        sender_ips, sender_error = [], f"reading the sender addresses {deadline.describe()}"
    except Exception as error:  # a bug must not cost the other checks
        sender_ips, sender_error = [], f"reading the sender addresses failed: {_bug(error)}"
    relay_ids = RELAY_CHECK_IDS if target.sender == "postfix" else ()
    ses_ids = SES_CHECK_IDS if target.sends_via_ses else ()
    groups = await asyncio.gather(
        bounded(SPF_CHECK_IDS, deadline, spf_checks(resolver, target, sender_ips, sender_error)),
        bounded(DKIM_CHECK_IDS, deadline, dkim_checks(resolver, target)),
        bounded(DMARC_CHECK_IDS, deadline, dmarc_checks(resolver, target, options.strict)),
        bounded(
            MAIL_FROM_CHECK_IDS,
            deadline,
            mail_from_checks(resolver, target, sender_ips, sender_error),
        ),
        bounded(relay_ids, deadline, _relay_group(resolver, target, options, deadline)),
        bounded(ses_ids, deadline, _ses_group(target, options, deadline)),
    )
    for task in warm:
        task.cancel()  # the checks have read what they needed; the cache keeps the answers
    await asyncio.gather(*warm, return_exceptions=True)
    checks: list[CheckResult] = [check for group in groups for check in group]
    if target.records:
        checks += await bounded(
            ("dns.records_match",), deadline, _one(records_match(resolver, target.records))
        )
    return DomainReport(target.domain, checks)


async def _one(check: Awaitable[CheckResult]) -> list[CheckResult]:
    return [await check]


async def bounded(
    ids: Sequence[str], deadline: Deadline, group: Awaitable[list[CheckResult]]
) -> list[CheckResult]:
    """The group's results, or `fail` for each of its checks when it times out or breaks.

    The one place a check's budget is enforced: whatever the group waits for is cancelled
    at the deadline, and an unexpected exception is reported (type and message) instead of
    ending the run with a traceback.
    """
    try:
        return await deadline.run(group)
    except TimeoutError:
        detail = f"{deadline.describe()} (the check could not complete; DNS or server silent?)"
        return [failed(check, detail) for check in ids]
    except Exception as error:
        return [failed(check, f"the check could not run: {_bug(error)}") for check in ids]


def _bug(error: BaseException) -> str:
    text = " ".join(str(error).split())[:200]
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


async def _relay_group(
    resolver: Resolver, target: DomainTarget, options: VerifyOptions, deadline: Deadline
) -> list[CheckResult]:
    if target.sender != "postfix":
        return []
    if not target.relays:
        reason = "no relay IP given (--relay-ip or relayIps in the outputs)"
        return [CheckResult(i, Status.FAIL, reason) for i in RELAY_CHECK_IDS]
    per_relay = await asyncio.gather(
        *(
            relay_checks(resolver, relay, options.dnsbl_zones, options.smtp, deadline)
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


async def _ses_group(
    target: DomainTarget, options: VerifyOptions, deadline: Deadline
) -> list[CheckResult]:
    if not target.sends_via_ses:
        return []
    return await ses_checks(
        SesTarget(target.domain, target.region, target.mail_from, target.configuration_set),
        replace(options.ses, timeout=deadline.timeout(options.ses.timeout)),
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

    run_deadline = Deadline.after(options.deadline)

    async def one(target: DomainTarget) -> DomainReport:
        nonlocal done, last
        report = await verify_domain(resolver, target, options, run_deadline)
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
