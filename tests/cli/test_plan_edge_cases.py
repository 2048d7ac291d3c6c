"""`mailstack plan` with stacks spanning several zones and providers, zone-file targets, and
problems that only show while the program runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import dns.message
import dns.query
import pulumi
import pytest

from components.records.errors import RecordError
from components.records.zonefile import records_from_zone_text
from mailstack.plan import run_program
from tests.cli.test_plan_cli import mailstack, write_stack

MULTI_ZONE: dict[str, Any] = {
    "aws:region": "eu-west-1",
    "mailstack:environment": "staging",
    "mailstack:dns": {"provider": "zonefile"},
    "mailstack:alerts": {"emails": ["ops@example.com"]},
    "mailstack:domains": [
        {
            # At the zone apex, with every DMARC tag, SPF extras and MTA-STS / TLS-RPT.
            "name": "example.com",
            "dmarc": {
                "policy": "quarantine",
                "subdomainPolicy": "reject",
                "nonexistentPolicy": "reject",
                "psd": "n",
                "testing": True,
                "adkim": "s",
                "aspf": "r",
                "rua": ["a@example.com"],
                "ruf": ["f@example.com"],
                "fo": ["1", "d"],
            },
            "spf": {"ip6": ["2001:db8::/32"], "mechanisms": ["mx"], "all": "-all"},
            "mtaSts": {"mode": "enforce", "mx": ["mx1.example.com"]},
            "tlsRpt": {"rua": ["mailto:tls@example.com"]},
        },
        {
            "name": "shop.example.com",
            "mailFrom": "a.b.bounce.shop.example.com",
            "dkim": "byo",
            "dkimSelectors": ["s2026", "s2025"],
        },
        {"name": "example.co.uk"},
        {"name": "foo.github.io"},
    ],
}


def test_every_zone_file_of_a_multi_zone_stack_loads_and_serves_its_records(
    tmp_path: Path,
) -> None:
    dns_server = pytest.importorskip("tests.support.dns_server")
    try:
        dns_server.find_server()
    except dns_server.DnsServerUnavailableError as error:
        pytest.skip(str(error))
    target = tmp_path / "zones"
    result = mailstack(
        "plan", "--config", str(write_stack(tmp_path, MULTI_ZONE)), "--zone-file", str(target)
    )
    assert result.returncode == 0, result.stderr
    zones = {path.name.removesuffix(".zone"): path.read_text() for path in target.iterdir()}
    assert sorted(zones) == ["example.co.uk", "example.com", "foo.github.io"]
    expected = {
        (record.name, record.type): sorted(record.values)
        for zone, text in zones.items()
        for record in records_from_zone_text(text, zone)
    }
    assert expected[("_dmarc.example.com", "TXT")] == [
        "v=DMARC1; p=quarantine; sp=reject; np=reject; psd=n; t=y; adkim=s; aspf=r;"
        " rua=mailto:a@example.com; ruf=mailto:f@example.com; fo=1:d"
    ]
    assert ("a.b.bounce.shop.example.com", "MX") in expected
    assert ("bounce.example.co.uk", "MX") in expected
    with dns_server.serve_zones(zones) as (ip, port):
        for (name, rdtype), values in expected.items():
            response = dns.query.udp(dns.message.make_query(name, rdtype), ip, port=port, timeout=5)
            served = sorted(
                b"".join(rd.strings).decode() if rdtype == "TXT" else rd.to_text().rstrip(".")
                for rrset in response.answer
                for rd in rrset
            )
            assert served == values, (name, rdtype)


def test_a_single_zone_goes_into_an_existing_directory_as_zone_file(tmp_path: Path) -> None:
    result = mailstack("plan", "--stack", "dev", "--zone-file", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "example.com.zone").read_text().startswith("; Zone example.com")


def test_several_zones_into_an_existing_file_is_one_clear_error(tmp_path: Path) -> None:
    target = tmp_path / "zone.txt"
    target.write_text("keep me", encoding="utf-8")
    result = mailstack(
        "plan", "--config", str(write_stack(tmp_path, MULTI_ZONE)), "--zone-file", str(target)
    )
    assert result.returncode == 1
    assert "3 zones" in result.stderr and str(target) in result.stderr
    assert "Traceback" not in result.stderr
    assert target.read_text() == "keep me"


def test_plan_json_is_identical_across_processes_and_hash_seeds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = str(write_stack(tmp_path, MULTI_ZONE))
    outputs = set()
    for seed in ("0", "4242"):
        monkeypatch.setenv("PYTHONHASHSEED", seed)
        result = mailstack("plan", "--config", path, "--json")
        assert result.returncode == 0, result.stderr
        outputs.add(result.stdout)
    assert len(outputs) == 1
    assert json.loads(outputs.pop())["stack"] == "custom"


def test_a_record_error_raised_while_outputs_resolve_surfaces_as_itself() -> None:
    raw = {
        "aws:region": "us-east-1",
        "mailstack:dns": {"provider": "zonefile"},
        "mailstack:alerts": {"emails": ["ops@example.com"]},
        "mailstack:domains": [{"name": "example.com"}],
    }

    def refuse(_: str) -> str:
        raise RecordError("SPF term 'x' is not valid")

    def program() -> dict[str, Any]:
        return {"records": pulumi.Output.from_input("x").apply(refuse)}

    with pytest.raises(RecordError, match="SPF term 'x' is not valid") as caught:
        run_program(raw, "dev", program)
    assert caught.value.__cause__ is None


def test_a_policy_failure_still_writes_the_requested_zone_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mailstack.cli import main

    config = json.loads(json.dumps(MULTI_ZONE))
    config["mailstack:environment"] = "production"
    target = tmp_path / "zones"
    code = main(
        ["plan", "--config", str(write_stack(tmp_path, config)), "--policy", "--zone-file",
         str(target)]
    )
    stderr = capsys.readouterr().err
    assert code == 1
    assert "MANDATORY dmarc-enforced-in-production" in stderr
    assert sorted(path.name for path in target.iterdir()) == [
        "example.co.uk.zone",
        "example.com.zone",
        "foo.github.io.zone",
    ]
