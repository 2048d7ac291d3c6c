"""The typed stack configuration (`stacks/Pulumi.<env>.yaml`, namespace `mailstack`).

`load_stack_config` turns the raw key/value mapping Pulumi holds into one validated
`StackConfig`, reporting every problem at once with its key path, value and what is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from components.config.alerts import AlertSettings, parse_alerts
from components.config.names import (
    domain_name_problem,
    is_public_suffix,
    is_subdomain,
    registrable_domain,
)
from components.config.problems import MISSING, Problems, Section
from components.config.record_sizes import check_record_sizes
from components.config.relay import RelaySettings, parse_relay
from components.config.stack_file import read_stack_settings
from components.monitoring.tracking import parse_tracking_domain
from components.records.dkim import validate_selector
from components.records.dmarc import OBSOLETE_TAGS, DmarcPolicy, validate_report_uri
from components.records.errors import RecordError
from components.records.mta_sts import MtaStsPolicy, validate_policy
from components.records.ses import SES_REGIONS
from components.records.spf import (
    MAX_DNS_LOOKUPS,
    SES_SPF_INCLUDE,
    build_spf,
    count_dns_lookups,
    dedupe_terms,
    validate_term,
)
from components.records.tls_rpt import tls_rpt_txt

NAMESPACE = "mailstack"
ENVIRONMENTS = ("development", "staging", "production")
SENDERS = ("ses", "postfix")
DNS_PROVIDERS = ("cloudflare", "route53", "zonefile")
DKIM_MODES = ("easy", "byo")
DMARC_POLICIES = ("none", "quarantine", "reject")
DEFAULT_DKIM_SELECTOR = "mailstack"
DEFAULT_TTL = 300
SES_DKIM_KEY_BITS = (1024, 2048)
RELAY_DKIM_KEY_BITS = (1024, 2048, 3072, 4096)

DNS_KEYS = ("provider", "zoneId", "zoneName", "ttl")
DMARC_KEYS = (
    "policy",
    "subdomainPolicy",
    "nonexistentPolicy",
    "psd",
    "testing",
    "adkim",
    "aspf",
    "rua",
    "ruf",
    "fo",
)
SPF_KEYS = ("include", "ip4", "ip6", "mechanisms", "all")
MTA_STS_KEYS = ("mode", "mx", "maxAge")
TLS_RPT_KEYS = ("rua",)
DOMAIN_KEYS = (
    "name",
    "sender",
    "mailFrom",
    "dkim",
    "dkimSelector",
    "dkimSelectors",
    "dkimKeyBits",
    "dns",
    "dmarc",
    "spf",
    "mtaSts",
    "tlsRpt",
    "relay",
    "configurationSet",
    "trackingDomain",
)
SPF_MODIFIERS = ("redirect", "exp")
MAX_NAME_LENGTH = 253
# The policy pack's rule for the same limit, named so both reports lead to one place.
SPF_LOOKUP_POLICY = "spf-lookup-limit"
_RELAY_SPF_STAND_IN = "ip4:192.0.2.1"
_CONFIG_SET_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True)
class DnsSettings:
    provider: str
    zone_id: str | None
    zone_name: str | None
    ttl: int


@dataclass(frozen=True)
class SpfSettings:
    """Mechanisms the domain needs besides the sender's own, merged into its single SPF record."""

    extra_terms: tuple[str, ...] = ()
    all_qualifier: str = "~all"


