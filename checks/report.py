"""The verification report: check results per domain and their summary."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


# When several results fold into one, the worst wins.
_SEVERITY = {Status.PASS: 0, Status.SKIP: 1, Status.WARN: 2, Status.FAIL: 3}


def worst(statuses: Iterable[Status]) -> Status:
    return max(statuses, key=lambda s: _SEVERITY[s], default=Status.PASS)


@dataclass(frozen=True)
class CheckResult:
    id: str
    status: Status
    detail: str

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "status": self.status.value, "detail": self.detail}


def passed(check_id: str, detail: str) -> CheckResult:
    return CheckResult(check_id, Status.PASS, detail)


def warned(check_id: str, detail: str) -> CheckResult:
    return CheckResult(check_id, Status.WARN, detail)


def failed(check_id: str, detail: str) -> CheckResult:
    return CheckResult(check_id, Status.FAIL, detail)


def skipped(check_id: str, detail: str) -> CheckResult:
    return CheckResult(check_id, Status.SKIP, detail)


@dataclass
class DomainReport:
    domain: str
    checks: list[CheckResult] = field(default_factory=list)

    @property
    def has_failure(self) -> bool:
        return any(c.status is Status.FAIL for c in self.checks)

    def result(self, check_id: str) -> CheckResult:
        """The result for `check_id` (KeyError when the check did not run)."""
        for check in self.checks:
            if check.id == check_id:
                return check
        raise KeyError(check_id)

    def to_json(self) -> dict[str, Any]:
        return {"domain": self.domain, "checks": [c.to_json() for c in self.checks]}


@dataclass
class Report:
    domains: list[DomainReport] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        counts = {status.value: 0 for status in Status}
        for domain in self.domains:
            for check in domain.checks:
                counts[check.status.value] += 1
        return counts

    @property
    def has_failure(self) -> bool:
        return any(d.has_failure for d in self.domains)

    def exit_code(self) -> int:
        """0 when nothing failed (warnings allowed), 1 when a check failed."""
        return 1 if self.has_failure else 0

    def domain(self, name: str) -> DomainReport:
        for domain in self.domains:
            if domain.domain == name:
                return domain
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        return {"domains": [d.to_json() for d in self.domains], "summary": self.summary()}
