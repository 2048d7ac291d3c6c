"""Amazon SES identity checks through the SES v2 API (boto3).

The endpoint follows boto3's usual configuration, so `AWS_ENDPOINT_URL` (or
`AWS_ENDPOINT_URL_SESV2`) points the checks at a local moto server in tests.
"""

from __future__ import annotations

import asyncio
import functools
import os
import re
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.config
import botocore.exceptions

from checks.deadline import Deadline
from checks.report import CheckResult, failed, passed, skipped, warned

# What an AWS region name looks like (us-east-1, eu-central-2, us-gov-west-1, cn-north-1).
REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}")

CHECK_IDS = (
    "ses.identity_verified",
    "ses.dkim_status",
    "ses.mail_from_status",
    "ses.sending_enabled",
)


@dataclass(frozen=True)
class SesTarget:
    domain: str
    region: str | None = None
    mail_from: str | None = None
    configuration_set: str | None = None


@dataclass(frozen=True)
class SesSettings:
    enabled: bool = True
    disabled_reason: str = "SES API checks are disabled"
    endpoint_url: str | None = None
    # Budget for all SES calls of one domain (seconds); the runner lowers it to what is
    # left of the check's deadline.
    timeout: float = 10.0


@functools.cache
def ses_regions() -> frozenset[str]:
    """Regions with an SES v2 endpoint, in every partition botocore knows."""
    session = boto3.Session()
    return frozenset(
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions("sesv2", partition_name=partition)
    )


def region_problem(region: str, custom_endpoint: bool) -> str | None:
    """Why SES cannot be asked in `region`, or None."""
    if not REGION.fullmatch(region):
        return f"{region!r} is not an AWS region name (expected e.g. us-east-1)"
    if not custom_endpoint and region not in ses_regions():
        return f"region {region} has no SES endpoint (botocore knows no sesv2 endpoint there)"
    return None


async def ses_checks(target: SesTarget, settings: SesSettings) -> list[CheckResult]:
    if not settings.enabled:
        return [skipped(check, settings.disabled_reason) for check in CHECK_IDS]
    return await asyncio.to_thread(_ses_checks, target, settings)


def _ses_checks(target: SesTarget, settings: SesSettings) -> list[CheckResult]:
    session = boto3.Session()
    if session.get_credentials() is None:
        reason = (
            "no AWS credentials found (set AWS_PROFILE or AWS_ACCESS_KEY_ID/"
            "AWS_SECRET_ACCESS_KEY to check the SES identity)"
        )
        return [skipped(check, reason) for check in CHECK_IDS]
    region = target.region or session.region_name or "us-east-1"
    # A configured endpoint (a local moto server, a VPC endpoint) serves any region name.
    custom = bool(settings.endpoint_url) or any(
        k.startswith("AWS_ENDPOINT_URL") for k in os.environ
    )
    problem = region_problem(region, custom)
    if problem:
        return [failed(check, f"cannot check SES: {problem}") for check in CHECK_IDS]
    deadline = Deadline.after(settings.timeout)
    per_call = max(0.5, settings.timeout / 3)
    kwargs: dict[str, Any] = {
        "region_name": region,
        "config": botocore.config.Config(
            connect_timeout=per_call, read_timeout=per_call, retries={"max_attempts": 1}
        ),
    }
    if settings.endpoint_url:
        kwargs["endpoint_url"] = settings.endpoint_url
    try:
        v2 = session.client("sesv2", **kwargs)
    except (botocore.exceptions.BotoCoreError, ValueError) as error:
        detail = f"cannot create an SES client for region {region!r}: {error}"
        return [failed(check, detail) for check in CHECK_IDS]
    try:
        identity = v2.get_email_identity(EmailIdentity=target.domain)
    except botocore.exceptions.ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code in ("NotFoundException", "NotFound"):
            detail = f"{target.domain} is not an SES identity in {region}"
        else:
            detail = f"SES GetEmailIdentity failed in {region}: {code}: {_message(error)}"
        return [failed(check, detail) for check in CHECK_IDS[:3]] + [
            _sending_enabled(session, v2, kwargs, target, region)
        ]
    except (botocore.exceptions.BotoCoreError, OSError) as error:
        detail = f"cannot reach the SES API in {region}: {error}"
        return [failed(check, detail) for check in CHECK_IDS]
    results = [_identity_verified(identity, target, region), _dkim_status(identity, target)]
    late = f"SES API calls {deadline.describe()}"
    results.append(
        failed("ses.mail_from_status", late)
        if deadline.expired
        else _mail_from_status(identity, session, kwargs, target)
    )
    results.append(
        failed("ses.sending_enabled", late)
        if deadline.expired
        else _sending_enabled(session, v2, kwargs, target, region)
    )
    return results


def _message(error: botocore.exceptions.ClientError) -> str:
    return str(error.response.get("Error", {}).get("Message", error))


