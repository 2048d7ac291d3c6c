"""SES identity checks against a moto server on loopback (the SES v2 API through boto3)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from checks.report import Status
from checks.ses import CHECK_IDS, SesSettings, SesTarget, ses_checks
from tests.support.dns_server import free_port

REGION = "eu-west-1"


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    from tests.support.moto_sesv2 import sesv2_gaps_filled

    port = free_port()
    with sesv2_gaps_filled():
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.stop()


@pytest.fixture
def aws(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """Fake credentials and boto3's standard endpoint override pointing at moto."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST"))
    yield {"region_name": REGION, "endpoint_url": moto_endpoint}


def _run(target: SesTarget) -> dict[str, Any]:
    results = asyncio.run(ses_checks(target, SesSettings()))
    assert [r.id for r in results] == list(CHECK_IDS)
    return {r.id: r for r in results}


def test_verified_identity_with_dkim_and_mail_from_passes(aws: dict[str, Any]) -> None:
    v2 = boto3.client("sesv2", **aws)
    v2.create_email_identity(
        EmailIdentity="news.example.com",
        DkimSigningAttributes={"NextSigningKeyLength": "RSA_2048_BIT"},
    )
    boto3.client("ses", **aws).set_identity_mail_from_domain(
        Identity="news.example.com", MailFromDomain="bounce.news.example.com"
    )
    results = _run(SesTarget("news.example.com", REGION, "bounce.news.example.com"))
    for check_id in CHECK_IDS:
        assert results[check_id].status is Status.PASS, results[check_id]
    assert "account sending enabled" in results["ses.sending_enabled"].detail


def test_configuration_set_sending_is_checked_too(aws: dict[str, Any]) -> None:
    v2 = boto3.client("sesv2", **aws)
    v2.create_configuration_set(ConfigurationSetName="live")
    results = _run(SesTarget("live.example.com", REGION, None, configuration_set="live"))
    assert results["ses.sending_enabled"].status is Status.PASS
    assert "configuration set live sending enabled" in results["ses.sending_enabled"].detail


def test_paused_account_fails_sending_enabled(aws: dict[str, Any]) -> None:
    boto3.client("sesv2", **aws).put_account_sending_attributes(SendingEnabled=False)
    results = _run(SesTarget("news.example.com", REGION))
    assert results["ses.sending_enabled"].status is Status.FAIL
    assert "sending is paused for the SES account" in results["ses.sending_enabled"].detail


def test_missing_identity_fails(aws: dict[str, Any]) -> None:
    results = _run(SesTarget("absent.example.com", REGION, "bounce.absent.example.com"))
    assert results["ses.identity_verified"].status is Status.FAIL
    assert "is not an SES identity in eu-west-1" in results["ses.identity_verified"].detail


def test_dkim_not_started_and_no_mail_from_fail(aws: dict[str, Any]) -> None:
    boto3.client("sesv2", **aws).create_email_identity(EmailIdentity="plain.example.com")
    results = _run(SesTarget("plain.example.com", REGION, "bounce.plain.example.com"))
    assert results["ses.dkim_status"].status is Status.FAIL
    assert "disabled" in results["ses.dkim_status"].detail
    assert results["ses.mail_from_status"].status is Status.FAIL
    assert "expected bounce.plain.example.com" in results["ses.mail_from_status"].detail


def test_paused_sending_fails(aws: dict[str, Any]) -> None:
    v2 = boto3.client("sesv2", **aws)
    v2.create_email_identity(
        EmailIdentity="paused.example.com",
        DkimSigningAttributes={"NextSigningKeyLength": "RSA_2048_BIT"},
    )
    v2.create_configuration_set(
        ConfigurationSetName="paused", SendingOptions={"SendingEnabled": False}
    )
    results = _run(SesTarget("paused.example.com", REGION, None, configuration_set="paused"))
    assert results["ses.sending_enabled"].status is Status.FAIL
    assert "disabled on configuration set paused" in results["ses.sending_enabled"].detail


def test_no_credentials_skips(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"):
        monkeypatch.delenv(name, raising=False)
    results = _run(SesTarget("news.example.com", REGION))
    for check_id in CHECK_IDS:
        assert results[check_id].status is Status.SKIP
        assert "no AWS credentials" in results[check_id].detail


@pytest.mark.parametrize(
    ("region", "reason"),
    [
        ("not-a-region", "'not-a-region' is not an AWS region name"),
        ("xx-nowhere-9", "region xx-nowhere-9 has no SES endpoint"),
        ("us-east-1\n", "is not an AWS region name"),
    ],
)
def test_a_bad_region_with_credentials_set_is_a_finding(
    monkeypatch: pytest.MonkeyPatch, region: str, reason: str
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SESV2"):
        monkeypatch.delenv(name, raising=False)
    # Should anything still try to call AWS, it reaches a closed loopback port.
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    results = asyncio.run(ses_checks(SesTarget("example.com", region=region), SesSettings()))
    assert [r.id for r in results] == list(CHECK_IDS)
    for result in results:
        assert result.status is Status.FAIL
        assert reason in result.detail
