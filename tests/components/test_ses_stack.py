"""The Pulumi program under Pulumi's mock runtime: exact resources and inputs for SES domains."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from components.program import build
from mailstack.plan import SECRET, UNKNOWN, PlannedResource, PlanResult, run_program

SES_DOMAIN: dict[str, Any] = {
    "name": "news.example.com",
    "sender": "ses",
    "mailFrom": "bounce.news.example.com",
    "dkim": "easy",
    "dmarc": {"policy": "quarantine", "rua": ["dmarc-reports@example.com"]},
}


def stack_config(provider: str, zone_id: str | None = "Z0123", **domain: Any) -> dict[str, Any]:
    dns: dict[str, Any] = {"provider": provider, "zoneName": "example.com"}
    if zone_id:
        dns["zoneId"] = zone_id
    return {
        "aws:region": "us-east-1",
        "mailstack:environment": "production",
        "mailstack:dns": dns,
        "mailstack:domains": [{**copy.deepcopy(SES_DOMAIN), **domain}],
    }


def plan(raw: dict[str, Any]) -> PlanResult:
    return run_program(raw, "test", build)


def one(plan_result: PlanResult, type_token: str) -> PlannedResource:
    found = plan_result.resources_of_type(type_token)
    assert len(found) == 1, [r.name for r in found]
    return found[0]


def txt_records(plan_result: PlanResult, name: str) -> list[str]:
    return [
        v for r in plan_result.dns_records if r.name == name and r.type == "TXT" for v in r.values
    ]


def test_ses_identity_configuration_set_and_mail_from_inputs() -> None:
    result = plan(stack_config("cloudflare"))
    identity = one(result, "aws:sesv2/emailIdentity:EmailIdentity")
    assert identity.inputs["emailIdentity"] == "news.example.com"
    assert identity.inputs["dkimSigningAttributes"] == {"nextSigningKeyLength": "RSA_2048_BIT"}
    assert identity.parent == "news-example-com-ses"

    config_set = one(result, "aws:sesv2/configurationSet:ConfigurationSet")
    assert config_set.inputs["configurationSetName"] == "news-example-com"
    assert config_set.inputs["reputationOptions"] == {"reputationMetricsEnabled": True}
    assert config_set.inputs["deliveryOptions"] == {"tlsPolicy": "REQUIRE"}
    assert config_set.inputs["suppressionOptions"] == {"suppressedReasons": ["BOUNCE", "COMPLAINT"]}

    mail_from = one(
        result, "aws:sesv2/emailIdentityMailFromAttributes:EmailIdentityMailFromAttributes"
    )
    assert mail_from.inputs["mailFromDomain"] == "bounce.news.example.com"
    assert mail_from.inputs["behaviorOnMxFailure"] == "USE_DEFAULT_VALUE"


def test_cloudflare_records_are_never_proxied_and_txt_is_quoted() -> None:
    result = plan(stack_config("cloudflare", zone_id="0123456789abcdef"))
    records = result.resources_of_type("cloudflare:index/dnsRecord:DnsRecord")
    by_type: dict[str, list[PlannedResource]] = {}
    for record in records:
        by_type.setdefault(record.inputs["type"], []).append(record)
    assert {t: len(v) for t, v in by_type.items()} == {"CNAME": 3, "MX": 1, "TXT": 3}
    assert all(r.inputs["proxied"] is False for r in records)
    assert all(r.inputs["zoneId"] == "0123456789abcdef" for r in records)
    spf = next(r for r in by_type["TXT"] if r.inputs["name"] == "news.example.com")
    assert spf.inputs["content"] == '"v=spf1 include:amazonses.com ~all"'
    dmarc = next(r for r in by_type["TXT"] if r.inputs["name"] == "_dmarc.news.example.com")
    assert dmarc.inputs["content"].startswith('"v=DMARC1; p=quarantine')
    (mx,) = by_type["MX"]
    assert mx.inputs["name"] == "bounce.news.example.com"
    assert mx.inputs["content"] == "feedback-smtp.us-east-1.amazonses.com"
    assert mx.inputs["priority"] == 10
    # Easy DKIM tokens exist only after SES creates the identity.
    assert all(r.inputs["name"] == UNKNOWN for r in by_type["CNAME"])


def test_route53_records_for_a_subdomain_identity_are_named_once() -> None:
    result = plan(stack_config("route53", zone_id="Z0123456789ABC"))
    records = result.resources_of_type("aws:route53/record:Record")
    names = sorted(r.inputs["name"] for r in records if r.inputs["name"] != UNKNOWN)
    assert names == [
        "_dmarc.news.example.com",
        "bounce.news.example.com",
        "bounce.news.example.com",
        "news.example.com",
    ]
    assert not any("example.com.example.com" in str(r.inputs) for r in result.resources)
    assert all(r.inputs["zoneId"] == "Z0123456789ABC" for r in records)
    assert all(r.inputs["allowOverwrite"] is False for r in records)
    mx = next(r for r in records if r.inputs["type"] == "MX")
    assert mx.inputs["records"] == ["10 feedback-smtp.us-east-1.amazonses.com"]


def test_dkim_cname_target_follows_the_region() -> None:
    raw = stack_config("route53")
    raw["aws:region"] = "eu-west-1"
    result = plan(raw)
    cnames = [r for r in result.dns_records if r.type == "CNAME"]
    assert len(cnames) == 3
    mx = next(r for r in result.dns_records if r.type == "MX")
    assert mx.values == ("10 feedback-smtp.eu-west-1.amazonses.com",)


def test_zone_is_looked_up_by_name_without_zone_id() -> None:
    result = plan(stack_config("route53", zone_id=None))
    records = result.resources_of_type("aws:route53/record:Record")
    assert records and all(r.inputs["zoneId"] == UNKNOWN for r in records)


def test_byo_dkim_key_is_a_secret_and_txt_published_per_selector() -> None:
    result = plan(stack_config("route53", dkim="byo", dkimSelectors=["s2027", "s2026"]))
    keys = result.resources_of_type("tls:index/privateKey:PrivateKey")
    assert sorted(k.name for k in keys) == [
        "news-example-com-dkim-s2026",
        "news-example-com-dkim-s2027",
    ]
    assert all(k.inputs == {"algorithm": "RSA", "rsaBits": 2048} for k in keys)
    identity = one(result, "aws:sesv2/emailIdentity:EmailIdentity")
    attributes = identity.inputs["dkimSigningAttributes"]
    assert attributes["domainSigningSelector"] == "s2027"
    assert attributes["domainSigningPrivateKey"] in (SECRET, UNKNOWN)
    dkim_names = sorted(r.name for r in result.dns_records if "_domainkey" in r.name)
    assert dkim_names == ["s2026._domainkey.news.example.com", "s2027._domainkey.news.example.com"]


def test_one_spf_record_merges_configured_mechanisms() -> None:
    result = plan(
        stack_config("route53", spf={"include": ["_spf.google.com"], "ip4": ["192.0.2.0/24"]})
    )
    spf = [v for v in txt_records(result, "news.example.com") if v.startswith("v=spf1")]
    assert spf == ["v=spf1 include:amazonses.com include:_spf.google.com ip4:192.0.2.0/24 ~all"]


def test_outputs_describe_domains_for_verify() -> None:
    result = plan(stack_config("cloudflare"))
    (domain,) = result.outputs["domains"]
    assert domain["name"] == "news.example.com"
    assert domain["sender"] == "ses"
    assert domain["mailFrom"] == "bounce.news.example.com"
    assert domain["configurationSet"] == "news-example-com"
    assert domain["region"] == "us-east-1"
    assert len(result.outputs["records"]) == 7


def test_mta_sts_and_tls_rpt_are_published_when_configured() -> None:
    result = plan(
        stack_config(
            "route53",
            mtaSts={"mode": "enforce", "mx": ["mx1.example.com"]},
            tlsRpt={"rua": ["mailto:tls@example.com"]},
        )
    )
    assert txt_records(result, "_smtp._tls.news.example.com") == [
        "v=TLSRPTv1; rua=mailto:tls@example.com"
    ]
    (sts,) = txt_records(result, "_mta-sts.news.example.com")
    assert sts.startswith("v=STSv1; id=")


def test_same_config_same_plan() -> None:
    raw = stack_config("cloudflare")
    assert plan(raw).render_json() == plan(raw).render_json()


@pytest.mark.parametrize("provider", ["zonefile"])
def test_zonefile_provider_creates_no_dns_resources(provider: str) -> None:
    result = plan(stack_config(provider))
    assert not [r for r in result.resources if "dnsRecord" in r.type or "route53/record" in r.type]
    assert len(result.dns_records) == 7


@pytest.mark.parametrize("provider", ["cloudflare", "route53"])
def test_dns_records_delete_before_replace(provider: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import mailstack.plan as planning

    flags: dict[str, bool] = {}
    original = planning._RecordingMonitor.RegisterResource

    def capture(self: Any, request: Any) -> Any:
        flags[request.name] = request.deleteBeforeReplace
        return original(self, request)

    monkeypatch.setattr(planning._RecordingMonitor, "RegisterResource", capture)
    result = plan(stack_config(provider))
    record_type = {
        "cloudflare": "cloudflare:index/dnsRecord:DnsRecord",
        "route53": "aws:route53/record:Record",
    }[provider]
    records = result.resources_of_type(record_type)
    assert len(records) == 7
    assert all(flags[r.name] for r in records)
    assert not flags["news-example-com-identity"]
