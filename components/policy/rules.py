"""Every policy with the function that checks it; the policy pack and `mailstack plan --policy`
both run exactly these."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from components.policy import catalog as c
from components.policy.alarms import reputation_alarm_violations
from components.policy.blind_spots import (
    SenderView,
    external_report_blind_spots,
    relay_mail_from_blind_spots,
)
from components.policy.dmarc import (
    dmarc_enforcement_violations,
    dmarc_published_violations,
    published_domains,
    sending_domains,
)
from components.policy.dns import (
    RecordView,
    cloudflare_proxied_violations,
    records_from_resources,
    spf_record_violations,
)
from components.policy.keys import dkim_key_length_violations, plaintext_secret_violations
from components.policy.network import reverse_dns_violations, smtp_exposure_violations
from components.policy.wire import ResourceView

ResourceRule = Callable[[str, Mapping[str, Any]], list[str]]


@dataclass(frozen=True)
class StackContext:
    """Everything a stack-wide rule reads."""

    resources: Sequence[ResourceView]
    environment: str
    # The published record set; for a zonefile stack the only place records appear.
    records: Sequence[RecordView] = ()
    # Sending domains the program declares (the `domains` output), when known.
    declared_domains: Sequence[str] = ()
    # The engine sees only records published through Pulumi resources: a domain with none
    # (zonefile provider) is then left to `mailstack plan --policy`, which sees the record set.
    only_published: bool = False
    # Senders and envelope domains (the `domains` output); the engine does not see them.
    senders: Sequence[SenderView] = ()
    _domains: list[str] = field(default_factory=list, compare=False)

    @classmethod
    def from_resources(
        cls,
        resources: Sequence[ResourceView],
        environment: str,
        records: Sequence[RecordView] | None = None,
        declared_domains: Sequence[str] = (),
        only_published: bool = False,
        senders: Sequence[SenderView] = (),
    ) -> StackContext:
        all_records = list(records) if records is not None else records_from_resources(resources)
        return cls(
            resources, environment, all_records, declared_domains, only_published, senders
        )

    @property
    def domains(self) -> list[str]:
        if not self._domains:
            found = sending_domains(self.resources, self.records, self.declared_domains)
            if self.only_published:
                found = published_domains(found, self.records)
            self._domains.extend(found)
        return self._domains


StackRule = Callable[[StackContext], list[tuple[str, str]]]

RESOURCE_RULES: tuple[tuple[c.PolicyInfo, ResourceRule], ...] = (
    (c.DKIM_KEY_LENGTH, dkim_key_length_violations),
    (c.SECRETS_ARE_SECRET, plaintext_secret_violations),
    (c.RELAY_SMTP_NOT_OPEN, smtp_exposure_violations),
    (c.CLOUDFLARE_MAIL_NOT_PROXIED, cloudflare_proxied_violations),
)

STACK_RULES: tuple[tuple[c.PolicyInfo, StackRule], ...] = (
    (c.DMARC_PUBLISHED, lambda ctx: dmarc_published_violations(ctx.domains, ctx.records)),
    (
        c.DMARC_ENFORCED_IN_PRODUCTION,
        lambda ctx: dmarc_enforcement_violations(ctx.domains, ctx.records, ctx.environment),
    ),
    (c.REPUTATION_ALARMS, lambda ctx: reputation_alarm_violations(ctx.resources)),
    (c.RELAY_REVERSE_DNS, lambda ctx: reverse_dns_violations(ctx.resources)),
    (c.SPF_LOOKUP_LIMIT, lambda ctx: spf_record_violations(ctx.records)),
    (
        c.DMARC_EXTERNAL_REPORT_AUTHORIZATION,
        lambda ctx: [
            (s.subject, s.message) for s in external_report_blind_spots(ctx.domains, ctx.records)
        ],
    ),
    (
        c.RELAY_MAIL_FROM_MX,
        lambda ctx: [
            (s.subject, s.message) for s in relay_mail_from_blind_spots(ctx.senders, ctx.records)
        ],
    ),
)
