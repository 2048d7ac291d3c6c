"""PostfixRelay: a hardened, DKIM-signing Postfix relay on EC2 for one `sender: postfix` domain."""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random
import pulumi_tls as tls

from components.config.relay import RelaySettings
from components.dns.record_input import RecordInput
from components.records.dkim import dkim_record_name, dkim_txt_from_pem
from components.relay.bundle import RelaySecrets
from components.relay.cloud_init import (
    render_cloud_init,
    user_data_gzip_base64,
    uses_own_validating_resolver,
)
from components.relay.layout import SUBMISSION_PORT
from components.relay.sasl import SASL_USERNAME
from components.relay.ses_smtp import ses_smtp_password_v4

DEBIAN_OWNER = "136693071363"
DEBIAN_12_NAME = "debian-12-amd64-*"
CLOUDWATCH_AGENT_POLICY = "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"
DKIM_KEY_BITS = 2048
SASL_PASSWORD_LENGTH = 32
ANYWHERE_V4 = "0.0.0.0/0"

RecordPublisher = Callable[[Sequence[RecordInput]], Sequence[pulumi.Resource]]


@dataclass(frozen=True)
class PostfixRelayArgs:
    domain: str
    settings: RelaySettings
    region: str
    zone_records_ttl: int
    dkim_key_bits: int = DKIM_KEY_BITS
    # Default VPC when None.
    vpc_id: pulumi.Input[str] | None = None
    subnet_id: pulumi.Input[str] | None = None
    # e.g. RelayMonitoring.agent_config; None ships the mail log with the built-in config.
    cloudwatch_agent_config: str | None = None
    # AWS sets the PTR only once the forward A record resolves to the Elastic IP. When
    # given, the relay's records are published through this before reverse DNS is set.
    publish_records: RecordPublisher | None = None


def resource_key(domain: str) -> str:
    return domain.replace(".", "-")


def _cidr_key(cidr: str) -> str:
    return re.sub(r"[^0-9a-f]+", "-", cidr.lower()).strip("-")


def _assume_role_policy() -> str:
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }],
    })


def _ses_send_policy(domain: str) -> str:
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": "ses:SendRawEmail",
            "Resource": "*",
            "Condition": {"StringLike": {"ses:FromAddress": f"*@{domain}"}},
        }],
    })


