"""Every fidelity rule by name: what a plan must satisfy for AWS and Cloudflare to accept it."""

from __future__ import annotations

from mailstack.plan import PlanResult
from tests.fidelity.aws_rules import RULES as AWS_RULES
from tests.fidelity.aws_rules import Rule
from tests.fidelity.dns_dashboard_rules import cloudflare_rule, dashboard_rule, route53_rule

RULES: dict[str, Rule] = {
    **AWS_RULES,
    "route53": route53_rule,
    "cloudflare": cloudflare_rule,
    "dashboard": dashboard_rule,
}


def findings(plan: PlanResult, region: str) -> dict[str, list[str]]:
    """Each rule's findings on `plan`; empty lists when the plan would deploy."""
    return {name: rule(plan, region) for name, rule in RULES.items()}
