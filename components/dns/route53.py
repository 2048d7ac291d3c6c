"""Route53 adapter: one `aws.route53.Record` per record set, long TXT values split."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import pulumi
import pulumi_aws as aws

from components.dns.record_input import RecordInput
from components.dns.zone import ZoneTarget
from components.records.txt import split_txt


def route53_zone_id(
    zone: ZoneTarget, opts: pulumi.InvokeOptions | None = None
) -> pulumi.Input[str]:
    if zone.zone_id:
        return zone.zone_id
    return aws.route53.get_zone_output(name=zone.zone_name, private_zone=False, opts=opts).zone_id


def route53_value(record_type: str, value: str) -> str:
    """One value as the Route53 provider takes it in `records`.

    The provider wraps each TXT value in quotes itself, so strings beyond 255 bytes are
    joined with `""`, giving the separate character-strings DNS requires.
    """
    if record_type != "TXT":
        return value
    escaped = [part.replace("\\", "\\\\").replace('"', '\\"') for part in split_txt(value)]
    return '""'.join(escaped)


def publish_route53(
    zone: ZoneTarget, records: Sequence[RecordInput], parent: pulumi.Resource
) -> list[aws.route53.Record]:
    zone_id = route53_zone_id(zone, pulumi.InvokeOptions(parent=parent))
    return [
        aws.route53.Record(
            record.key,
            zone_id=zone_id,
            name=record.name,
            type=record.type,
            ttl=record.ttl,
            records=[
                pulumi.Output.from_input(value).apply(partial(route53_value, record.type))
                for value in record.values
            ],
            allow_overwrite=False,
            opts=pulumi.ResourceOptions(parent=parent, delete_before_replace=True),
        )
        for record in records
    ]