@dataclass(frozen=True)
class DomainConfig:
    name: str
    sender: str
    mail_from: str
    dkim: str
    # The first selector signs; every listed selector stays published (key rotation overlap).
    dkim_selectors: tuple[str, ...]
    dns: DnsSettings
    dmarc: DmarcPolicy
    spf: SpfSettings
    configuration_set: str
    mta_sts: MtaStsPolicy | None = None
    tls_rpt: tuple[str, ...] = ()
    relay: RelaySettings | None = None
    tracking_domain: str | None = None
    # RSA size of keys this stack generates or asks SES for. Below 2048 is allowed by the model
    # and refused by the policy pack, so a team can see the rule and its reason in one place.
    dkim_key_bits: int = 2048

    @property
    def zone(self) -> str:
        """The DNS zone the domain's records are published in."""
        return self.dns.zone_name or registrable_domain(self.name) or self.name

    @property
    def signing_selector(self) -> str:
        return self.dkim_selectors[0]

    @property
    def uses_ses(self) -> bool:
        """SES sends this domain's mail: directly, or as the smarthost behind its relay."""
        return self.sender == "ses" or (self.relay is not None and self.relay.uses_ses)


@dataclass(frozen=True)
class StackConfig:
    environment: str
    region: str
    alerts: AlertSettings
    domains: tuple[DomainConfig, ...]

    @property
    def is_production(self) -> bool:
        return self.environment == "production"


def load_stack_config(
    raw: Mapping[str, Any], secret_keys: Collection[str] = ()
) -> StackConfig:
    """Validate the stack's config mapping (`aws:region`, `mailstack:<key>` ...) into a StackConfig.

    Raises ConfigError listing every problem found. No problem shows a value below one of
    `secret_keys` (keys Pulumi decrypted from `secure:`).
    """
    problems = Problems(secret_keys=tuple(secret_keys))
    for key in raw:
        if key.startswith(f"{NAMESPACE}:") and key.split(":", 1)[1] not in (
            "environment",
            "dns",
            "alerts",
            "domains",
        ):
            problems.add(
                key,
                raw[key],
                "unknown key; allowed mailstack keys are environment, dns, alerts, domains",
                unknown_key=True,
            )
    for key in ("aws:region", f"{NAMESPACE}:environment"):
        problems.plain(key, raw.get(key))
    region = _region(raw.get("aws:region"), problems)
    environment = raw.get(f"{NAMESPACE}:environment", "development")
    if not isinstance(environment, str) or environment not in ENVIRONMENTS:
        problems.add(
            f"{NAMESPACE}:environment", environment, f"expected one of {', '.join(ENVIRONMENTS)}"
        )
        environment = "development"
    default_dns = _dns(raw.get(f"{NAMESPACE}:dns"), f"{NAMESPACE}:dns", problems, None)
    alerts = parse_alerts(raw.get(f"{NAMESPACE}:alerts"), f"{NAMESPACE}:alerts", problems)
    domains = _domains(raw.get(f"{NAMESPACE}:domains", MISSING), default_dns, problems, region)
    problems.raise_if_any()
    return StackConfig(environment=str(environment), region=region, alerts=alerts, domains=domains)


def load_stack_file(path: str | Path) -> StackConfig:
    """Read a stack settings file (`stacks/Pulumi.<env>.yaml` format) from anywhere on disk."""
    return load_stack_config(read_stack_file(path))


def read_stack_file(path: str | Path) -> dict[str, Any]:
    """The raw `config:` mapping of a stack settings file, within the input limits."""
    return read_stack_settings(path, NAMESPACE)


def stack_file_path(stack: str, stacks_dir: str | Path = "stacks") -> Path:
    return Path(stacks_dir) / f"Pulumi.{stack}.yaml"


def _region(value: Any, problems: Problems) -> str:
    if value is None:
        problems.add(
            "aws:region", MISSING, f"required; one of the SES regions: {', '.join(SES_REGIONS)}"
        )
        return SES_REGIONS[0]
    if value not in SES_REGIONS:
        problems.add(
            "aws:region", value, f"expected an AWS region where SES sends: {', '.join(SES_REGIONS)}"
        )
        return SES_REGIONS[0]
    return str(value)


