"""Relay checks: forward-confirmed reverse DNS, DNS block lists, STARTTLS, open relay."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from checks.deadline import DEFAULT_PROBE_DEADLINE, Deadline
from checks.endpoint import IpAddress, parse_ip_port
from checks.report import CheckResult, failed, passed, skipped, warned
from checks.resolver import Outcome, Resolver
from checks.smtp_probe import ProbeResult, probe

DEFAULT_DNSBL_ZONES = ("zen.spamhaus.org", "bl.spamcop.net", "b.barracudacentral.org")
# Lists that publish IPv4 data only; an IPv6 address is not looked up there.
IPV4_ONLY_DNSBLS = frozenset({"bl.spamcop.net", "b.barracudacentral.org"})


@dataclass(frozen=True)
class RelayTarget:
    ip: IpAddress
    smtp_port: int = 25
    hostname: str | None = None  # what the stack configured (relayHostname)


def parse_relay_ip(text: str) -> RelayTarget:
    """`IP`, `IP:PORT` or `[IPv6]:PORT` (the port is the relay's SMTP port, default 25)."""
    allowed = "expected an IPv4/IPv6 address, optionally IP:SMTP_PORT or [IPv6]:SMTP_PORT"
    ip, port = parse_ip_port(text, "relay IP", 25, allowed)
    return RelayTarget(ip, port)


@dataclass(frozen=True)
class SmtpSettings:
    enabled: bool = True
    timeout: float = 10.0  # per read
    probe_deadline: float = DEFAULT_PROBE_DEADLINE  # the whole probe of one relay
    ca_file: str | None = None
    disabled_reason: str = "SMTP probing is disabled"


async def relay_checks(
    resolver: Resolver,
    target: RelayTarget,
    dnsbl_zones: Sequence[str],
    smtp: SmtpSettings,
    deadline: Deadline | None = None,
) -> list[CheckResult]:
    check_deadline = deadline or Deadline.after(smtp.probe_deadline)
    ptr_name, ptr_problem = await forward_confirmed_name(resolver, target.ip)
    result: ProbeResult | None = None
    if smtp.enabled:
        tls_host = target.hostname or ptr_name
        # The probe thread cannot be cancelled, so it gets its own deadline, never later
        # than the check's: the run then never waits for a thread past its budget.
        probe_deadline = check_deadline.sooner(smtp.probe_deadline)
        result = await asyncio.to_thread(
            probe,
            str(target.ip),
            target.smtp_port,
            tls_host,
            smtp.timeout,
            smtp.ca_file,
            probe_deadline,
        )
    return [
        _ptr_check(target, ptr_name, ptr_problem, result, smtp),
        await dnsbl_check(resolver, target.ip, dnsbl_zones),
        _starttls_check(target, ptr_name, result, smtp),
        _open_relay_check(target, result, smtp),
    ]


async def forward_confirmed_name(resolver: Resolver, ip: IpAddress) -> tuple[str | None, str]:
    """The PTR name of `ip` whose A/AAAA records lead back to `ip`, or why there is none."""
    ptr = await resolver.lookup(ip.reverse_pointer, "PTR")
    if not ptr.ok:
        return None, f"no reverse DNS for {ip}: {ptr.describe()}"
    rdtype = "A" if ip.version == 4 else "AAAA"
    tried: list[str] = []
    for name in ptr.values:
        forward = await resolver.lookup(name, rdtype)
        addresses = {_address(v) for v in forward.values}
        if ip in addresses:
            return name, ""
        tried.append(f"{name} {rdtype} -> {', '.join(forward.values) or forward.describe()}")
    return None, (
        f"PTR of {ip} is {', '.join(ptr.values)} but no name resolves back to {ip} "
        f"({'; '.join(tried)})"
    )


def _address(value: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _ptr_check(
    target: RelayTarget,
    name: str | None,
    problem: str,
    result: ProbeResult | None,
    smtp: SmtpSettings,
) -> CheckResult:
    check = "relay.ptr"
    if name is None:
        return failed(check, f"{problem} (receivers distrust mail from IPs without FCrDNS)")
    announced = result.ehlo_name if result and result.connected else None
    if result and result.connected and result.ehlo_problem:
        return failed(
            check,
            f"{target.ip}: {result.ehlo_problem} (RFC 5321 section 4.1.1.1: the reply starts "
            f"with the server's domain); expected {name}",
        )
    if announced:
        if announced != name:
            return failed(
                check,
                f"{target.ip}: forward-confirmed PTR is {name} but the relay announces "
                f"{announced} in EHLO; set the relay hostname to {name} or fix the PTR",
            )
        return passed(check, f"{target.ip} <-> {name}, matching the EHLO name")
    if target.hostname and target.hostname != name:
        return failed(
            check,
            f"{target.ip}: forward-confirmed PTR is {name}, expected the relay hostname "
            f"{target.hostname}",
        )
    why = result.error if result else smtp.disabled_reason
    if target.hostname:
        return passed(
            check, f"{target.ip} <-> {name}, matching the relay hostname (EHLO not read: {why})"
        )
    return warned(check, f"{target.ip} <-> {name}; EHLO name not compared: {why}")


def dnsbl_query_name(ip: IpAddress, zone: str) -> str:
    if ip.version == 4:
        reversed_ip = ".".join(reversed(str(ip).split(".")))
    else:
        reversed_ip = ".".join(reversed(ip.exploded.replace(":", "")))
    return f"{reversed_ip}.{zone}"


async def dnsbl_check(resolver: Resolver, ip: IpAddress, zones: Sequence[str]) -> CheckResult:
    check = "relay.dnsbl"
    if not zones:
        return skipped(check, f"{ip}: no DNS block list configured")
    listed: list[str] = []
    clean: list[str] = []
    unanswered: list[str] = []
    for zone in zones:
        if ip.version == 6 and zone in IPV4_ONLY_DNSBLS:
            unanswered.append(f"{zone} (IPv4-only list)")
            continue
        lookup = await resolver.lookup(dnsbl_query_name(ip, zone), "A")
        if lookup.outcome is Outcome.NXDOMAIN:
            clean.append(zone)
        elif lookup.failed:
            unanswered.append(f"{zone} ({lookup.error})")
        elif lookup.ok:
            codes = [c for c in (_address(v) for v in lookup.values) if c is not None]
            # 127.255.255.0/24 is Spamhaus's "query refused" family, not a listing.
            if all(c in ipaddress.ip_network("127.255.255.0/24") for c in codes):
                unanswered.append(f"{zone} (refused the query: {', '.join(lookup.values)})")
            else:
                txt = await resolver.lookup(dnsbl_query_name(ip, zone), "TXT")
                reason = f": {txt.values[0]}" if txt.ok else ""
                listed.append(f"{zone} ({', '.join(lookup.values)}{reason})")
        else:
            clean.append(zone)
    if listed:
        return failed(check, f"{ip} is listed on {'; '.join(listed)}")
    if unanswered:
        known = f"not listed on {', '.join(clean)}; " if clean else ""
        return skipped(check, f"{ip}: {known}could not query {'; '.join(unanswered)}")
    return passed(check, f"{ip} is not listed on {', '.join(clean)}")


def _starttls_check(
    target: RelayTarget, ptr_name: str | None, result: ProbeResult | None, smtp: SmtpSettings
) -> CheckResult:
    check = "relay.starttls"
    if result is None:
        return skipped(check, f"{target.ip}: {smtp.disabled_reason}")
    if not result.connected or result.error:
        return failed(check, f"{target.ip}: {result.error}")
    if not result.starttls_offered:
        return failed(
            check, f"{target.ip}:{target.smtp_port} does not offer STARTTLS in its EHLO reply"
        )
    hostname = target.hostname or ptr_name
    if not result.tls_ok:
        return failed(check, f"{target.ip}:{target.smtp_port}: {result.tls_error}")
    return passed(
        check,
        f"{target.ip}:{target.smtp_port} STARTTLS {result.tls_version}, certificate valid "
        f"for {hostname}",
    )


def _open_relay_check(
    target: RelayTarget, result: ProbeResult | None, smtp: SmtpSettings
) -> CheckResult:
    check = "relay.open_relay"
    if result is None:
        return skipped(check, f"{target.ip}: {smtp.disabled_reason}")
    if not result.connected:
        return skipped(check, f"{target.ip}: {result.error}")
    if result.relay_accepted is None:
        return skipped(check, f"{target.ip}: {result.relay_reply or result.error}")
    if result.relay_accepted:
        return failed(
            check,
            f"{target.ip} accepted mail for a foreign domain without authentication "
            f"({result.relay_reply}): it is an open relay",
        )
    return passed(check, f"{target.ip} refused to relay: {result.relay_reply}")
