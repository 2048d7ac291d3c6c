"""Run every policy over a stack's resources and report violations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from components.policy.blind_spots import SenderView
from components.policy.catalog import Enforcement
from components.policy.dns import RecordView
from components.policy.rules import RESOURCE_RULES, STACK_RULES, StackContext
from components.policy.wire import ResourceView


@dataclass(frozen=True)
class Violation:
    policy: str
    enforcement: Enforcement
    # The resource (or, for DMARC, the sending domain) the violation is about.
    resource: str
    message: str


def evaluate(
    resources: Sequence[ResourceView],
    environment: str,
    records: Sequence[RecordView] | None = None,
    declared_domains: Sequence[str] = (),
    senders: Sequence[SenderView] = (),
) -> list[Violation]:
    """Violations of every policy, mandatory first, in a stable order."""
    found: list[Violation] = []
    for info, rule in RESOURCE_RULES:
        for resource in resources:
            found += [
                Violation(info.name, info.enforcement, resource.name, message)
                for message in rule(resource.type, resource.inputs)
            ]
    context = StackContext.from_resources(
        resources, environment, records, declared_domains, senders=senders
    )
    for info, stack_rule in STACK_RULES:
        found += [
            Violation(info.name, info.enforcement, subject, message)
            for subject, message in stack_rule(context)
        ]
    order = {"mandatory": 0, "advisory": 1}
    return sorted(found, key=lambda v: (order[v.enforcement], v.policy, v.resource, v.message))


def render_violations(violations: Sequence[Violation]) -> str:
    """One block per violation, mandatory first, then a summary line; "" when there are none."""
    if not violations:
        return ""
    lines: list[str] = []
    for v in violations:
        lines.append(f"{v.enforcement.upper()} {v.policy}: {v.resource}")
        lines.append(f"    {v.message}")
    mandatory = sum(1 for v in violations if v.enforcement == "mandatory")
    advisory = len(violations) - mandatory
    advice = "; fix the mandatory ones before `pulumi up`" if mandatory else ""
    lines.append(f"policy violations: {mandatory} mandatory, {advisory} advisory{advice}")
    return "\n".join(lines) + "\n"
