"""MailAuthRecords: a domain's SPF, DMARC, MTA-STS and TLS-RPT, published with its sender's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi

from components.config.model import DomainConfig
from components.dns.publish import publish_records
from components.dns.record_input import RecordInput
from components.dns.zone import ZoneTarget
from components.records.dmarc import build_dmarc, dmarc_record_name
from components.records.mta_sts import mta_sts_record_name, mta_sts_txt
from components.records.spf import build_spf, dedupe_terms
from components.records.tls_rpt import tls_rpt_record_name, tls_rpt_txt


@dataclass(frozen=True)
class MailAuthRecordsArgs:
    domain: DomainConfig
    # Terms the sender needs authorized (SES include, relay ip4); outputs when known only on deploy.
    sender_spf_terms: Sequence[pulumi.Input[str]]
    sender_records: Sequence[RecordInput] = field(default_factory=tuple)
    # Records the sender published itself (a relay's A record must exist before its PTR);
    # they belong to the domain's record set all the same.
    published_records: Sequence[RecordInput] = field(default_factory=tuple)
    # Each sender SPF term as a plan shows it before deployment (`ip4:<unknown>`).
    sender_spf_preview: Sequence[str] | None = None


def zone_target(domain: DomainConfig) -> ZoneTarget:
    return ZoneTarget(
        provider=domain.dns.provider, zone_name=domain.zone, zone_id=domain.dns.zone_id
    )


def spf_preview(terms: Sequence[str], all_qualifier: str) -> str:
    """The SPF record as `build_spf` lays it out, with placeholders left unvalidated."""
    return " ".join(["v=spf1", *dedupe_terms(terms), *([all_qualifier] if all_qualifier else [])])


def auth_records(
    domain: DomainConfig,
    sender_spf_terms: Sequence[pulumi.Input[str]],
    sender_spf_preview: Sequence[str] | None = None,
) -> list[RecordInput]:
    """SPF, DMARC and the optional MTA-STS / TLS-RPT records of one domain."""
    key = domain.name.replace(".", "-")
    ttl = domain.dns.ttl

    def spf_value(resolved_sender_terms: list[str]) -> str:
        # One SPF record per domain: the sender's terms first, then what the domain already needs.
        return build_spf(
            [*resolved_sender_terms, *domain.spf.extra_terms], domain.spf.all_qualifier
        )

    spf = pulumi.Output.all(*sender_spf_terms).apply(lambda terms: spf_value(list(terms)))
    preview = (
        (spf_preview([*sender_spf_preview, *domain.spf.extra_terms], domain.spf.all_qualifier),)
        if sender_spf_preview is not None
        else None
    )
    records = [
        RecordInput(
            key=f"{key}-spf",
            name=domain.name,
            type="TXT",
            values=[spf],
            ttl=ttl,
            preview_values=preview,
        ),
        RecordInput(
            key=f"{key}-dmarc",
            name=dmarc_record_name(domain.name),
            type="TXT",
            values=[build_dmarc(domain.dmarc)],
            ttl=ttl,
        ),
    ]
    if not domain.uses_ses and domain.mail_from != domain.name:
        # A relay's own envelope domain needs the same authorization (SES publishes its own).
        records.append(
            RecordInput(
                key=f"{key}-mail-from-spf",
                name=domain.mail_from,
                type="TXT",
                values=[spf],
                ttl=ttl,
                preview_values=preview,
            )
        )
    optional = [
        ("mta-sts", mta_sts_record_name(domain.name), mta_sts_txt(domain.mta_sts))
        if domain.mta_sts is not None
        else None,
        ("tls-rpt", tls_rpt_record_name(domain.name), tls_rpt_txt(domain.tls_rpt))
        if domain.tls_rpt
        else None,
    ]
    records += [
        RecordInput(key=f"{key}-{kind}", name=name, type="TXT", values=[value], ttl=ttl)
        for kind, name, value in filter(None, optional)
    ]
    return records


class MailAuthRecords(pulumi.ComponentResource):
    """Publishes every record of one sending domain to the DNS provider its config names."""

    records: list[RecordInput]
    zone: str

    def __init__(
        self, name: str, args: MailAuthRecordsArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("mailstack:index:MailAuthRecords", name, None, opts)
        to_publish = [
            *args.sender_records,
            *auth_records(args.domain, args.sender_spf_terms, args.sender_spf_preview),
        ]
        target = zone_target(args.domain)
        self.zone = target.zone_name
        publish_records(target, to_publish, parent=self)
        self.records = [*args.published_records, *to_publish]
        self.register_outputs({"records": self.records_json()})

    def records_json(self) -> list[dict[str, Any]]:
        return [record.as_json(self.zone) for record in self.records]
