"""Time budgets for verification: one per run, one per check, one per SMTP probe.

Every wait in `verify` (a DNS answer, an SMTP reply, an SES call) is bounded by the
`remaining()` of one of these, so per-query timeouts cannot add up past the budget.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

# Documented in the README's verify section.
DEFAULT_RUN_DEADLINE = 120.0
DEFAULT_CHECK_TIMEOUT = 30.0
DEFAULT_PROBE_DEADLINE = 20.0


class DeadlineExceeded(TimeoutError):
    """The budget ran out; the message says which one and how long it was."""


@dataclass(frozen=True)
class Deadline:
    """A point on the monotonic clock, and the length of the budget that ends there."""

    at: float
    seconds: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(
                f"a deadline needs a finite, non-negative number of seconds: {seconds}"
            )
        return cls(time.monotonic() + seconds, seconds)

    def remaining(self) -> float:
        return max(0.0, self.at - time.monotonic())

    @property
    def expired(self) -> bool:
        return self.remaining() <= 0

    def sooner(self, seconds: float) -> Deadline:
        """This deadline, or one `seconds` from now if that comes first."""
        other = Deadline.after(seconds)
        return other if other.at < self.at else self

    def timeout(self, per_operation: float) -> float:
        """A per-operation timeout that cannot run past this deadline (never 0: sockets
        treat 0 as non-blocking)."""
        return max(0.001, min(per_operation, self.remaining()))

    def describe(self) -> str:
        return f"timed out after {self.seconds:g}s"

    async def run(self, awaitable: Awaitable[T]) -> T:
        """Await `awaitable`, cancelling it when the deadline passes (DeadlineExceeded)."""
        # asyncio.timeout, unlike wait_for, creates no extra task per bounded call.
        scope = asyncio.timeout(max(self.remaining(), 0.001))
        try:
            async with scope:
                return await awaitable
        except TimeoutError:
            if scope.expired():
                raise DeadlineExceeded(self.describe()) from None
            raise
