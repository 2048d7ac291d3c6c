"""SPF over DNS: fetch a domain's record, count lookups recursively, evaluate check_host()."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from checks.resolver import Lookup, Resolver
from checks.spf_syntax import (
    LOOKUP_MECHANISMS,
    MacroContext,
    Mechanism,
    SpfRecord,
    SpfSyntaxError,
    expand_macros,
    has_macro,
    is_spf,
    parse_spf,
)

LOOKUP_LIMIT = 10
VOID_LIMIT = 2
# An SPF tree deeper than this is a loop or abuse; evaluation stops there.
MAX_DEPTH = 20

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class SpfFetch:
    """The SPF records published at one name, or why none could be read."""

    domain: str
    records: tuple[str, ...]
    lookup: Lookup

    @property
    def error(self) -> str | None:
        return self.lookup.describe() if self.lookup.failed else None


async def fetch_spf(resolver: Resolver, domain: str) -> SpfFetch:
    lookup = await resolver.lookup(domain, "TXT")
    records = tuple(value for value in lookup.values if is_spf(value))
    return SpfFetch(domain, records, lookup)


@dataclass
class SpfAnalysis:
    """Static analysis of a domain's SPF tree (every include and redirect followed)."""

    domain: str
    lookups: int = 0
    void_lookups: int = 0
    lookup_terms: list[str] = field(default_factory=list)
    void_terms: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    included: list[str] = field(default_factory=list)
    # Terms that exceed a per-mechanism limit (RFC 7208 section 4.6.4): permerror.
    limit_problems: list[str] = field(default_factory=list)
    # Valid but ineffective or discouraged terms in the domain's own record.
    warnings: list[str] = field(default_factory=list)
    # Included records that could not be read: the count below them is unknown.
    dns_errors: list[str] = field(default_factory=list)


async def analyse(resolver: Resolver, domain: str, record: SpfRecord) -> SpfAnalysis:
    """Count DNS-querying terms and void lookups through include/redirect, recursively."""
    analysis = SpfAnalysis(domain)
    analysis.warnings = record_warnings(record)
    await _walk(resolver, domain, record, analysis, path=(domain,))
    return analysis


def record_warnings(record: SpfRecord) -> list[str]:
    """Terms a receiver ignores or that RFC 7208 discourages, each with the rule."""
    warnings: list[str] = []
    kinds = [m.kind for m in record.directives]
    if "all" in kinds:
        after = [m.text for m in record.directives[kinds.index("all") + 1 :]]
        first_all = record.directives[kinds.index("all")].text
        if after:
            warnings.append(
                f"{', '.join(after)} after {first_all} is never evaluated "
                "(RFC 7208 section 5.1): move it before the all"
            )
        if record.redirect is not None:
            warnings.append(
                f"redirect={record.redirect} is ignored because the record has {first_all} "
                "(RFC 7208 section 6.1): remove one of them"
            )
    if "ptr" in kinds:
        warnings.append(
            "the ptr mechanism SHOULD NOT be used (RFC 7208 section 5.5): it is slow, "
            "unreliable and some receivers skip it; list ip4:/ip6: ranges instead"
        )
    return warnings


async def _walk(
    resolver: Resolver,
    domain: str,
    record: SpfRecord,
    analysis: SpfAnalysis,
    path: tuple[str, ...],
) -> None:
    terms: list[tuple[str, Mechanism | None, str]] = [
        (m.kind, m, m.domain_spec or domain)
        for m in record.directives
        if m.kind in LOOKUP_MECHANISMS
    ]
    if record.redirect is not None and record.all_qualifier is None:
        terms.append(("redirect", None, record.redirect))
    for kind, mechanism, target in terms:
        label = f"{domain}: {mechanism.text if mechanism else 'redirect=' + target}"
        analysis.lookups += 1
        analysis.lookup_terms.append(label)
        if has_macro(target):
            continue  # depends on the message; counted, but cannot be followed statically
        target = target.rstrip(".").lower()
        if kind in ("include", "redirect"):
            if target in path:
                analysis.problems.append(f"{label}: loops back to {target}")
                continue
            if len(path) >= MAX_DEPTH:
                analysis.problems.append(f"{label}: nesting deeper than {MAX_DEPTH} levels")
                continue
            fetched = await fetch_spf(resolver, target)
            if fetched.lookup.void:
                analysis.void_lookups += 1
                analysis.void_terms.append(label)
            if fetched.error:
                analysis.dns_errors.append(f"{label}: {fetched.error}")
                continue
            if len(fetched.records) != 1:
                found = "no SPF record" if not fetched.records else "more than one SPF record"
                analysis.problems.append(
                    f"{label}: {target} has {found} (permerror, RFC 7208 section 5.2)"
                )
                continue
            try:
                child = parse_spf(fetched.records[0])
            except SpfSyntaxError as error:
                analysis.problems.append(f"{label}: {target} has invalid SPF: {error}")
                continue
            analysis.included.append(target)
            await _walk(resolver, target, child, analysis, (*path, target))
        elif kind == "a":
            results = [await resolver.lookup(target, t) for t in ("A", "AAAA")]
            if all(r.void for r in results):
                analysis.void_lookups += 1
                analysis.void_terms.append(label)
        elif kind == "mx":
            mx = await resolver.lookup(target, "MX")
            if mx.void:
                analysis.void_lookups += 1
                analysis.void_terms.append(label)
            if len(mx.values) > LOOKUP_LIMIT:
                analysis.limit_problems.append(
                    f"{label}: {target} has {len(mx.values)} MX hosts; RFC 7208 section 4.6.4 "
                    f"allows at most {LOOKUP_LIMIT} address lookups per mx (permerror)"
                )
        elif kind == "exists":
            result = await resolver.lookup(target, "A")
            if result.void:
                analysis.void_lookups += 1
                analysis.void_terms.append(label)


