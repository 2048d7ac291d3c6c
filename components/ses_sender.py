"""SesSender: one Amazon SES (v2) sending domain and the DNS records it needs."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import pulumi
import pulumi_aws as aws
import pulumi_tls as tls

from components.config.model import DomainConfig
from components.dns.record_input import RecordInput
from components.records.dkim import dkim_record_name, dkim_txt_from_pem
from components.records.mail_from import mail_from_records
from components.records.pem import pem_body
from components.records.ses import dkim_cname_name, dkim_cname_target, ses_dkim_host
from components.records.spf import SES_SPF_INCLUDE
from components.ses.tracking_domain import identity_verified, tracking_options

EASY_DKIM_TOKEN_COUNT = 3
# If the MAIL FROM MX goes missing, SES falls back to its own MAIL FROM domain: DKIM still
# aligns, so DMARC keeps passing and mail keeps flowing, while `verify` reports the gap.
BEHAVIOR_ON_MX_FAILURE = "USE_DEFAULT_VALUE"


@dataclass(frozen=True)
class SesSenderArgs:
    domain: DomainConfig
    region: str


def resource_key(domain: str) -> str:
    return domain.replace(".", "-")


def _token(index: int, tokens: list[str] | None) -> str:
    if not tokens or len(tokens) <= index:
        raise ValueError(f"SES returned {len(tokens or [])} Easy DKIM tokens, expected 3")
    return tokens[index]


class SesSender(pulumi.ComponentResource):
    """Email identity (Easy DKIM RSA 2048 or BYODKIM), custom MAIL FROM and a configuration set."""

    identity: aws.sesv2.EmailIdentity
    configuration_set: aws.sesv2.ConfigurationSet
    configuration_set_name: pulumi.Output[str]
    dkim_selectors: pulumi.Output[list[str]]
    records: list[RecordInput]
    spf_terms: list[pulumi.Input[str]]

    def __init__(self, name: str, args: SesSenderArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mailstack:index:SesSender", name, None, opts)
        domain = args.domain
        key = resource_key(domain.name)
        child = pulumi.ResourceOptions(parent=self)

        self.configuration_set = aws.sesv2.ConfigurationSet(
            f"{key}-configuration-set",
            configuration_set_name=domain.configuration_set,
            reputation_options={"reputation_metrics_enabled": True},
            delivery_options={"tls_policy": "REQUIRE"},
            suppression_options={"suppressed_reasons": ["BOUNCE", "COMPLAINT"]},
            sending_options={"sending_enabled": True},
            tracking_options=tracking_options(
                domain.tracking_domain, identity_verified(domain.name, args.region)
            )
            if domain.tracking_domain
            else None,
            # An automatic pause (alerts.autoPause) must survive the next `pulumi up`:
            # resuming sending stays a person's decision.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["sendingOptions"]),
        )
        self.configuration_set_name = self.configuration_set.configuration_set_name

        dkim_keys: dict[str, tls.PrivateKey] = {}
        if domain.dkim == "byo":
            for selector in domain.dkim_selectors:
                dkim_keys[selector] = tls.PrivateKey(
                    f"{key}-dkim-{selector}",
                    algorithm="RSA",
                    rsa_bits=domain.dkim_key_bits,
                    opts=child,
                )
            signing_key = dkim_keys[domain.signing_selector]
            dkim_attributes = aws.sesv2.EmailIdentityDkimSigningAttributesArgs(
                domain_signing_selector=domain.signing_selector,
                domain_signing_private_key=pulumi.Output.secret(
                    signing_key.private_key_pem.apply(pem_body)
                ),
            )
        else:
            dkim_attributes = aws.sesv2.EmailIdentityDkimSigningAttributesArgs(
                next_signing_key_length=f"RSA_{domain.dkim_key_bits}_BIT"
            )

        self.identity = aws.sesv2.EmailIdentity(
            f"{key}-identity",
            email_identity=domain.name,
            configuration_set_name=self.configuration_set.configuration_set_name,
            dkim_signing_attributes=dkim_attributes,
            opts=child,
        )
        aws.sesv2.EmailIdentityMailFromAttributes(
            f"{key}-mail-from",
            email_identity=self.identity.email_identity,
            mail_from_domain=domain.mail_from,
            behavior_on_mx_failure=BEHAVIOR_ON_MX_FAILURE,
            opts=child,
        )

        records: list[RecordInput] = []
        if domain.dkim == "byo":
            self.dkim_selectors = pulumi.Output.from_input(list(domain.dkim_selectors))
            for selector, private_key in dkim_keys.items():
                records.append(
                    RecordInput(
                        key=f"{key}-dkim-{selector}",
                        name=dkim_record_name(selector, domain.name),
                        type="TXT",
                        values=[private_key.public_key_pem.apply(dkim_txt_from_pem)],
                        ttl=domain.dns.ttl,
                    )
                )
        else:
            tokens = self.identity.dkim_signing_attributes.apply(
                lambda attributes: attributes.tokens
            )
            self.dkim_selectors = tokens.apply(lambda found: list(found or []))
            for index in range(EASY_DKIM_TOKEN_COUNT):
                token = tokens.apply(partial(_token, index))
                placeholder = f"<token {index + 1}>"
                records.append(
                    RecordInput(
                        key=f"{key}-dkim-{index + 1}",
                        name=token.apply(lambda t: dkim_cname_name(t, domain.name)),
                        type="CNAME",
                        values=[token.apply(lambda t: dkim_cname_target(t, args.region))],
                        ttl=domain.dns.ttl,
                        preview_name=f"{placeholder}._domainkey.{domain.name}",
                        preview_values=(f"{placeholder}.{ses_dkim_host(args.region)}",),
                    )
                )
        for record in mail_from_records(domain.mail_from, args.region, domain.dns.ttl):
            suffix = "mx" if record.type == "MX" else "spf"
            records.append(RecordInput.from_record(f"{key}-mail-from-{suffix}", record))
        self.records = records
        self.spf_terms = [SES_SPF_INCLUDE]

        self.register_outputs(
            {
                "identity": self.identity.email_identity,
                "configurationSetName": self.configuration_set_name,
                "dkimSelectors": self.dkim_selectors,
            }
        )
