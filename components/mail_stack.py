"""MailStack: every sending domain of one stack, its DNS records and its monitoring."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from components.config.model import DomainConfig, StackConfig
from components.dns.publish import publish_records
from components.dns.record_input import RecordInput
from components.mail_auth_records import MailAuthRecords, MailAuthRecordsArgs, zone_target
from components.postfix_relay import PostfixRelay, PostfixRelayArgs
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
        sender_records: list[RecordInput] = []
        published: list[RecordInput] = []
        spf_terms: list[pulumi.Input[str]] = []
        if domain.sender == "postfix":
            relay = self._relay(domain, config, published)
            summary["dkimSelectors"] = [relay.dkim_selector]
            summary["relayIps"] = [relay.public_ip]
            summary["relayHostname"] = relay.hostname
            summary["submissionPort"] = relay.submission_port
            spf_terms.append(relay.public_ip.apply(lambda ip: f"ip4:{ip}"))
        if domain.uses_ses:
            sender = SesSender(
                f"{key}-ses", SesSenderArgs(domain=domain, region=config.region), opts=child
            )
            if domain.sender == "ses":
                summary["dkimSelectors"] = sender.dkim_selectors
            summary["configurationSet"] = sender.configuration_set_name
            sender_records += sender.records
            spf_terms += sender.spf_terms
        auth = MailAuthRecords(
            f"{key}-dns",
            MailAuthRecordsArgs(
                domain=domain,
                sender_spf_terms=spf_terms,
                sender_records=sender_records,
                published_records=published,
            ),
            opts=child,
        )
        summary["zone"] = auth.zone
        return _DomainParts(summary=summary, records=auth.records_json())

    def _relay(
        self, domain: DomainConfig, config: StackConfig, published: list[RecordInput]
    ) -> PostfixRelay:
        assert domain.relay is not None  # the config model requires it for postfix domains
        target = zone_target(domain)

        def publish_before_reverse_dns(records: Sequence[RecordInput]) -> list[pulumi.Resource]:
            # AWS only sets an Elastic IP's PTR once the forward A record resolves to it.
            published.extend(records)
            return list(publish_records(target, records, parent=self))

        return PostfixRelay(
            f"{resource_key(domain.name)}-postfix",
            PostfixRelayArgs(
                domain=domain.name,
                settings=domain.relay,
                region=config.region,
                zone_records_ttl=domain.dns.ttl,
                publish_records=publish_before_reverse_dns,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
