"""Budgets: a check, a run and the CLI end by their deadlines against silent servers; a
check that breaks or runs out is a `fail` naming why, and the other checks still report."""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checks import runner
from checks.report import CheckResult, Status
from checks.resolver import Nameserver, Resolver
from checks.runner import verify_async
from checks.targets import DomainTarget
from tests.support.environment import without_aws_credentials
from tests.verify.conftest import check_one, options_for
from tests.verify.fake_servers import udp_server
from tests.verify.scripted_dns import ScriptedDns, Zone, scripted_dns
from tests.verify.zones import SES_SPF

ROOT = Path(__file__).resolve().parents[2]
# Correctness bound on top of a deadline (scheduling, interpreter start for the CLI).
SLACK = 2.0


def slow_chain(domain: str) -> Zone:
    """An SPF whose nine includes each time out: 9 sequential DNS timeouts unbudgeted."""
    includes = " ".join(f"include:t{i}.{domain}" for i in range(9))
    zone: Zone = {
        domain: [{"TXT": f"v=spf1 {includes} -all"}],
        f"_dmarc.{domain}": [{"TXT": "v=DMARC1; p=reject"}],
        "amazonses.com": [{"TXT": SES_SPF}],
    }
    zone.update({f"t{i}.{domain}": ["TIMEOUT"] for i in range(9)})
    return zone


@pytest.fixture(scope="module")
def server() -> Iterator[ScriptedDns]:
    with scripted_dns() as running:
        yield running


def test_a_check_that_runs_out_of_time_fails_with_its_budget(server: ScriptedDns) -> None:
    server.set_zone(slow_chain("slow.test"))
    started = time.monotonic()
    report = check_one(
        DomainTarget("slow.test"), Nameserver(*server.address), dns_timeout=1.0, check_timeout=3.0
    )
    elapsed = time.monotonic() - started
    assert elapsed < 3.0 + SLACK
    syntax = report.result("spf.syntax")
    assert syntax.status is Status.FAIL
    assert syntax.detail.startswith("timed out after 3s")
    # Checks that did not wait on the silent names completed normally.
    assert report.result("dmarc.policy").status is Status.PASS


def test_the_run_deadline_bounds_many_slow_domains(server: ScriptedDns) -> None:
    zone: Zone = {}
    for index in range(5):
        zone.update(slow_chain(f"d{index}.slow.test"))
    server.set_zone(zone)
    targets = [DomainTarget(f"d{index}.slow.test") for index in range(5)]
    options = options_for(
        Nameserver(*server.address), dns_timeout=1.0, check_timeout=60.0, deadline=3.0
    )
    started = time.monotonic()
    report = asyncio.run(verify_async(targets, options))
    assert time.monotonic() - started < 3.0 + SLACK
    for domain in report.domains:
        assert domain.result("spf.syntax").detail.startswith("timed out after 3s")


