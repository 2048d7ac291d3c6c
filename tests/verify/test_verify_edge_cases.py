"""Records and inputs at the edges of the RFCs, and what a pipeline sees for them."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import threading
import time
from pathlib import Path
from typing import Any

import dns.message
import dns.rcode
import pytest
import xmlschema

from checks.relay import RelayTarget, SmtpSettings
from checks.render import render_junit, render_text
from checks.report import DomainReport, Report, Status, failed, passed, skipped, warned
from checks.resolver import Nameserver
from checks.runner import verify_async
from checks.targets import DomainTarget, TargetError, targets_from_outputs
from components.records.dns_record import DnsRecord
from mailstack.cli import main
from tests.verify.conftest import check_one, options_for
from tests.verify.fake_servers import servfail_for, udp_server

SCHEMA = Path(__file__).with_name("junit-10.xsd")


def _ns(nameserver: Nameserver) -> list[str]:
    return ["--nameserver", f"{nameserver.address}:{nameserver.port}"]


# --- SPF ------------------------------------------------------------------------------------


def test_mx_with_more_than_ten_hosts_breaks_the_lookup_limit(nameserver: Nameserver) -> None:
    report = check_one(DomainTarget("mxhosts.hard.test"), nameserver)
    limit = report.result("spf.lookup_limit")
    assert limit.status is Status.FAIL
    assert "manymx.hard.test has 12 MX hosts" in limit.detail
    assert "RFC 7208 section 4.6.4" in limit.detail
    assert report.result("spf.syntax").status is Status.PASS


@pytest.mark.parametrize(
    ("domain", "in_detail"),
    [
        (
            "afterall.hard.test",
            "ip4:192.0.2.1/32 after -all is never evaluated (RFC 7208 section 5.1)",
        ),
        ("redirall.hard.test", "redirect=amazonses.com is ignored because the record has -all"),
        ("ptr.hard.test", "ptr mechanism SHOULD NOT be used (RFC 7208 section 5.5)"),
    ],
)
def test_ineffective_or_discouraged_terms_warn(
    nameserver: Nameserver, domain: str, in_detail: str
) -> None:
    result = check_one(DomainTarget(domain), nameserver).result("spf.syntax")
    assert result.status is Status.WARN, result
    assert in_detail in result.detail


def test_missing_records_say_what_is_expected(nameserver: Nameserver) -> None:
    report = check_one(
        DomainTarget("nodmarc.other.test", mail_from="nomx.good.example.com", region="eu-west-1"),
        nameserver,
    )
    assert 'expected exactly one, e.g. "v=spf1 include:amazonses.com -all"' in (
        check_one(DomainTarget("nospf.example.com"), nameserver).result("spf.present").detail
    )
    dmarc_present = report.result("dmarc.present").detail
    assert 'expected one TXT "v=DMARC1; p=reject' in dmarc_present and "RFC 9989" in dmarc_present
    mx = report.result("mailfrom.mx")
    assert mx.status is Status.FAIL
    assert "expected MX 10 feedback-smtp.eu-west-1.amazonses.com" in mx.detail


# --- DKIM -----------------------------------------------------------------------------------


def test_key_restricted_to_sha1_cannot_verify(nameserver: Nameserver) -> None:
    target = DomainTarget("hard.test", dkim_selectors=("sha1",))
    result = check_one(target, nameserver).result("dkim.key_valid")
    assert result.status is Status.FAIL
    assert "h=sha1" in result.detail and "RFC 8301" in result.detail
    both = DomainTarget("hard.test", dkim_selectors=("sha256",))
    assert check_one(both, nameserver).result("dkim.key_valid").status is Status.PASS


def test_key_for_another_service_cannot_sign_mail(nameserver: Nameserver) -> None:
    target = DomainTarget("hard.test", dkim_selectors=("service",))
    result = check_one(target, nameserver).result("dkim.key_valid")
    assert result.status is Status.FAIL
    assert "s=tlsrpt restricts the key to other services" in result.detail


def test_testing_flag_on_a_key_warns(nameserver: Nameserver) -> None:
    target = DomainTarget("hard.test", dkim_selectors=("testing",))
    result = check_one(target, nameserver).result("dkim.key_valid")
    assert result.status is Status.WARN
    assert "t=y" in result.detail and "like unsigned mail" in result.detail


def test_selector_cname_to_a_missing_name_names_the_target(nameserver: Nameserver) -> None:
    target = DomainTarget("hard.test", dkim_selectors=("dangling",))
    result = check_one(target, nameserver).result("dkim.selector_published")
    assert result.status is Status.FAIL
    assert "the CNAME target nothere.hard.test does not exist (NXDOMAIN)" in result.detail


# --- DMARC ----------------------------------------------------------------------------------


def test_uppercase_dmarc_tags_and_values_are_read(nameserver: Nameserver) -> None:
    report = check_one(DomainTarget("upper.hard.test"), nameserver)
    for check_id in ("dmarc.present", "dmarc.syntax", "dmarc.policy", "dmarc.rua_authorized"):
        assert report.result(check_id).status is Status.PASS, report.result(check_id)
    assert report.result("dmarc.policy").detail == "p=reject"


def test_psd_n_makes_the_organizational_domain(nameserver: Nameserver) -> None:
    # mail.brand.corp.hard.test belongs to brand.corp.hard.test (psd=n); its reports go to
    # another organization, corp.hard.test, which has not opted in.
    result = check_one(DomainTarget("mail.brand.corp.hard.test"), nameserver).result(
        "dmarc.rua_authorized"
    )
    assert result.status is Status.FAIL
    assert "other.corp.hard.test has not authorized reports" in result.detail


def test_psd_y_makes_the_name_below_it_organizational(nameserver: Nameserver) -> None:
    # hard.test is a public suffix (psd=y): x.shop and y.shop share shop.hard.test.
    result = check_one(DomainTarget("x.shop.hard.test"), nameserver).result("dmarc.rua_authorized")
    assert result.status is Status.PASS, result
    assert "y.shop.hard.test (same organization)" in result.detail


# --- a relay with SES as its smarthost ------------------------------------------------------


def test_relay_fronting_ses_is_judged_by_what_ses_sends(nameserver: Nameserver) -> None:
    # Every message leaves through SES, so SES must pass SPF at the SES MAIL FROM domain.
    target = DomainTarget(
        "smart.hard.test",
        sender="postfix",
        mail_from="bounce.smart.hard.test",
        region="us-east-1",
        relays=(RelayTarget(ipaddress.ip_address("127.0.0.1")),),
        ses_smarthost=True,
    )
    report = check_one(target, nameserver, smtp=SmtpSettings(enabled=False))
    for check_id in ("spf.authorizes_sender", "mailfrom.mx", "mailfrom.spf"):
        assert report.result(check_id).status is Status.PASS, report.result(check_id)
    assert "SES" in report.result("mailfrom.spf").detail
    assert report.result("ses.identity_verified").status is Status.SKIP
    assert report.result("relay.dnsbl").status is not Status.FAIL


def test_outputs_mark_a_relay_fronting_ses() -> None:
    relay = {"name": "r.example.com", "sender": "postfix", "relayIps": ["192.0.2.1"]}
    plain, with_set, named = targets_from_outputs(
        {
            "domains": [
                relay,
                {**relay, "name": "s.example.com", "configurationSet": "s-example-com"},
                {**relay, "name": "t.example.com", "smarthost": "ses"},
            ]
        }
    )
    assert not plain.sends_via_ses
    assert with_set.sends_via_ses and named.sends_via_ses
    with pytest.raises(
        TargetError, match=r"domains\[0\]\.smarthost: 'smtp' is not one of none, ses"
    ):
        targets_from_outputs({"domains": [{**relay, "smarthost": "smtp"}]})


# --- output formats -------------------------------------------------------------------------


def test_control_characters_from_dns_keep_junit_valid_and_text_inert(
    nameserver: Nameserver, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["verify", "--domain", "ctl.hard.test", *_ns(nameserver)]
    assert main([*argv, "--format", "junit"]) == 1
    xml = capsys.readouterr().out
    xmlschema.XMLSchema(str(SCHEMA)).validate(xml)
    assert "\\x1b[31m\\x07 ]]&gt; &amp;" in xml
    assert main([*argv, "--format", "text"]) == 1
    text = capsys.readouterr().out
    assert "\x1b" not in text and "\x07" not in text
    assert "\\x1b[31m" in text
    assert main([*argv, "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    present = data["domains"][0]["checks"][0]
    assert present["id"] == "spf.present" and "\x1b[31m\x07 ]]> &" in present["detail"]


def test_junit_validates_for_any_detail() -> None:
    odd = "a\x00b\x0bc\x1fd ]]> <x> & \ud800 \ufffe\r\nsecond line"
    report = Report(
        [
            DomainReport(
                "a.example",
                [failed("x.fail", odd), warned("x.warn", odd), skipped("x.skip", odd)],
            ),
            DomainReport("b.example", [passed("x.pass", odd)]),
        ]
    )
    xml = render_junit(report)
    schema = xmlschema.XMLSchema(str(SCHEMA))
    schema.validate(xml)
    document: Any = schema.to_dict(xml)
    failure = document["testsuite"][0]["testcase"][0]["failure"][0]
    assert failure["@message"].startswith("a\\x00b\\x0bc\\x1fd ]]> <x> &")
    assert "second line" not in failure["@message"]
    assert render_text(report).count("second line") == 4


# --- --outputs ------------------------------------------------------------------------------


PREVIEW = {
    "domains": [
        {
            "name": "news.example.com",
            "sender": "ses",
            "region": "us-east-1",
            "dkimSelectors": "<unknown>",
            "zone": "example.com",
        }
    ],
    "records": [
        {"name": "<unknown>", "type": "CNAME", "values": ["<unknown>"], "ttl": 300},
        {"name": "news.example.com", "type": "TXT", "values": ["v=spf1 -all"], "ttl": 300},
    ],
}


@pytest.mark.parametrize(
    ("content", "messages"),
    [
        (
            json.dumps(PREVIEW),
            [
                ".domains[0].dkimSelectors: '<unknown>' is known only after deployment",
                ".records[0].name: '<unknown>'",
                ".records[0].values[0]: '<unknown>'",
                "not a `mailstack plan` preview",
            ],
        ),
        (
            json.dumps({"domains": [{"name": "a.example.com"}, {"name": "A.example.com."}]}),
            [".domains[1].name: 'a.example.com' is listed twice (also "],
        ),
        (
            json.dumps(
                {
                    "domains": [{"name": "a.example.com"}],
                    "records": [
                        {"name": "a.example.com", "type": "TXT", "values": ["x"], "ttl": "1h"}
                    ],
                }
            ),
            [".records[0].ttl: '1h' is not a whole number of seconds"],
        ),
        (
            json.dumps(
                {
                    "domains": [{"name": "a.example.com"}],
                    "records": [{"name": "not a name", "type": "TXT", "values": ["x"]}],
                }
            ),
            [".records[0].name: 'not a name' is not a domain name"],
        ),
        ("\xff\xfe{}", ["not UTF-8 text (byte 0xff at offset 0)"]),
        (json.dumps({"domains": []}), [".domains: expected a non-empty list"]),
    ],
)
def test_unusable_outputs_exit_2_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, messages: list[str]
) -> None:
    path = tmp_path / "outputs.json"
    path.write_bytes(content.encode("latin-1") if content.startswith("\xff") else content.encode())
    assert main(["verify", "--outputs", str(path), "--nameserver", "127.0.0.1:9"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Traceback" not in captured.err
    for message in messages:
        assert message in captured.err


# --- drift ----------------------------------------------------------------------------------


def test_drift_ignores_txt_the_stack_does_not_manage(nameserver: Nameserver) -> None:
    spf = DnsRecord("shared.hard.test", "TXT", ("v=spf1 include:amazonses.com -all",))
    only_spf = DomainTarget("shared.hard.test", records=(spf,))
    result = check_one(only_spf, nameserver).result("dns.records_match")
    assert result.status is Status.PASS, result
    assert "1 other TXT value(s) not managed by the stack" in result.detail
    # Two outputs at one name and type describe one record set.
    verification = DnsRecord("shared.hard.test", "TXT", ("google-site-verification=abc",))
    both = DomainTarget("shared.hard.test", records=(spf, verification))
    assert check_one(both, nameserver).result("dns.records_match").status is Status.PASS
    changed = DnsRecord("shared.hard.test", "TXT", ("v=spf1 include:amazonses.com ~all",))
    drifted = check_one(DomainTarget("shared.hard.test", records=(changed,)), nameserver)
    detail = drifted.result("dns.records_match").detail
    assert "missing ['v=spf1 include:amazonses.com ~all']" in detail
    assert "unexpected ['v=spf1 include:amazonses.com -all']" in detail
    assert "google-site-verification" not in detail


# --- DNS faults on one name ----------------------------------------------------------------


def test_servfail_on_one_name_is_blamed_on_that_name(nameserver: Nameserver) -> None:
    failing = {"amazonses.com", "tok1.dkim.amazonses.com"}
    with servfail_for((nameserver.address, nameserver.port), failing) as (ip, port):
        target = DomainTarget("good.example.com", dkim_selectors=("tok1",))
        report = check_one(target, Nameserver(ip, port))
    assert report.result("spf.syntax").status is Status.PASS
    limit = report.result("spf.lookup_limit")
    assert limit.status is Status.FAIL
    assert "temperror (RFC 7208 section 4.4)" in limit.detail
    assert "amazonses.com TXT" in limit.detail and "SERVFAIL" in limit.detail
    selector = report.result("dkim.selector_published").detail
    assert "querying the CNAME target tok1.dkim.amazonses.com" in selector
    assert "SERVFAIL" in selector


def test_truncated_answer_without_tcp_says_so(nameserver: Nameserver) -> None:
    # The forwarder speaks UDP only: the TC answer cannot be retried over TCP.
    with servfail_for((nameserver.address, nameserver.port), set()) as (ip, port):
        result = check_one(DomainTarget("big.example.com"), Nameserver(ip, port))
    detail = result.result("spf.present").detail
    assert "the UDP answer was truncated (TC)" in detail
    assert "over TCP: [Errno 111]" in detail


def test_a_silent_server_costs_one_timeout_per_domain_not_one_per_step() -> None:
    target = DomainTarget(
        "good.example.com", dkim_selectors=("tok1",), mail_from="bounce.good.example.com"
    )
    with udp_server(None) as (ip, port):
        started = time.monotonic()
        report = check_one(target, Nameserver(ip, port), dns_timeout=1.0)
        elapsed = time.monotonic() - started
    # Each lookup gives up after 2s; one after another the steps took 6s.
    assert elapsed < 4.5, f"{elapsed:.1f}s"
    for check_id in ("spf.present", "dkim.selector_published", "mailfrom.mx"):
        assert "timeout" in report.result(check_id).detail


# --- --wait ---------------------------------------------------------------------------------


def test_wait_stops_at_its_deadline_even_when_a_retry_hangs() -> None:
    silent = threading.Event()
    with udp_server(dns.rcode.SERVFAIL, silent) as (ip, port):

        def progress(message: str) -> None:
            if "retrying in" in message:
                silent.set()

        options = options_for(Nameserver(ip, port), wait=2.0, dns_timeout=1.0)
        started = time.monotonic()
        report = asyncio.run(verify_async([DomainTarget("late.example")], options, progress))
        elapsed = time.monotonic() - started
    assert elapsed < 3.5, f"--wait 2 took {elapsed:.1f}s"
    result = report.domains[0].result("spf.present")
    assert result.status is Status.FAIL and "SERVFAIL" in result.detail


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--domain", "A.example.com."], "--domain 'A.example.com.': a.example.com is given twice"),
        (["--wait", "inf"], "--wait inf: must be 0 or more seconds (a finite number)"),
        (["--wait", "nan"], "--wait nan: must be 0 or more seconds"),
        (["--dns-timeout", "nan"], "--dns-timeout nan: must be more than 0 seconds"),
    ],
)
def test_flags_that_cannot_work_exit_2(
    capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    argv = ["verify", "--domain", "a.example.com", "--nameserver", "127.0.0.1:9", *extra]
    assert main(argv) == 2
    assert message in capsys.readouterr().err
