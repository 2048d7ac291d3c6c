"""The stack's CloudWatch dashboard body, built from names and alarm ARNs only.

Threshold lines come from the alarms themselves (alarm annotations), so the dashboard cannot
disagree with what pages people, and changing a threshold changes only the alarms that use it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from components.config.alerts import DEFAULT_CAMPAIGN_TAG
from components.monitoring import metrics as m
from components.monitoring.destinations import campaign_dimensions

WIDTH = 12
HEIGHT = 6
# Counters are read per hour on the dashboard: easier to compare than 15-minute slivers.
COUNT_PERIOD = 3600
EVENT_COUNTS = ("SEND", "DELIVERY", "BOUNCE", "COMPLAINT", "OPEN", "CLICK")
# CloudWatch's limit of alarms in one alarm status widget.
ALARMS_PER_STATUS_WIDGET = 100


@dataclass(frozen=True)
class ThresholdAlarm:
    """An alarm drawn as its metric with its threshold line."""

    title: str
    alarm_arn: str


@dataclass(frozen=True)
class DashboardSpec:
    region: str
    configuration_sets: Sequence[str] = ()
    relays: Sequence[str] = ()
    campaign_tag: str = DEFAULT_CAMPAIGN_TAG
    threshold_alarms: Sequence[ThresholdAlarm] = ()
    alarm_arns: Sequence[str] = field(default_factory=tuple)


def _metric(
    region: str, title: str, metrics: list[list[Any]], stat: str, period: int
) -> dict[str, Any]:
    return {
        "type": "metric",
        "properties": {
            "title": title,
            "region": region,
            "view": "timeSeries",
            "stacked": False,
            "stat": stat,
            "period": period,
            "metrics": metrics,
            "yAxis": {"left": {"min": 0}},
        },
    }


def _quoted(term: str) -> str:
    # Search terms with characters other than letters, digits and `_` must be quoted.
    return f'"{term}"'


def _search(campaign_tag: str, metric_name: str, configuration_sets: Sequence[str]) -> str:
    """Per campaign, limited to this stack's sets: an account may hold other stacks' sets."""
    schema = ",".join([m.SES_NAMESPACE, *map(_quoted, campaign_dimensions(campaign_tag))])
    sets = " OR ".join(
        f"{_quoted(m.CONFIGURATION_SET_DIMENSION)}={_quoted(name)}" for name in configuration_sets
    )
    return f"SEARCH('{{{schema}}} MetricName=\"{metric_name}\" ({sets})', 'Sum', {COUNT_PERIOD})"


def _widgets(spec: DashboardSpec) -> list[dict[str, Any]]:
    region = spec.region
    widgets: list[dict[str, Any]] = []
    arns = list(spec.alarm_arns)
    for start in range(0, len(arns), ALARMS_PER_STATUS_WIDGET):
        widgets.append(
            {
                "type": "alarm",
                "properties": {
                    "title": "Alarms",
                    "alarms": arns[start : start + ALARMS_PER_STATUS_WIDGET],
                    "sortBy": "stateUpdatedTimestamp",
                },
            }
        )
    for alarm in spec.threshold_alarms:
        widgets.append(
            {
                "type": "metric",
                "properties": {
                    "title": alarm.title,
                    "region": region,
                    "view": "timeSeries",
                    "stacked": False,
                    "annotations": {"alarms": [alarm.alarm_arn]},
                    "yAxis": {"left": {"min": 0}},
                },
            }
        )
    for name in spec.configuration_sets:
        dims = [m.CONFIGURATION_SET_DIMENSION, name]
        counts = [
            [m.SES_NAMESPACE, m.EVENT_METRICS[t], *dims, {"label": m.EVENT_METRICS[t]}]
            for t in EVENT_COUNTS
        ]
        widgets.append(_metric(region, f"{name}: events per hour", counts, "Sum", COUNT_PERIOD))
    if spec.configuration_sets:
        for event_type in EVENT_COUNTS:
            metric_name = m.EVENT_METRICS[event_type]
            expression = [
                {
                    "expression": _search(spec.campaign_tag, metric_name, spec.configuration_sets),
                    "id": f"c{metric_name.lower()}",
                    "label": "",
                }
            ]
            widgets.append(
                _metric(
                    region,
                    f"{metric_name} per {spec.campaign_tag} per hour",
                    [expression],
                    "Sum",
                    COUNT_PERIOD,
                )
            )
    for relay in spec.relays:
        namespace = m.relay_namespace(relay)
        counters = [[namespace, metric, {"label": metric}] for metric in m.RELAY_METRICS]
        widgets.append(
            _metric(region, f"Relay {relay}: messages per hour", counters, "Sum", COUNT_PERIOD)
        )
    return widgets


def dashboard_body(spec: DashboardSpec) -> str:
    """Dashboard JSON: alarm states, reputation rates against their alarm lines, event counts per
    configuration set and per campaign, relay counters; two widgets per row in a stable order."""
    header = {
        "type": "text",
        "properties": {
            "markdown": (
                "## Mail sending health\n"
                "Red lines are the alarm thresholds. What each alarm means and what to do: "
                "the Monitoring section of the mailstack README."
            )
        },
    }
    placed: list[dict[str, Any]] = [{**header, "x": 0, "y": 0, "width": 2 * WIDTH, "height": 2}]
    for index, widget in enumerate(_widgets(spec)):
        row, column = divmod(index, 2)
        placed.append(
            {**widget, "x": column * WIDTH, "y": 2 + row * HEIGHT, "width": WIDTH, "height": HEIGHT}
        )
    return json.dumps({"widgets": placed}, sort_keys=True)
