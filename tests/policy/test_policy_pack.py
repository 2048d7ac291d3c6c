"""The policy pack as the engine runs it: real pulumi-policy servicer, protobuf requests."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.policy.engine import (
    PACK_DIR,
    UNKNOWN_STRING,
    EngineResource,
    analyze,
    analyze_stack,
    secret,
    urn,
)

CF = "cloudflare:index/dnsRecord:DnsRecord"
R53 = "aws:route53/record:Record"
KEY = "tls:index/privateKey:PrivateKey"
IDENTITY = "aws:sesv2/emailIdentity:EmailIdentity"
CONFIG_SET = "aws:sesv2/configurationSet:ConfigurationSet"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


@pytest.fixture(autouse=True)
def stack_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine hands the pack the stack's config in PULUMI_CONFIG."""
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps({"mailstack:environment": "production"}))
    monkeypatch.delenv("PULUMI_CONFIG_SECRET_KEYS", raising=False)


def test_pack_declares_every_policy_with_its_enforcement() -> None:
    from tests.policy.engine import servicer

    info = servicer().GetAnalyzerInfo(None, None)
    levels = {p.name: p.enforcementLevel for p in info.policies}
    from pulumi.runtime import proto

    assert levels["relay-reverse-dns"] == proto.ADVISORY
    assert levels["dmarc-enforced-in-production"] == proto.MANDATORY
    assert levels["dmarc-external-report-authorization"] == proto.ADVISORY
    assert levels["relay-mail-from-mx"] == proto.ADVISORY
    assert len(levels) == 11


def test_1024_bit_key_is_mandatory_violation_on_the_resource() -> None:
    (d,) = analyze(KEY, "news-dkim-s1", {"algorithm": "RSA", "rsaBits": 1024})
    assert (d.policy, d.enforcement) == ("dkim-key-length", "mandatory")
    assert "rsa_bits=2048" in d.message
    assert analyze(KEY, "news-dkim-s1", {"algorithm": "RSA", "rsaBits": 2048}) == []


def test_unknown_values_during_preview_do_not_abort_the_policies() -> None:
    # The SDK raises on reading an unknown; the pack must still evaluate the known parts.
    inputs = {
        "type": "TXT",
        "name": "example.com",
        "content": '"v=spf1 ~all"',
        "proxied": True,
        "zoneId": UNKNOWN_STRING,
    }
    (d,) = analyze(CF, "spf", inputs)
    assert d.policy == "cloudflare-mail-records-not-proxied"
    assert not [
        x for x in analyze(CF, "spf", {**inputs, "proxied": False}) if "preview" in x.message
    ]


def test_security_group_open_on_587_is_refused() -> None:
    sg = {
        "ingress": [
            {
                "protocol": "tcp",
                "fromPort": 587,
                "toPort": 587,
                "cidrBlocks": ["0.0.0.0/0"],
                "ipv6CidrBlocks": ["::/0"],
            }
        ],
        "vpcId": UNKNOWN_STRING,
    }
    (d,) = analyze("aws:ec2/securityGroup:SecurityGroup", "relay-sg", sg)
    assert (d.policy, d.enforcement) == ("relay-smtp-not-open", "mandatory")
    assert "0.0.0.0/0, ::/0" in d.message


def _ses_domain(dmarc: str, *, alarms: bool = True) -> list[EngineResource]:
    resources = [
        EngineResource(
            CONFIG_SET,
            "news-cs",
            {
                "configurationSetName": "news",
                "reputationOptions": {"reputationMetricsEnabled": True},
            },
        ),
        EngineResource(
            IDENTITY,
            "news-identity",
            {"emailIdentity": "news.example.com", "configurationSetName": "news"},
        ),
        EngineResource(
            R53,
            "news-spf",
            {
                "name": "news.example.com",
                "type": "TXT",
                "records": ["v=spf1 include:amazonses.com ~all"],
                "zoneId": "Z1",
                "ttl": 300,
            },
        ),
        EngineResource(
            R53,
            "news-dmarc",
            {
                "name": "_dmarc.news.example.com",
                "type": "TXT",
                "records": [dmarc],
                "zoneId": "Z1",
                "ttl": 300,
            },
        ),
    ]
    if alarms:
        for metric in ("Reputation.BounceRate", "Reputation.ComplaintRate"):
            resources.append(
                EngineResource(
                    ALARM,
                    f"news-{metric}",
                    {
                        "metricName": metric,
                        "namespace": "AWS/SES",
                        "alarmActions": [UNKNOWN_STRING],
                        "dimensions": {"ses:configuration-set": "news"},
                    },
                )
            )
    return resources


