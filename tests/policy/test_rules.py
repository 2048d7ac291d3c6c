"""Each policy's pure rule fed inputs shaped as the engine passes them (camelCase wire names)."""

from __future__ import annotations

from typing import Any

import pytest

from components.policy.alarms import reputation_alarm_violations
from components.policy.dmarc import (
    dmarc_enforcement_violations,
    dmarc_published_violations,
    sending_domains,
)
from components.policy.dns import (
    RecordView,
    cloudflare_proxied_violations,
    records_of,
    spf_record_violations,
    spf_violations,
)
from components.policy.keys import dkim_key_length_violations, plaintext_secret_violations
from components.policy.network import reverse_dns_violations, smtp_exposure_violations
from components.policy.wire import SECRET, UNKNOWN, ResourceView

CF = "cloudflare:index/dnsRecord:DnsRecord"
R53 = "aws:route53/record:Record"
KEY = "tls:index/privateKey:PrivateKey"
IDENTITY = "aws:sesv2/emailIdentity:EmailIdentity"
CONFIG_SET = "aws:sesv2/configurationSet:ConfigurationSet"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EIP = "aws:ec2/eip:Eip"
PTR = "aws:ec2/eipDomainName:EipDomainName"


# --- DKIM key length ---------------------------------------------------------------------


def test_2048_bit_rsa_key_passes() -> None:
    assert dkim_key_length_violations(KEY, {"algorithm": "RSA", "rsaBits": 2048}) == []
    assert dkim_key_length_violations(KEY, {"algorithm": "RSA", "rsaBits": 4096}) == []
    # The provider's default RSA size is 2048.
    assert dkim_key_length_violations(KEY, {"algorithm": "RSA"}) == []


def test_1024_bit_rsa_key_is_refused_with_the_fix() -> None:
    (message,) = dkim_key_length_violations(KEY, {"algorithm": "RSA", "rsaBits": 1024})
    assert "1024 bits" in message and "rsa_bits=2048" in message


def test_easy_dkim_rotating_to_1024_bit_keys_is_refused() -> None:
    inputs = {
        "emailIdentity": "news.example.com",
        "dkimSigningAttributes": {"nextSigningKeyLength": "RSA_1024_BIT"},
    }
    (message,) = dkim_key_length_violations(IDENTITY, inputs)
    assert "RSA_2048_BIT" in message
    inputs["dkimSigningAttributes"] = {"nextSigningKeyLength": "RSA_2048_BIT"}
    assert dkim_key_length_violations(IDENTITY, inputs) == []


# --- secrets -----------------------------------------------------------------------------

BYO = {
    "emailIdentity": "news.example.com",
    "dkimSigningAttributes": {"domainSigningSelector": "s1", "domainSigningPrivateKey": SECRET},
}


def test_byodkim_key_as_secret_passes() -> None:
    assert plaintext_secret_violations(IDENTITY, BYO) == []


@pytest.mark.parametrize("value", ["-----BEGIN PRIVATE KEY-----\nMIIE...", UNKNOWN])
def test_byodkim_key_not_marked_secret_is_refused(value: str) -> None:
    inputs = {
        **BYO,
        "dkimSigningAttributes": {"domainSigningSelector": "s1", "domainSigningPrivateKey": value},
    }
    (message,) = plaintext_secret_violations(IDENTITY, inputs)
    assert "domainSigningPrivateKey" in message and "Output.secret" in message


def test_relay_user_data_with_sasl_password_must_be_secret() -> None:
    cloud_init = (
        "#cloud-config\nwrite_files:\n- path: /etc/mailstack/sasl-password\n  content: hunter22\n"
    )
    (message,) = plaintext_secret_violations("aws:ec2/instance:Instance", {"userData": cloud_init})
    assert "SASL" in message
    assert plaintext_secret_violations("aws:ec2/instance:Instance", {"userData": SECRET}) == []
    # User data that carries no credentials is not a secret.
    plain = "#cloud-config\npackages: [postfix]\n"
    assert plaintext_secret_violations("aws:ec2/instance:Instance", {"userData": plain}) == []


def test_smtp_password_parameter_must_be_secret() -> None:
    parameter = {
        "name": "/mailstack/relay/smtp-password",
        "type": "SecureString",
        "value": "pw-123456",
    }
    (message,) = plaintext_secret_violations("aws:ssm/parameter:Parameter", parameter)
    assert "value" in message
    parameter["value"] = SECRET
    assert plaintext_secret_violations("aws:ssm/parameter:Parameter", parameter) == []


# --- relay security groups ---------------------------------------------------------------


def _sg(*rules: dict[str, Any]) -> dict[str, Any]:
    return {"description": "relay", "ingress": list(rules)}