def _dns(
    raw: Any, path: str, problems: Problems, inherited: DnsSettings | None
) -> DnsSettings | None:
    if raw is None:
        return inherited
    section = Section(raw, path, problems, DNS_KEYS)
    if inherited is None or section.has("provider"):
        provider = section.choice("provider", DNS_PROVIDERS)
    else:
        provider = inherited.provider
    zone_name = section.string("zoneName")
    if zone_name is not None:
        zone_name = zone_name.rstrip(".").lower()
        problem = domain_name_problem(zone_name)
        if problem:
            problems.add(section.key_path("zoneName"), zone_name, problem)
    # A zone id names one provider's zone, so it is never inherited across a provider change;
    # a zone name is inherited with it, unless the override names another zone by its id.
    inherit_zone = (
        inherited is not None and provider == inherited.provider and not section.has("zoneName")
    )
    zone_id = section.string("zoneId") or (
        inherited.zone_id if inherit_zone and inherited else None
    )
    if inherit_zone and inherited and not section.has("zoneId"):
        zone_name = inherited.zone_name
    default_ttl = inherited.ttl if inherited else DEFAULT_TTL
    ttl = section.integer("ttl", default_ttl, 60, 86400)
    return DnsSettings(provider=provider, zone_id=zone_id, zone_name=zone_name, ttl=ttl)


def _domains(
    raw: Any, default_dns: DnsSettings | None, problems: Problems, region: str
) -> tuple[DomainConfig, ...]:
    path = f"{NAMESPACE}:domains"
    if raw is MISSING or raw is None:
        problems.add(path, MISSING, "required; a list of sending domains (at least one)")
        return ()
    if not isinstance(raw, list) or not raw:
        problems.add(path, raw, "expected a non-empty list of sending domains")
        return ()
    domains: list[DomainConfig] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(raw):
        item_path = f"{path}[{index}]"
        # Duplicates are found by name alone, so they are reported even beside other problems.
        name = item.get("name") if isinstance(item, dict) else None
        key = name.strip().rstrip(".").lower() if isinstance(name, str) else None
        if key and key in seen:
            problems.add(
                f"{item_path}.name",
                name,
                f"duplicate domain: already configured at {path}[{seen[key]}]",
            )
            continue
        if key:
            seen[key] = index
        domain = _domain(item, item_path, default_dns, problems)
        if domain is None:
            continue
        ses_region = domain.relay.ses_region if domain.relay else None
        if ses_region is not None and ses_region != region:
            # The domain's SES identity, MAIL FROM and alarms live in the stack's region.
            problems.add(
                f"{item_path}.relay.sesRegion",
                ses_region,
                f"must be the stack's aws:region ({region}), where this stack creates the SES "
                "identity the relay sends through; use a stack in that region instead",
            )
            continue
        domains.append(domain)
    mail_from_owner: dict[str, str] = {}
    for domain in domains:
        if domain.mail_from in seen and domain.mail_from != domain.name:
            problems.add(
                f"{path}[{seen[domain.name]}].mailFrom",
                domain.mail_from,
                "the MAIL FROM domain must not be another sending domain of this stack",
            )
        if domain.mail_from in mail_from_owner:
            problems.add(
                f"{path}[{seen[domain.name]}].mailFrom",
                domain.mail_from,
                f"already the MAIL FROM domain of {mail_from_owner[domain.mail_from]}",
            )
        mail_from_owner[domain.mail_from] = domain.name
    _check_distinct_names(domains, seen, path, problems)
    _check_zone_cuts(domains, seen, path, problems)
    return tuple(domains)


