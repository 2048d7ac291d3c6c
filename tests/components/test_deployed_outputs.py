"""Stack outputs as `pulumi up` leaves them: mocks answer with the values AWS would assign."""

from __future__ import annotations

import copy
from typing import Any

import pulumi

from components.program import build
from mailstack.plan import SECRET, PlanResult, run_program

RELAY_IP = "203.0.113.25"
TOKENS = [
    "tok1abcdefghijklmnopqrstuvwxyz12",
    "tok2abcdefghijklmnopqrstuvwxyz12",
    "tok3abcdefghijklmnopqrstuvwxyz12",
]


class DeployedMocks(pulumi.runtime.Mocks):
    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[Any, Any]]:
        state = dict(args.inputs)
        if args.typ.startswith("aws:"):
            service = args.typ.split(":")[1].split("/")[0]
            state.setdefault("arn", f"arn:aws:{service}:eu-west-2:123456789012:{args.name}")
        if args.typ == "aws:ec2/eip:Eip":
            state["publicIp"] = RELAY_IP
            state["allocationId"] = "eipalloc-0123"
        if args.typ == "aws:sesv2/emailIdentity:EmailIdentity":
            attributes = dict(state.get("dkimSigningAttributes") or {})
            attributes["tokens"] = TOKENS
            state["dkimSigningAttributes"] = attributes
        if args.typ == "tls:index/privateKey:PrivateKey":
            state["publicKeyPem"] = PUBLIC_PEM
            state["privateKeyPem"] = PRIVATE_PEM
        if args.typ == "random:index/randomPassword:RandomPassword":
            state["result"] = "not-a-real-password"
        if args.typ == "aws:iam/accessKey:AccessKey":
            state["secret"] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        return (f"{args.name}-id", state)

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        answer = {"id": "ami-0123", "zoneId": "Z123", "name": args.args.get("name", "")}
        answer |= {"partition": "aws", "region": "eu-west-2", "accountId": "123456789012"}
        return (answer, [])


def _key_pair() -> tuple[str, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


PRIVATE_PEM, PUBLIC_PEM = _key_pair()

CONFIG: dict[str, Any] = {
    "aws:region": "eu-west-2",
    "mailstack:environment": "production",
    "mailstack:dns": {"provider": "route53", "zoneName": "example.com", "zoneId": "Z123"},
    "mailstack:domains": [
        {"name": "news.example.com", "dmarc": {"policy": "reject"}},
        {
            "name": "mail.example.com",
            "sender": "postfix",
            "mailFrom": "bounces.mail.example.com",
            "relay": {"hostname": "relay1.mail.example.com", "allowedCidrs": ["10.0.0.0/8"]},
            "spf": {"include": ["_spf.partner.example.net"]},
            "dmarc": {"policy": "quarantine"},
        },
    ],
}


def deployed() -> PlanResult:
    return run_program(CONFIG, "prod", build, mocks=DeployedMocks(), preview=False)


def spf_record_values(values: list[str]) -> tuple[str, ...]:
    return tuple(values)


def records_at(result: PlanResult, name: str, rtype: str) -> list[tuple[str, ...]]:
    return [r.values for r in result.dns_records if r.name == name and r.type == rtype]


def test_easy_dkim_cnames_point_at_the_regions_dkim_host() -> None:
    result = deployed()
    for token in TOKENS:
        values = records_at(result, f"{token}._domainkey.news.example.com", "CNAME")
        assert values == [(f"{token}.dkim.amazonses.com",)]
    regional = run_program(
        {**CONFIG, "aws:region": "af-south-1"}, "prod", build, mocks=DeployedMocks(), preview=False
    )
    for token in TOKENS:
        values = records_at(regional, f"{token}._domainkey.news.example.com", "CNAME")
        assert values == [(f"{token}.dkim.af-south-1.amazonses.com",)]
    ses_domain = result.outputs["domains"][0]
    assert ses_domain["dkimSelectors"] == TOKENS
    assert ses_domain["configurationSet"] == "news-example-com"
    assert ses_domain["zone"] == "example.com"


def test_relay_ip_is_merged_into_the_single_spf_record() -> None:
    result = deployed()
    spf = [
        v
        for v in records_at(result, "mail.example.com", "TXT")
        for v in v
        if v.startswith("v=spf1")
    ]
    assert spf == [f"v=spf1 ip4:{RELAY_IP} include:_spf.partner.example.net ~all"]
    assert records_at(result, "relay1.mail.example.com", "A") == [(RELAY_IP,)]
    (_, relay_domain) = result.outputs["domains"]
    assert relay_domain["relayIps"] == [RELAY_IP]
    assert relay_domain["relayHostname"] == "relay1.mail.example.com"
    assert relay_domain["mailFrom"] == "bounces.mail.example.com"
    # The envelope domain is authorized for the relay too, in its own single SPF record.
    assert records_at(result, "bounces.mail.example.com", "TXT") == [spf_record_values(spf)]
    assert "configurationSet" not in relay_domain


def test_relay_dkim_txt_is_published_from_the_generated_key() -> None:
    result = deployed()
    (relay_domain,) = [d for d in result.outputs["domains"] if d["sender"] == "postfix"]
    (selector,) = relay_domain["dkimSelectors"]
    ((value,),) = records_at(result, f"{selector}._domainkey.mail.example.com", "TXT")
    body = "".join(line for line in PUBLIC_PEM.splitlines() if not line.startswith("-----"))
    assert value == f"v=DKIM1; k=rsa; p={body}"


def test_no_secret_reaches_outputs_or_inputs_in_plain_text() -> None:
    result = deployed()
    text = result.render_json()
    assert "not-a-real-password" not in text
    assert "wJalrXUtnFEMI" not in text
    assert "PRIVATE KEY" not in text
    private_body = "".join(PRIVATE_PEM.splitlines()[1:-1])
    assert private_body[:64] not in text
    instance = next(r for r in result.resources if r.type == "aws:ec2/instance:Instance")
    assert instance.inputs["userDataBase64"] == SECRET


def test_a_relay_fronting_ses_reports_its_smarthost_and_both_signatures() -> None:
    raw = copy.deepcopy(CONFIG)
    raw["mailstack:domains"][1]["relay"]["smarthost"] = "ses"
    del raw["mailstack:domains"][1]["mailFrom"]
    result = run_program(raw, "prod", build, mocks=DeployedMocks(), preview=False)
    relay_domain = result.outputs["domains"][1]
    assert relay_domain["smarthost"] == "ses"
    assert relay_domain["configurationSet"] == "mail-example-com"
    assert relay_domain["mailFrom"] == "bounce.mail.example.com"
    assert relay_domain["dkimSelectors"] == ["relay", *TOKENS]
    assert records_at(result, "bounce.mail.example.com", "MX") == [
        ("10 feedback-smtp.eu-west-2.amazonses.com",)
    ]
