"""Asynchronous DNS lookups with a per-run cache and failures turned into plain words.

Every check asks this layer, never dnspython directly, so a name like
`amazonses.com` is fetched once per run however many domains include it, and
every DNS failure reaches the report as a sentence instead of an exception.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

import dns.asyncresolver
import dns.exception
import dns.message
import dns.name
import dns.nameserver
import dns.rcode
import dns.rdatatype
import dns.resolver

from checks.endpoint import parse_ip_port

DEFAULT_TIMEOUT = 3.0
DEFAULT_LIFETIME = 8.0
# Enough to keep 1,000 domains busy without exhausting file descriptors.
DEFAULT_CONCURRENCY = 200
MAX_CNAME_CHAIN = 16


class Outcome(Enum):
    ANSWER = "answer"
    NXDOMAIN = "nxdomain"
    NODATA = "nodata"
    ERROR = "error"


@dataclass(frozen=True)
class Lookup:
    """The result of one query: answers as text, or why there are none."""

    name: str
    rdtype: str
    outcome: Outcome
    values: tuple[str, ...] = ()
    error: str = ""
    # Names followed through CNAMEs to reach the answer, first to last.
    cname_chain: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.ANSWER

    @property
    def void(self) -> bool:
        """NXDOMAIN or an empty answer: a "void lookup" in RFC 7208 section 4.6.4 terms."""
        return self.outcome in (Outcome.NXDOMAIN, Outcome.NODATA)

    @property
    def failed(self) -> bool:
        return self.outcome is Outcome.ERROR

    def describe(self) -> str:
        """A sentence for a report detail."""
        where = f"{self.name} {self.rdtype}"
        if self.cname_chain and self.outcome is not Outcome.ANSWER:
            target = self.cname_chain[-1]
            where += f" (CNAME {' -> '.join(self.cname_chain)})"
            if self.outcome is Outcome.NXDOMAIN:
                return f"{where}: the CNAME target {target} does not exist (NXDOMAIN)"
            if self.outcome is Outcome.NODATA:
                return f"{where}: the CNAME target {target} has no {self.rdtype} record"
            if not self.error.startswith("CNAME"):
                return f"{where}: querying the CNAME target {target}: {self.error}"
        if self.outcome is Outcome.NXDOMAIN:
            return f"{where}: the name does not exist (NXDOMAIN)"
        if self.outcome is Outcome.NODATA:
            return f"{where}: the name exists but has no {self.rdtype} record"
        if self.outcome is Outcome.ERROR:
            return f"{where}: {self.error}"
        return f"{where}: {', '.join(self.values)}"


@dataclass(frozen=True)
class Nameserver:
    address: str
    port: int = 53

    def __str__(self) -> str:
        if ":" in self.address:
            return f"[{self.address}]:{self.port}"
        return f"{self.address}:{self.port}"


def parse_nameserver(text: str) -> Nameserver:
    """Parse `IP`, `IP:PORT`, `IPv6` or `[IPv6]:PORT`; raise ValueError saying what is allowed."""
    allowed = "expected IP or IP:PORT (IPv6 as [ADDR]:PORT), port 1-65535"
    address, port = parse_ip_port(text, "nameserver", 53, allowed)
    return Nameserver(str(address), port)


@dataclass
class Resolver:
    """Cached, concurrent DNS lookups for one verification run."""

    nameservers: Sequence[Nameserver] = ()
    timeout: float = DEFAULT_TIMEOUT
    lifetime: float = DEFAULT_LIFETIME
    concurrency: int = DEFAULT_CONCURRENCY
    queries_sent: int = 0
    # How often each (name, type) went to the wire: a cached name stays at 1 per run.
    query_counts: dict[tuple[str, str], int] = field(default_factory=dict)
    _cache: dict[tuple[str, str], asyncio.Task[Lookup]] = field(default_factory=dict)
    _resolver: dns.asyncresolver.Resolver | None = None
    _semaphore: asyncio.Semaphore | None = None

    def _ensure(self) -> tuple[dns.asyncresolver.Resolver, asyncio.Semaphore]:
        if self._resolver is None:
            if self.nameservers:
                resolver = dns.asyncresolver.Resolver(configure=False)
                resolver.nameservers = [
                    dns.nameserver.Do53Nameserver(ns.address, ns.port) for ns in self.nameservers
                ]
            else:
                resolver = dns.asyncresolver.Resolver()
            resolver.timeout = self.timeout
            resolver.lifetime = self.lifetime
            resolver.use_edns(0, 0, 1232)
            self._resolver = resolver
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.concurrency)
        return self._resolver, self._semaphore

    def clear(self) -> None:
        """Forget every cached answer (used between `--wait` rounds)."""
        self._cache.clear()
        self._semaphore = None

    async def lookup(self, name: str, rdtype: str) -> Lookup:
        """Answer for (name, type), following CNAMEs across zones.

        An authoritative server answers a CNAME into another zone with the CNAME
        alone; a receiver's recursive resolver would continue, so this does too.
        """
        result = await self._cached(name, rdtype)
        seen = [result.name, *result.cname_chain]
        while result.outcome is Outcome.NODATA and result.cname_chain:
            target = result.cname_chain[-1]
            following = await self._cached(target, rdtype)
            chain = result.cname_chain + following.cname_chain
            if any(hop in seen for hop in following.cname_chain) or len(chain) > MAX_CNAME_CHAIN:
                return Lookup(
                    result.name,
                    result.rdtype,
                    Outcome.ERROR,
                    error="CNAME loop: " + " -> ".join([*seen, following.cname_chain[0]])
                    if following.cname_chain
                    else "CNAME chain too long",
                    cname_chain=chain,
                )
            seen.extend(following.cname_chain)
            result = Lookup(
                result.name,
                result.rdtype,
                following.outcome,
                following.values,
                following.error,
                chain,
            )
        return result

    async def _cached(self, name: str, rdtype: str) -> Lookup:
        key = (name.rstrip(".").lower(), rdtype.upper())
        task = self._cache.get(key)
        if task is None:
            task = asyncio.ensure_future(self._query(*key))
            self._cache[key] = task
        return await asyncio.shield(task)

    async def _query(self, name: str, rdtype: str) -> Lookup:
        resolver, semaphore = self._ensure()
        async with semaphore:
            self.queries_sent += 1
            self.query_counts[(name, rdtype)] = self.query_counts.get((name, rdtype), 0) + 1
            try:
                answer = await resolver.resolve(
                    dns.name.from_text(name), rdtype, search=False, raise_on_no_answer=False
                )
            except dns.resolver.NXDOMAIN as error:
                # A CNAME whose target does not exist is answered NXDOMAIN with the CNAME.
                responses = error.kwargs.get("responses") or {}
                response = responses.get(dns.name.from_text(name))
                return Lookup(
                    name, rdtype, Outcome.NXDOMAIN, cname_chain=_cname_chain(response, name)
                )
            except Exception as error:
                return Lookup(name, rdtype, Outcome.ERROR, error=self._explain(error))
        chain = _cname_chain(answer.response, name)
        if answer.rrset is None:
            return Lookup(name, rdtype, Outcome.NODATA, cname_chain=chain)
        return Lookup(
            name,
            rdtype,
            Outcome.ANSWER,
            values=tuple(_rdata_text(rdata) for rdata in answer.rrset),
            cname_chain=chain,
        )

    def _explain(self, error: BaseException) -> str:
        servers = ", ".join(str(ns) for ns in self.nameservers) or "the system resolver"
        if isinstance(error, dns.message.ChainTooLong):
            return f"CNAME loop or chain too long (more than {MAX_CNAME_CHAIN} CNAMEs)"
        if isinstance(error, dns.resolver.LifetimeTimeout):
            return f"no answer from {servers} within {self.lifetime:g}s (timeout)"
        if isinstance(error, dns.resolver.NoNameservers):
            if "CNAME chain" in str(error.kwargs.get("errors", "")):
                return f"CNAME loop or chain too long (more than {MAX_CNAME_CHAIN} CNAMEs)"
            return _explain_no_nameservers(error, servers)
        if isinstance(error, dns.resolver.YXDOMAIN):
            return "the name is too long after DNAME substitution (YXDOMAIN)"
        if isinstance(error, dns.name.NameTooLong | dns.name.LabelTooLong | dns.name.EmptyLabel):
            return f"not a valid DNS name ({error})"
        if isinstance(error, dns.exception.DNSException):
            return f"DNS error: {error}"
        return f"DNS query failed: {type(error).__name__}: {error}"


def _explain_no_nameservers(error: dns.resolver.NoNameservers, servers: str) -> str:
    rcodes: list[str] = []
    for item in error.kwargs.get("errors", []):
        # dnspython reports (server, tcp, port, exception-or-answer, ...) per attempt.
        detail = item[3] if len(item) > 3 else item
        over_tcp = len(item) > 1 and item[1] is True
        if isinstance(detail, dns.message.Truncated):
            text = "the UDP answer was truncated (TC), so the query must be retried over TCP"
        else:
            text = f"over TCP: {detail}" if over_tcp else str(detail) or type(detail).__name__
        for code in ("SERVFAIL", "REFUSED", "NOTIMP", "FORMERR"):
            if code in text and code not in rcodes:
                rcodes.append(code)
        if not any(code in text for code in ("SERVFAIL", "REFUSED", "NOTIMP", "FORMERR")):
            rcodes.append(text)
    if "REFUSED" in rcodes:
        return (
            f"{servers} refused the query (REFUSED): a lame server, "
            "not authoritative for this name and not resolving it"
        )
    if "SERVFAIL" in rcodes:
        return f"{servers} answered SERVFAIL: the zone is broken or its servers are unreachable"
    summary = "; ".join(rcodes) or "no usable answer"
    return f"no server among {servers} gave a usable answer ({summary})"


def _cname_chain(response: dns.message.Message | None, name: str) -> tuple[str, ...]:
    if not isinstance(response, dns.message.QueryMessage):
        return ()
    chain: list[str] = []
    current = dns.name.from_text(name)
    for _ in range(16):
        rrset = next(
            (r for r in response.answer if r.name == current and r.rdtype == dns.rdatatype.CNAME),
            None,
        )
        if rrset is None:
            break
        current = rrset[0].target
        chain.append(current.to_text(omit_final_dot=True).lower())
    return tuple(chain)


def _rdata_text(rdata: object) -> str:
    """The text form of one record value, in `DnsRecord` conventions."""
    rdtype = getattr(rdata, "rdtype", None)
    if rdtype == dns.rdatatype.TXT:
        strings: tuple[bytes, ...] = rdata.strings  # type: ignore[attr-defined]
        return b"".join(strings).decode("utf-8", errors="replace")
    if rdtype == dns.rdatatype.MX:
        exchange = rdata.exchange.to_text(omit_final_dot=True).lower()  # type: ignore[attr-defined]
        return f"{rdata.preference} {exchange}"  # type: ignore[attr-defined]
    if rdtype in (dns.rdatatype.CNAME, dns.rdatatype.PTR, dns.rdatatype.NS):
        return str(rdata.target.to_text(omit_final_dot=True).lower())  # type: ignore[attr-defined]
    return str(rdata.to_text())  # type: ignore[attr-defined]
