"""`mailstack demo`: plan the dev stack, serve its records locally, verify them, catch a fault.

Everything stays on this machine: the stack is planned offline, the records are served
by an embedded DNS server on a loopback port, no AWS API and no relay is contacted.
Values only a deployment knows (SES Easy DKIM tokens, relay addresses) are replaced
by stand-ins whose names say so.
"""

from __future__ import annotations

import argparse
import base64
import ipaddress
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from checks.embedded_dns import EmbeddedDnsServer, ServedRecord
from checks.relay import SmtpSettings
from checks.render import render_text
from checks.report import Report, Status
from checks.resolver import Nameserver
from checks.runner import VerifyOptions, verify
from checks.ses import SesSettings
from checks.targets import DomainTarget, TargetError, targets_from_outputs
from components.policy.catalog import RELAY_MAIL_FROM_MX
from components.records.dns_record import DnsRecord, is_within
from mailstack.cli import UsageError
from mailstack.findings import plan_findings, senders_of
from mailstack.plan import records_from_outputs
from mailstack.stack_source import add_stack_source, stack_settings_path

UNKNOWN = "<unknown>"
STANDIN_TOKEN = "demo-standin-token-{}"
# TEST-NET-1 (RFC 5737): documentation-only, never routed, never contacted by the demo.
STANDIN_RELAY_IP = "192.0.2.10"
# A stand-in copy of the ranges SES publishes in amazonses.com's SPF record.
STANDIN_SES_SPF = (
    "v=spf1 ip4:199.255.192.0/22 ip4:199.127.232.0/22 ip4:54.240.0.0/18 "
    "ip4:69.169.224.0/20 ip4:23.249.208.0/20 ip4:23.251.224.0/19 ip4:76.223.176.0/20 "
    "ip4:54.240.64.0/19 ip4:54.240.96.0/19 -all"
)
# Where the demo points a relay's MAIL FROM MX: a reserved name (RFC 2606), never contacted.
STANDIN_INBOUND_MX = "10 inbound-mx.demo-standin.example"
FAULT_SPF = "v=spf1 include:_spf.demo-fault.example ~all"
EASY_DKIM_TOKENS = 3


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="verify the planned dev stack against a local DNS server, then catch a fault",
        description=(
            "Plan a stack offline, serve its DNS records from an embedded DNS server on a "
            "loopback port (stand-ins replace what only a deployment knows), run `verify` "
            "against it, then add a second SPF record and show it being caught. "
            "No cloud, no root, no network."
        ),
    )
    add_stack_source(parser, "plan and serve", default_stack="dev")
    parser.set_defaults(func=run)


@dataclass
class DemoSetup:
    """The served records and the targets verified against them."""

    records: list[DnsRecord]
    extra: list[ServedRecord]
    zones: list[str]
    targets: list[DomainTarget]
    notes: list[str] = field(default_factory=list)


def run(args: argparse.Namespace) -> int:
    path = stack_settings_path(args)
    _progress(f"planning {path} offline (Pulumi test runtime, no cloud)...")
    started = time.monotonic()
    plan = _plan(path)
    _progress(f"planned {len(plan.dns_records)} DNS records in {time.monotonic() - started:.1f}s")
    # The stand-ins replace what the outputs leave unknown, so they start from the outputs.
    setup = build_setup(records_from_outputs(plan.outputs), plan.outputs)
    colour = sys.stdout.isatty()
    out = sys.stdout
    out.write(f"== mailstack demo: {path}\n")
    for note in setup.notes:
        out.write(f"   stand-in: {note}\n")
    clean = _verify(setup, "serving the planned records")
    out.write("\n== 1. verify the planned records\n\n")
    out.write(render_text(clean, colour=colour))
    faulty_setup = inject_second_spf(setup)
    faulty = _verify(faulty_setup, "serving the records with a deliberate fault")
    domain = setup.targets[0].domain
    out.write(f"\n== 2. deliberate fault: a second SPF record at {domain}\n")
    out.write(f'   added: {domain} TXT "{FAULT_SPF}"\n\n')
    out.write(render_text(_only_changes(clean, faulty), colour=colour))
    caught = faulty.domain(domain).result("spf.present").status is Status.FAIL
    out.write(
        f"\nfault {'caught' if caught else 'NOT caught'}: "
        f"verify exits {faulty.exit_code()} with the fault, {clean.exit_code()} without it\n"
    )
    return 0 if caught and not clean.has_failure else 1


def _plan(path: Path) -> Any:
    from components.config.problems import ConfigError
    from mailstack.plan import run_plan

    try:
        return run_plan(path)
    except ConfigError as error:
        raise UsageError(str(error)) from None


def _progress(message: str) -> None:
    print(f"mailstack demo: {message}", file=sys.stderr, flush=True)