def test_clean_production_stack_passes() -> None:
    assert analyze_stack(_ses_domain("v=DMARC1; p=reject")) == []


def test_dmarc_none_in_production_stops_the_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    (d,) = analyze_stack(_ses_domain("v=DMARC1; p=none"))
    assert (d.policy, d.enforcement) == ("dmarc-enforced-in-production", "mandatory")
    assert "news.example.com" in d.message
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps({"mailstack:environment": "development"}))
    assert analyze_stack(_ses_domain("v=DMARC1; p=none")) == []


def test_missing_alarms_are_attached_to_the_resources() -> None:
    found = analyze_stack(_ses_domain("v=DMARC1; p=reject", alarms=False))
    assert {(d.policy, d.urn) for d in found} == {
        ("reputation-alarms", urn(CONFIG_SET, "news-cs")),
        ("reputation-alarms", urn(IDENTITY, "news-identity")),
    }


def test_byodkim_key_from_tls_private_key_counts_as_secret() -> None:
    pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow...\n-----END RSA PRIVATE KEY-----\n"
    key = EngineResource(KEY, "news-dkim-s1", {"algorithm": "RSA", "rsaBits": 2048})
    identity = EngineResource(
        IDENTITY,
        "news-identity",
        {
            "emailIdentity": "news.example.com",
            "dkimSigningAttributes": {
                "domainSigningSelector": "s1",
                "domainSigningPrivateKey": secret(pem),
            },
        },
        depends={"dkimSigningAttributes": ["news-dkim-s1"]},
    )
    assert not [d for d in analyze_stack([key, identity]) if d.policy == "secrets-are-secret"]

    literal = EngineResource(
        IDENTITY,
        "news-identity",
        {
            "emailIdentity": "news.example.com",
            "dkimSigningAttributes": {
                "domainSigningSelector": "s1",
                "domainSigningPrivateKey": pem,
            },
        },
    )
    (d,) = [d for d in analyze_stack([literal]) if d.policy == "secrets-are-secret"]
    assert d.enforcement == "mandatory" and d.urn == urn(IDENTITY, "news-identity")


def test_password_from_secret_config_counts_as_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "PULUMI_CONFIG",
        json.dumps(
            {"mailstack:environment": "production", "mailstack:smtpPassword": "s3cret-pass"}
        ),
    )
    monkeypatch.setenv("PULUMI_CONFIG_SECRET_KEYS", json.dumps(["mailstack:smtpPassword"]))
    user_data = (
        "#cloud-config\nwrite_files:\n- path: /etc/mailstack/sasl-password\n"
        "  content: s3cret-pass\n"
    )
    instance = EngineResource("aws:ec2/instance:Instance", "relay", {"userData": user_data})
    assert not [d for d in analyze_stack([instance]) if d.policy == "secrets-are-secret"]
    monkeypatch.delenv("PULUMI_CONFIG_SECRET_KEYS")
    assert [d.policy for d in analyze_stack([instance])] == ["secrets-are-secret"]


def test_relay_without_ptr_is_advisory() -> None:
    eip = EngineResource("aws:ec2/eip:Eip", "relay-eip", {"domain": "vpc"})
    (d,) = analyze_stack([eip])
    assert (d.policy, d.enforcement, d.urn) == (
        "relay-reverse-dns",
        "advisory",
        urn("aws:ec2/eip:Eip", "relay-eip"),
    )
    ptr = EngineResource(
        "aws:ec2/eipDomainName:EipDomainName",
        "relay-ptr",
        {"allocationId": UNKNOWN_STRING, "domainName": "relay1.example.com"},
        depends={"allocationId": ["relay-eip"]},
    )
    assert analyze_stack([eip, ptr]) == []


def test_pack_entry_point_imports_and_serves() -> None:
    """`python policy/` is what the engine starts: it prints the port it listens on."""
    process = subprocess.Popen(
        [sys.executable, str(PACK_DIR)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=PACK_DIR,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().decode().strip()
        assert line.isdigit(), process.stderr.read().decode() if process.stderr else line
    finally:
        process.kill()
        process.wait()
