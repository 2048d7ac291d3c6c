"""MailStack: every sending domain of one stack, its DNS records and its monitoring."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

from components.config.model import DomainConfig, StackConfig
from components.mail_auth_records import MailAuthRecords, MailAuthRecordsArgs
from components.ses_sender import SesSender, SesSenderArgs, resource_key


@dataclass(frozen=True)
class MailStackArgs:
    config: StackConfig


@dataclass
class _DomainParts:
    summary: dict[str, Any]
    records: list[dict[str, Any]]


class MailStack(pulumi.ComponentResource):
    """The root component: senders per domain, their records, alarms; outputs for `verify`."""

    records: list[dict[str, Any]]
    domains: list[dict[str, Any]]

    def __init__(self, name: str, args: MailStackArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mailstack:index:MailStack", name, None, opts)
        config = args.config
        parts = [self._domain(domain, config) for domain in config.domains]
        self.records = [record for part in parts for record in part.records]
        self.domains = [part.summary for part in parts]
        self.register_outputs({"records": self.records, "domains": self.domains})

    def _domain(self, domain: DomainConfig, config: StackConfig) -> _DomainParts:
        key = resource_key(domain.name)
        child = pulumi.ResourceOptions(parent=self)
        summary: dict[str, Any] = {
            "name": domain.name,
            "sender": domain.sender,
            "region": config.region,
            "mailFrom": domain.mail_from,
        }
        if domain.sender == "ses":
            sender = SesSender(
                f"{key}-ses", SesSenderArgs(domain=domain, region=config.region), opts=child
            )
            summary["dkimSelectors"] = sender.dkim_selectors
            summary["configurationSet"] = sender.configuration_set_name
            sender_records, spf_terms = sender.records, sender.spf_terms
        else:
            raise NotImplementedError("postfix relays are wired in by the relay component")
        auth = MailAuthRecords(
            f"{key}-dns",
            MailAuthRecordsArgs(
                domain=domain, sender_spf_terms=spf_terms, sender_records=sender_records
            ),
            opts=child,
        )
        summary["zone"] = auth.zone
        return _DomainParts(summary=summary, records=auth.records_json())
