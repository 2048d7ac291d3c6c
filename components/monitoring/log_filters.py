"""Metric filters that turn Postfix delivery log lines into counters."""

from __future__ import annotations

from dataclasses import dataclass

from components.monitoring import metrics as m


@dataclass(frozen=True)
class LogFilterSpec:
    key: str
    pattern: str
    namespace: str
    metric_name: str


# Postfix logs one `status=` per recipient and delivery attempt; a deferred message logs again
# on each retry, so Deferred counts attempts, which is what a surge is made of.
_STATUSES = (
    ("sent", m.RELAY_DELIVERED),
    ("bounced", m.RELAY_BOUNCED),
    ("deferred", m.RELAY_DEFERRED),
)


def postfix_log_filters(relay_name: str) -> list[LogFilterSpec]:
    namespace = m.relay_namespace(relay_name)
    return [
        LogFilterSpec(
            key=status, pattern=f'"status={status}"', namespace=namespace, metric_name=metric
        )
        for status, metric in _STATUSES
    ]
