"""Shared fixtures: one real authoritative DNS server (Knot, else NSD) for all verify tests."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from checks.report import DomainReport, Report
from checks.resolver import Nameserver
from checks.runner import VerifyOptions, verify_async
from checks.ses import SesSettings
from checks.targets import DomainTarget
from tests.support.dns_server import DnsServerUnavailableError, find_server, serve_zones
from tests.verify.zones import Keys, build_zones, make_keys


@pytest.fixture(scope="session")
def keys() -> Keys:
    return make_keys()


@pytest.fixture(scope="session")
def nameserver(keys: Keys) -> Iterator[Nameserver]:
    try:
        find_server()
    except DnsServerUnavailableError as error:
        pytest.skip(str(error))
    with serve_zones(build_zones(keys)) as (ip, port):
        yield Nameserver(ip, port)


NO_SES = SesSettings(enabled=False, disabled_reason="SES not exercised in DNS tests")


def options_for(nameserver: Nameserver, **changes: object) -> VerifyOptions:
    values: dict[str, object] = {
        "nameservers": (nameserver,),
        "dns_timeout": 2.0,
        "ses": NO_SES,
        "dnsbl_zones": ("zen.spamhaus.org",),
    }
    values.update(changes)
    return VerifyOptions(**values)  # type: ignore[arg-type]


def run(targets: list[DomainTarget], nameserver: Nameserver, **changes: object) -> Report:
    return asyncio.run(verify_async(targets, options_for(nameserver, **changes)))


def check_one(target: DomainTarget, nameserver: Nameserver, **changes: object) -> DomainReport:
    return run([target], nameserver, **changes).domains[0]
