"""Amazon SES DNS names: Easy DKIM CNAME targets and the MAIL FROM feedback host per region.

Most regions host Easy DKIM keys under dkim.amazonses.com, but some use a regional
domain. The table follows "Easy DKIM domains" in the AWS General Reference
(https://docs.aws.amazon.com/general/latest/gr/ses.html#ses_dkim_domains); the region
list follows the SES (`email`) endpoints shipped with botocore. A region missing here
is refused rather than guessed, because a wrong DKIM target silently breaks signing.
"""

from __future__ import annotations

import re

from components.records.dns_record import UNKNOWN, DnsRecord, domain_problem, normalize_name
from components.records.errors import RecordError

DEFAULT_DKIM_HOST = "dkim.amazonses.com"

REGIONAL_DKIM_HOSTS: dict[str, str] = {
    "af-south-1": "dkim.af-south-1.amazonses.com",
    "ap-northeast-3": "dkim.ap-northeast-3.amazonses.com",
    "ap-south-2": "dkim.ap-south-2.amazonses.com",
    "ap-southeast-3": "dkim.ap-southeast-3.amazonses.com",
    "ap-southeast-5": "dkim.ap-southeast-5.amazonses.com",
    "ca-west-1": "dkim.ca-west-1.amazonses.com",
    "eu-central-2": "dkim.eu-central-2.amazonses.com",
    "eu-south-1": "dkim.eu-south-1.amazonses.com",
    "il-central-1": "dkim.il-central-1.amazonses.com",
    "me-central-1": "dkim.me-central-1.amazonses.com",
    "us-gov-east-1": "dkim.us-gov-east-1.amazonses.com",
}

SES_REGIONS: tuple[str, ...] = (
    "af-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-5",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-gov-east-1",
    "us-gov-west-1",
    "us-west-1",
    "us-west-2",
)

# Easy DKIM tokens are 32 lower-case base32 characters; accept any DNS label so a
# future token format does not break deployments, but nothing that changes the name.
_TOKEN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z")


def _known_region(region: str) -> str:
    if region not in SES_REGIONS:
        raise RecordError(
            f"AWS region {region!r} is not a known SES region;"
            f" known regions: {', '.join(SES_REGIONS)}"
        )
    return region


def ses_dkim_host(region: str) -> str:
    """The domain Easy DKIM CNAMEs point into for `region`."""
    return REGIONAL_DKIM_HOSTS.get(_known_region(region), DEFAULT_DKIM_HOST)


def ses_feedback_host(region: str) -> str:
    """The MAIL FROM MX target: `feedback-smtp.<region>.amazonses.com`."""
    return f"feedback-smtp.{_known_region(region)}.amazonses.com"


def _token(token: str) -> str:
    if token == UNKNOWN:
        return token
    lowered = token.lower() if isinstance(token, str) else ""
    if not _TOKEN.match(lowered):
        raise RecordError(
            f"SES DKIM token {token!r} is not valid; expected one DNS label (SES issues 32"
            " letters and digits)"
        )
    return lowered


def dkim_cname_name(token: str, domain: str) -> str:
    """`<token>._domainkey.<domain>`; an unknown token (plan time) stays `<unknown>`."""
    domain = normalize_name(domain)
    problem = domain_problem(domain)
    if problem:
        raise RecordError(f"SES identity domain {domain!r} is not valid: {problem}")
    return f"{_token(token)}._domainkey.{domain}"


def dkim_cname_target(token: str, region: str) -> str:
    """`<token>.<regional DKIM host>`."""
    return f"{_token(token)}.{ses_dkim_host(region)}"


def ses_dkim_cname(token: str, domain: str, region: str, ttl: int) -> DnsRecord:
    """The Easy DKIM CNAME for one token."""
    return DnsRecord(
        name=dkim_cname_name(token, domain),
        type="CNAME",
        values=(dkim_cname_target(token, region),),
        ttl=ttl,
    )
