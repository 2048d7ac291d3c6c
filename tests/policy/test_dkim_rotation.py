"""DKIM key rotation as three config changes (README), shown by the offline plan."""

from __future__ import annotations

from typing import Any

from components.program import build
from mailstack.plan import PlanResult, run_program
from mailstack.policy_check import evaluate_plan


def phase(selectors: list[str]) -> PlanResult:
    raw: dict[str, Any] = {
        "aws:region": "us-east-1",
        "mailstack:environment": "production",
        "mailstack:dns": {"provider": "route53", "zoneId": "Z0123", "zoneName": "example.com"},
        "mailstack:alerts": {"emails": ["ops@example.com"]},
        "mailstack:domains": [
            {
                "name": "news.example.com",
                "sender": "ses",
                "dkim": "byo",
                "dkimSelectors": selectors,
                "dmarc": {"policy": "reject"},
            }
        ],
    }
    return run_program(raw, "prod", build)


def published(result: PlanResult) -> list[str]:
    return sorted(r.name.split(".")[0] for r in result.dns_records if "._domainkey." in r.name)


def signing(result: PlanResult) -> str:
    (identity,) = result.resources_of_type("aws:sesv2/emailIdentity:EmailIdentity")
    selector: str = identity.inputs["dkimSigningAttributes"]["domainSigningSelector"]
    return selector


def keys(result: PlanResult) -> list[str]:
    return sorted(r.name for r in result.resources_of_type("tls:index/privateKey:PrivateKey"))


def test_rotation_publishes_both_selectors_during_the_overlap_and_retires_the_old_one() -> None:
    before = phase(["s2026"])
    publish_new = phase(["s2026", "s2027"])
    switch = phase(["s2027", "s2026"])
    retire = phase(["s2027"])

    assert (published(before), signing(before)) == (["s2026"], "s2026")
    # Phase 1: the new key is published while the old one keeps signing.
    assert (published(publish_new), signing(publish_new)) == (["s2026", "s2027"], "s2026")
    # Phase 2: signing moves to the new key; the old one stays for mail still in flight.
    assert (published(switch), signing(switch)) == (["s2026", "s2027"], "s2027")
    # Phase 3: the old selector and its key are gone.
    assert (published(retire), signing(retire)) == (["s2027"], "s2027")
    assert keys(retire) == ["news-example-com-dkim-s2027"]
    # Keys are named by selector, so reordering never replaces a key that is in use.
    assert keys(publish_new) == keys(switch)
    for result in (before, publish_new, switch, retire):
        assert not [
            v
            for v in evaluate_plan(result, "production")
            if v.policy in ("dkim-key-length", "secrets-are-secret", "dmarc-published")
        ]