def _verify(setup: DemoSetup, what: str) -> Report:
    server = EmbeddedDnsServer(setup.zones, [*setup.records, *setup.extra])
    with server as (ip, port):
        _progress(f"{what} on {ip}:{port} (embedded DNS server), verifying...")
        options = VerifyOptions(
            nameservers=(Nameserver(ip, port),),
            dns_timeout=2.0,
            smtp=SmtpSettings(enabled=False, disabled_reason="demo: no relay is deployed"),
            ses=SesSettings(enabled=False, disabled_reason="demo: no AWS account is contacted"),
        )
        return verify(setup.targets, options)


def build_setup(planned: Sequence[DnsRecord], outputs: Mapping[str, Any]) -> DemoSetup:
    """Replace unknowns with stand-ins and describe what the demo serves and verifies."""
    notes: list[str] = []
    domains = [dict(d) for d in outputs.get("domains", []) if isinstance(d, Mapping)]
    if not domains:
        raise UsageError("the planned stack has no domains output to verify")
    unknown_cnames = [r for r in planned if r.type == "CNAME" and UNKNOWN in (r.name, *r.values)]
    extra: list[ServedRecord] = []
    key = _throwaway_dkim_key()
    tokens_used = 0
    generated: list[DnsRecord] = []
    relay_ips: dict[str, list[str]] = {}
    def easy_dkim_standins(name: str) -> list[str]:
        nonlocal tokens_used
        count = EASY_DKIM_TOKENS if unknown_cnames else 0
        tokens = [STANDIN_TOKEN.format(tokens_used + i + 1) for i in range(count)]
        tokens_used += count
        if tokens:
            notes.append(f"SES Easy DKIM tokens for {name}: {', '.join(tokens)}")
        return tokens

    for domain in domains:
        name = str(domain.get("name", ""))
        listed = domain.get("dkimSelectors")
        selectors: list[Any] = listed if isinstance(listed, list) else []
        known = isinstance(listed, list) and UNKNOWN not in selectors
        ses_tokens: list[str] = []
        if domain.get("sender", "ses") == "ses":
            if not known:
                ses_tokens = easy_dkim_standins(name)
                domain["dkimSelectors"] = ses_tokens
            else:
                ses_tokens = [str(s) for s in selectors]
        else:
            if not known:
                # Before deployment the relay's own selectors show in its _domainkey records;
                # a relay fronting SES is also signed by SES's Easy DKIM.
                relay_selectors = [
                    r.name.split("._domainkey.", 1)[0]
                    for r in planned
                    if r.type == "TXT" and r.name.endswith(f"._domainkey.{name}")
                ]
                if domain.get("configurationSet"):
                    ses_tokens = easy_dkim_standins(name)
                domain["dkimSelectors"] = [*relay_selectors, *ses_tokens]
            ips = domain.get("relayIps")
            hostname = str(domain.get("relayHostname") or f"relay.{name}")
            if not isinstance(ips, list) or UNKNOWN in ips or not ips:
                domain["relayIps"] = [STANDIN_RELAY_IP]
                notes.append(f"relay address for {name}: {STANDIN_RELAY_IP} (TEST-NET-1)")
            domain["relayHostname"] = hostname
            relay_ips[name] = [str(ip) for ip in domain["relayIps"]]
            for ip in domain["relayIps"]:
                extra.append(
                    ServedRecord(ipaddress.ip_address(ip).reverse_pointer, "PTR", (hostname,))
                )
        for token in ses_tokens:
            if token.startswith(STANDIN_TOKEN.format("")):
                generated.append(
                    DnsRecord(
                        f"{token}._domainkey.{name}", "CNAME", (f"{token}.dkim.amazonses.com",)
                    )
                )
            extra.append(
                ServedRecord(f"{token}.dkim.amazonses.com", "TXT", (f"v=DKIM1; k=rsa; p={key}",))
            )
    records: list[DnsRecord] = []
    for record in planned:
        if UNKNOWN in record.name:
            continue
        standin = _standin(record, domains, relay_ips, key)
        if standin is None:
            notes.append(f"{record.name} {record.type} is known only after deployment: not served")
            continue
        if standin is not record:
            notes.append(f"{record.name} {record.type}: {_describe(standin)}")
        records.append(standin)
    records.extend(generated)
    if unknown_cnames and tokens_used < len(unknown_cnames):
        notes.append(f"{len(unknown_cnames) - tokens_used} unknown CNAME(s) not served")
    zones = {str(d.get("zone") or d["name"]).lower() for d in domains}
    for served, note in _outside_records(planned, outputs):
        extra.append(served)
        notes.append(note)
        if not any(is_within(served.name, z) for z in zones):
            zones.add(served.name)
    extra.append(ServedRecord("amazonses.com", "TXT", (STANDIN_SES_SPF,)))
    notes.append("amazonses.com SPF and <token>.dkim.amazonses.com keys (throwaway 2048-bit RSA)")
    zones |= {"amazonses.com", "in-addr.arpa", "ip6.arpa"}
    zones |= {r.name for r in records if not any(is_within(r.name, z) for z in zones)}
    for target in _foreign_spf_targets(records, zones):
        extra.append(ServedRecord(target, "TXT", ("v=spf1 -all",)))
        zones.add(target)
        notes.append(f'{target} SPF: "v=spf1 -all" (the real record is not served)')
    try:
        targets = targets_from_outputs(
            {"domains": domains, "records": [r.to_json() for r in records]}
        )
    except TargetError as error:
        raise UsageError(
            "the planned outputs do not describe verifiable domains:\n  "
            + "\n  ".join(error.problems)
        ) from None
    return DemoSetup(records, extra, sorted(zones), targets, notes)