def test_submission_open_to_listed_networks_passes() -> None:
    rule = {"protocol": "tcp", "fromPort": 587, "toPort": 587, "cidrBlocks": ["10.0.0.0/8"]}
    assert smtp_exposure_violations(SG, _sg(rule)) == []
    # Non-SMTP ports may be open (e.g. HTTPS for MTA-STS).
    web = {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]}
    assert smtp_exposure_violations(SG, _sg(web)) == []


@pytest.mark.parametrize(
    ("rule", "ports", "cidr"),
    [
        (
            {"protocol": "tcp", "fromPort": 587, "toPort": 587, "cidrBlocks": ["0.0.0.0/0"]},
            "587",
            "0.0.0.0/0",
        ),
        (
            {"protocol": "tcp", "fromPort": 20, "toPort": 600, "ipv6CidrBlocks": ["::/0"]},
            "25, 465, 587",
            "::/0",
        ),
        (
            {"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]},
            "25, 465, 587",
            "0.0.0.0/0",
        ),
    ],
)
def test_smtp_open_to_the_internet_is_refused(rule: dict[str, Any], ports: str, cidr: str) -> None:
    (message,) = smtp_exposure_violations(SG, _sg(rule))
    assert ports in message and cidr in message and "allowedCidrs" in message


def test_standalone_ingress_rule_open_on_port_25_is_refused() -> None:
    rule = {
        "securityGroupId": UNKNOWN,
        "ipProtocol": "tcp",
        "fromPort": 25,
        "toPort": 25,
        "cidrIpv4": "0.0.0.0/0",
    }
    (message,) = smtp_exposure_violations(INGRESS, rule)
    assert "port 25 " in message
    rule["cidrIpv4"] = "192.0.2.0/24"
    assert smtp_exposure_violations(INGRESS, rule) == []


# --- reverse DNS -------------------------------------------------------------------------


def test_relay_ip_with_ptr_passes_and_without_is_reported() -> None:
    eip = ResourceView(EIP, "relay1-eip", {"domain": "vpc"}, parent="relay1")
    ptr = ResourceView(
        PTR,
        "relay1-ptr",
        {"allocationId": UNKNOWN, "domainName": "relay1.mail.example.com"},
        parent="relay1",
    )
    assert reverse_dns_violations([eip, ptr]) == []
    ((name, message),) = reverse_dns_violations([eip])
    assert name == "relay1-eip" and "EipDomainName" in message


def test_engine_references_pair_ptr_with_its_eip() -> None:
    a = ResourceView(EIP, "a-eip", {}, parent="a")
    b = ResourceView(EIP, "b-eip", {}, parent="b")
    ptr = ResourceView(
        PTR, "b-ptr", {"allocationId": "eipalloc-1"}, references={"allocationId": ("b-eip",)}
    )
    assert [name for name, _ in reverse_dns_violations([a, b, ptr])] == ["a-eip"]


# --- Cloudflare proxying -----------------------------------------------------------------


@pytest.mark.parametrize(
    "inputs",
    [
        {
            "type": "MX",
            "name": "bounce.example.com",
            "content": "feedback-smtp.us-east-1.amazonses.com",
            "priority": 10,
            "proxied": True,
        },
        {"type": "TXT", "name": "example.com", "content": '"v=spf1 ~all"', "proxied": True},
        {
            "type": "CNAME",
            "name": "abc._domainkey.example.com",
            "content": "abc.dkim.amazonses.com",
            "proxied": True,
        },
        # Easy DKIM token unknown before deployment: recognised by its SES target.
        {"type": "CNAME", "name": UNKNOWN, "content": "tok.dkim.amazonses.com", "proxied": True},
    ],
)
def test_proxied_mail_records_are_refused(inputs: dict[str, Any]) -> None:
    (message,) = cloudflare_proxied_violations(CF, inputs)
    assert "proxied: false" in message
    assert cloudflare_proxied_violations(CF, {**inputs, "proxied": False}) == []


def test_proxied_web_cname_is_not_a_mail_record() -> None:
    inputs = {
        "type": "CNAME",
        "name": "click.example.com",
        "content": "r.example.net",
        "proxied": True,
    }
    assert cloudflare_proxied_violations(CF, inputs) == []


# --- SPF ---------------------------------------------------------------------------------


def test_spf_within_ten_lookups_passes() -> None:
    inputs = {
        "type": "TXT",
        "name": "example.com",
        "content": '"v=spf1 include:amazonses.com include:_spf.google.com ip4:192.0.2.0/24 ~all"',
    }
    assert spf_violations(CF, inputs) == []


def test_spf_over_ten_lookups_is_refused_in_route53_form() -> None:
    includes = " ".join(f"include:s{i}.example.net" for i in range(10))
    value = f"v=spf1 {includes} mx ~all"
    inputs = {"type": "TXT", "name": "example.com", "records": [value[:200] + '""' + value[200:]]}
    (message,) = spf_violations(R53, inputs)
    assert "11 DNS lookups" in message and "ip4:/ip6:" in message


def test_spf_rule_reads_the_record_set() -> None:
    records = [RecordView("example.com", "TXT", ("v=spf1 " + " ".join(["a"] * 11) + " -all",))]
    ((name, message),) = spf_record_violations(records)
    assert name == "example.com" and "11 DNS lookups" in message


def test_long_cloudflare_txt_values_are_joined() -> None:
    (record,) = records_of(
        CF, {"type": "TXT", "name": "Example.COM.", "content": '"v=DMARC1; " "p=reject"'}
    )
    assert record == RecordView("example.com", "TXT", ("v=DMARC1; p=reject",))


# --- DMARC -------------------------------------------------------------------------------


def _dmarc(domain: str, value: str) -> RecordView:
    return RecordView(f"_dmarc.{domain}", "TXT", (value,))


def test_sending_domains_come_from_identities_dkim_records_and_outputs() -> None:
    resources = [
        ResourceView(IDENTITY, "id", {"emailIdentity": "news.example.com"}),
        ResourceView(IDENTITY, "addr", {"emailIdentity": "ops@example.com"}),
    ]
    records = [RecordView("relay._domainkey.mail.example.com", "TXT", ("v=DKIM1; k=rsa; p=AB",))]
    assert sending_domains(resources, records, ["other.example.org"]) == [
        "mail.example.com",
        "news.example.com",
        "other.example.org",
    ]


def test_missing_dmarc_is_reported_with_the_config_key() -> None:
    ((domain, message),) = dmarc_published_violations(["news.example.com"], [])
    assert domain == "news.example.com"
    assert "_dmarc.news.example.com" in message and "mailstack:domains[].dmarc" in message


def test_parent_domain_dmarc_covers_a_subdomain() -> None:
    records = [_dmarc("example.com", "v=DMARC1; p=reject; sp=quarantine")]
    assert dmarc_published_violations(["news.example.com"], records) == []
    assert dmarc_enforcement_violations(["news.example.com"], records, "production") == []


def test_two_dmarc_records_count_as_none() -> None:
    records = [
        _dmarc("example.com", "v=DMARC1; p=none"),
        _dmarc("example.com", "v=DMARC1; p=reject"),
    ]
    ((_, message),) = dmarc_published_violations(["example.com"], records)
    assert "2 DMARC records" in message


def test_p_none_is_fine_in_development_but_refused_in_production() -> None:
    records = [_dmarc("news.example.com", "v=DMARC1; p=none; rua=mailto:d@example.com")]
    assert dmarc_enforcement_violations(["news.example.com"], records, "development") == []
    assert dmarc_enforcement_violations(["news.example.com"], records, "staging") == []
    ((_, message),) = dmarc_enforcement_violations(["news.example.com"], records, "production")
    assert "p=none" in message and "quarantine or reject" in message


@pytest.mark.parametrize("policy", ["quarantine", "reject"])
def test_enforcing_policy_passes_in_production(policy: str) -> None:
    records = [_dmarc("news.example.com", f"v=DMARC1; p={policy}")]
    assert dmarc_enforcement_violations(["news.example.com"], records, "production") == []


def test_testing_mode_is_refused_in_production() -> None:
    records = [_dmarc("news.example.com", "v=DMARC1; p=quarantine; t=y")]
    ((_, message),) = dmarc_enforcement_violations(["news.example.com"], records, "production")
    assert "t=y" in message


def test_inherited_policy_uses_sp() -> None:
    records = [_dmarc("example.com", "v=DMARC1; p=reject; sp=none")]
    ((_, message),) = dmarc_enforcement_violations(["news.example.com"], records, "production")
    assert "sp= applies" in message


# --- reputation alarms -------------------------------------------------------------------


def _alarm(metric: str, config_set: str | None, actions: list[str]) -> ResourceView:
    dimensions = {"ses:configuration-set": config_set} if config_set else None
    inputs: dict[str, Any] = {
        "namespace": "AWS/SES",
        "metricName": metric,
        "alarmActions": actions,
        "actionsEnabled": True,
    }
    if dimensions:
        inputs["dimensions"] = dimensions
    return ResourceView(ALARM, f"{metric}-{config_set}", inputs)


SES = [
    ResourceView(
        CONFIG_SET,
        "cs",
        {"configurationSetName": "news", "reputationOptions": {"reputationMetricsEnabled": True}},
    ),
    ResourceView(
        IDENTITY, "id", {"emailIdentity": "news.example.com", "configurationSetName": "news"}
    ),
]


def test_set_alarms_with_actions_cover_the_set_and_its_identity() -> None:
    alarms = [
        _alarm("Reputation.BounceRate", "news", [UNKNOWN]),
        _alarm("Reputation.ComplaintRate", "news", ["arn:aws:sns:us-east-1:1:t"]),
    ]
    assert reputation_alarm_violations([*SES, *alarms]) == []


def test_missing_complaint_alarm_is_reported_for_set_and_identity() -> None:
    alarms = [_alarm("Reputation.BounceRate", "news", ["arn:aws:sns:us-east-1:1:t"])]
    found = reputation_alarm_violations([*SES, *alarms])
    assert [name for name, _ in found] == ["cs", "id"]
    assert all("Reputation.ComplaintRate" in m and "BounceRate" not in m for _, m in found)


def test_alarm_without_actions_does_not_count() -> None:
    alarms = [
        _alarm("Reputation.BounceRate", "news", []),
        _alarm("Reputation.ComplaintRate", "news", []),
    ]
    assert len(reputation_alarm_violations([*SES, *alarms])) == 2


def test_account_alarms_cover_identities_but_not_sets() -> None:
    alarms = [
        _alarm("Reputation.BounceRate", None, ["t"]),
        _alarm("Reputation.ComplaintRate", None, ["t"]),
    ]
    assert [name for name, _ in reputation_alarm_violations([*SES, *alarms])] == ["cs"]


def test_metric_math_alarm_counts() -> None:
    queries = [
        {
            "id": "rate",
            "returnData": False,
            "metric": {
                "metricName": "Reputation.BounceRate",
                "namespace": "AWS/SES",
                "stat": "Maximum",
                "period": 3600,
                "dimensions": {"ses:configuration-set": "news"},
            },
        },
        {"id": "e", "expression": "rate * 100", "returnData": True},
    ]
    math = ResourceView(ALARM, "math", {"metricQueries": queries, "alarmActions": ["t"]})
    complaint = _alarm("Reputation.ComplaintRate", "news", ["t"])
    assert reputation_alarm_violations([*SES, math, complaint]) == []


def test_set_without_reputation_metrics_is_reported() -> None:
    quiet = ResourceView(CONFIG_SET, "cs", {"configurationSetName": "news"})
    alarms = [
        _alarm("Reputation.BounceRate", "news", ["t"]),
        _alarm("Reputation.ComplaintRate", "news", ["t"]),
    ]
    ((_, message),) = reputation_alarm_violations([quiet, *alarms])
    assert "reputation_metrics_enabled" in message


def test_gzipped_base64_user_data_is_read_for_credentials() -> None:
    import base64
    import gzip

    text = (
        "#cloud-config\nwrite_files:\n- path: /etc/mailstack/sasl-password\n  content: hunter22\n"
    )
    encoded = base64.b64encode(gzip.compress(text.encode())).decode()
    (message,) = plaintext_secret_violations(
        "aws:ec2/instance:Instance", {"userDataBase64": encoded}
    )
    assert "userData" not in message or "SASL" in message
    assert (
        plaintext_secret_violations("aws:ec2/instance:Instance", {"userDataBase64": SECRET}) == []
    )


def test_a_proxied_cname_known_only_after_deploy_is_refused() -> None:
    # Easy DKIM CNAMEs in a preview: name and target both come from SES tokens.
    inputs = {"type": "CNAME", "name": UNKNOWN, "content": UNKNOWN, "proxied": True}
    (message,) = cloudflare_proxied_violations(CF, inputs)
    assert "proxied: false" in message
    assert cloudflare_proxied_violations(CF, {**inputs, "proxied": False}) == []


@pytest.mark.parametrize("cidr", ["0.0.0.0/1", "128.0.0.0/1", "2000::/3", "::/1"])
def test_networks_wider_than_a_slash_8_count_as_the_internet(cidr: str) -> None:
    key = "cidrIpv6" if ":" in cidr else "cidrIpv4"
    rule = {"ipProtocol": "tcp", "fromPort": 587, "toPort": 587, key: cidr}
    (message,) = smtp_exposure_violations(INGRESS, rule)
    assert cidr in message and "the Internet, in effect" in message


@pytest.mark.parametrize("cidr", ["10.0.0.0/8", "2001:db8::/32", "203.0.113.0/24", "fc00::/7"])
def test_ordinary_networks_are_not_the_internet(cidr: str) -> None:
    key = "cidrIpv6" if ":" in cidr else "cidrIpv4"
    rule = {"ipProtocol": "tcp", "fromPort": 587, "toPort": 587, key: cidr}
    assert smtp_exposure_violations(INGRESS, rule) == []
