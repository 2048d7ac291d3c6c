"""`mailstack plan` as a user runs it: a subprocess, exit codes, stdout, files written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import dns.message
import dns.query
import dns.rdatatype
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]


def mailstack(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mailstack", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def write_stack(tmp_path: Path, config: dict[str, Any]) -> Path:
    path = tmp_path / "Pulumi.custom.yaml"
    path.write_text(yaml.safe_dump({"config": config}), encoding="utf-8")
    return path


SES_STACK: dict[str, Any] = {
    "aws:region": "eu-central-1",
    "mailstack:environment": "staging",
    "mailstack:dns": {"provider": "route53", "zoneName": "example.org"},
    "mailstack:domains": [
        {"name": "mail.example.org", "dmarc": {"policy": "quarantine", "rua": ["d@example.org"]}},
        {"name": "offers.example.org", "dns": {"provider": "cloudflare", "zoneId": "abc123"}},
    ],
}


def test_plan_json_lists_the_ses_resources_and_records_per_domain(tmp_path: Path) -> None:
    result = mailstack("plan", "--config", str(write_stack(tmp_path, SES_STACK)), "--json")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert set(plan) == {"stack", "resources", "dns_records", "outputs", "findings"}
    assert plan["findings"] == []
    assert plan["stack"] == "custom"
    types = [r["type"] for r in plan["resources"]]
    for resource_type in (
        "aws:sesv2/emailIdentity:EmailIdentity",
        "aws:sesv2/emailIdentityMailFromAttributes:EmailIdentityMailFromAttributes",
        "aws:sesv2/configurationSet:ConfigurationSet",
    ):
        assert types.count(resource_type) == 2
    route53 = [r for r in plan["resources"] if r["type"] == "aws:route53/record:Record"]
    cloudflare = [
        r for r in plan["resources"] if r["type"] == "cloudflare:index/dnsRecord:DnsRecord"
    ]
    assert {r["inputs"]["type"] for r in route53} == {"CNAME", "MX", "TXT"}
    assert len(route53) == 7 and len(cloudflare) == 7
    assert all(set(r) == {"type", "name", "parent", "inputs"} for r in plan["resources"])
    for domain in ("mail.example.org", "offers.example.org"):
        records = [r for r in plan["dns_records"] if r["name"].endswith(domain)]
        kinds = sorted(
            (r["name"].split(".")[0], r["type"])
            for r in records
            if not r["name"].startswith("<token ")
        )
        assert kinds == [
            ("_dmarc", "TXT"),
            ("bounce", "MX"),
            ("bounce", "TXT"),
            (domain.split(".")[0], "TXT"),
        ]
    cnames = [r for r in plan["dns_records"] if r["type"] == "CNAME"]
    # Easy DKIM tokens are issued on deployment: the plan names each by its position.
    assert sorted(r["name"] for r in cnames) == sorted(
        f"<token {n}>._domainkey.{domain}"
        for n in (1, 2, 3)
        for domain in ("mail.example.org", "offers.example.org")
    )


def test_plan_twice_gives_byte_identical_json(tmp_path: Path) -> None:
    path = str(write_stack(tmp_path, SES_STACK))
    first = mailstack("plan", "--config", path, "--json")
    second = mailstack("plan", "--config", path, "--json")
    assert first.returncode == second.returncode == 0
    assert first.stdout == second.stdout


def test_invalid_config_exits_non_zero_with_key_path_and_no_traceback(tmp_path: Path) -> None:
    broken = json.loads(json.dumps(SES_STACK))
    broken["mailstack:domains"][0]["dmarc"]["policy"] = "rejct"
    broken["mailstack:domains"][1]["mailFrom"] = "bounce.elsewhere.net"
    result = mailstack("plan", "--config", str(write_stack(tmp_path, broken)), "--json")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "mailstack:domains[0].dmarc.policy" in result.stderr and '"rejct"' in result.stderr
    assert "mailstack:domains[1].mailFrom" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = mailstack("plan", "--config", str(tmp_path / "nope.yaml"))
    assert result.returncode == 2
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr


def test_malformed_yaml_is_reported_without_traceback(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.bad.yaml"
    path.write_text("config:\n  mailstack:domains: [\n", encoding="utf-8")
    result = mailstack("plan", "--config", str(path))
    assert result.returncode == 2
    assert "not valid YAML" in result.stderr and "Traceback" not in result.stderr


def test_plan_text_for_the_dev_stack() -> None:
    result = mailstack("plan", "--stack", "dev")
    assert result.returncode == 0, result.stderr
    assert "aws:sesv2/emailIdentity:EmailIdentity" in result.stdout
    assert "_dmarc.news.dev.example.com" in result.stdout


def test_zone_file_loads_into_a_real_dns_server(tmp_path: Path) -> None:
    dns_server = pytest.importorskip("tests.support.dns_server")
    try:
        dns_server.find_server()
    except dns_server.DnsServerUnavailableError as error:
        pytest.skip(str(error))
    config = json.loads(json.dumps(SES_STACK))
    config["mailstack:domains"][0]["dkim"] = "byo"
    config["mailstack:domains"][0]["mtaSts"] = {"mode": "enforce", "mx": ["mx.example.org"]}
    zone_path = tmp_path / "example.org.zone"
    result = mailstack(
        "plan", "--config", str(write_stack(tmp_path, config)), "--zone-file", str(zone_path)
    )
    assert result.returncode == 0, result.stderr
    zone_text = zone_path.read_text(encoding="utf-8")
    with dns_server.serve_zones({"example.org": zone_text}) as (ip, port):

        def query(name: str, rdtype: str) -> list[str]:
            response = dns.query.udp(dns.message.make_query(name, rdtype), ip, port=port, timeout=5)
            return [
                b"".join(rd.strings).decode() if rdtype == "TXT" else rd.to_text()
                for rrset in response.answer
                for rd in rrset
            ]

        assert query("mail.example.org", "TXT") == ["v=spf1 include:amazonses.com ~all"]
        assert query("_dmarc.mail.example.org", "TXT")[0].startswith("v=DMARC1; p=quarantine")
        assert query("bounce.offers.example.org", "MX") == [
            "10 feedback-smtp.eu-central-1.amazonses.com."
        ]
        assert query("_mta-sts.mail.example.org", "TXT")[0].startswith("v=STSv1; id=")


EXTERNAL_REPORTS: dict[str, Any] = {
    "aws:region": "us-east-1",
    "mailstack:environment": "staging",
    "mailstack:dns": {"provider": "cloudflare", "zoneId": "abc", "zoneName": "example.com"},
    "mailstack:domains": [
        {
            "name": "news.example.com",
            "dmarc": {"policy": "quarantine", "rua": ["agg@reports.vendor.example.net"]},
        },
        {
            "name": "mail.example.com",
            "sender": "postfix",
            "relay": {"hostname": "relay1.mail.example.com", "allowedCidrs": ["10.0.0.0/8"]},
            "dmarc": {"policy": "quarantine", "rua": ["d@example.com"]},
        },
    ],
}


def test_plan_reports_what_verify_would_fail_on_in_text_and_json(tmp_path: Path) -> None:
    path = str(write_stack(tmp_path, EXTERNAL_REPORTS))
    text = mailstack("plan", "--config", path)
    assert text.returncode == 0, text.stderr
    section = text.stdout.split("\nFindings", 1)[1]
    assert "dmarc-external-report-authorization: news.example.com" in section
    assert (
        'publish: news.example.com._report._dmarc.reports.vendor.example.net TXT "v=DMARC1;"'
        in section
    )
    assert "relay-mail-from-mx: mail.example.com" in section
    as_json = json.loads(mailstack("plan", "--config", path, "--json").stdout)
    assert [(f["id"], f["domain"], f["record"]) for f in as_json["findings"]] == [
        (
            "dmarc-external-report-authorization",
            "news.example.com",
            {
                "name": "news.example.com._report._dmarc.reports.vendor.example.net",
                "type": "TXT",
                "values": ["v=DMARC1;"],
            },
        ),
        ("relay-mail-from-mx", "mail.example.com", None),
    ]
