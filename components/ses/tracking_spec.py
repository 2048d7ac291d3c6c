"""What an HTTPS custom tracking domain needs, as plain values (SES Developer Guide,
"Configuring custom domains to handle open and click tracking", HTTPS option)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from components.monitoring.tracking import tracking_host
from components.records.dns_record import UNKNOWN

# CloudFront only takes ACM certificates issued in us-east-1.
CERTIFICATE_REGION = "us-east-1"
# AWS managed cache policy "Managed-CachingDisabled": every open and click reaches SES.
CACHING_DISABLED_POLICY_ID = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ORIGIN_ID = "ses-tracking"
MINIMUM_PROTOCOL_VERSION = "TLSv1.2_2021"
# SES tells which custom domain was hit from the Host header, so the viewer's is forwarded.
FORWARDED_HEADERS = ("Host",)
# Links and the open pixel are served over HTTPS only, which the certificate makes possible.
HTTPS_POLICY = "REQUIRE"
# Names of CloudFront origin request policies: 1 to 128 letters, digits, hyphens, underscores.
MAX_POLICY_NAME = 128


def origin_domain(region: str) -> str:
    """The regional SES tracking endpoint the distribution forwards to."""
    return tracking_host(region)


def policy_name(prefix: str, tracking_domain: str) -> str:
    name = f"{prefix}-{tracking_domain.replace('.', '-')}-tracking"
    return name[:MAX_POLICY_NAME]


def validation_name(raw: str) -> str:
    """ACM hands out names and values with a trailing dot; records here carry none."""
    return raw.rstrip(".").lower()


def validation_field(options: Sequence[Any] | None, field: str) -> str:
    """One field of the certificate's single DNS validation option, without its trailing dot.

    ACM fills the options while it creates the certificate; until then they read as unknown.
    """
    value = getattr(options[0], field, None) if options else None
    return validation_name(value) if isinstance(value, str) and value else UNKNOWN
