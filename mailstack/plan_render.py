"""Human-readable rendering of an offline plan: a resource tree and a record table."""

from __future__ import annotations

from collections import defaultdict

from mailstack.findings import render_findings
from mailstack.plan import PlannedResource, PlanResult


def render_text(plan: PlanResult) -> str:
    lines = [
        f"Stack {plan.stack}: {len(plan.resources)} resources, {len(plan.dns_records)} DNS records",
        "",
        "Resources (what `pulumi up` would create)",
    ]
    children: dict[str | None, list[PlannedResource]] = defaultdict(list)
    for resource in plan.resources:
        children[resource.parent].append(resource)
    # Only component resources parent others here; a custom resource may share a component's name.
    parents = {resource.name for resource in plan.resources if _is_component(resource)}

    def walk(parent: str | None, prefix: str) -> None:
        items = children.get(parent, [])
        for index, resource in enumerate(items):
            last = index == len(items) - 1
            branch = "└─ " if last else "├─ "
            lines.append(f"{prefix}{branch}{resource.type}  {resource.name}")
            if _is_component(resource):
                walk(resource.name, prefix + ("   " if last else "│  "))

    for root in [parent for parent in children if parent is None or parent not in parents]:
        walk(root, "  ")
    lines += ["", "DNS records"]
    rows = [("NAME", "TYPE", "TTL", "VALUE")]
    for record in plan.dns_records:
        for value in record.values:
            rows.append((record.name, record.type, str(record.ttl), value))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        lines.append(
            "  "
            + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
            + "  "
            + row[3]
        )
    lines += ["", *render_findings(plan.findings())]
    return "\n".join(lines) + "\n"


def _is_component(resource: PlannedResource) -> bool:
    return resource.type.startswith("mailstack:")
