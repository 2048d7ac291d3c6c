"""What to verify: one `DomainTarget` per sending domain, from stack outputs or CLI flags."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from checks.outputs_contract import depth_problem, outputs_problems
from checks.relay import RelayTarget, parse_relay_ip
from components.records.dns_record import UNKNOWN, DnsRecord, is_within, normalize_name

SENDERS = ("ses", "postfix")
SMARTHOSTS = ("none", "ses")
_DOMAIN = re.compile(
    r"(?=.{1,253}\Z)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z][a-z0-9-]*[a-z0-9]"
)
_SELECTOR = re.compile(r"[A-Za-z0-9_]([A-Za-z0-9_.-]{0,62})")


class TargetError(ValueError):
    """Invalid input; `problems` has one message per bad value, naming where it came from."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class DomainTarget:
    domain: str
    sender: str = "ses"
    dkim_selectors: tuple[str, ...] = ()
    mail_from: str | None = None
    region: str | None = None
    configuration_set: str | None = None
    relays: tuple[RelayTarget, ...] = ()
    records: tuple[DnsRecord, ...] = ()
    # A Postfix relay that hands its mail to SES (`relay.smarthost: ses`).
    ses_smarthost: bool = False

    @property
    def sends_via_ses(self) -> bool:
        """Whether SES delivers this domain's mail to receivers (directly or as smarthost)."""
        return self.sender == "ses" or self.ses_smarthost


def valid_domain(name: str) -> bool:
    return bool(_DOMAIN.fullmatch(name))


def targets_from_flags(
    domains: Sequence[str],
    selectors: Sequence[str],
    mail_from: str | None,
    relay_ips: Sequence[str],
) -> list[DomainTarget]:
    """Targets for `--domain`: relay IPs make the domain a Postfix sender, otherwise SES."""
    problems: list[str] = []
    names: list[str] = []
    for raw in domains:
        name = normalize_name(raw)
        if not valid_domain(name):
            problems.append(f"--domain {raw!r}: not a domain name (expected e.g. mail.example.com)")
        elif name in names:
            problems.append(f"--domain {raw!r}: {name} is given twice; give each domain once")
        names.append(name)
    for selector in selectors:
        if not _SELECTOR.fullmatch(selector):
            problems.append(
                f"--dkim-selector {selector!r}: a selector is letters, digits, '-', '_' and '.'"
            )
    mail_from_name = normalize_name(mail_from) if mail_from else None
    if mail_from_name is not None and not valid_domain(mail_from_name):
        problems.append(f"--mail-from {mail_from!r}: not a domain name")
    relays: list[RelayTarget] = []
    for raw in relay_ips:
        try:
            relays.append(parse_relay_ip(raw))
        except ValueError as error:
            problems.append(f"--relay-ip: {error}")
    if problems:
        raise TargetError(problems)
    return [
        DomainTarget(
            domain=name,
            sender="postfix" if relays else "ses",
            dkim_selectors=tuple(selectors),
            mail_from=mail_from_name,
            relays=tuple(relays),
        )
        for name in names
    ]


def targets_from_outputs(outputs: Any, source: str = "outputs") -> list[DomainTarget]:
    """Targets from the JSON of `pulumi stack output --json` (`records` and `domains`)."""
    problems: list[str] = []
    deep = depth_problem(outputs, source)
    if deep:
        raise TargetError([deep])
    if not isinstance(outputs, Mapping):
        raise TargetError([f"{source}: expected a JSON object with 'records' and 'domains'"])
    raw_domains = outputs.get("domains")
    if not isinstance(raw_domains, list) or not raw_domains:
        raise TargetError([f"{source}.domains: expected a non-empty list of domain objects"])
    unknown = [
        f"{where}: {UNKNOWN!r} is known only after deployment; verify the output of "
        "`pulumi stack output --json` from a deployed stack, not a `mailstack plan` preview"
        for key in ("domains", "records")
        for where in _unknown_paths(outputs.get(key), f"{source}.{key}")
    ]
    if unknown:
        raise TargetError(unknown)
    contract = outputs_problems(outputs, source)
    if contract:
        raise TargetError(contract)
    records = _records(outputs.get("records", []), source, problems)
    targets: list[DomainTarget] = []
    first_index: dict[str, int] = {}
    for index, item in enumerate(raw_domains):
        where = f"{source}.domains[{index}]"
        target = _domain(item, where, problems)
        if target is None:
            continue
        if target.domain in first_index:
            problems.append(
                f"{where}.name: {target.domain!r} is listed twice (also "
                f"{source}.domains[{first_index[target.domain]}]); list each domain once"
            )
            continue
        first_index[target.domain] = index
        targets.append(target)
    if problems:
        raise TargetError(problems)
    return _assign_records(targets, records)


