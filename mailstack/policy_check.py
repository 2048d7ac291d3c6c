"""`mailstack plan --policy`: the policy pack's rules run on an offline plan."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from components.policy.dns import RecordView, normalize_name
from components.policy.evaluate import Violation, evaluate, render_violations
from components.policy.wire import ResourceView
from mailstack.findings import senders_of
from mailstack.plan import UNKNOWN, PlanResult, has_placeholder

__all__ = ["Violation", "evaluate_plan", "has_mandatory", "render_violations"]


def _declared_domains(outputs: dict[str, Any]) -> list[str]:
    domains = outputs.get("domains")
    if not isinstance(domains, list):
        return []
    return [str(d["name"]) for d in domains if isinstance(d, dict) and d.get("name")]


def evaluate_plan(plan: PlanResult, environment: str) -> list[Violation]:
    """Every policy's violations for `plan`, mandatory first.

    Records come from the plan's record set rather than the DNS resources, so stacks that
    publish through a zone file are checked as well.
    """
    resources = [ResourceView(r.type, r.name, r.inputs, r.parent) for r in plan.resources]
    # The rules judge whole values: one with a part known only after deployment is unknown.
    records = [
        RecordView(
            UNKNOWN if has_placeholder(r.name) else normalize_name(r.name),
            r.type.upper(),
            tuple(UNKNOWN if has_placeholder(v) else v for v in r.values),
        )
        for r in plan.dns_records
    ]
    return evaluate(
        resources,
        environment,
        records,
        _declared_domains(plan.outputs),
        senders=senders_of(plan.outputs),
    )


def has_mandatory(violations: Sequence[Violation]) -> bool:
    """True when any violation must stop the deployment (exit non-zero)."""
    return any(v.enforcement == "mandatory" for v in violations)