def _identity_verified(identity: Any, target: SesTarget, region: str) -> CheckResult:
    check = "ses.identity_verified"
    status = identity.get("VerificationStatus")
    if status is None:
        status = "SUCCESS" if identity.get("VerifiedForSendingStatus") else "PENDING"
    if status == "SUCCESS":
        return passed(check, f"{target.domain} is verified in SES {region}")
    hint = {
        "PENDING": "SES has not yet seen the DKIM CNAMEs; wait for DNS propagation",
        "FAILED": "SES gave up (72 hours without the DKIM records); re-create the identity",
        "TEMPORARY_FAILURE": "SES could not read the DKIM records recently",
        "NOT_STARTED": "verification has not started",
    }.get(str(status), "")
    return failed(
        check, f"{target.domain} verification status is {status} in {region}. {hint}".strip()
    )


def _dkim_status(identity: Any, target: SesTarget) -> CheckResult:
    check = "ses.dkim_status"
    dkim = identity.get("DkimAttributes") or {}
    status = dkim.get("Status", "NOT_STARTED")
    if not dkim.get("SigningEnabled", False):
        return failed(check, f"DKIM signing is disabled for {target.domain} (status {status})")
    if status == "SUCCESS":
        return passed(check, f"DKIM for {target.domain}: SUCCESS, signing enabled")
    return failed(
        check,
        f"DKIM status for {target.domain} is {status}, expected SUCCESS "
        "(SES must find every <token>._domainkey CNAME)",
    )


def _mail_from_status(
    identity: Any, session: boto3.Session, kwargs: dict[str, Any], target: SesTarget
) -> CheckResult:
    check = "ses.mail_from_status"
    attributes = identity.get("MailFromAttributes")
    if attributes is None:
        # Identities are shared between the v1 and v2 APIs; some endpoints only
        # report MAIL FROM attributes through v1.
        try:
            v1 = session.client("ses", **kwargs)
            found = v1.get_identity_mail_from_domain_attributes(Identities=[target.domain])
            raw = found.get("MailFromDomainAttributes", {}).get(target.domain) or {}
            if raw.get("MailFromDomain"):
                attributes = {
                    "MailFromDomain": raw["MailFromDomain"],
                    "MailFromDomainStatus": str(raw.get("MailFromDomainStatus", "")).upper(),
                }
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError):
            attributes = None
    if not attributes or not attributes.get("MailFromDomain"):
        if target.mail_from is None:
            return warned(check, f"{target.domain} has no custom MAIL FROM domain in SES")
        return failed(
            check,
            f"{target.domain} has no custom MAIL FROM domain in SES, expected {target.mail_from}",
        )
    domain = str(attributes["MailFromDomain"]).rstrip(".").lower()
    status = str(attributes.get("MailFromDomainStatus", "")).upper()
    if target.mail_from and domain != target.mail_from:
        return failed(check, f"SES MAIL FROM is {domain}, expected {target.mail_from}")
    if status == "SUCCESS":
        return passed(check, f"MAIL FROM {domain}: SUCCESS")
    return failed(
        check,
        f"MAIL FROM {domain} status is {status or 'unknown'}, expected SUCCESS "
        "(SES needs its MX and SPF records)",
    )


def _account_sending(
    session: boto3.Session, v2: Any, kwargs: dict[str, Any]
) -> tuple[bool | None, str]:
    """Whether the account may send; None with a reason when the endpoint cannot say."""
    try:
        return bool(v2.get_account().get("SendingEnabled")), ""
    except botocore.exceptions.ClientError as error:
        if _unsupported(error):
            reason = "GetAccount is not offered by this endpoint"
        else:
            return None, f"GetAccount failed: {_message(error)}"
    except Exception as error:
        reason = f"GetAccount failed: {error}"
    try:
        v1 = session.client("ses", **kwargs)
        return bool(v1.get_account_sending_enabled().get("Enabled")), ""
    except Exception:
        return None, reason


def _unsupported(error: botocore.exceptions.ClientError) -> bool:
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    code = error.response.get("Error", {}).get("Code", "")
    return status == 404 or code in ("404", "NotImplemented", "UnknownOperationException")


def _sending_enabled(
    session: boto3.Session, v2: Any, kwargs: dict[str, Any], target: SesTarget, region: str
) -> CheckResult:
    check = "ses.sending_enabled"
    enabled, unreadable = _account_sending(session, v2, kwargs)
    if enabled is False:
        return failed(
            check, f"sending is paused for the SES account in {region} (reputation enforcement?)"
        )
    account = (
        f"account sending enabled in {region}"
        if enabled
        else f"account status not readable in {region} ({unreadable})"
    )
    if target.configuration_set:
        try:
            config = v2.get_configuration_set(ConfigurationSetName=target.configuration_set)
        except botocore.exceptions.ClientError as error:
            return failed(
                check,
                f"configuration set {target.configuration_set} not readable: {_message(error)}",
            )
        options = config.get("SendingOptions") or {}
        if not options.get("SendingEnabled", True):
            return failed(
                check, f"sending is disabled on configuration set {target.configuration_set}"
            )
        return passed(
            check, f"configuration set {target.configuration_set} sending enabled; {account}"
        )
    if enabled is None:
        return warned(check, f"{account}; no configuration set to check either")
    return passed(check, account)
