"""The DNS checks of one domain: SPF, DKIM, DMARC, MAIL FROM and record drift."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence

from checks import dkim, dmarc, spf
from checks.report import CheckResult, failed, passed, skipped, warned, worst
from checks.resolver import Resolver
from checks.spf_syntax import SpfRecord, SpfSyntaxError, parse_spf
from checks.targets import DomainTarget
from components.records.dns_record import DnsRecord, is_within

SES_SPF_DOMAIN = "amazonses.com"
# How many addresses of SES's published ranges stand in for "SES" in an SPF evaluation.
_SES_SAMPLE = 3
# A report lists this many DNS-querying terms; an abusive tree has thousands.
_TERMS_SHOWN = 30


# --- SPF -----------------------------------------------------------------------------------


async def spf_checks(
    resolver: Resolver, target: DomainTarget, sender_ips: Sequence[spf.IpAddress], sender_error: str
) -> list[CheckResult]:
    domain = target.domain
    fetched = await spf.fetch_spf(resolver, domain)
    ids = ("spf.syntax", "spf.lookup_limit", "spf.void_lookups", "spf.all")
    results: list[CheckResult] = []
    if fetched.error:
        results.append(failed("spf.present", f"cannot read TXT at {domain}: {fetched.error}"))
        results += [skipped(i, "no SPF record could be read") for i in ids]
    elif not fetched.records:
        results.append(
            failed(
                "spf.present",
                f"no v=spf1 TXT record at {domain} (found {len(fetched.lookup.values)} other "
                f'TXT); expected exactly one, e.g. "{_expected_spf(target)}" '
                "(RFC 7208 section 4.5)",
            )
        )
        results += [skipped(i, "no SPF record to check") for i in ids]
    elif len(fetched.records) > 1:
        listed = " | ".join(fetched.records)
        results.append(
            failed(
                "spf.present",
                f"{len(fetched.records)} v=spf1 records at {domain}: {listed}; "
                "RFC 7208 section 4.5 makes that a permerror, merge them into one",
            )
        )
        results += [skipped(i, "ambiguous: more than one SPF record") for i in ids]
    else:
        text = fetched.records[0]
        results.append(passed("spf.present", f"{domain}: {text}"))
        results += await _spf_record_checks(resolver, domain, text)
    results.append(
        await _authorizes(
            resolver, "spf.authorizes_sender", domain, target, sender_ips, sender_error
        )
    )
    return results


async def _spf_record_checks(resolver: Resolver, domain: str, text: str) -> list[CheckResult]:
    try:
        record = parse_spf(text)
    except SpfSyntaxError as error:
        return [
            failed("spf.syntax", f"invalid SPF terms (RFC 7208 section 12): {error}"),
            skipped("spf.lookup_limit", "record does not parse"),
            skipped("spf.void_lookups", "record does not parse"),
            skipped("spf.all", "record does not parse"),
        ]
    analysis = await spf.analyse(resolver, domain, record)
    results: list[CheckResult] = []
    if analysis.problems:
        results.append(failed("spf.syntax", "; ".join(analysis.problems + analysis.warnings)))
    elif analysis.warnings:
        results.append(warned("spf.syntax", "valid syntax, but " + "; ".join(analysis.warnings)))
    else:
        followed = f" (followed {', '.join(analysis.included)})" if analysis.included else ""
        results.append(passed("spf.syntax", f"every term is valid RFC 7208 syntax{followed}"))
    shown = analysis.lookup_terms[:_TERMS_SHOWN]
    terms = ", ".join(shown)
    if len(analysis.lookup_terms) > len(shown):
        terms += f", ... ({len(analysis.lookup_terms) - len(shown)} more terms)"
    if analysis.lookups > spf.LOOKUP_LIMIT:
        results.append(
            failed(
                "spf.lookup_limit",
                f"{analysis.lookups} DNS-querying terms, more than the {spf.LOOKUP_LIMIT} "
                f"RFC 7208 section 4.6.4 allows (permerror at receivers): {terms}",
            )
        )
    elif analysis.limit_problems:
        results.append(failed("spf.lookup_limit", "; ".join(analysis.limit_problems)))
    elif analysis.dns_errors:
        results.append(
            failed(
                "spf.lookup_limit",
                f"at least {analysis.lookups} of {spf.LOOKUP_LIMIT} DNS lookups, but not every "
                "include could be read, so receivers get a temperror (RFC 7208 section 4.4): "
                + "; ".join(analysis.dns_errors),
            )
        )
    else:
        results.append(
            passed("spf.lookup_limit", f"{analysis.lookups} of {spf.LOOKUP_LIMIT} DNS lookups used")
        )
    if analysis.void_lookups > spf.VOID_LIMIT:
        results.append(
            failed(
                "spf.void_lookups",
                f"{analysis.void_lookups} lookups return no data, more than the "
                f"{spf.VOID_LIMIT} RFC 7208 section 4.6.4 allows: {', '.join(analysis.void_terms)}",
            )
        )
    elif analysis.void_lookups:
        results.append(
            warned(
                "spf.void_lookups",
                f"{analysis.void_lookups} void lookup(s) (limit {spf.VOID_LIMIT}): "
                f"{', '.join(analysis.void_terms)}",
            )
        )
    else:
        results.append(passed("spf.void_lookups", "no lookup returns an empty answer"))
    results.append(_all_check(record))
    return results


def _all_check(record: SpfRecord) -> CheckResult:
    qualifier = record.all_qualifier
    if qualifier is None:
        if record.redirect:
            return passed("spf.all", f"no 'all': the policy comes from redirect={record.redirect}")
        return failed(
            "spf.all",
            "the record does not end in -all or ~all and has no redirect=, so unlisted "
            "senders get neutral (RFC 7208 section 4.7); end it with -all (or ~all while testing)",
        )
    term = {"+": "+all", "-": "-all", "~": "~all", "?": "?all"}[qualifier]
    if qualifier in "-~":
        return passed("spf.all", f"ends in {term}")
    meaning = "authorizes every host" if qualifier == "+" else "asserts nothing"
    return failed(
        "spf.all",
        f"ends in {term}, which {meaning} (RFC 7208 section 8); use -all (or ~all while testing)",
    )


def _expected_spf(target: DomainTarget) -> str:
    if target.sends_via_ses:
        return f"v=spf1 include:{SES_SPF_DOMAIN} -all"
    terms = " ".join(f"ip{relay.ip.version}:{relay.ip}" for relay in target.relays)
    return f"v=spf1 {terms or 'ip4:<relay IP>'} -all"


async def sender_addresses(
    resolver: Resolver, target: DomainTarget
) -> tuple[list[spf.IpAddress], str]:
    """IPs that stand for the sender in SPF evaluations: the relays, or samples of SES's ranges.

    A relay with SES as its smarthost hands every message to SES, so SES's addresses are
    the ones receivers see.
    """
    if not target.sends_via_ses:
        if not target.relays:
            return [], "no relay IP given (--relay-ip or relayIps in the outputs)"
        return [relay.ip for relay in target.relays], ""
    fetched = await spf.fetch_spf(resolver, SES_SPF_DOMAIN)
    if fetched.error or len(fetched.records) != 1:
        return [], f"cannot read the SES sender ranges from {SES_SPF_DOMAIN}: " + (
            fetched.error or f"{len(fetched.records)} SPF records"
        )
    try:
        record = parse_spf(fetched.records[0])
    except SpfSyntaxError as error:
        return [], f"{SES_SPF_DOMAIN} SPF does not parse: {error}"
    addresses = [
        m.network.network_address
        for m in record.directives
        if m.network is not None and m.qualifier == "+"
    ][:_SES_SAMPLE]
    if not addresses:
        return [], f"{SES_SPF_DOMAIN} SPF lists no ip4/ip6 ranges"
    return addresses, ""


async def _authorizes(
    resolver: Resolver,
    check: str,
    domain: str,
    target: DomainTarget,
    ips: Sequence[spf.IpAddress],
    sender_error: str,
) -> CheckResult:
    if not ips:
        return failed(check, f"cannot evaluate {domain}: {sender_error}")
    who = "SES" if target.sends_via_ses else "relay"
    outcomes = []
    for ip in ips:
        evaluation = await spf.check_host(resolver, ip, domain, f"postmaster@{domain}")
        outcomes.append((ip, evaluation))
    bad = [(ip, e) for ip, e in outcomes if e.result != "pass"]
    if bad:
        lines = "; ".join(f"{who} {ip}: {e.result} ({e.reason})" for ip, e in bad)
        hint = " (include:amazonses.com)" if target.sends_via_ses else " (ip4:/ip6: of each relay)"
        return failed(check, f"SPF of {domain} does not authorize the sender{hint}: {lines}")
    listed = ", ".join(str(ip) for ip, _ in outcomes)
    return passed(check, f"check_host() = pass for {who} {listed} at {domain}")


# --- DKIM ----------------------------------------------------------------------------------


async def dkim_checks(resolver: Resolver, target: DomainTarget) -> list[CheckResult]:
    ids = ("dkim.selector_published", "dkim.key_valid", "dkim.key_strength")
    if not target.dkim_selectors:
        return [
            skipped(i, "no DKIM selector given (--dkim-selector or dkimSelectors)") for i in ids
        ]
    per_check: dict[str, list[CheckResult]] = {i: [] for i in ids}
    for selector in target.dkim_selectors:
        name = f"{selector}._domainkey.{target.domain}"
        lookup = await resolver.lookup(name, "TXT")
        via = f" via {' -> '.join(lookup.cname_chain)}" if lookup.cname_chain else ""
        keys = [v for v in lookup.values if dkim.is_dkim_key(v)]
        if not lookup.ok or not keys:
            reason = (
                lookup.describe()
                if not lookup.ok
                else f"{name}{via} has TXT but no DKIM key record; expected "
                '"v=DKIM1; k=rsa; p=<base64 key>" (RFC 6376 section 3.6.1)'
            )
            per_check[ids[0]].append(failed(ids[0], f"selector {selector}: {reason}"))
            per_check[ids[1]].append(skipped(ids[1], f"selector {selector}: no key record"))
            per_check[ids[2]].append(skipped(ids[2], f"selector {selector}: no key record"))
            continue
        if len(keys) > 1:
            per_check[ids[0]].append(
                failed(
                    ids[0],
                    f"selector {selector}: {len(keys)} key records at {name}{via}; expected "
                    "one (RFC 6376 section 3.6.2.2: verifiers may use any of them)",
                )
            )
        else:
            per_check[ids[0]].append(passed(ids[0], f"selector {selector}: {name}{via}"))
        try:
            key = dkim.parse_key_record(keys[0])
        except dkim.DkimKeyError as error:
            per_check[ids[1]].append(failed(ids[1], f"selector {selector}: {error}"))
            per_check[ids[2]].append(skipped(ids[2], f"selector {selector}: key does not load"))
            continue
        if key.revoked:
            per_check[ids[1]].append(failed(ids[1], f"selector {selector}: key revoked (empty p=)"))
            per_check[ids[2]].append(skipped(ids[2], f"selector {selector}: key revoked"))
            continue
        valid = f"selector {selector}: valid {key.key_type} public key"
        if key.strict:
            valid += " (t=s: the i= domain of signatures must equal d=)"
        if key.testing:
            per_check[ids[1]].append(
                warned(
                    ids[1],
                    f"{valid}, but t=y marks it as testing: verifiers must treat signed mail "
                    "like unsigned mail (RFC 6376 section 3.6.1); remove t=y once signing works",
                )
            )
        else:
            per_check[ids[1]].append(passed(ids[1], valid))
        per_check[ids[2]].append(_strength(selector, key))
    return [_fold(check, per_check[check]) for check in ids]


def _strength(selector: str, key: dkim.DkimKey) -> CheckResult:
    check = "dkim.key_strength"
    if key.key_type == "ed25519":
        return passed(check, f"selector {selector}: Ed25519")
    if key.bits >= 2048:
        return passed(check, f"selector {selector}: RSA {key.bits} bits")
    if key.bits >= 1024:
        return warned(check, f"selector {selector}: RSA {key.bits} bits; use 2048 or more")
    return failed(
        check, f"selector {selector}: RSA {key.bits} bits is breakable; RFC 8301 requires 1024+"
    )


def _fold(check: str, results: list[CheckResult]) -> CheckResult:
    status = worst(r.status for r in results)
    return CheckResult(check, status, "; ".join(r.detail for r in results))


# --- DMARC ---------------------------------------------------------------------------------


async def dmarc_checks(resolver: Resolver, target: DomainTarget, strict: bool) -> list[CheckResult]:
    domain = target.domain
    found = await dmarc.discover(resolver, domain)
    ids = ("dmarc.syntax", "dmarc.policy", "dmarc.rua_authorized")
    if found.found_at is None:
        why = "; ".join(found.errors) if found.errors else "no record at _dmarc." + domain
        if found.malformed:
            at, text = found.malformed[0]
            why = (
                f"the TXT at _dmarc.{at} is not a DMARC record: {text!r} (it must begin "
                f"'v=DMARC1;' with tags separated by ';', RFC 9989 section 4.7); {why}"
            )
        walked = ", ".join("_dmarc." + t for t in dmarc.walk_targets(domain))
        expected = f'expected one TXT "v=DMARC1; p=reject; rua=mailto:..." at _dmarc.{domain}'
        return [
            failed(
                "dmarc.present",
                f"no DMARC record found: {why} (queried {walked}); {expected} (RFC 9989)",
            )
        ] + [skipped(i, "no DMARC record") for i in ids]
    where = f"_dmarc.{found.found_at}"
    if len(found.records) > 1:
        return [
            failed(
                "dmarc.present",
                f"{len(found.records)} DMARC records at {where}: {' | '.join(found.records)}; "
                "receivers then apply no policy at all (RFC 9989 section 4.10): keep one",
            )
        ] + [skipped(i, "ambiguous: more than one DMARC record") for i in ids]
    text = found.records[0]
    if found.at_domain:
        present = passed("dmarc.present", f"{where}: {text}")
    else:
        present = warned(
            "dmarc.present",
            f"no record at _dmarc.{domain}; the RFC 9989 tree walk found {where}: {text}",
        )
    record = dmarc.parse_dmarc(text)
    if record.errors:
        syntax = failed("dmarc.syntax", "; ".join(record.errors + record.warnings))
    elif record.warnings:
        syntax = warned("dmarc.syntax", "; ".join(record.warnings))
    else:
        syntax = passed("dmarc.syntax", "all tags valid per RFC 9989")
    return [
        present,
        syntax,
        _policy(record, found, strict),
        await _rua_authorized(resolver, record, found.found_at),
    ]


def _policy(record: dmarc.DmarcRecord, found: dmarc.DmarcDiscovery, strict: bool) -> CheckResult:
    check = "dmarc.policy"
    tag = "p" if found.at_domain else ("sp" if "sp" in record.tags else "p")
    policy = record.tags.get(tag, "none" if "rua" in record.tags else "").lower()
    if policy not in dmarc.POLICIES:
        return failed(
            check,
            f"no valid policy ({tag}={policy or 'missing'}); expected {tag}= one of "
            f"{', '.join(dmarc.POLICIES)} (RFC 9989 section 4.7)",
        )
    testing = record.tags.get("t", "n").lower() == "y"
    if policy == "none":
        detail = f"{tag}=none only monitors; receivers do not act on failing mail"
        return failed(check, detail + " (--strict)") if strict else warned(check, detail)
    if testing:
        detail = f"{tag}={policy} but t=y (testing): receivers apply one step less"
        return failed(check, detail + " (--strict)") if strict else warned(check, detail)
    return passed(check, f"{tag}={policy}")


async def _rua_authorized(
    resolver: Resolver, record: dmarc.DmarcRecord, policy_domain: str
) -> CheckResult:
    check = "dmarc.rua_authorized"
    uris = record.report_uris()
    if not uris:
        return warned(check, "no rua= address: you will receive no aggregate reports")
    problems: list[str] = []
    notes: list[str] = []
    for uri in uris:
        report_domain = dmarc.mailto_domain(uri)
        if report_domain is None:
            problems.append(f"{uri} is not a mailto: URI")
            continue
        if await _same_organization(resolver, policy_domain, report_domain):
            notes.append(f"{report_domain} (same organization)")
            continue
        name = dmarc.report_authorization_name(policy_domain, report_domain)
        lookup = await resolver.lookup(name, "TXT")
        if any(dmarc.is_dmarc(v) for v in lookup.values):
            notes.append(f"{report_domain} (authorized by {name})")
        else:
            problems.append(
                f"{report_domain} has not authorized reports for {policy_domain}: "
                f'publish TXT "v=DMARC1" at {name} ({lookup.describe()})'
            )
    if problems:
        return failed(check, "; ".join(problems))
    return passed(check, "report addresses accepted: " + ", ".join(notes))


async def _same_organization(resolver: Resolver, first: str, second: str) -> bool:
    """Same Organizational Domain, found by the tree walk (the topmost name with a DMARC record)."""
    if is_within(first, second) or is_within(second, first):
        return True
    return await _organizational(resolver, first) == await _organizational(resolver, second)


async def _organizational(resolver: Resolver, domain: str) -> str:
    """RFC 9989 section 4.10.1: psd=n marks it, psd=y marks the name one label below it,
    otherwise the record with the fewest labels; without any record, the domain itself."""
    names = dmarc.walk_targets(domain)
    organizational = domain.rstrip(".").lower()
    for index, name in enumerate(names):
        lookup = await resolver.lookup(f"_dmarc.{name}", "TXT")
        records = [dmarc.parse_dmarc(v) for v in lookup.values if dmarc.is_dmarc(v)]
        if len(records) != 1:
            continue
        psd = records[0].tags.get("psd", "").lower()
        if psd == "n":
            return name
        if psd == "y" and index > 0:
            return _one_label_below(domain, name)
        if "." in name:  # a top-level domain is never an Organizational Domain
            organizational = name
    return organizational


def _one_label_below(domain: str, parent: str) -> str:
    labels = domain.rstrip(".").lower().split(".")
    return ".".join(labels[-(len(parent.split(".")) + 1) :])


# --- MAIL FROM -----------------------------------------------------------------------------


async def mail_from_checks(
    resolver: Resolver,
    target: DomainTarget,
    sender_ips: Sequence[spf.IpAddress],
    sender_error: str,
) -> list[CheckResult]:
    if target.mail_from is None:
        reason = "no MAIL FROM domain given (--mail-from or mailFrom)"
        return [skipped("mailfrom.mx", reason), skipped("mailfrom.spf", reason)]
    name = target.mail_from
    mx = await resolver.lookup(name, "MX")
    if not mx.ok:
        mx_result = await _implicit_mx(resolver, target, mx.describe())
    elif target.sends_via_ses:
        hosts = [v.split()[-1] for v in mx.values]
        expected = f"feedback-smtp.{target.region}.amazonses.com" if target.region else None
        good = [
            h
            for h in hosts
            if (
                h == expected
                if expected
                else h.startswith("feedback-smtp.") and h.endswith(".amazonses.com")
            )
        ]
        if good:
            mx_result = passed("mailfrom.mx", f"{name} MX {', '.join(mx.values)}")
        else:
            want = expected or "feedback-smtp.<region>.amazonses.com"
            mx_result = failed(
                "mailfrom.mx",
                f"{name} MX is {', '.join(mx.values)}; SES needs 10 {want} to accept bounces",
            )
    else:
        mx_result = passed("mailfrom.mx", f"{name} MX {', '.join(mx.values)}")
    fetched = await spf.fetch_spf(resolver, name)
    if not fetched.records and not fetched.error:
        spf_result = failed(
            "mailfrom.spf",
            f"no v=spf1 record at the MAIL FROM domain {name}: {fetched.lookup.describe()}; "
            f"receivers check SPF for this domain (RFC 7208 section 2.4), expected e.g. "
            f'"{_expected_spf(target)}"',
        )
    else:
        spf_result = await _authorizes(
            resolver, "mailfrom.spf", name, target, sender_ips, sender_error
        )
    return [mx_result, spf_result]


async def _implicit_mx(resolver: Resolver, target: DomainTarget, why: str) -> CheckResult:
    """No MX: SES needs one; others fall back to the address records (RFC 5321 section 5.1)."""
    name = target.mail_from or target.domain
    if not target.sends_via_ses:
        for rdtype in ("A", "AAAA"):
            address = await resolver.lookup(name, rdtype)
            if address.ok:
                return warned(
                    "mailfrom.mx",
                    f"no MX at {name}; bounces rely on the implicit MX ({rdtype} "
                    f"{', '.join(address.values)}, RFC 5321 section 5.1): publish an MX",
                )
    if target.sends_via_ses:
        region = target.region or "<region>"
        expected = f"expected MX 10 feedback-smtp.{region}.amazonses.com (SES custom MAIL FROM)"
    else:
        expected = "expected an MX naming a host that accepts its bounces (RFC 5321 section 5.1)"
    return failed(
        "mailfrom.mx",
        f"no MX for the MAIL FROM domain ({why}); bounces to {name} cannot be delivered; "
        + expected,
    )


# --- drift ---------------------------------------------------------------------------------


async def records_match(resolver: Resolver, records: Sequence[DnsRecord]) -> CheckResult:
    check = "dns.records_match"
    if not records:
        return skipped(check, "no expected records (pass --outputs to compare with the stack)")
    # Two outputs at one name and type (an SPF and another TXT) are one live record set.
    wanted: dict[tuple[str, str], set[str]] = {}
    for record in records:
        values = wanted.setdefault((record.name, record.type), set())
        values.update(_canonical(record.type, v) for v in record.values)
    problems: list[str] = []
    foreign = 0
    for (name, rdtype), expected in wanted.items():
        lookup = await resolver.lookup(name, rdtype)
        if lookup.failed:
            problems.append(f"{name} {rdtype}: {lookup.describe()}")
            continue
        if lookup.void:
            problems.append(f"{lookup.describe()}; expected {sorted(expected)}")
            continue
        if rdtype != "CNAME" and lookup.cname_chain:
            # A CNAME answers for the name, so the expected record itself is not live.
            live = {f"CNAME {lookup.cname_chain[0]}"}
        else:
            live = {_canonical(rdtype, v) for v in lookup.values}
        if rdtype == "TXT":
            # Other TXT at a shared name (site verifications, other senders' keys) belong
            # to someone else; only values of the kinds the stack publishes can drift.
            kinds = {_txt_kind(v) for v in expected}
            if None not in kinds:
                owned = {v for v in live if _txt_kind(v) in kinds}
                foreign += len(live - owned)
                live = owned
        if live != expected:
            missing = sorted(expected - live)
            extra = sorted(live - expected)
            parts = []
            if missing:
                parts.append(f"missing {missing}")
            if extra:
                parts.append(f"unexpected {extra}")
            problems.append(f"{name} {rdtype}: {', '.join(parts)}")
    if problems:
        return failed(
            check,
            f"{len(problems)} of {len(wanted)} record sets differ from the stack outputs: "
            + "; ".join(problems),
        )
    others = (
        f" ({foreign} other TXT value(s) not managed by the stack left alone)" if foreign else ""
    )
    return passed(
        check, f"all {len(wanted)} expected records are live with the expected values{others}"
    )


def _txt_kind(value: str) -> str | None:
    """The version tag a TXT value starts with (`v=spf1`, `v=dmarc1`, ...), if any."""
    match = re.match(r"\s*v\s*=\s*([A-Za-z0-9]+)", value)
    return match.group(1).lower() if match else None


def _canonical(rdtype: str, value: str) -> str:
    value = value.strip()
    if rdtype in ("A", "AAAA"):
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            return value
    if rdtype == "MX":
        parts = value.split()
        if len(parts) == 2 and parts[0].isdigit():
            return f"{int(parts[0])} {parts[1].rstrip('.').lower()}"
    if rdtype == "CNAME":
        return value.rstrip(".").lower()
    return value
