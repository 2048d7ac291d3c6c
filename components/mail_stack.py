"""MailStack: every sending domain of one stack, its DNS records and its monitoring."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi

from components.alert_topic import AlertTopic, AlertTopicArgs
from components.config.model import DomainConfig, StackConfig
from components.configuration_set_monitoring import (
    ConfigurationSetMonitoring,
    ConfigurationSetMonitoringArgs,
)
from components.dashboard import MailDashboard, MailDashboardArgs
from components.dns.publish import publish_records
from components.dns.record_input import RecordInput
from components.mail_auth_records import MailAuthRecords, MailAuthRecordsArgs, zone_target
from components.monitoring.naming import MAX_PREFIX_LENGTH, slug
from components.postfix_relay import PostfixRelay, PostfixRelayArgs
from components.records.dns_record import UNKNOWN
from components.relay_monitoring import RelayMonitoring, RelayMonitoringArgs
from components.reputation_alarms import ReputationAlarms, ReputationAlarmsArgs
from components.ses.tracking_domain import TrackingDomain, TrackingDomainArgs
from components.ses_sender import SesSender, SesSenderArgs, resource_key


@dataclass(frozen=True)
class MailStackArgs:
    config: StackConfig


@dataclass
class _DomainParts:
    summary: dict[str, Any]
    records: list[dict[str, Any]]
    # The same records before serialization, in the same order (plans read their previews).
    inputs: list[RecordInput] = field(default_factory=list)
    configuration_set_name: pulumi.Output[str] | None = None
    relay_hostname: str | None = None


@dataclass
class _Monitoring:
    """What every domain's monitoring reports to, and what the dashboard collects."""

    topic: AlertTopic
    name_prefix: str
    threshold_alarms: list[tuple[str, pulumi.Input[str]]] = field(default_factory=list)
    alarm_arns: list[pulumi.Input[str]] = field(default_factory=list)