def _check_zone_cuts(
    domains: list[DomainConfig], index_of: dict[str, int], path: str, problems: Problems
) -> None:
    """A name inside a more specific zone of this stack is invisible in its parent zone."""
    # A zone given only by id has an unknown name; the fallback guess proves nothing.
    definite = [d for d in domains if d.dns.zone_name is not None or d.dns.zone_id is None]
    zones = {domain.zone for domain in definite}
    provider_of: dict[str, DomainConfig] = {}
    for domain in definite:
        first = provider_of.setdefault(domain.zone, domain)
        if first.dns.provider != domain.dns.provider:
            problems.add(
                f"{path}[{index_of[domain.name]}].dns.provider",
                domain.dns.provider,
                f"the zone {domain.zone} is already published with {first.dns.provider} for"
                f" {first.name} ({path}[{index_of[first.name]}]); a zone answers from one"
                " provider, so records sent to the other would never be seen: use"
                f" {first.dns.provider} here too, or set dns.zoneName to a zone delegated to"
                f" {domain.dns.provider}",
            )
    for domain in definite:
        where = f"{path}[{index_of[domain.name]}]"
        for key, name in (("name", domain.name), ("mailFrom", domain.mail_from)):
            inner = [
                zone
                for zone in zones
                if is_subdomain(zone, domain.zone) and (name == zone or is_subdomain(name, zone))
            ]
            if inner:
                zone = max(inner, key=len)
                fix = (
                    f"set {where}.dns.zoneName to {zone}"
                    if key == "name"
                    else f"choose a MAIL FROM domain outside it, e.g. bounce.{domain.name}"
                )
                problems.add(
                    f"{where}.{key}",
                    name,
                    f"lies inside the zone {zone} (another domain's zone in this stack), but"
                    f" would be published in {domain.zone}, where resolvers never look for it;"
                    f" {fix}",
                )


def _check_distinct_names(
    domains: list[DomainConfig], index_of: dict[str, int], path: str, problems: Problems
) -> None:
    """Resources are named after the domain with dots as hyphens, and SES configuration sets
    are account-wide: two domains must not end up with the same of either."""
    key_owner: dict[str, str] = {}
    set_owner: dict[str, str] = {}
    for domain in domains:
        where = f"{path}[{index_of[domain.name]}]"
        key = domain.name.replace(".", "-")
        if key in key_owner:
            problems.add(
                f"{where}.name",
                domain.name,
                f"its resources would be named {key}-..., like those of {key_owner[key]}"
                f" ({path}[{index_of[key_owner[key]]}]); two domains that differ only in dots"
                " and hyphens cannot share a stack",
            )
        key_owner.setdefault(key, domain.name)
        if not domain.uses_ses:
            continue
        if domain.configuration_set in set_owner:
            owner = set_owner[domain.configuration_set]
            problems.add(
                f"{where}.configurationSet",
                domain.configuration_set,
                f"already the configuration set of {owner} ({path}[{index_of[owner]}]);"
                " configuration set names are unique per account and region, so set a"
                " different configurationSet",
            )
        set_owner.setdefault(domain.configuration_set, domain.name)


