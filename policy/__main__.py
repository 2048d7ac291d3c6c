"""The mailstack policy pack: `pulumi preview --policy-pack policy` runs it."""

import sys
from pathlib import Path

# The rules live in the repository's `components.policy` package, shared with
# `mailstack plan --policy`; the pack runs from this directory, so make both importable.
_HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(_HERE), str(_HERE.parent)]

from mailstack_policies import build_policies  # noqa: E402
from pulumi_policy import EnforcementLevel, PolicyPack  # noqa: E402

PolicyPack(
    name="mailstack",
    policies=build_policies(),
    enforcement_level=EnforcementLevel.ADVISORY,
    description="Refuses mail setups that weaken authentication, expose relays or leak secrets.",
)
