"""Plan-time findings for what `verify` would fail on: external DMARC report addresses that
need authorization (RFC 9989 4.7.1) and relay MAIL FROM domains without an MX."""

from __future__ import annotations

from components.policy.blind_spots import (
    SenderView,
    external_report_blind_spots,
    relay_mail_from_blind_spots,
)
from components.policy.dns import RecordView
from mailstack.findings import plan_findings
from mailstack.policy_check import evaluate_plan
from tests.policy.test_evaluate_plan import of, plan, relay_config, ses_config


def dmarc(domain: str, value: str) -> RecordView:
    return RecordView(f"_dmarc.{domain}", "TXT", (value,))


def test_a_report_domain_outside_the_organization_needs_the_report_txt() -> None:
    records = [
        dmarc(
            "news.example.com",
            "v=DMARC1; p=reject; rua=mailto:agg@reports.vendor.example.net,"
            "mailto:d@example.com; ruf=mailto:f@reports.vendor.example.net",
        )
    ]
    (spot,) = external_report_blind_spots(["news.example.com"], records)
    assert spot.subject == "news.example.com"
    assert spot.record is not None
    assert (spot.record.name, spot.record.type, spot.record.value) == (
        "news.example.com._report._dmarc.reports.vendor.example.net",
        "TXT",
        "v=DMARC1;",
    )
    assert "reports.vendor.example.net" in spot.message and "outside" in spot.message


def test_report_domains_of_the_same_organization_or_already_authorized_need_nothing() -> None:
    same = [dmarc("news.example.com", "v=DMARC1; p=reject; rua=mailto:d@ops.example.com")]
    assert external_report_blind_spots(["news.example.com"], same) == []
    authorized = [
        dmarc("news.example.com", "v=DMARC1; p=none; rua=mailto:d@example.net"),
        RecordView("news.example.com._report._dmarc.example.net", "TXT", ("v=DMARC1;",)),
    ]
    assert external_report_blind_spots(["news.example.com"], authorized) == []


def test_a_relay_whose_mail_from_has_no_mx_is_found_and_one_with_an_mx_is_not() -> None:
    relay = SenderView("mail.example.com", "postfix", "mail.example.com")
    ses = SenderView("news.example.com", "ses", "bounce.news.example.com")
    (spot,) = relay_mail_from_blind_spots([relay, ses], [])
    assert spot.subject == "mail.example.com"
    assert "MAIL FROM mail.example.com (the domain itself)" in spot.message
    with_mx = [RecordView("mail.example.com", "MX", ("10 inbound.example.com",))]
    assert relay_mail_from_blind_spots([relay], with_mx) == []


def test_plan_reports_an_external_rua_with_the_record_to_publish() -> None:
    raw = ses_config(dmarc={"policy": "reject", "rua": ["agg@dmarc.vendor.example.net"]})
    result = plan(raw)
    (finding,) = plan_findings(result.outputs, result.dns_records)
    assert finding.id == "dmarc-external-report-authorization"
    assert finding.to_json()["record"] == {
        "name": "news.example.com._report._dmarc.dmarc.vendor.example.net",
        "type": "TXT",
        "values": ["v=DMARC1;"],
    }
    (violation,) = of(evaluate_plan(result, "production"), "dmarc-external-report-authorization")
    assert violation.enforcement == "advisory" and violation.resource == "news.example.com"


def test_plan_reports_a_relay_without_inbound_mx_and_not_an_ses_domain() -> None:
    relay = plan(relay_config(["10.0.0.0/8"]))
    (finding,) = plan_findings(relay.outputs, relay.dns_records)
    assert (finding.id, finding.domain) == ("relay-mail-from-mx", "mail.example.com")
    (violation,) = of(evaluate_plan(relay, "production"), "relay-mail-from-mx")
    assert violation.enforcement == "advisory"
    ses = plan(ses_config())
    assert plan_findings(ses.outputs, ses.dns_records) == []
    assert of(evaluate_plan(ses, "production"), "relay-mail-from-mx") == []


def test_a_relay_fronting_ses_uses_the_mx_ses_publishes() -> None:
    result = plan(relay_config(["10.0.0.0/8"], smarthost="ses"))
    assert plan_findings(result.outputs, result.dns_records) == []
