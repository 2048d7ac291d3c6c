"""check_host() (RFC 7208 section 4) over DNS, with the section 4.6.4 processing limits.

One `_Budget` is shared by the whole evaluation, nested includes and redirects
included, so however the include graph is shaped (loops, diamonds, fan-out) at most
10 DNS-querying terms are evaluated before the result is `permerror`, exactly as a
receiver stops.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from checks.resolver import Lookup, Resolver
from checks.spf_syntax import (
    MacroContext,
    Mechanism,
    SpfMacroError,
    SpfSyntaxError,
    domain_problem,
    expand_macros,
    is_spf,
    parse_spf,
    truncate_name,
)

LOOKUP_LIMIT = 10
VOID_LIMIT = 2
# Address lookups allowed per mx, and PTR names considered per ptr (RFC 7208 section 4.6.4).
NAMES_PER_TERM = 10

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


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
            raise _PermError(
                f"more than {LOOKUP_LIMIT} DNS-querying terms (RFC 7208 section 4.6.4)"
            )

    def void(self, lookup: Lookup) -> None:
        if lookup.void:
            self.voids += 1
            if self.voids > VOID_LIMIT:
                raise _PermError(f"more than {VOID_LIMIT} void lookups (RFC 7208 section 4.6.4)")


@dataclass(frozen=True)
class Evaluation:
    result: str  # pass | fail | softfail | neutral | none | permerror | temperror
    reason: str


@dataclass
class _State:
    resolver: Resolver
    ip: IpAddress
    sender: str
    helo: str
    budget: _Budget
    validated: str | None = None  # the %{p} value, looked up once when a macro needs it


async def check_host(
    resolver: Resolver, ip: IpAddress, domain: str, sender: str, helo: str = ""
) -> Evaluation:
    """The RFC 7208 check_host() result for a message from `ip` with MAIL FROM `sender`."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        # RFC 7208 section 5: an IPv4-mapped IPv6 client is an IPv4 client.
        ip = ip.ipv4_mapped
    domain = domain.rstrip(".").lower()
    problem = domain_problem(domain)
    if problem:
        # Section 4.3: a malformed domain is not looked up at all.
        return Evaluation("none", f"{domain!r} is not a valid domain name: {problem}")
    state = _State(resolver, ip, sender, helo, _Budget())
    try:
        return await _check(state, domain)
    except _PermError as error:
        return Evaluation("permerror", str(error))
    except _TempError as error:
        return Evaluation("temperror", str(error))


_RESULTS = {"+": "pass", "-": "fail", "~": "softfail", "?": "neutral"}


async def _check(state: _State, domain: str) -> Evaluation:
    lookup = await state.resolver.lookup(domain, "TXT")
    if lookup.failed:
        raise _TempError(lookup.describe())
    records = [value for value in lookup.values if is_spf(value)]
    if not records:
        return Evaluation("none", f"{domain} publishes no SPF record")
    if len(records) > 1:
        raise _PermError(f"{domain} publishes {len(records)} SPF records")
    try:
        record = parse_spf(records[0])
    except SpfSyntaxError as error:
        raise _PermError(f"{domain}: {error}") from None
    context = MacroContext(sender=state.sender, domain=domain, ip=state.ip, helo=state.helo)
    for mechanism in record.directives:
        if await _matches(state, mechanism, domain, context):
            return Evaluation(
                _RESULTS[mechanism.qualifier], f"{state.ip} matched {mechanism.text} in {domain}"
            )
    if record.redirect is not None:
        state.budget.spend()
        target = await _expand(state, record.redirect, context)
        result = await _check(state, target) if target else Evaluation("none", "empty")
        if result.result == "none":
            raise _PermError(f"redirect={target} has no SPF record")
        return result
    return Evaluation("neutral", f"{state.ip} matched no mechanism in {domain} (default ?all)")