def _outside_records(
    planned: Sequence[DnsRecord], outputs: Mapping[str, Any]
) -> list[tuple[ServedRecord, str]]:
    """What a real deployment publishes outside this stack (the plan's findings), served here."""
    served: list[tuple[ServedRecord, str]] = []
    for finding in plan_findings(outputs, planned):
        if finding.record is not None:
            record = finding.record
            served.append(
                (
                    ServedRecord(record.name, record.type, (record.value,)),
                    f"{record.render()}: the report domain's authorization, which a real"
                    " deployment publishes in that domain's zone (not created by this stack)",
                )
            )
        elif finding.id == RELAY_MAIL_FROM_MX.name:
            mail_from = next(
                (s.mail_from for s in senders_of(outputs) if s.name == finding.domain),
                finding.domain,
            )
            served.append(
                (
                    ServedRecord(mail_from, "MX", (STANDIN_INBOUND_MX,)),
                    f"{mail_from} MX {STANDIN_INBOUND_MX}: a real deployment publishes an MX"
                    " for the relay's MAIL FROM domain naming its inbound mail host"
                    " (not created by this stack)",
                )
            )
    return served


def _standin(
    record: DnsRecord,
    domains: list[dict[str, Any]],
    relay_ips: Mapping[str, list[str]],
    key: str,
) -> DnsRecord | None:
    """The record with stand-ins for unknown values; None when no stand-in fits."""
    if UNKNOWN not in record.values:
        return record
    if record.type == "A":
        return replace(record, values=(STANDIN_RELAY_IP,))
    if record.type != "TXT":
        return None
    if "._domainkey." in record.name:
        return replace(record, values=(f"v=DKIM1; k=rsa; p={key}",))
    for name, ips in relay_ips.items():
        domain = next((d for d in domains if d["name"] == name), {})
        mail_from = str(domain.get("mailFrom") or name)
        if record.name in (name, mail_from):
            terms = " ".join(f"ip{ipaddress.ip_address(ip).version}:{ip}" for ip in ips)
            if domain.get("configurationSet"):
                # The relay's smarthost is SES, which the stack also authorizes.
                terms += " include:amazonses.com"
            return replace(record, values=(f"v=spf1 {terms} -all",))
    return None


def _describe(record: DnsRecord) -> str:
    value = record.values[0]
    return value if len(value) <= 60 else value[:40] + "... (throwaway key)"


def _foreign_spf_targets(records: Sequence[DnsRecord], zones: set[str]) -> list[str]:
    """include:/redirect= targets of the served SPF records that no served zone holds."""
    found: list[str] = []
    for record in records:
        if record.type != "TXT":
            continue
        for value in record.values:
            if not value.lower().startswith("v=spf1"):
                continue
            for term in value.split()[1:]:
                lowered = term.lower().lstrip("+-~?")
                for prefix in ("include:", "redirect="):
                    if lowered.startswith(prefix):
                        target = lowered[len(prefix) :].rstrip(".")
                        if "%" in target or any(is_within(target, z) for z in zones):
                            continue
                        if target not in found:
                            found.append(target)
    return found


def inject_second_spf(setup: DemoSetup) -> DemoSetup:
    """The same setup with a second v=spf1 record at the first domain (not in the stack)."""
    domain = setup.targets[0].domain
    served = list(setup.records)
    index = next((i for i, r in enumerate(served) if r.name == domain and r.type == "TXT"), None)
    if index is None:
        served.append(DnsRecord(domain, "TXT", (FAULT_SPF,)))
    else:
        served[index] = replace(served[index], values=(*served[index].values, FAULT_SPF))
    return DemoSetup(served, setup.extra, setup.zones, setup.targets, setup.notes)


def _only_changes(before: Report, after: Report) -> Report:
    """The checks whose status differs between two runs (the fault's footprint)."""
    changed = []
    for domain_after in after.domains:
        domain_before = before.domain(domain_after.domain)
        old = {c.id: c.status for c in domain_before.checks}
        checks = [c for c in domain_after.checks if old.get(c.id) is not c.status]
        changed.append(replace(domain_after, checks=checks))
    return Report(changed)


def _throwaway_dkim_key() -> str:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()
