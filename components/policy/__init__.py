"""Mail security policies as pure functions over resource inputs (no Pulumi runtime).

The policy pack in `policy/` adapts the engine's arguments to them; `mailstack plan --policy`
runs them on the offline plan, so the rules hold with or without the Pulumi CLI.
"""

from components.policy.catalog import ALL_POLICIES, BY_NAME, PolicyInfo
from components.policy.evaluate import Violation, evaluate, render_violations
from components.policy.wire import SECRET, UNKNOWN, ResourceView

__all__ = [
    "ALL_POLICIES",
    "BY_NAME",
    "SECRET",
    "UNKNOWN",
    "PolicyInfo",
    "ResourceView",
    "Violation",
    "evaluate",
    "render_violations",
]
