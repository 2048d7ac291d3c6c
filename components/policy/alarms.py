"""Reputation alarm rule: every SES identity and configuration set has bounce and complaint
rate alarms that notify someone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from components.monitoring.metrics import (
    CONFIGURATION_SET_DIMENSION,
    REPUTATION_BOUNCE_RATE,
    REPUTATION_COMPLAINT_RATE,
)
from components.policy import types as t
from components.policy.wire import UNKNOWN, ResourceView, as_list, get_path

WATCHED = {REPUTATION_BOUNCE_RATE: "bounce", REPUTATION_COMPLAINT_RATE: "complaint"}
KINDS = ("bounce", "complaint")
ACCOUNT = ""
METRICS_ENABLED = "reputationOptions.reputationMetricsEnabled"


@dataclass(frozen=True)
class Coverage:
    """Which rate an alarm watches, for which configuration set ("" = account), with actions."""

    kind: str
    scope: str
    notifies: bool


def alarm_coverage(inputs: Mapping[str, Any]) -> list[Coverage]:
    """What one MetricAlarm watches: a plain Reputation.* metric or one inside metric math."""
    metrics: list[tuple[Any, Any]] = [(inputs.get("metricName"), inputs.get("dimensions"))]
    for query in as_list(inputs.get("metricQueries")):
        if isinstance(query, Mapping):
            metric = get_path(query, "metric")
            if isinstance(metric, Mapping):
                metrics.append((metric.get("metricName"), metric.get("dimensions")))
    actions = [a for a in as_list(inputs.get("alarmActions")) if a]
    notifies = bool(actions) and inputs.get("actionsEnabled") is not False
    found: list[Coverage] = []
    for metric_name, dimensions in metrics:
        kind = WATCHED.get(str(metric_name))
        if kind is None:
            continue
        scope = ACCOUNT
        if isinstance(dimensions, Mapping) and CONFIGURATION_SET_DIMENSION in dimensions:
            scope = str(dimensions[CONFIGURATION_SET_DIMENSION])
        found.append(Coverage(kind, scope, notifies))
    return found


def _covered(coverage: Sequence[Coverage], scope: str, kind: str) -> bool:
    # A set name unknown before deployment can only be matched against alarms whose
    # dimension is unknown too; both come from the same configuration set output.
    return any(c.kind == kind and c.notifies and c.scope == scope for c in coverage)


def reputation_alarm_violations(resources: Sequence[ResourceView]) -> list[tuple[str, str]]:
    """(resource name, message) for each SES identity or configuration set lacking an alarm."""
    coverage = [c for r in resources if r.type == t.METRIC_ALARM for c in alarm_coverage(r.inputs)]
    violations: list[tuple[str, str]] = []
    for resource in resources:
        if resource.type == t.CONFIGURATION_SET:
            name = str(resource.inputs.get("configurationSetName", resource.name))
            missing = [k for k in KINDS if not _covered(coverage, name, k)]
            if missing:
                message = _missing_message(f"configuration set {name}", missing)
                violations.append((resource.name, message))
            elif get_path(resource.inputs, METRICS_ENABLED) is not True:
                violations.append((
                    resource.name,
                    f"configuration set {name} has reputation alarms but does not publish"
                    " reputation metrics, so they never fire; set reputation_options="
                    "{reputation_metrics_enabled: True}",
                ))
        elif resource.type == t.EMAIL_IDENTITY:
            identity = str(resource.inputs.get("emailIdentity", resource.name))
            default_set = resource.inputs.get("configurationSetName")
            missing = [
                k for k in KINDS
                if not _covered(coverage, ACCOUNT, k)
                and not (default_set is not None and _covered(coverage, str(default_set), k))
            ]
            if missing:
                message = _missing_message(f"SES identity {identity}", missing)
                violations.append((resource.name, message))
    return violations


def _missing_message(subject: str, kinds: Sequence[str]) -> str:
    metrics = " and ".join(f"Reputation.{k.capitalize()}Rate" for k in kinds)
    unknown = " (its name is only known after deployment)" if UNKNOWN in subject else ""
    return (
        f"{subject}{unknown} has no {metrics} alarm with alarm actions; keep the"
        " ReputationAlarms component for it and give mailstack:alerts an email or webhook so"
        " someone is told before SES pauses sending"
    )