def _domain(
    raw: Any, path: str, default_dns: DnsSettings | None, problems: Problems
) -> DomainConfig | None:
    before = len(problems)
    section = Section(raw, path, problems, DOMAIN_KEYS)
    name = (section.string("name", required=True) or "").rstrip(".").lower()
    name_ok = False
    if name:
        problem = domain_name_problem(name)
        if problem:
            problems.add(section.key_path("name"), section.value("name"), problem)
        elif is_public_suffix(name):
            problems.add(
                section.key_path("name"),
                section.value("name"),
                f"{name} is a public suffix (like co.uk or github.io) that nobody sends mail"
                f" from; expected a domain registered under it, e.g. example.{name}",
            )
        else:
            name_ok = True
    sender = section.choice("sender", SENDERS, default="ses")
    relay = None
    if sender == "postfix":
        relay = parse_relay(section.raw.get("relay"), section.key_path("relay"), problems, name)
    elif section.has("relay"):
        problems.add(
            section.key_path("relay"), section.value("relay"), "only allowed with sender: postfix"
        )
    via_ses = sender == "ses" or (relay is not None and relay.uses_ses)
    mail_from = _mail_from(section, name, via_ses)
    dkim = section.choice("dkim", DKIM_MODES, default="easy")
    selectors = _selectors(section, dkim, sender, relay)
    dns = _dns(section.raw.get("dns"), section.key_path("dns"), problems, default_dns)
    if dns is None:
        problems.add(
            section.key_path("dns"),
            MISSING,
            f"required when {NAMESPACE}:dns is not set; a mapping with provider: "
            f"{' | '.join(DNS_PROVIDERS)}",
        )
    elif (
        name and dns.zone_name and not (name == dns.zone_name or is_subdomain(name, dns.zone_name))
    ):
        own = isinstance(section.raw.get("dns"), Mapping) and "zoneName" in section.raw["dns"]
        if own:
            problems.add(
                section.key_path("dns.zoneName"),
                dns.zone_name,
                f"must be {name} or one of its parents",
            )
        else:
            problems.add(
                f"{NAMESPACE}:dns.zoneName",
                dns.zone_name,
                f"the default zone does not contain {name} ({section.path}); set that domain's"
                f" own dns.zoneName to {name} or one of its parents",
            )
    zone = (dns.zone_name if dns else None) or registrable_domain(name) or name
    if relay is not None and name and not is_subdomain(relay.hostname, zone):
        problems.add(
            section.key_path("relay.hostname"),
            relay.hostname,
            f"must lie inside the zone {zone}, where its A record is published",
        )
    dmarc = _dmarc(section.raw.get("dmarc"), section.key_path("dmarc"), problems)
    spf = _spf(
        section.raw.get("spf"), section.key_path("spf"), problems, via_ses, relay is not None
    )
    configuration_set = section.string("configurationSet") or name.replace(".", "-")
    # A name derived from an invalid domain name was already reported with the name itself.
    derived_only = not section.has("configurationSet")
    if (name_ok or not derived_only) and not _CONFIG_SET_NAME.fullmatch(configuration_set):
        problems.add(
            section.key_path("configurationSet"),
            configuration_set,
            "expected 1-64 letters, digits, hyphens or underscores"
            + (
                f" (derived from the domain name; set {section.key_path('configurationSet')})"
                if derived_only
                else ""
            ),
        )
    tracking_domain = parse_tracking_domain(
        section.raw.get("trackingDomain"), section.key_path("trackingDomain"), problems, name
    )
    if tracking_domain is not None and not via_ses:
        problems.add(
            section.key_path("trackingDomain"),
            tracking_domain,
            "open and click tracking needs SES: only with sender: ses or relay.smarthost: ses",
        )
    key_bits_allowed = SES_DKIM_KEY_BITS if via_ses else RELAY_DKIM_KEY_BITS
    dkim_key_bits = section.raw.get("dkimKeyBits")
    if dkim_key_bits is None:
        dkim_key_bits = 2048
    elif type(dkim_key_bits) is not int or dkim_key_bits not in key_bits_allowed:
        problems.add(
            section.key_path("dkimKeyBits"),
            dkim_key_bits,
            f"expected one of {', '.join(map(str, key_bits_allowed))}"
            f"{' (what SES signs with)' if via_ses else ''}",
        )
        dkim_key_bits = 2048
    mta_sts = _mta_sts(section.raw.get("mtaSts"), section.key_path("mtaSts"), problems)
    tls_rpt = _tls_rpt(section.raw.get("tlsRpt"), section.key_path("tlsRpt"), problems)
    if len(problems) == before:
        _check_record_names(section, name, via_ses and dkim == "easy", selectors, mta_sts, tls_rpt)
    if len(problems) > before or dns is None:
        return None
    domain = DomainConfig(
        name=name,
        sender=sender,
        mail_from=mail_from,
        dkim=dkim,
        dkim_selectors=selectors,
        dns=dns,
        dmarc=dmarc,
        spf=spf,
        configuration_set=configuration_set,
        mta_sts=mta_sts,
        tls_rpt=tls_rpt,
        relay=relay,
        tracking_domain=tracking_domain,
        dkim_key_bits=dkim_key_bits,
    )
    check_record_sizes(section, domain)
    return None if len(problems) > before else domain


