"""`mailstack demo` end to end: offline plan, embedded DNS server, verify, a caught fault."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest
import yaml

from checks.embedded_dns import EmbeddedDnsServer, ServedRecord
from components.records.dns_record import DnsRecord
from tests.support.environment import without_aws_credentials

ROOT = Path(__file__).resolve().parents[2]


def test_demo_verifies_the_dev_stack_and_catches_a_second_spf_record(tmp_path: Path) -> None:
    env = without_aws_credentials(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "mailstack", "demo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "stand-in: SES Easy DKIM tokens for news.dev.example.com: demo-standin-token-1" in out
    first, second = out.split("== 2. deliberate fault", 1)
    assert "PASS  dkim.selector_published" in first
    assert "PASS  dns.records_match" in first
    assert "0 fail" in first
    assert "FAIL  spf.present" in second and "2 v=spf1 records at news.dev.example.com" in second
    assert "fault caught: verify exits 1 with the fault, 0 without it" in second
    assert "embedded DNS server" in result.stderr


def test_embedded_server_answers_like_an_authoritative_server() -> None:
    records: list[DnsRecord | ServedRecord] = [
        DnsRecord("a.demo.example", "TXT", ("x" * 600,)),
        DnsRecord("alias.demo.example", "CNAME", ("a.demo.example",)),
        ServedRecord("1.2.0.192.in-addr.arpa", "PTR", ("relay.demo.example",)),
    ]
    with EmbeddedDnsServer(["demo.example", "in-addr.arpa"], records) as (ip, port):

        def ask(name: str, rdtype: str, tcp: bool = False) -> dns.message.Message:
            query = dns.message.make_query(name, rdtype)
            send = dns.query.tcp if tcp else dns.query.udp
            return send(query, ip, port=port, timeout=2)

        assert ask("missing.demo.example", "TXT").rcode() == dns.rcode.NXDOMAIN
        assert ask("elsewhere.example", "TXT").rcode() == dns.rcode.REFUSED
        nodata = ask("a.demo.example", "MX")
        assert nodata.rcode() == dns.rcode.NOERROR and not nodata.answer and nodata.authority
        chased = ask("alias.demo.example", "TXT", tcp=True)
        assert [r.rdtype for r in chased.answer] == [dns.rdatatype.CNAME, dns.rdatatype.TXT]
        assert b"".join(chased.answer[1][0].strings) == b"x" * 600
        assert (
            ask("1.2.0.192.in-addr.arpa", "PTR").answer[0][0].target.to_text()
            == "relay.demo.example."
        )


def test_stand_ins_replace_what_only_a_deployment_knows() -> None:
    from mailstack.commands.demo import STANDIN_RELAY_IP, build_setup

    planned = [
        DnsRecord("<unknown>", "CNAME", ("<unknown>",)),
        DnsRecord(
            "news.example.com",
            "TXT",
            ("v=spf1 include:amazonses.com include:_spf.other.example -all",),
        ),
        DnsRecord("relay1.mail.example.com", "A", ("<unknown>",)),
        DnsRecord("mail.example.com", "TXT", ("<unknown>",)),
        DnsRecord("s1._domainkey.mail.example.com", "TXT", ("<unknown>",)),
    ]
    outputs = {
        "domains": [
            {
                "name": "news.example.com",
                "sender": "ses",
                "dkimSelectors": "<unknown>",
                "zone": "example.com",
            },
            {
                "name": "mail.example.com",
                "sender": "postfix",
                "dkimSelectors": ["s1"],
                "mailFrom": "mail.example.com",
                "relayIps": ["<unknown>"],
                "relayHostname": "relay1.mail.example.com",
                "zone": "example.com",
            },
        ]
    }
    setup = build_setup(planned, outputs)
    served = {(r.name, r.type): r.values for r in setup.records}
    assert served[("relay1.mail.example.com", "A")] == (STANDIN_RELAY_IP,)
    assert served[("mail.example.com", "TXT")] == (f"v=spf1 ip4:{STANDIN_RELAY_IP} -all",)
    assert served[("s1._domainkey.mail.example.com", "TXT")][0].startswith("v=DKIM1; k=rsa; p=MII")
    assert served[("demo-standin-token-1._domainkey.news.example.com", "CNAME")] == (
        "demo-standin-token-1.dkim.amazonses.com",
    )
    extra = {(r.name, r.type): r.values for r in setup.extra}
    assert extra[("10.2.0.192.in-addr.arpa", "PTR")] == ("relay1.mail.example.com",)
    assert extra[("_spf.other.example", "TXT")] == ("v=spf1 -all",)
    assert "example.com" in setup.zones
    assert not any("<unknown>" in v for r in setup.records for v in (r.name, *r.values))


def test_demo_passes_a_stack_whose_relay_fronts_ses(tmp_path: Path) -> None:
    # staging: offers.staging.example.com is a Postfix relay with `smarthost: ses`, so its
    # MAIL FROM is SES's and SES, not the relay, must pass SPF there.
    env = without_aws_credentials(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "mailstack", "demo", "--stack", "staging"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    first = result.stdout.split("== 2. deliberate fault", 1)[0]
    assert "0 fail" in first
    assert "offers.staging.example.com TXT: v=spf1 ip4:192.0.2.10 include:amazonses.com" in first


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_demo_passes_every_shipped_stack(tmp_path: Path, stack: str) -> None:
    env = without_aws_credentials(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "mailstack", "demo", "--stack", stack],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    first = result.stdout.split("== 2. deliberate fault", 1)[0]
    assert "0 fail" in first
    if stack == "prod":
        # The relay's MAIL FROM is mail.example.com, which needs an inbound MX the stack
        # does not create: the demo serves a stand-in and says so.
        assert (
            "stand-in: mail.example.com MX 10 inbound-mx.demo-standin.example: a real deployment"
            " publishes an MX for the relay's MAIL FROM domain" in first
        )
        assert "PASS  mailfrom.mx              mail.example.com MX" in first


def test_demo_serves_the_report_authorization_an_external_rua_needs(tmp_path: Path) -> None:
    config = tmp_path / "Pulumi.external.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "config": {
                    "aws:region": "us-east-1",
                    "mailstack:environment": "staging",
                    "mailstack:dns": {"provider": "zonefile", "zoneName": "example.com"},
                    "mailstack:domains": [
                        {
                            "name": "news.example.com",
                            "dmarc": {"policy": "quarantine", "rua": ["a@reports.example.net"]},
                        }
                    ],
                }
            }
        ),
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "mailstack", "demo", "--config", str(config)],
        cwd=ROOT,
        env=without_aws_credentials(tmp_path),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    first = result.stdout.split("== 2. deliberate fault", 1)[0]
    assert (
        'stand-in: news.example.com._report._dmarc.reports.example.net TXT "v=DMARC1;": the report'
        " domain's authorization" in first
    )
    assert "PASS  dmarc.rua_authorized" in first and "authorized by" in first
