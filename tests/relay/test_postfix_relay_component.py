"""PostfixRelay under Pulumi's mock runtime: resources, their inputs, secrets kept secret."""

from __future__ import annotations

import base64
import gzip
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
import yaml
from google.protobuf import json_format
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from components.config.problems import Problems
from components.config.relay import parse_relay
from components.dns.record_input import RecordInput
from components.postfix_relay import PostfixRelay, PostfixRelayArgs, RecordPublisher
from components.records.dkim import dkim_txt_from_pem
from components.relay.dkim import public_key_pem_from_private
from components.relay.ses_smtp import ses_smtp_password_v4
from tests.relay.harness import rsa_key_pem

SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
SIG_KEY = "4dabf18193072939515e22adb298388d"
DOMAIN = "mail.example.com"
SASL_RESULT = "SaslPasswordFromRandomProvider0001"
SES_SECRET = "mock/secret+access+key"
EIP = "198.51.100.25"
DKIM_PEM = rsa_key_pem()
DKIM_PUBLIC = public_key_pem_from_private(DKIM_PEM)


@dataclass
class Registration:
    type: str
    name: str
    raw: dict[str, Any]
    inputs: dict[str, Any]
    dependencies: list[str] = field(default_factory=list)


class Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        outputs = dict(args.inputs)
        if args.typ == "tls:index/privateKey:PrivateKey":
            outputs.update(private_key_pem=DKIM_PEM, public_key_pem=DKIM_PUBLIC)
        elif args.typ == "random:index/randomPassword:RandomPassword":
            outputs["result"] = SASL_RESULT
        elif args.typ == "aws:ec2/eip:Eip":
            outputs.update(public_ip=EIP, allocation_id="eipalloc-0123")
        elif args.typ == "aws:iam/accessKey:AccessKey":
            outputs["secret"] = SES_SECRET
            return "AKIAMOCKACCESSKEY", outputs
        elif args.typ in ("aws:iam/role:Role", "aws:iam/user:User",
                          "aws:iam/instanceProfile:InstanceProfile"):
            outputs.setdefault("name", f"{args.name}-physical")
        return f"{args.name}-id", outputs

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        if args.token == "aws:ec2/getAmi:getAmi":
            return {"id": "ami-0debian12", "name": "debian-12-amd64-20250101-1",
                    "architecture": "x86_64"}, []
        return {}, []


@dataclass
class Monitor(pulumi_mocks.MockMonitor):
    registrations: list[Registration] = field(default_factory=list)

    def __init__(self) -> None:
        super().__init__(Mocks())
        self.registrations = []

    def RegisterResource(self, request: Any) -> Any:
        if request.type != "pulumi:pulumi:Stack":
            raw = json_format.MessageToDict(request.object)
            self.registrations.append(Registration(
                request.type, request.name, raw, _plain(raw), list(request.dependencies)))
        return super().RegisterResource(request)  # type: ignore[no-untyped-call]


def _is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG


def _plain(value: Any) -> Any:
    if _is_secret(value):
        return {"<secret>": _plain(value.get("value"))}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _strings_outside_secrets(value: Any) -> list[str]:
    if _is_secret(value):
        return []
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings_outside_secrets(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings_outside_secrets(v)]
    return [value] if isinstance(value, str) else []


@dataclass
class Built:
    monitor: Monitor
    resolved: dict[str, Any]

    def of_type(self, token: str) -> list[Registration]:
        return [r for r in self.monitor.registrations if r.type == token]

    def one(self, token: str) -> Registration:
        found = self.of_type(token)
        assert len(found) == 1, [r.name for r in found]
        return found[0]


