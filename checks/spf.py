"""SPF over DNS: fetch a domain's record, count lookups recursively, evaluate check_host()."""

from __future__ import annotations

from dataclasses import dataclass, field

from checks.resolver import Lookup, Resolver
from checks.spf_eval import LOOKUP_LIMIT, VOID_LIMIT, Evaluation, IpAddress, check_host
from checks.spf_syntax import (
    LOOKUP_MECHANISMS,
    Mechanism,
    SpfRecord,
    SpfSyntaxError,
    has_macro,
    is_spf,
    parse_spf,
)

# An SPF tree deeper than this is a loop or abuse; evaluation stops there.
MAX_DEPTH = 20
# Distinct names a static walk fetches; a real record needs a handful.
MAX_NAMES = 100

__all__ = [
    "LOOKUP_LIMIT",
    "VOID_LIMIT",
    "Evaluation",
    "IpAddress",
    "SpfAnalysis",
    "SpfFetch",
    "analyse",
    "check_host",
]


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
    """Count DNS-querying terms and void lookups through include/redirect, recursively.

    Each distinct name is fetched and walked once; a name reached again (a diamond in the
    include graph) adds the counts of its first walk, so the count is the receiver's, and
    the time and memory are linear in the number of distinct names (at most MAX_NAMES).
    """
    analysis = SpfAnalysis(domain)
    analysis.warnings = record_warnings(record)
    walker = _Walker(resolver, analysis)
    analysis.lookups, analysis.void_lookups = await walker.walk(domain, record, (domain,))
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


class _Walker:
    def __init__(self, resolver: Resolver, analysis: SpfAnalysis) -> None:
        self.resolver = resolver
        self.analysis = analysis
        # (lookups, voids) below each name already walked.
        self.seen: dict[str, tuple[int, int]] = {}

    async def walk(self, domain: str, record: SpfRecord, path: tuple[str, ...]) -> tuple[int, int]:
        analysis = self.analysis
        terms: list[tuple[str, Mechanism | None, str]] = [
            (m.kind, m, m.domain_spec or domain)
            for m in record.directives
            if m.kind in LOOKUP_MECHANISMS
        ]
        if record.redirect is not None and record.all_qualifier is None:
            terms.append(("redirect", None, record.redirect))
        lookups = voids = 0
        for kind, mechanism, target in terms:
            label = f"{domain}: {mechanism.text if mechanism else 'redirect=' + target}"
            lookups += 1
            analysis.lookup_terms.append(label)
            if has_macro(target):
                continue  # depends on the message; counted, but cannot be followed statically
            target = target.rstrip(".").lower()
            if kind in ("include", "redirect"):
                below = await self._follow(label, target, path)
                lookups += below[0]
                voids += below[1]
            elif kind == "a":
                results = [await self.resolver.lookup(target, t) for t in ("A", "AAAA")]
                if all(r.void for r in results):
                    voids += 1
                    analysis.void_terms.append(label)
            elif kind == "mx":
                mx = await self.resolver.lookup(target, "MX")
                if mx.void:
                    voids += 1
                    analysis.void_terms.append(label)
                if len(mx.values) > LOOKUP_LIMIT:
                    analysis.limit_problems.append(
                        f"{label}: {target} has {len(mx.values)} MX hosts; RFC 7208 section "
                        f"4.6.4 allows at most {LOOKUP_LIMIT} address lookups per mx (permerror)"
                    )
            elif kind == "exists":
                result = await self.resolver.lookup(target, "A")
                if result.void:
                    voids += 1
                    analysis.void_terms.append(label)
        return lookups, voids

    async def _follow(self, label: str, target: str, path: tuple[str, ...]) -> tuple[int, int]:
        analysis = self.analysis
        if target in path:
            analysis.problems.append(f"{label}: loops back to {target}")
            return 0, 0
        if target in self.seen:
            return self.seen[target]
        if len(path) >= MAX_DEPTH:
            analysis.problems.append(f"{label}: nesting deeper than {MAX_DEPTH} levels")
            return 0, 0
        if len(self.seen) >= MAX_NAMES:
            if not any("distinct names" in p for p in analysis.problems):
                analysis.problems.append(
                    f"{label}: the include tree names more than {MAX_NAMES} distinct domains; "
                    "stopped following it (receivers stop after "
                    f"{LOOKUP_LIMIT} lookups with permerror)"
                )
            return 0, 0
        self.seen[target] = (0, 0)  # a name reached again while in progress adds nothing
        fetched = await fetch_spf(self.resolver, target)
        voids = 0
        if fetched.lookup.void:
            voids += 1
            analysis.void_terms.append(label)
        if fetched.error:
            analysis.dns_errors.append(f"{label}: {fetched.error}")
            return 0, voids
        if len(fetched.records) != 1:
            found = "no SPF record" if not fetched.records else "more than one SPF record"
            analysis.problems.append(
                f"{label}: {target} has {found} (permerror, RFC 7208 section 5.2)"
            )
            return 0, voids
        try:
            child = parse_spf(fetched.records[0])
        except SpfSyntaxError as error:
            analysis.problems.append(f"{label}: {target} has invalid SPF: {error}")
            return 0, voids
        analysis.included.append(target)
        lookups, below = await self.walk(target, child, (*path, target))
        self.seen[target] = (lookups, below)
        return lookups, voids + below