def _check_record_names(
    section: Section,
    name: str,
    easy_dkim: bool,
    selectors: tuple[str, ...],
    mta_sts: MtaStsPolicy | None,
    tls_rpt: tuple[str, ...],
) -> None:
    """Every name the domain publishes under must fit DNS's 253 characters."""
    owners = [f"_dmarc.{name}"]
    if easy_dkim:
        # SES Easy DKIM tokens are 32 characters.
        owners.append(f"{'x' * 32}._domainkey.{name}")
    owners += [f"{selector}._domainkey.{name}" for selector in selectors]
    if mta_sts is not None:
        owners.append(f"_mta-sts.{name}")
    if tls_rpt:
        owners.append(f"_smtp._tls.{name}")
    longest = max(owners, key=len)
    if len(longest) > MAX_NAME_LENGTH:
        allowed = len(name) - (len(longest) - MAX_NAME_LENGTH)
        section.problems.add(
            section.key_path("name"),
            name,
            f"too long for the records it needs: {longest.split('.' + name)[0]}.<name> would be"
            f" {len(longest)} characters, DNS allows {MAX_NAME_LENGTH}; use a domain of at most"
            f" {allowed} characters{' or a shorter DKIM selector' if selectors else ''}",
        )


def _mail_from(section: Section, name: str, via_ses: bool) -> str:
    # SES requires a custom MAIL FROM below the identity ("bounce" is the common choice); a relay
    # sends with the domain itself as envelope sender unless told otherwise, so SPF aligns strictly.
    default = f"bounce.{name}" if via_ses else name
    value = section.string("mailFrom")
    if value is None:
        return default
    value = value.rstrip(".").lower()
    problem = domain_name_problem(value)
    if problem:
        section.problems.add(section.key_path("mailFrom"), value, problem)
    elif name and not is_subdomain(value, name) and not (not via_ses and value == name):
        section.problems.add(
            section.key_path("mailFrom"),
            value,
            f"must be a subdomain of {name} (e.g. bounce.{name})",
        )
    return value


def _selectors(
    section: Section, dkim: str, sender: str, relay: RelaySettings | None
) -> tuple[str, ...]:
    if relay is not None:
        for key in ("dkimSelector", "dkimSelectors"):
            if section.has(key):
                section.problems.add(
                    section.key_path(key),
                    section.value(key),
                    "a relay signs with relay.dkimSelector; set it there",
                )
        return relay.dkim_selectors
    if section.has("dkimSelector") and section.has("dkimSelectors"):
        section.problems.add(
            section.key_path("dkimSelectors"),
            section.value("dkimSelectors"),
            "set either dkimSelector or dkimSelectors, not both",
        )
    if sender == "ses" and dkim == "easy":
        for key in ("dkimSelector", "dkimSelectors"):
            if section.has(key):
                section.problems.add(
                    section.key_path(key),
                    section.value(key),
                    "Easy DKIM chooses its own selectors; remove it or set dkim: byo",
                )
        return ()
    if section.has("dkimSelectors"):
        selectors = section.string_list("dkimSelectors")
        if not selectors:
            section.problems.add(
                section.key_path("dkimSelectors"),
                section.value("dkimSelectors"),
                "expected at least one selector; the first one signs",
            )
    else:
        selectors = (section.string("dkimSelector") or DEFAULT_DKIM_SELECTOR,)
    key = "dkimSelectors" if section.has("dkimSelectors") else "dkimSelector"
    for index, selector in enumerate(selectors):
        try:
            validate_selector(selector)
        except RecordError as error:
            where = f"{key}[{index}]" if key == "dkimSelectors" else key
            section.problems.add(section.key_path(where), selector, str(error))
    # DNS names are case-insensitive: S1 and s1 would publish two keys at one name.
    if len({selector.lower() for selector in selectors}) != len(selectors):
        section.problems.add(section.key_path(key), list(selectors), "selectors must be unique")
    return tuple(selectors)