def build(publish: RecordPublisher | None = None, **relay: Any) -> Built:
    problems = Problems()
    relay_settings = parse_relay(
        {"allowedCidrs": ["203.0.113.0/24", "2001:db8::/48"], **relay}, "relay", problems, DOMAIN
    )
    assert not problems.found
    settings.ROOT.set(None)
    monitor = Monitor()
    pulumi.runtime.set_mocks(monitor.mocks, project="mailstack", stack="test", preview=False,
                             monitor=monitor)
    resolved: dict[str, Any] = {}

    async def body() -> None:
        component = PostfixRelay("relay", PostfixRelayArgs(
            domain=DOMAIN, settings=relay_settings, region="us-east-1", zone_records_ttl=600,
            publish_records=publish,
        ))
        resolved["component"] = component
        resolved["records"] = [
            {"name": await _resolve(pulumi.Output.from_input(r.name)), "type": r.type,
             "values": [await _resolve(pulumi.Output.from_input(v)) for v in r.values],
             "ttl": r.ttl}
            for r in component.records
        ]
        resolved["public_ip"] = await _resolve(component.public_ip)
        resolved["sasl_password_secret"] = await component.sasl_password.is_secret()
        resolved["sasl_password"] = await _resolve(component.sasl_password)

    _sync_await(run_pulumi_func(body))
    return Built(monitor, resolved)


async def _resolve(output: pulumi.Output[Any]) -> Any:
    return await output.future()


@pytest.fixture(scope="module")
def direct() -> Built:
    return build()


def test_instance_runs_debian_12_with_the_cloudwatch_role(direct: Built) -> None:
    instance = direct.one("aws:ec2/instance:Instance")
    assert instance.inputs["ami"] == "ami-0debian12"
    assert instance.inputs["instanceType"] == "t3.small"
    assert instance.inputs["metadataOptions"]["httpTokens"] == "required"
    assert instance.inputs["userDataReplaceOnChange"] is True
    attachment = direct.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert attachment.inputs["policyArn"] == (
        "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"
    )
    assert direct.one("aws:iam/instanceProfile:InstanceProfile")
    assert instance.inputs["iamInstanceProfile"] == "mail-example-com-relay-profile-physical"


def test_elastic_ip_is_associated_and_gets_reverse_dns(direct: Built) -> None:
    eip = direct.one("aws:ec2/eip:Eip")
    assert eip.inputs["domain"] == "vpc"
    association = direct.one("aws:ec2/eipAssociation:EipAssociation")
    assert association.inputs["allocationId"] == "eipalloc-0123"
    ptr = direct.one("aws:ec2/eipDomainName:EipDomainName")
    assert ptr.inputs == {"allocationId": "eipalloc-0123", "domainName": "relay1.mail.example.com"}
    assert direct.resolved["public_ip"] == EIP


def test_security_group_opens_submission_only_to_allowed_networks(direct: Built) -> None:
    ingress = direct.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert sorted((r.inputs.get("cidrIpv4") or r.inputs.get("cidrIpv6"), r.inputs["fromPort"],
                   r.inputs["toPort"]) for r in ingress) == [
        ("2001:db8::/48", 587, 587), ("203.0.113.0/24", 587, 587)
    ]
    assert not any(r.inputs.get("cidrIpv4") == "0.0.0.0/0" or r.inputs.get("cidrIpv6") == "::/0"
                   for r in ingress)
    group = direct.one("aws:ec2/securityGroup:SecurityGroup")
    assert "ingress" not in group.inputs or not group.inputs["ingress"]
    egress = direct.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
    assert sorted(r.inputs["fromPort"] for r in egress) == [25, 80, 443]


def test_dkim_key_and_sasl_password(direct: Built) -> None:
    key = direct.one("tls:index/privateKey:PrivateKey")
    assert key.inputs == {"algorithm": "RSA", "rsaBits": 2048}
    password = direct.one("random:index/randomPassword:RandomPassword")
    assert password.inputs["length"] >= 32
    assert direct.resolved["sasl_password_secret"] is True
    assert direct.resolved["sasl_password"] == SASL_RESULT