def _records(raw: Any, source: str, problems: list[str]) -> list[DnsRecord]:
    if not isinstance(raw, list):
        problems.append(f"{source}.records: expected a list of records, got {type(raw).__name__}")
        return []
    records: list[DnsRecord] = []
    for index, item in enumerate(raw):
        where = f"{source}.records[{index}]"
        if not isinstance(item, Mapping) or not {"name", "type", "values"} <= set(item):
            problems.append(f"{where}: expected an object with name, type, values and ttl")
            continue
        if not isinstance(item["values"], list):
            problems.append(f"{where}.values: expected a list of strings")
            continue
        ttl = item.get("ttl", 300)
        if isinstance(ttl, bool) or not isinstance(ttl, int | str) or not str(ttl).isdigit():
            problems.append(f"{where}.ttl: {ttl!r} is not a whole number of seconds")
            continue
        name = normalize_name(str(item["name"]))
        if not valid_domain(name):
            problems.append(f"{where}.name: {item['name']!r} is not a domain name")
            continue
        try:
            records.append(DnsRecord.from_json(item))
        except (ValueError, TypeError) as error:
            problems.append(f"{where}: {error}")
    return records


def _unknown_paths(value: Any, where: str) -> list[str]:
    """Key paths under `value` holding Pulumi's marker for a value not yet known."""
    if isinstance(value, str):
        return [where] if UNKNOWN in value else []
    if isinstance(value, Mapping):
        return [p for key, item in value.items() for p in _unknown_paths(item, f"{where}.{key}")]
    if isinstance(value, list):
        return [
            p for index, item in enumerate(value) for p in _unknown_paths(item, f"{where}[{index}]")
        ]
    return []


def _domain(item: Any, where: str, problems: list[str]) -> DomainTarget | None:
    if not isinstance(item, Mapping):
        problems.append(f"{where}: expected an object, got {type(item).__name__}")
        return None
    before = len(problems)
    name = normalize_name(str(item.get("name", "")))
    if not valid_domain(name):
        problems.append(f"{where}.name: {item.get('name')!r} is not a domain name")
    sender = item.get("sender", "ses")
    if sender not in SENDERS:
        problems.append(f"{where}.sender: {sender!r} is not one of {', '.join(SENDERS)}")
    selectors = item.get("dkimSelectors") or []
    if not isinstance(selectors, list) or not all(isinstance(s, str) for s in selectors):
        problems.append(f"{where}.dkimSelectors: expected a list of selector strings")
        selectors = []
    mail_from = item.get("mailFrom")
    if mail_from is not None and not valid_domain(normalize_name(str(mail_from))):
        problems.append(f"{where}.mailFrom: {mail_from!r} is not a domain name")
    relays: list[RelayTarget] = []
    hostname = item.get("relayHostname")
    raw_ips = item.get("relayIps") or []
    if not isinstance(raw_ips, list):
        problems.append(f"{where}.relayIps: expected a list of IP addresses")
        raw_ips = []
    for ip_index, raw_ip in enumerate(raw_ips):
        try:
            relay = parse_relay_ip(str(raw_ip))
        except ValueError as error:
            problems.append(f"{where}.relayIps[{ip_index}]: {error}")
            continue
        relays.append(
            RelayTarget(relay.ip, relay.smtp_port, normalize_name(hostname) if hostname else None)
        )
    smarthost = item.get("smarthost")
    if smarthost is not None and smarthost not in SMARTHOSTS:
        problems.append(f"{where}.smarthost: {smarthost!r} is not one of {', '.join(SMARTHOSTS)}")
    if len(problems) > before:
        return None
    # Only a domain SES sends for has a configuration set, so a relay domain with one
    # fronts SES even in outputs that do not name the smarthost.
    via_ses = smarthost == "ses" or (smarthost is None and bool(item.get("configurationSet")))
    return DomainTarget(
        domain=name,
        sender=str(sender),
        dkim_selectors=tuple(selectors),
        mail_from=normalize_name(str(mail_from)) if mail_from else None,
        region=str(item["region"]) if item.get("region") else None,
        configuration_set=str(item["configurationSet"]) if item.get("configurationSet") else None,
        relays=tuple(relays),
        ses_smarthost=sender == "postfix" and via_ses,
    )


def _assign_records(targets: list[DomainTarget], records: list[DnsRecord]) -> list[DomainTarget]:
    """Give each record to the most specific domain containing it (else the first domain)."""
    owned: dict[str, list[DnsRecord]] = {t.domain: [] for t in targets}
    for record in records:
        owners = [t.domain for t in targets if is_within(record.name, t.domain)]
        owner = max(owners, key=len) if owners else targets[0].domain
        owned[owner].append(record)
    return [replace(t, records=tuple(owned[t.domain])) for t in targets]
