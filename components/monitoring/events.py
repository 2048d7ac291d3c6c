"""EventBridge patterns for alarm state changes."""

from __future__ import annotations

import json
from collections.abc import Sequence


def alarm_fired_pattern(alarm_arns: Sequence[str]) -> str:
    """Matches these alarms entering ALARM, and nothing else (not OK, not other alarms)."""
    if not alarm_arns:
        raise ValueError("at least one alarm ARN is needed")
    return json.dumps(
        {
            "source": ["aws.cloudwatch"],
            "detail-type": ["CloudWatch Alarm State Change"],
            "resources": sorted(alarm_arns),
            "detail": {"state": {"value": ["ALARM"]}},
        },
        sort_keys=True,
    )
