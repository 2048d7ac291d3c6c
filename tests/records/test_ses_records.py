"""SES DKIM CNAMEs per region and the custom MAIL FROM records."""

from __future__ import annotations

import pytest

from components.records.dns_record import UNKNOWN, DnsRecord
from components.records.errors import RecordError
from components.records.mail_from import mail_from_records
from components.records.ses import (
    REGIONAL_DKIM_HOSTS,
    SES_REGIONS,
    dkim_cname_name,
    dkim_cname_target,
    ses_dkim_cname,
    ses_dkim_host,
    ses_feedback_host,
)
from components.records.spf import parse_spf

TOKEN = "abcdefghijklmnopqrstuvwxyz234567"


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1"])
def test_most_regions_use_the_global_dkim_host(region: str) -> None:
    assert ses_dkim_host(region) == "dkim.amazonses.com"


@pytest.mark.parametrize(
    "region",
    [
        "af-south-1",
        "ap-northeast-3",
        "ap-south-2",
        "ap-southeast-3",
        "ap-southeast-5",
        "ca-west-1",
        "eu-central-2",
        "eu-south-1",
        "il-central-1",
        "me-central-1",
        "us-gov-east-1",
    ],
)
def test_regions_with_their_own_dkim_host(region: str) -> None:
    assert ses_dkim_host(region) == f"dkim.{region}.amazonses.com"


def test_every_regional_host_belongs_to_a_known_region() -> None:
    assert set(REGIONAL_DKIM_HOSTS) <= set(SES_REGIONS)
    assert len(SES_REGIONS) == len(set(SES_REGIONS))


def test_unknown_region_names_the_region_and_lists_known_ones() -> None:
    with pytest.raises(RecordError) as error:
        ses_dkim_host("mars-north-1")
    message = str(error.value)
    assert "'mars-north-1' is not a known SES region" in message
    assert "us-east-1" in message and "af-south-1" in message
    with pytest.raises(RecordError, match="mars-north-1"):
        ses_feedback_host("mars-north-1")


def test_dkim_cname_for_a_subdomain_identity_is_not_doubled() -> None:
    record = ses_dkim_cname(TOKEN, "news.example.com", "eu-south-1", 600)
    assert record == DnsRecord(
        name=f"{TOKEN}._domainkey.news.example.com",
        type="CNAME",
        values=(f"{TOKEN}.dkim.eu-south-1.amazonses.com",),
        ttl=600,
    )


def test_dkim_cname_pieces() -> None:
    assert dkim_cname_name(TOKEN.upper(), "Example.com.") == f"{TOKEN}._domainkey.example.com"
    assert dkim_cname_target(TOKEN, "us-east-1") == f"{TOKEN}.dkim.amazonses.com"


def test_unknown_token_at_plan_time_stays_visible() -> None:
    assert dkim_cname_name(UNKNOWN, "example.com") == "<unknown>._domainkey.example.com"
    assert dkim_cname_target(UNKNOWN, "af-south-1") == "<unknown>.dkim.af-south-1.amazonses.com"


@pytest.mark.parametrize("token", ["", "a.b", "bad token", "-abc", "x" * 64])
def test_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(RecordError, match="SES DKIM token"):
        dkim_cname_name(token, "example.com")


def test_feedback_host() -> None:
    assert ses_feedback_host("eu-west-1") == "feedback-smtp.eu-west-1.amazonses.com"


def test_mail_from_records() -> None:
    mx, spf = mail_from_records("Bounce.News.Example.com", "ap-southeast-5", 300)
    assert mx == DnsRecord(
        "bounce.news.example.com", "MX", ("10 feedback-smtp.ap-southeast-5.amazonses.com",), 300
    )
    assert spf == DnsRecord(
        "bounce.news.example.com", "TXT", ("v=spf1 include:amazonses.com ~all",), 300
    )
    assert parse_spf(spf.values[0]) == (["include:amazonses.com"], "~all")


@pytest.mark.parametrize(
    ("mail_from", "region", "ttl", "reason"),
    [
        ("bounce..example.com", "us-east-1", 300, "MAIL FROM domain"),
        ("bounce.example.com", "nowhere-1", 300, "not a known SES region"),
        ("bounce.example.com", "us-east-1", 0, "TTL 0 is not valid"),
        ("bounce.example.com", "us-east-1", True, "TTL True is not valid"),
    ],
)
def test_mail_from_refuses_bad_input(mail_from: str, region: str, ttl: int, reason: str) -> None:
    with pytest.raises(RecordError, match=reason):
        mail_from_records(mail_from, region, ttl)