# --- check_host() evaluation (RFC 7208 section 4) -------------------------------------------


class _PermError(Exception):
    pass


class _TempError(Exception):
    pass


@dataclass
class _Budget:
    lookups: int = 0
    voids: int = 0

    def spend(self) -> None:
        self.lookups += 1
        if self.lookups > LOOKUP_LIMIT:
            raise _PermError(f"more than {LOOKUP_LIMIT} DNS-querying terms")

    def void(self, lookup: Lookup) -> None:
        if lookup.void:
            self.voids += 1
            if self.voids > VOID_LIMIT:
                raise _PermError(f"more than {VOID_LIMIT} void lookups")


@dataclass(frozen=True)
class Evaluation:
    result: str  # pass | fail | softfail | neutral | none | permerror | temperror
    reason: str


async def check_host(resolver: Resolver, ip: IpAddress, domain: str, sender: str) -> Evaluation:
    """The RFC 7208 check_host() result for a message from `ip` with MAIL FROM `sender`."""
    budget = _Budget()
    try:
        return await _check(resolver, ip, domain.rstrip(".").lower(), sender, budget, 0)
    except _PermError as error:
        return Evaluation("permerror", str(error))
    except _TempError as error:
        return Evaluation("temperror", str(error))


_RESULTS = {"+": "pass", "-": "fail", "~": "softfail", "?": "neutral"}


async def _check(
    resolver: Resolver, ip: IpAddress, domain: str, sender: str, budget: _Budget, depth: int
) -> Evaluation:
    if depth > MAX_DEPTH:
        raise _PermError(f"include/redirect nesting deeper than {MAX_DEPTH}")
    fetched = await fetch_spf(resolver, domain)
    if fetched.error:
        raise _TempError(fetched.error)
    if not fetched.records:
        return Evaluation("none", f"{domain} publishes no SPF record")
    if len(fetched.records) > 1:
        raise _PermError(f"{domain} publishes {len(fetched.records)} SPF records")
    try:
        record = parse_spf(fetched.records[0])
    except SpfSyntaxError as error:
        raise _PermError(f"{domain}: {error}") from None
    context = MacroContext(sender=sender, domain=domain, ip=ip)
    for mechanism in record.directives:
        if await _matches(resolver, mechanism, ip, domain, context, sender, budget, depth):
            return Evaluation(
                _RESULTS[mechanism.qualifier], f"{ip} matched {mechanism.text} in {domain}"
            )
    if record.redirect is not None:
        budget.spend()
        target = expand_macros(record.redirect, context).rstrip(".").lower()
        result = await _check(resolver, ip, target, sender, budget, depth + 1)
        if result.result == "none":
            raise _PermError(f"redirect={target} has no SPF record")
        return result
    return Evaluation("neutral", f"{ip} matched no mechanism in {domain} (default ?all)")


async def _matches(
    resolver: Resolver,
    mechanism: Mechanism,
    ip: IpAddress,
    domain: str,
    context: MacroContext,
    sender: str,
    budget: _Budget,
    depth: int,
) -> bool:
    kind = mechanism.kind
    if kind == "all":
        return True
    if kind in ("ip4", "ip6"):
        return mechanism.network is not None and ip in mechanism.network
    budget.spend()
    target = expand_macros(mechanism.domain_spec, context) if mechanism.domain_spec else domain
    target = target.rstrip(".").lower()
    if kind == "include":
        result = await _check(resolver, ip, target, sender, budget, depth + 1)
        if result.result == "pass":
            return True
        if result.result == "temperror":
            raise _TempError(result.reason)
        if result.result in ("permerror", "none"):
            raise _PermError(f"include:{target}: {result.reason}")
        return False
    if kind == "a":
        return await _address_match(resolver, target, ip, mechanism, budget)
    if kind == "mx":
        mx = await resolver.lookup(target, "MX")
        _raise_temp(mx)
        budget.void(mx)
        hosts = [value.split()[-1] for value in mx.values]
        if len(hosts) > LOOKUP_LIMIT:
            raise _PermError(f"mx:{target} has more than {LOOKUP_LIMIT} MX hosts")
        for host in hosts:
            if await _address_match(resolver, host, ip, mechanism, budget, count_void=False):
                return True
        return False
    if kind == "exists":
        exists = await resolver.lookup(target, "A")
        _raise_temp(exists)
        budget.void(exists)
        return exists.ok
    if kind == "ptr":
        return await _ptr_match(resolver, ip, target)
    return False


async def _address_match(
    resolver: Resolver,
    host: str,
    ip: IpAddress,
    mechanism: Mechanism,
    budget: _Budget,
    count_void: bool = True,
) -> bool:
    rdtype = "A" if ip.version == 4 else "AAAA"
    prefix = (mechanism.cidr4 if ip.version == 4 else mechanism.cidr6) or (
        32 if ip.version == 4 else 128
    )
    result = await resolver.lookup(host, rdtype)
    _raise_temp(result)
    if count_void:
        budget.void(result)
    for value in result.values:
        network = ipaddress.ip_network(f"{value}/{prefix}", strict=False)
        if ip in network:
            return True
    return False


async def _ptr_match(resolver: Resolver, ip: IpAddress, target: str) -> bool:
    ptr = await resolver.lookup(ip.reverse_pointer, "PTR")
    for name in ptr.values[:LOOKUP_LIMIT]:
        if name == target or name.endswith("." + target):
            forward = await resolver.lookup(name, "A" if ip.version == 4 else "AAAA")
            if str(ip) in forward.values:
                return True
    return False


def _raise_temp(lookup: Lookup) -> None:
    if lookup.failed:
        raise _TempError(lookup.describe())
