"""Mocks that answer as a deployment would, so values a preview leaves unknown are judged too.

Stand-ins (valid in form, never real): account 123456789012; ARNs AWS derives from each physical
name; ids in each service's format; three Easy DKIM tokens; one RSA key pair for every key.
"""

from __future__ import annotations

from typing import Any

import pulumi

from tests.components.test_deployed_outputs import PRIVATE_PEM, PUBLIC_PEM
from tests.fidelity.service_model import STAND_IN_ACCOUNT

ARNS = {
    "aws:sns/topic:Topic": "arn:aws:sns:{region}:{account}:{name}",
    "aws:cloudwatch/metricAlarm:MetricAlarm": "arn:aws:cloudwatch:{region}:{account}:alarm:{name}",
    "aws:cloudwatch/logGroup:LogGroup": "arn:aws:logs:{region}:{account}:log-group:{name}",
    "aws:kms/key:Key": "arn:aws:kms:{region}:{account}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "aws:iam/role:Role": "arn:aws:iam::{account}:role/{name}",
    "aws:iam/user:User": "arn:aws:iam::{account}:user/{name}",
    "aws:iam/instanceProfile:InstanceProfile": "arn:aws:iam::{account}:instance-profile/{name}",
    "aws:lambda/function:Function": "arn:aws:lambda:{region}:{account}:function:{name}",
    "aws:cloudwatch/eventRule:EventRule": "arn:aws:events:{region}:{account}:rule/{name}",
    "aws:sesv2/configurationSet:ConfigurationSet": (
        "arn:aws:ses:{region}:{account}:configuration-set/{name}"
    ),
}
IDS = {
    "aws:kms/key:Key": "1234abcd-12ab-34cd-56ef-1234567890ab",
    "aws:ec2/securityGroup:SecurityGroup": "sg-0123456789abcdef0",
    "aws:ec2/instance:Instance": "i-0123456789abcdef0",
    "aws:ec2/eip:Eip": "eipalloc-0123456789abcdef0",
}
TOKENS = ["a" * 32, "b" * 32, "c" * 32]


class StandInMocks(pulumi.runtime.Mocks):
    def __init__(self, region: str) -> None:
        self.region = region
        # Each instance's user data as sent: the plan shows it only as a secret.
        self.user_data: dict[str, str] = {}

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[Any, Any]]:
        state = dict(args.inputs)
        if args.typ == "aws:ec2/instance:Instance":
            sent = args.inputs.get("userDataBase64", "")
            # A secret reaches the mocks still wrapped with its signature.
            self.user_data[args.name] = str(sent.get("value") if isinstance(sent, dict) else sent)
        physical = str(
            args.inputs.get("name")
            or args.inputs.get("configurationSetName")
            or f"{args.name}-1234567"
        )
        if args.typ.startswith("aws:iam/") and args.typ != "aws:iam/accessKey:AccessKey":
            # Pulumi's auto-name, which the provider sends as the resource's name.
            state.setdefault("name", physical)
        if args.typ in ARNS:
            state["arn"] = ARNS[args.typ].format(
                region=self.region, account=STAND_IN_ACCOUNT, name=physical
            )
        resource_id = IDS.get(args.typ, physical)
        if args.typ == "aws:kms/key:Key":
            state["keyId"] = resource_id
        if args.typ == "aws:ec2/eip:Eip":
            state.update(publicIp="203.0.113.25", allocationId=resource_id)
        if args.typ == "aws:sesv2/emailIdentity:EmailIdentity":
            attributes = dict(state.get("dkimSigningAttributes") or {})
            attributes["tokens"] = TOKENS
            state["dkimSigningAttributes"] = attributes
        if args.typ == "tls:index/privateKey:PrivateKey":
            state.update(publicKeyPem=PUBLIC_PEM, privateKeyPem=PRIVATE_PEM)
        if args.typ == "random:index/randomPassword:RandomPassword":
            state["result"] = "stand-in-password-0123456789abcd"
        if args.typ == "aws:iam/accessKey:AccessKey":
            state.update(
                id="AKIAIOSFODNN7EXAMPLE", secret="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
            )
            state["sesSmtpPasswordV4"] = "BExampleSmtpPasswordv4ExampleExampleExample0"
        return (resource_id, state)

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        answer: dict[str, Any] = {
            "id": "ami-0123456789abcdef0",
            "imageId": "ami-0123456789abcdef0",
            "zoneId": "Z0123456789ABCDEFGHIJ",
            "name": args.args.get("name", ""),
            "partition": "aws",
            "dnsSuffix": "amazonaws.com",
            "region": self.region,
            "accountId": STAND_IN_ACCOUNT,
        }
        if args.token.startswith("cloudflare:"):
            answer.update(
                id="023e105f4ecef8ad9ca31a8372d0c353", zoneId="023e105f4ecef8ad9ca31a8372d0c353"
            )
        return (answer, [])