def test_records_expose_the_a_and_dkim_txt(direct: Built) -> None:
    assert direct.resolved["records"] == [
        {"name": "relay1.mail.example.com", "type": "A", "values": [EIP], "ttl": 600},
        {"name": "relay._domainkey.mail.example.com", "type": "TXT",
         "values": [dkim_txt_from_pem(DKIM_PUBLIC)], "ttl": 600},
    ]
    component = direct.resolved["component"]
    assert (component.hostname, component.submission_port, component.dkim_selector,
            component.sasl_username) == ("relay1.mail.example.com", 587, "relay", "submit")


def test_user_data_is_a_secret_carrying_the_rendered_relay(direct: Built) -> None:
    instance = direct.one("aws:ec2/instance:Instance")
    raw_user_data = instance.raw["userDataBase64"]
    assert _is_secret(raw_user_data)
    text = gzip.decompress(base64.b64decode(raw_user_data["value"])).decode()
    document = yaml.safe_load(text)
    files = {f["path"]: f["content"] for f in document["write_files"]}
    assert files["/etc/opendkim/keys/relay.private"] == DKIM_PEM
    assert files["/etc/mailstack/sasl-password"] == SASL_RESULT


def test_no_secret_reaches_any_resource_in_plain_text(direct: Built) -> None:
    secrets = (SASL_RESULT, "PRIVATE KEY", DKIM_PEM.splitlines()[1])
    for registration in direct.monitor.registrations:
        for text in _strings_outside_secrets(registration.raw):
            assert not any(secret in text for secret in secrets), registration.name


def test_ses_smarthost_gets_an_iam_user_and_a_secret_smtp_password() -> None:
    built = build(smarthost="ses")
    assert built.one("aws:iam/user:User")
    policy = built.one("aws:iam/userPolicy:UserPolicy")
    assert "ses:SendRawEmail" in policy.inputs["policy"]
    egress = built.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
    assert sorted(r.inputs["fromPort"] for r in egress) == [80, 443, 587]
    instance = built.one("aws:ec2/instance:Instance")
    raw = instance.raw["userDataBase64"]
    assert _is_secret(raw)
    document = yaml.safe_load(gzip.decompress(base64.b64decode(raw["value"])).decode())
    files = {f["path"]: f["content"] for f in document["write_files"]}
    expected = ses_smtp_password_v4(SES_SECRET, "us-east-1")
    assert files["/etc/postfix/sasl_passwd"] == (
        f"[email-smtp.us-east-1.amazonaws.com]:587 AKIAMOCKACCESSKEY:{expected}\n"
    )
    for registration in built.monitor.registrations:
        for text in _strings_outside_secrets(registration.raw):
            assert SES_SECRET not in text and expected not in text


def test_reverse_dns_waits_for_the_published_a_record() -> None:
    def publish(records: Sequence[RecordInput]) -> list[pulumi.Resource]:
        return [aws.route53.Record(f"published-{r.key}", zone_id="Z1", name=r.name, type=r.type,
                                   records=r.values, ttl=r.ttl) for r in records]

    built = build(publish=publish)
    a_record = next(r for r in built.of_type("aws:route53/record:Record")
                    if r.inputs["type"] == "A")
    assert a_record.inputs["records"] == [EIP]
    ptr = built.one("aws:ec2/eipDomainName:EipDomainName")
    assert any(urn.endswith(f"::{a_record.name}") for urn in ptr.dependencies), ptr.dependencies


def test_dane_relays_may_query_dns_servers_for_their_own_validating_resolver() -> None:
    built = build(outboundTls="dane")
    egress = built.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
    assert sorted((r.inputs["ipProtocol"], r.inputs["fromPort"]) for r in egress) == [
        ("tcp", 25), ("tcp", 53), ("tcp", 80), ("tcp", 443), ("udp", 53),
    ]
    assert len({r.name for r in egress}) == len(egress)
    ingress = built.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert sorted(r.inputs["fromPort"] for r in ingress) == [587, 587]