async def _expand(state: _State, spec: str, context: MacroContext) -> str:
    if "%{p" in spec.lower() and state.validated is None:
        state.validated = await _validated_name(state, context.domain)
    if state.validated is not None:
        context = MacroContext(
            context.sender, context.domain, context.ip, context.helo, state.validated
        )
    try:
        target = expand_macros(spec, context)
    except SpfMacroError as error:
        raise _PermError(f"{spec[:80]!r}: {error}") from None
    target = truncate_name(target.rstrip(".").lower())
    if domain_problem(target):
        # An invalid expansion (an empty label, say) matches nothing (section 4.8).
        return ""
    return target


async def _matches(state: _State, mechanism: Mechanism, domain: str, context: MacroContext) -> bool:
    kind = mechanism.kind
    ip = state.ip
    if kind == "all":
        return True
    if kind in ("ip4", "ip6"):
        return mechanism.network is not None and ip in mechanism.network
    state.budget.spend()
    target = domain
    if mechanism.domain_spec:
        target = await _expand(state, mechanism.domain_spec, context)
    if not target:
        return False
    if kind == "include":
        result = await _check(state, target)
        if result.result == "pass":
            return True
        if result.result == "temperror":
            raise _TempError(result.reason)
        if result.result in ("permerror", "none"):
            raise _PermError(f"include:{target}: {result.reason}")
        return False
    if kind == "a":
        return await _address_match(state, target, mechanism)
    if kind == "mx":
        mx = await state.resolver.lookup(target, "MX")
        _raise_temp(mx)
        state.budget.void(mx)
        hosts = [value.split()[-1] for value in mx.values]
        if len(hosts) > NAMES_PER_TERM:
            raise _PermError(f"mx:{target} has more than {NAMES_PER_TERM} MX hosts")
        for host in hosts:
            if await _address_match(state, host, mechanism, count_void=False):
                return True
        return False
    if kind == "exists":
        exists = await state.resolver.lookup(target, "A")
        _raise_temp(exists)
        state.budget.void(exists)
        return exists.ok
    if kind == "ptr":
        return await _ptr_match(state, target)
    return False


async def _address_match(
    state: _State, host: str, mechanism: Mechanism, count_void: bool = True
) -> bool:
    ip = state.ip
    rdtype = "A" if ip.version == 4 else "AAAA"
    prefix = mechanism.cidr4 if ip.version == 4 else mechanism.cidr6
    if prefix is None:
        prefix = 32 if ip.version == 4 else 128
    result = await state.resolver.lookup(host, rdtype)
    _raise_temp(result)
    if count_void:
        state.budget.void(result)
    for value in result.values:
        try:
            network = ipaddress.ip_network(f"{value}/{prefix}", strict=False)
        except ValueError:
            continue
        if ip in network:
            return True
    return False


async def _validated_names(state: _State) -> list[str]:
    """PTR names of the client that resolve back to it (RFC 7208 section 5.5), at most 10."""
    ip = state.ip
    ptr = await state.resolver.lookup(ip.reverse_pointer, "PTR")
    if ptr.failed:
        return []
    names: list[str] = []
    for name in ptr.values[:NAMES_PER_TERM]:
        forward = await state.resolver.lookup(name, "A" if ip.version == 4 else "AAAA")
        if any(_same_ip(value, ip) for value in forward.values):
            names.append(name.rstrip(".").lower())
    return names


def _same_ip(value: str, ip: IpAddress) -> bool:
    try:
        return ipaddress.ip_address(value) == ip
    except ValueError:
        return False


def _within(name: str, domain: str) -> bool:
    return name == domain or name.endswith("." + domain)


async def _validated_name(state: _State, domain: str) -> str:
    names = await _validated_names(state)
    preferred = [n for n in names if _within(n, domain)]
    return (preferred or names or ["unknown"])[0]


async def _ptr_match(state: _State, target: str) -> bool:
    return any(_within(name, target) for name in await _validated_names(state))


def _raise_temp(lookup: Lookup) -> None:
    if lookup.failed:
        raise _TempError(lookup.describe())