class PostfixRelay(pulumi.ComponentResource):
    """EC2 instance, Elastic IP with reverse DNS, locked-down security group, DKIM key, SASL."""

    instance: aws.ec2.Instance
    elastic_ip: aws.ec2.Eip
    security_group: aws.ec2.SecurityGroup
    dkim_key: tls.PrivateKey
    public_ip: pulumi.Output[str]
    hostname: str
    submission_port: int
    dkim_selector: str
    dkim_txt: pulumi.Output[str]
    sasl_username: str
    sasl_password: pulumi.Output[str]
    records: list[RecordInput]

    def __init__(
        self, name: str, args: PostfixRelayArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("mailstack:index:PostfixRelay", name, None, opts)
        settings = args.settings
        key = resource_key(args.domain)
        child = pulumi.ResourceOptions(parent=self)
        self.hostname = settings.hostname
        self.submission_port = SUBMISSION_PORT
        self.dkim_selector = settings.dkim_selector
        self.sasl_username = SASL_USERNAME

        # One key per selector, named by it, so reordering selectors in a rotation never
        # replaces a key that is in use.
        dkim_keys = {
            selector: tls.PrivateKey(
                f"{key}-relay-dkim-{selector}",
                algorithm="RSA",
                rsa_bits=args.dkim_key_bits,
                opts=child,
            )
            for selector in settings.dkim_selectors
        }
        self.dkim_key = dkim_keys[settings.dkim_selector]
        self.dkim_txt = self.dkim_key.public_key_pem.apply(dkim_txt_from_pem)
        sasl = random.RandomPassword(
            f"{key}-relay-sasl", length=SASL_PASSWORD_LENGTH, special=False, opts=child
        )
        self.sasl_password = pulumi.Output.secret(sasl.result)

        ses_username: pulumi.Output[str | None] = pulumi.Output.from_input(None)
        ses_password: pulumi.Output[str | None] = pulumi.Output.from_input(None)
        if settings.uses_ses:
            ses_region = settings.ses_region or args.region
            user = aws.iam.User(f"{key}-relay-ses", tags={"mailstack:relay": key}, opts=child)
            aws.iam.UserPolicy(
                f"{key}-relay-ses-send", user=user.name, policy=_ses_send_policy(args.domain),
                opts=child,
            )
            access_key = aws.iam.AccessKey(f"{key}-relay-ses", user=user.name, opts=child)
            ses_username = access_key.id.apply(lambda value: value)
            ses_password = pulumi.Output.secret(
                access_key.secret.apply(lambda secret: ses_smtp_password_v4(secret, ses_region))
            )

        def render(values: list[str | None]) -> str:
            dkim_pem, sasl_password, username, password = values
            assert dkim_pem is not None and sasl_password is not None
            text = render_cloud_init(
                args.domain, settings, args.region,
                RelaySecrets(dkim_pem, sasl_password, username, password),
                cloudwatch_agent_config=args.cloudwatch_agent_config,
            )
            return user_data_gzip_base64(text)

        rendered: pulumi.Output[str] = pulumi.Output.all(
            self.dkim_key.private_key_pem, sasl.result, ses_username, ses_password
        ).apply(render)
        user_data: pulumi.Output[str] = pulumi.Output.secret(rendered)

        role = aws.iam.Role(
            f"{key}-relay-role", assume_role_policy=_assume_role_policy(),
            description=f"CloudWatch agent on the mail relay {settings.hostname}", opts=child,
        )
        aws.iam.RolePolicyAttachment(
            f"{key}-relay-cloudwatch", role=role.name, policy_arn=CLOUDWATCH_AGENT_POLICY,
            opts=child,
        )
        profile = aws.iam.InstanceProfile(f"{key}-relay-profile", role=role.name, opts=child)

        self.security_group = aws.ec2.SecurityGroup(
            f"{key}-relay-sg",
            description=f"Mail relay {settings.hostname}: submission from listed networks only",
            vpc_id=args.vpc_id,
            tags={"Name": settings.hostname},
            opts=child,
        )
        for cidr in settings.allowed_cidrs:
            v6 = ipaddress.ip_network(cidr).version == 6
            aws.vpc.SecurityGroupIngressRule(
                f"{key}-relay-submission-{_cidr_key(cidr)}",
                security_group_id=self.security_group.id,
                description="SMTP submission (STARTTLS + AUTH)",
                ip_protocol="tcp", from_port=SUBMISSION_PORT, to_port=SUBMISSION_PORT,
                cidr_ipv4=None if v6 else cidr, cidr_ipv6=cidr if v6 else None,
                opts=child,
            )
        egress = [
            (SUBMISSION_PORT, "SES SMTP smarthost") if settings.uses_ses
            # AWS throttles port 25 from EC2 until the account's removal request is approved.
            else (25, "SMTP delivery to recipient MX hosts"),
            (443, "CloudWatch, package and agent downloads over HTTPS"),
            # apt may fetch from plain-HTTP mirrors; packages are signature-checked.
            (80, "Debian package mirrors"),
        ]
        rules = [(port, "tcp", description) for port, description in egress]
        if uses_own_validating_resolver(settings):
            # Security groups never filter the VPC resolver, but DANE needs the relay's own
            # validating resolver, which asks the authoritative servers on port 53 directly.
            rules += [(53, "udp", "DNS lookups of the DNSSEC-validating resolver (DANE)"),
                      (53, "tcp", "DNS lookups of the DNSSEC-validating resolver (DANE)")]
        for port, protocol, description in rules:
            suffix = "" if protocol == "tcp" else f"-{protocol}"
            aws.vpc.SecurityGroupEgressRule(
                f"{key}-relay-egress-{port}{suffix}",
                security_group_id=self.security_group.id, description=description,
                ip_protocol=protocol, from_port=port, to_port=port, cidr_ipv4=ANYWHERE_V4,
                opts=child,
            )

        ami = aws.ec2.get_ami_output(
            owners=[DEBIAN_OWNER], most_recent=True,
            filters=[
                aws.ec2.GetAmiFilterArgs(name="name", values=[DEBIAN_12_NAME]),
                aws.ec2.GetAmiFilterArgs(name="architecture", values=["x86_64"]),
            ],
            opts=pulumi.InvokeOutputOptions(parent=self),
        )
        self.instance = aws.ec2.Instance(
            f"{key}-relay",
            ami=ami.id,
            instance_type=settings.instance_type,
            subnet_id=args.subnet_id,
            vpc_security_group_ids=[self.security_group.id],
            iam_instance_profile=profile.name,
            user_data_base64=user_data,
            user_data_replace_on_change=True,
            metadata_options=aws.ec2.InstanceMetadataOptionsArgs(
                http_tokens="required", http_endpoint="enabled"
            ),
            root_block_device=aws.ec2.InstanceRootBlockDeviceArgs(
                encrypted=True, volume_type="gp3", volume_size=16
            ),
            tags={"Name": settings.hostname, "mailstack:domain": args.domain},
            # A new AMI release must not replace a running relay; roll it on purpose.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["ami"]),
        )
        self.elastic_ip = aws.ec2.Eip(
            f"{key}-relay-ip", domain="vpc", tags={"Name": settings.hostname}, opts=child
        )
        association = aws.ec2.EipAssociation(
            f"{key}-relay-ip", allocation_id=self.elastic_ip.allocation_id,
            instance_id=self.instance.id, opts=child,
        )
        self.public_ip = self.elastic_ip.public_ip

        ttl = args.zone_records_ttl
        self.records = [
            RecordInput(key=f"{key}-relay-a", name=settings.hostname, type="A",
                        values=[self.public_ip], ttl=ttl),
            *[
                RecordInput(
                    key=f"{key}-relay-dkim-{selector}",
                    name=dkim_record_name(selector, args.domain),
                    type="TXT",
                    values=[dkim_key.public_key_pem.apply(dkim_txt_from_pem)],
                    ttl=ttl,
                )
                for selector, dkim_key in dkim_keys.items()
            ],
        ]
        forward: list[pulumi.Resource] = [association]
        if args.publish_records is not None:
            forward += list(args.publish_records(self.records))
        aws.ec2.EipDomainName(
            f"{key}-relay-ptr", allocation_id=self.elastic_ip.allocation_id,
            domain_name=settings.hostname,
            opts=pulumi.ResourceOptions(parent=self, depends_on=forward),
        )
        self.register_outputs({
            "hostname": self.hostname,
            "publicIp": self.public_ip,
            "submissionPort": self.submission_port,
            "dkimSelector": self.dkim_selector,
            "saslUsername": self.sasl_username,
            "saslPassword": self.sasl_password,
        })
