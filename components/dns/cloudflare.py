"""Cloudflare adapter: one `cloudflare.DnsRecord` per record value, never proxied."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import pulumi
import pulumi_cloudflare as cloudflare

from components.dns.record_input import RecordInput
from components.dns.zone import ZoneTarget
from components.records.txt import quote_txt_strings


def cloudflare_zone_id(
    zone: ZoneTarget, opts: pulumi.InvokeOptions | None = None
) -> pulumi.Input[str]:
    if zone.zone_id:
        return zone.zone_id
    result = cloudflare.get_zone_output(filter={"name": zone.zone_name, "match": "all"}, opts=opts)
    return result.apply(lambda found: found.zone_id or found.id)


def cloudflare_content(record_type: str, value: str) -> str:
    """The `content` Cloudflare expects for one record value."""
    if record_type == "MX":
        return value.split(maxsplit=1)[1]
    if record_type == "TXT":
        # Cloudflare stores TXT content in presentation form; quoting keeps long values split
        # into 255-byte strings exactly as we computed them.
        return quote_txt_strings(value)
    return value


def mx_priority(value: str) -> float:
    return float(value.split(maxsplit=1)[0])


def publish_cloudflare(
    zone: ZoneTarget, records: Sequence[RecordInput], parent: pulumi.Resource
) -> list[cloudflare.DnsRecord]:
    zone_id = cloudflare_zone_id(zone, pulumi.InvokeOptions(parent=parent))
    created: list[cloudflare.DnsRecord] = []
    for record in records:
        for index, value in enumerate(record.values):
            suffix = f"-{index}" if len(record.values) > 1 else ""
            resolved = pulumi.Output.from_input(value)
            created.append(
                cloudflare.DnsRecord(
                    f"{record.key}{suffix}",
                    zone_id=zone_id,
                    name=record.name,
                    type=record.type,
                    ttl=float(record.ttl),
                    content=resolved.apply(partial(cloudflare_content, record.type)),
                    priority=resolved.apply(mx_priority) if record.type == "MX" else None,
                    proxied=False,
                    comment="managed by mailstack",
                    # A CNAME or TXT at the same name cannot coexist with its own replacement.
                    opts=pulumi.ResourceOptions(parent=parent, delete_before_replace=True),
                )
            )
    return created