def test_an_exception_in_a_check_is_a_fail_naming_it(
    nameserver: Nameserver, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(resolver: Resolver, target: DomainTarget) -> list[CheckResult]:
        raise KeyError("p")

    monkeypatch.setattr(runner, "dkim_checks", broken)
    report = check_one(DomainTarget("good.example.com", dkim_selectors=("tok1",)), nameserver)
    for check_id in runner.DKIM_CHECK_IDS:
        result = report.result(check_id)
        assert result.status is Status.FAIL
        assert result.detail == "the check could not run: KeyError: 'p'"
    assert report.result("spf.present").status is Status.PASS


# An EC public key on secp112r1, a curve the cryptography library refuses.
EC_SECP112R1 = base64.b64encode(
    bytes.fromhex("3056301006072a8648ce3d020106052b81040006034200") + b"\x04" + b"\x01" * 64
).decode()


def test_a_dkim_key_on_an_unsupported_curve_is_a_finding(server: ScriptedDns) -> None:
    server.set_zone(
        {
            "curve.test": [{"TXT": "v=spf1 include:amazonses.com -all"}],
            "amazonses.com": [{"TXT": SES_SPF}],
            "sel._domainkey.curve.test": [{"TXT": f"v=DKIM1; k=rsa; p={EC_SECP112R1}"}],
        }
    )
    report = check_one(
        DomainTarget("curve.test", dkim_selectors=("sel",)), Nameserver(*server.address)
    )
    key = report.result("dkim.key_valid")
    assert key.status is Status.FAIL
    assert "unsupported algorithm or curve" in key.detail


def test_cli_against_a_silent_nameserver_ends_by_its_deadline(tmp_path: Path) -> None:
    with udp_server(None) as (ip, port):
        started = time.monotonic()
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "mailstack",
                "verify",
                "--domain",
                "silent.example.com",
                "--mail-from",
                "bounce.silent.example.com",
                *[flag for i in range(10) for flag in ("--dkim-selector", f"s{i}")],
                "--nameserver",
                f"{ip}:{port}",
                "--dns-timeout",
                "1",
                "--deadline",
                "4",
                "--format",
                "json",
            ],
            cwd=ROOT,
            env=without_aws_credentials(tmp_path),
            capture_output=True,
            text=True,
            timeout=60,
        )
        elapsed = time.monotonic() - started
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert elapsed < 4 + SLACK + 3  # + interpreter start and imports
    checks = json.loads(result.stdout)["domains"][0]["checks"]
    assert {c["status"] for c in checks} <= {"fail", "skip"}


@pytest.mark.parametrize("flag", ["--deadline", "--check-timeout", "--smtp-deadline"])
@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf"])
def test_budget_flags_reject_non_positive_or_infinite_values(
    flag: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from mailstack.cli import main

    code = main(["verify", "--domain", "example.com", flag, value])
    assert code == 2
    assert "must be more than 0 seconds (a finite number)" in capsys.readouterr().err


# --- hostile DNS answers, generated --------------------------------------------------------

_TXT = st.one_of(
    st.text(max_size=300),
    st.lists(
        st.sampled_from(
            [
                "v=spf1",
                "include:amazonses.com",
                "-all",
                "redirect=x.hostile.test",
                "%{d0}",
                "v=DMARC1;",
                "p=reject;",
                "rua=mailto:a@b",
                "v=DKIM1;",
                "k=rsa;",
                "p=",
                "k=ed25519;",
                f"p={EC_SECP112R1}",
                "p=AAAA",
                "t=y",
                "exists:%{i}.hostile.test",
                "a/0",
                "mx//0",
            ]
        ),
        max_size=10,
    ).map(" ".join),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(spf=_TXT, dmarc=_TXT, dkim=_TXT, mail_from=_TXT)
def test_random_records_become_findings_within_the_check_deadline(
    server: ScriptedDns, spf: str, dmarc: str, dkim: str, mail_from: str
) -> None:
    server.set_zone(
        {
            "hostile.test": [{"TXT": spf}],
            "_dmarc.hostile.test": [{"TXT": dmarc}],
            "sel._domainkey.hostile.test": [{"TXT": dkim}],
            "bounce.hostile.test": [
                {"TXT": mail_from},
                {"MX": [10, "feedback-smtp.x.amazonses.com"]},
            ],
            "x.hostile.test": [{"TXT": spf}],
            "amazonses.com": [{"TXT": SES_SPF}],
        }
    )
    target = DomainTarget("hostile.test", dkim_selectors=("sel",), mail_from="bounce.hostile.test")
    started = time.monotonic()
    report = check_one(target, Nameserver(*server.address), dns_timeout=1.0, check_timeout=3.0)
    assert time.monotonic() - started < 3.0 + SLACK
    assert all(isinstance(check.status, Status) and check.detail for check in report.checks)
    # The runner turns a stray exception into a fail; none may reach it from a parser.
    broken = [c for c in report.checks if c.detail.startswith("the check could not run")]
    assert not broken
