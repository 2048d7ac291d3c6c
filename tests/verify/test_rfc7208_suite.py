"""check_host() against the official RFC 7208 test suite (openspf.org release 2014.04).

The suite (tests/verify/data/rfc7208-tests.yml, licence in rfc7208-tests.LICENSE, taken
unchanged from the pyspf source distribution) is served over real DNS (UDP and TCP) by the
scripted server on loopback (tests/verify/scripted_dns.py), scenario by scenario, and every
test's result must be one the suite accepts. Knot is not used here: the suite needs names
that never answer (TIMEOUT), records with control characters, and a fresh zone per scenario.

Skipped, each for the reason given in SKIPPED:
- cases with an empty MAIL FROM: the identity is then postmaster@<HELO>, and `mailstack
  verify` only ever evaluates MAIL FROM identities (it never sees a HELO name).
Explanations (`explanation:`) are not compared: check_host() here does not fetch exp=
texts, since verify reports results, not SMTP rejection messages.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from checks.resolver import Nameserver, Resolver
from checks.spf import check_host
from tests.verify.scripted_dns import ScriptedDns, scripted_dns

SUITE = Path(__file__).parent / "data" / "rfc7208-tests.yml"
SCENARIOS: list[dict[str, Any]] = list(yaml.safe_load_all(SUITE.read_text(encoding="utf-8")))
# Short on purpose: the suite's TIMEOUT names must give temperror without slowing the run.
DNS_TIMEOUT = 0.3

SKIPPED = {
    "helo-not-fqdn": "empty MAIL FROM: the identity is the HELO name",
    "helo-domain-literal": "empty MAIL FROM: the identity is the HELO name",
    "mx-empty": "empty MAIL FROM: the identity is the HELO name",
}


def _cases() -> Iterator[Any]:
    for index, scenario in enumerate(SCENARIOS):
        for name, test in scenario["tests"].items():
            marks = [pytest.mark.skip(reason=SKIPPED[name])] if name in SKIPPED else []
            yield pytest.param(index, name, test, id=name, marks=marks)


@pytest.fixture(scope="module")
def server() -> Iterator[ScriptedDns]:
    with scripted_dns() as running:
        yield running


def _identity(mailfrom: str) -> tuple[str, str]:
    """(sender, domain) per RFC 7208 section 4.3: no local-part means postmaster."""
    local, at, domain = mailfrom.rpartition("@")
    if not at:
        return f"postmaster@{mailfrom}", mailfrom
    return f"{local or 'postmaster'}@{domain}", domain


@pytest.mark.parametrize(("scenario", "name", "test"), list(_cases()))
def test_rfc7208_case(server: ScriptedDns, scenario: int, name: str, test: dict[str, Any]) -> None:
    server.set_zone(SCENARIOS[scenario]["zonedata"])
    sender, domain = _identity(str(test["mailfrom"]))
    resolver = Resolver(
        (Nameserver(*server.address),), timeout=DNS_TIMEOUT, lifetime=DNS_TIMEOUT * 2
    )
    ip = ipaddress.ip_address(str(test["host"]))
    evaluation = asyncio.run(
        check_host(resolver, ip, domain, sender, helo=str(test.get("helo", "")))
    )
    expected = test["result"] if isinstance(test["result"], list) else [test["result"]]
    assert evaluation.result in expected, (
        f"{name} ({test.get('spec')}): got {evaluation.result} ({evaluation.reason}), "
        f"suite expects {' or '.join(expected)}; {test.get('description', '')}"
    )
