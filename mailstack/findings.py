"""Plan-time findings: what `verify` would fail on that this stack cannot publish itself."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from components.policy import catalog
from components.policy.blind_spots import (
    RequiredRecord,
    SenderView,
    external_report_blind_spots,
    relay_mail_from_blind_spots,
)
from components.policy.dns import RecordView, normalize_name
from components.records.dns_record import DnsRecord


@dataclass(frozen=True)
class Finding:
    # The policy rule of the same name reports it too (`plan --policy`).
    id: str
    domain: str
    message: str
    record: RequiredRecord | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "domain": self.domain,
            "message": self.message,
            "record": self.record.to_json() if self.record is not None else None,
        }


def senders_of(outputs: Mapping[str, Any]) -> list[SenderView]:
    domains = outputs.get("domains")
    return SenderView.from_outputs(domains if isinstance(domains, list) else [])


def record_views(records: Sequence[DnsRecord]) -> list[RecordView]:
    return [RecordView(normalize_name(r.name), r.type.upper(), tuple(r.values)) for r in records]


def plan_findings(outputs: Mapping[str, Any], records: Sequence[DnsRecord]) -> list[Finding]:
    senders = senders_of(outputs)
    views = record_views(records)
    found = [
        Finding(catalog.DMARC_EXTERNAL_REPORT_AUTHORIZATION.name, s.subject, s.message, s.record)
        for s in external_report_blind_spots([d.name for d in senders], views)
    ]
    found += [
        Finding(catalog.RELAY_MAIL_FROM_MX.name, s.subject, s.message, s.record)
        for s in relay_mail_from_blind_spots(senders, views)
    ]
    return found


def render_findings(findings: Sequence[Finding]) -> list[str]:
    """The plan's "Findings" section, as lines."""
    lines = ["Findings (what `mailstack verify` would fail on; publish outside this stack)"]
    if not findings:
        return [*lines, "  none"]
    for finding in findings:
        lines.append(f"  {finding.id}: {finding.domain}")
        lines.append(f"    {finding.message}")
        if finding.record is not None:
            lines.append(f"    publish: {finding.record.render()}")
    return lines
