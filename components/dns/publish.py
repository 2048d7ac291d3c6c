"""Choose the adapter a zone's provider names."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi

from components.dns.cloudflare import publish_cloudflare
from components.dns.record_input import RecordInput
from components.dns.route53 import publish_route53
from components.dns.zone import ZoneTarget


def publish_records(
    zone: ZoneTarget, records: Sequence[RecordInput], parent: pulumi.Resource
) -> list[pulumi.CustomResource]:
    """Create the provider resources for `records`; the zonefile provider creates none."""
    if zone.provider == "cloudflare":
        return list(publish_cloudflare(zone, records, parent))
    if zone.provider == "route53":
        return list(publish_route53(zone, records, parent))
    if zone.provider == "zonefile":
        return []
    raise ValueError(f"unknown DNS provider {zone.provider!r}")