def _policy_choice(section: Section, key: str) -> str | None:
    if not section.has(key):
        return None
    return section.choice(key, DMARC_POLICIES)


def _dmarc(raw: Any, path: str, problems: Problems) -> DmarcPolicy:
    obsolete_in_raw = isinstance(raw, Mapping) and [k for k in raw if k in OBSOLETE_TAGS]
    if obsolete_in_raw and isinstance(raw, Mapping):
        for key in obsolete_in_raw:
            problems.add(
                f"{path}.{key}", raw[key], f"obsolete since RFC 9989: {OBSOLETE_TAGS[key]}"
            )
        raw = {k: v for k, v in raw.items() if k not in OBSOLETE_TAGS}
    section = Section(raw, path, problems, DMARC_KEYS)
    policy = section.choice("policy", DMARC_POLICIES, default="none")
    psd = section.choice("psd", ("y", "n", "u")) if section.has("psd") else None
    adkim = section.choice("adkim", ("r", "s")) if section.has("adkim") else None
    aspf = section.choice("aspf", ("r", "s")) if section.has("aspf") else None
    rua = _report_uris(section, "rua")
    ruf = _report_uris(section, "ruf")
    fo = _failure_options(section)
    return DmarcPolicy(
        policy=policy,
        subdomain_policy=_policy_choice(section, "subdomainPolicy"),
        nonexistent_policy=_policy_choice(section, "nonexistentPolicy"),
        psd=psd,
        testing=section.boolean("testing", False),
        adkim=adkim,
        aspf=aspf,
        rua=rua,
        ruf=ruf,
        fo=fo,
    )


def _report_uris(section: Section, key: str) -> tuple[str, ...]:
    uris: list[str] = []
    for index, value in enumerate(section.string_list(key)):
        try:
            uris.append(validate_report_uri(value))
        except RecordError as error:
            section.problems.add(section.key_path(f"{key}[{index}]"), value, str(error))
    return tuple(uris)


def _failure_options(section: Section) -> tuple[str, ...]:
    value = section.raw.get("fo")
    if value is None:
        return ()
    items = value.split(":") if isinstance(value, str) else value
    allowed = ("0", "1", "d", "s")
    if not isinstance(items, list) or not all(str(i) in allowed for i in items) or not items:
        section.problems.add(
            section.key_path("fo"), value, "expected a list of failure options from 0, 1, d, s"
        )
        return ()
    return tuple(dict.fromkeys(str(i) for i in items))


