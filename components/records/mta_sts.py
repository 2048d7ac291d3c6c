"""MTA-STS (RFC 8461): the policy file and the `_mta-sts` TXT record announcing it.

The policy id is derived from the policy text, so it changes exactly when the
policy does: senders refetch the policy only when the id changes (RFC 8461 3.1).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from components.records.dns_record import domain_problem, normalize_name
from components.records.errors import RecordError

MODES = ("enforce", "testing", "none")
MAX_MAX_AGE = 31_557_600  # RFC 8461 3.2: at most one year
POLICY_PATH = "/.well-known/mta-sts.txt"
_ID_LENGTH = 32  # RFC 8461 3.1: id is 1 to 32 letters and digits


@dataclass(frozen=True)
class MtaStsPolicy:
    mode: str
    mx: tuple[str, ...]
    max_age: int

    def __post_init__(self) -> None:
        mx = (self.mx,) if isinstance(self.mx, str) else self.mx
        object.__setattr__(self, "mx", tuple(mx))


def validate_policy(policy: MtaStsPolicy) -> None:
    """RecordError unless `policy` is a valid RFC 8461 policy."""
    if policy.mode not in MODES:
        raise RecordError(f"MTA-STS mode {policy.mode!r} is not valid; allowed: {', '.join(MODES)}")
    age = policy.max_age
    if isinstance(age, bool) or not isinstance(age, int) or not 0 <= age <= MAX_MAX_AGE:
        raise RecordError(
            f"MTA-STS max_age {age!r} is not valid; allowed: 0 to {MAX_MAX_AGE} seconds"
            " (weeks are typical, e.g. 604800)"
        )
    if not policy.mx and policy.mode != "none":
        raise RecordError(
            f"MTA-STS policy in mode {policy.mode!r} needs at least one mx pattern"
            " (e.g. mail.example.com or *.example.net)"
        )
    for pattern in policy.mx:
        _check_mx_pattern(pattern)


def _check_mx_pattern(pattern: str) -> None:
    # RFC 8461 3.2: a host name, or "*." followed by one, matching exactly one label.
    host = pattern[2:] if pattern.startswith("*.") else pattern
    problem = domain_problem(host) if isinstance(pattern, str) else "not a string"
    if problem or "." not in host:
        raise RecordError(
            f"MTA-STS mx pattern {pattern!r} is not valid: {problem or 'not fully qualified'};"
            " allowed: a lower-case host name, optionally starting with '*.'"
        )


def render_policy(policy: MtaStsPolicy) -> str:
    """The policy file served at https://mta-sts.<domain>/.well-known/mta-sts.txt (CRLF lines)."""
    validate_policy(policy)
    lines = ["version: STSv1", f"mode: {policy.mode}"]
    lines += [f"mx: {pattern}" for pattern in dict.fromkeys(policy.mx)]
    lines.append(f"max_age: {policy.max_age}")
    return "".join(line + "\r\n" for line in lines)


def policy_id(policy: MtaStsPolicy) -> str:
    """A deterministic id (32 hex characters) of the rendered policy."""
    return hashlib.sha256(render_policy(policy).encode("ascii")).hexdigest()[:_ID_LENGTH]


def mta_sts_txt(policy: MtaStsPolicy) -> str:
    """`v=STSv1; id=<policy id>`."""
    return f"v=STSv1; id={policy_id(policy)}"


def mta_sts_record_name(domain: str) -> str:
    """`_mta-sts.<domain>`."""
    return f"_mta-sts.{_domain(domain)}"


def mta_sts_policy_host(domain: str) -> str:
    """`mta-sts.<domain>`, the HTTPS host that must serve the policy file."""
    return f"mta-sts.{_domain(domain)}"


def _domain(domain: str) -> str:
    name = normalize_name(domain)
    problem = domain_problem(name)
    if problem:
        raise RecordError(f"MTA-STS domain {domain!r} is not valid: {problem}")
    return name