class MailStack(pulumi.ComponentResource):
    """The root component: senders per domain, their records, alarms; outputs for `verify`."""

    records: list[dict[str, Any]]
    # `records` before serialization, in the same order.
    record_inputs: list[RecordInput]
    domains: list[dict[str, Any]]

    def __init__(self, name: str, args: MailStackArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mailstack:index:MailStack", name, None, opts)
        config = args.config
        child = pulumi.ResourceOptions(parent=self)
        # AWS names (topics, alarms, functions) carry the stack, so staging and production can
        # share an account and region.
        prefix = slug(f"mailstack-{pulumi.get_stack()}", MAX_PREFIX_LENGTH - 13)
        topic = AlertTopic(
            "alerts",
            AlertTopicArgs(
                alerts=config.alerts,
                name_prefix=prefix,
                pausing_domains=[d.name for d in config.domains if d.uses_ses],
            ),
            opts=child,
        )
        account = ReputationAlarms(
            "account",
            ReputationAlarmsArgs(
                alerts=config.alerts,
                topic_arn=topic.topic_arn,
                name_prefix=f"{prefix}-account",
                subject="SES account",
            ),
            opts=child,
        )
        monitoring = _Monitoring(
            topic=topic,
            name_prefix=prefix,
            threshold_alarms=list(account.threshold_alarms()),
            alarm_arns=list(account.alarm_arns),
        )
        parts = [self._domain(domain, config, monitoring) for domain in config.domains]
        MailDashboard(
            "mail",
            MailDashboardArgs(
                region=config.region,
                configuration_set_names=[
                    p.configuration_set_name for p in parts if p.configuration_set_name is not None
                ],
                relay_names=[p.relay_hostname for p in parts if p.relay_hostname is not None],
                campaign_tag=config.alerts.campaign_tag,
                threshold_alarms=monitoring.threshold_alarms,
                alarm_arns=monitoring.alarm_arns,
                name_prefix=prefix,
            ),
            opts=child,
        )
        self.alert_topic_arn = topic.topic_arn
        self.records = [record for part in parts for record in part.records]
        self.record_inputs = [record for part in parts for record in part.inputs]
        self.domains = [part.summary for part in parts]
        self.register_outputs(
            {"records": self.records, "domains": self.domains, "alertTopicArn": topic.topic_arn}
        )

    def _domain(
        self, domain: DomainConfig, config: StackConfig, monitoring: _Monitoring
    ) -> _DomainParts:
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
        spf_preview: list[str] = []
        parts = _DomainParts(summary=summary, records=[])
        if domain.sender == "postfix":
            relay = self._relay(domain, config, published, monitoring)
            parts.relay_hostname = relay.hostname
            summary["dkimSelectors"] = list(domain.dkim_selectors)
            summary["relayIps"] = [relay.public_ip]
            summary["relayHostname"] = relay.hostname
            summary["smarthost"] = domain.relay.smarthost if domain.relay else "none"
            summary["submissionPort"] = relay.submission_port
            spf_terms.append(relay.public_ip.apply(lambda ip: f"ip4:{ip}"))
            spf_preview.append(f"ip4:{UNKNOWN}")
        if domain.uses_ses:
            sender = SesSender(
                f"{key}-ses", SesSenderArgs(domain=domain, region=config.region), opts=child
            )
            if domain.sender == "ses":
                summary["dkimSelectors"] = sender.dkim_selectors
            else:
                # Behind a relay, receivers see SES's signature as well as the relay's.
                relay_selectors = list(domain.dkim_selectors)
                summary["dkimSelectors"] = sender.dkim_selectors.apply(
                    lambda tokens: [*relay_selectors, *tokens]
                )
            summary["configurationSet"] = sender.configuration_set_name
            parts.configuration_set_name = sender.configuration_set_name
            sender_records += sender.records
            spf_terms += sender.spf_terms
            spf_preview += [t if isinstance(t, str) else UNKNOWN for t in sender.spf_terms]
            monitor = ConfigurationSetMonitoring(
                key,
                ConfigurationSetMonitoringArgs(
                    configuration_set_name=sender.configuration_set_name,
                    domain=domain.name,
                    alerts=config.alerts,
                    topic_arn=monitoring.topic.topic_arn,
                    topic_key_arn=monitoring.topic.key_arn,
                    region=config.region,
                    name_prefix=monitoring.name_prefix,
                ),
                opts=child,
            )
            monitoring.threshold_alarms += monitor.alarms.threshold_alarms()
            monitoring.alarm_arns += monitor.alarm_arns
            if domain.tracking_domain:
                tracking = TrackingDomain(
                    f"{key}-tracking",
                    TrackingDomainArgs(
                        tracking_domain=domain.tracking_domain,
                        region=config.region,
                        zone=zone_target(domain),
                        ttl=domain.dns.ttl,
                        name_prefix=monitoring.name_prefix,
                    ),
                    opts=child,
                )
                published += tracking.published_records
                sender_records.append(tracking.host_record)
        auth = MailAuthRecords(
            f"{key}-dns",
            MailAuthRecordsArgs(
                domain=domain,
                sender_spf_terms=spf_terms,
                sender_records=sender_records,
                published_records=published,
                sender_spf_preview=spf_preview,
            ),
            opts=child,
        )
        summary["zone"] = auth.zone
        parts.records = auth.records_json()
        parts.inputs = list(auth.records)
        return parts

    def _relay(
        self,
        domain: DomainConfig,
        config: StackConfig,
        published: list[RecordInput],
        monitoring: _Monitoring,
    ) -> PostfixRelay:
        assert domain.relay is not None  # the config model requires it for postfix domains
        target = zone_target(domain)
        relay_monitoring = RelayMonitoring(
            f"{resource_key(domain.name)}-relay",
            RelayMonitoringArgs(
                relay_name=domain.relay.hostname,
                alerts=config.alerts,
                topic_arn=monitoring.topic.topic_arn,
                name_prefix=monitoring.name_prefix,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        monitoring.alarm_arns += relay_monitoring.alarm_arns

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
                dkim_key_bits=domain.dkim_key_bits,
                cloudwatch_agent_config=relay_monitoring.agent_config,
                publish_records=publish_before_reverse_dns,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