def _spf(
    raw: Any, path: str, problems: Problems, via_ses: bool, relay: bool = False
) -> SpfSettings:
    section = Section(raw, path, problems, SPF_KEYS)
    terms: list[str] = []
    for key, prefix in (
        ("include", "include:"),
        ("ip4", "ip4:"),
        ("ip6", "ip6:"),
        ("mechanisms", ""),
    ):
        for index, value in enumerate(section.string_list(key)):
            term = value if not prefix or value.startswith(prefix) else prefix + value
            try:
                validate_term(term)
            except RecordError as error:
                problems.add(section.key_path(f"{key}[{index}]"), value, str(error))
                continue
            if term.lstrip("+-~?").split(":")[0].lower() == "all":
                problems.add(
                    section.key_path(f"{key}[{index}]"), value, "set `all` with the spf.all key"
                )
                continue
            terms.append(term)
    # Modifiers go last, where RFC 7208 6 recommends them, after the sender's own terms.
    terms.sort(key=lambda term: _spf_term_name(term) in SPF_MODIFIERS)
    redirects = [term for term in terms if _spf_term_name(term) == "redirect"]
    all_qualifier = section.choice("all", ("-all", "~all"), default="~all")
    if redirects:
        if section.has("all"):
            problems.add(
                section.key_path("all"),
                section.value("all"),
                f"not allowed together with {redirects[0]}: receivers ignore redirect= when the"
                " record ends in all; remove spf.all to let the redirect target decide, or use"
                " include: instead of redirect=",
            )
        all_qualifier = ""
    # The whole record is checked now, with the sender's own terms (the relay's address is
    # only known once deployed, so a documentation address stands in for it), so that a
    # record `pulumi up` could not build is a config error rather than a failed deployment.
    sender_terms = [_RELAY_SPF_STAND_IN] if relay else []
    if via_ses:
        sender_terms.append(SES_SPF_INCLUDE)
    unique = dedupe_terms([*sender_terms, *terms])
    lookups = count_dns_lookups(unique)
    if lookups > MAX_DNS_LOOKUPS:
        problems.add(
            path,
            terms,
            f"the SPF record would need {lookups} DNS lookups"
            f"{' (including ' + SES_SPF_INCLUDE + ')' if via_ses else ''};"
            f" RFC 7208 allows at most {MAX_DNS_LOOKUPS} (policy {SPF_LOOKUP_POLICY}): replace"
            " includes with ip4/ip6 ranges",
        )
    elif not any(p.path == path or p.path.startswith(path + ".") for p in problems.found):
        try:
            build_spf(unique, all_qualifier)
        except RecordError as error:
            problems.add(path, terms, str(error))
    return SpfSettings(extra_terms=tuple(dedupe_terms(terms)), all_qualifier=all_qualifier)


def _spf_term_name(term: str) -> str:
    return re.split(r"[:=/]", term.lstrip("+-~?"), maxsplit=1)[0].lower()


def _mta_sts(raw: Any, path: str, problems: Problems) -> MtaStsPolicy | None:
    if raw is None:
        return None
    section = Section(raw, path, problems, MTA_STS_KEYS)
    mode = section.choice("mode", ("enforce", "testing", "none"), default="testing")
    before = len(problems)
    mx: list[str] = []
    for index, pattern in enumerate(section.string_list("mx")):
        pattern = pattern.rstrip(".").lower()
        try:
            validate_policy(MtaStsPolicy(mode="none", mx=(pattern,), max_age=0))
        except RecordError as error:
            problems.add(section.key_path(f"mx[{index}]"), pattern, str(error))
            continue
        mx.append(pattern)
    # RFC 8461 3.2: a policy in mode none (withdrawing MTA-STS) needs no MX patterns.
    if (
        not mx
        and mode != "none"
        and len(problems) == before
        and not section.malformed
        and not section.reported("mx")
    ):
        problems.add(
            section.key_path("mx"),
            section.value("mx"),
            "required; the MX host patterns receiving mail",
        )
    max_age = section.integer("maxAge", 604800, 86400, 31557600)
    return MtaStsPolicy(mode=mode, mx=tuple(dict.fromkeys(mx)), max_age=max_age)


def _tls_rpt(raw: Any, path: str, problems: Problems) -> tuple[str, ...]:
    if raw is None:
        return ()
    section = Section(raw, path, problems, TLS_RPT_KEYS)
    before = len(problems)
    rua = section.string_list("rua")
    if not rua:
        if len(problems) == before and not section.malformed and not section.reported("rua"):
            problems.add(
                section.key_path("rua"),
                section.value("rua"),
                "required; mailto: or https: report URIs",
            )
        return ()
    for index, uri in enumerate(rua):
        try:
            tls_rpt_txt([uri])
        except RecordError as error:
            problems.add(section.key_path(f"rua[{index}]"), uri, str(error))
    if len(problems) > before:
        return ()
    try:
        tls_rpt_txt(rua)
    except RecordError as error:
        problems.add(section.key_path("rua"), list(rua), str(error))
        return ()
    return rua
