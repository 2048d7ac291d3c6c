"""The plans the fidelity rules judge: every shipped example stack and configs that add the
features those stacks leave out (auto-pause, a tracking domain, Cloudflare beside Route53)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from components.config.model import read_stack_file
from components.program import build
from mailstack.plan import PlanResult, run_plan, run_program
from tests.fidelity.stand_in_mocks import StandInMocks

STACKS_DIR = Path(__file__).resolve().parents[2] / "stacks"
EXAMPLE_STACKS = sorted(p.name for p in STACKS_DIR.glob("Pulumi.*.yaml"))

# Every optional monitoring feature at once, SES and a relay, both DNS providers.
FULL_FEATURES: dict[str, Any] = {
    "aws:region": "eu-west-1",
    "mailstack:environment": "production",
    "mailstack:dns": {"provider": "cloudflare", "zoneName": "example.com"},
    "mailstack:alerts": {
        "emails": ["ops@example.com"],
        "webhooks": ["https://hooks.example.com/mail?token=s3cret"],
        "autoPause": True,
        "campaignTag": "mailing",
    },
    "mailstack:domains": [
        {
            "name": "news.example.com",
            "sender": "ses",
            "mailFrom": "bounce.news.example.com",
            "trackingDomain": "links.news.example.com",
            "dmarc": {"policy": "reject", "rua": ["dmarc@example.com"]},
        },
        {
            "name": "billing.example.net",
            "sender": "ses",
            "dkim": "byo",
            "dkimSelector": "bill2026",
            "dns": {"provider": "route53", "zoneName": "example.net", "zoneId": "Z0123456789ABC"},
            "dmarc": {"policy": "quarantine", "rua": ["dmarc@example.com"]},
        },
        {
            "name": "mail.example.com",
            "sender": "postfix",
            "relay": {
                "hostname": "relay1.mail.example.com",
                "allowedCidrs": ["10.0.0.0/8", "2001:db8::/32"],
                "smarthost": "ses",
            },
            "dmarc": {"policy": "reject", "rua": ["dmarc@example.com"]},
        },
    ],
}
EXTRA_CONFIGS: dict[str, dict[str, Any]] = {"full-features": FULL_FEATURES}
PLAN_NAMES = [*EXAMPLE_STACKS, *EXTRA_CONFIGS]


@cache
def planned(name: str) -> PlanResult:
    """A plan by example stack file name or extra config name; planned once per test run."""
    if name in EXTRA_CONFIGS:
        return run_program(EXTRA_CONFIGS[name], name, build)
    return run_plan(STACKS_DIR / name)


def deployed(name: str) -> PlanResult:
    """The same plan as `pulumi up` would resolve it, with stand-ins for what AWS assigns."""
    return _deployed(name)[0]


def relay_user_data(name: str) -> dict[str, str]:
    """Each relay instance's user data (base64 of gzip), as the provider would send it."""
    return _deployed(name)[1].user_data


@cache
def _deployed(name: str) -> tuple[PlanResult, StandInMocks]:
    raw = EXTRA_CONFIGS.get(name) or read_stack_file(STACKS_DIR / name)
    mocks = StandInMocks(region_of(name))
    return run_program(raw, name.removesuffix(".yaml"), build, mocks, False), mocks


def region_of(name: str) -> str:
    raw = EXTRA_CONFIGS.get(name) or read_stack_file(STACKS_DIR / name)
    return str(raw["aws:region"])
