"""Custom tracking domain over HTTPS: ACM certificate in us-east-1 validated through the
domain's DNS adapter, a CloudFront distribution forwarding to SES's tracking endpoint with
the viewer's Host header, the host's CNAME to it, and tracking options only once verified."""

from __future__ import annotations

import copy
from typing import Any

import pulumi
import pytest

from components.program import build
from mailstack.plan import PlannedResource, PlanResult, run_program
from tests.components.test_deployed_outputs import DeployedMocks

VALIDATION_NAME = "_3f1c.links.news.example.com."
VALIDATION_VALUE = "_9a7b.abcdefghij.acm-validations.aws."
DISTRIBUTION = "d111111abcdef8.cloudfront.net"
CONFIGURATION_SET = "aws:sesv2/configurationSet:ConfigurationSet"
RECORD_TYPES = {
    "route53": "aws:route53/record:Record",
    "cloudflare": "cloudflare:index/dnsRecord:DnsRecord",
}


class TrackingMocks(DeployedMocks):
    # None: the identity does not exist yet (first deployment).
    def __init__(self, identity_verified: bool | None) -> None:
        self.identity_verified = identity_verified

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[Any, Any]]:
        resource_id, state = super().new_resource(args)
        if args.typ == "aws:acm/certificate:Certificate":
            state["domainValidationOptions"] = [
                {
                    "domainName": state["domainName"],
                    "resourceRecordName": VALIDATION_NAME,
                    "resourceRecordType": "CNAME",
                    "resourceRecordValue": VALIDATION_VALUE,
                }
            ]
        if args.typ == "aws:cloudfront/distribution:Distribution":
            state["domainName"] = DISTRIBUTION
            state["hostedZoneId"] = "Z2FDTNDATAQYW2"
        if args.typ == "aws:cloudfront/originRequestPolicy:OriginRequestPolicy":
            resource_id = "0123-origin-request-policy"
        return resource_id, state

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        if args.token == "aws:sesv2/getEmailIdentity:getEmailIdentity":
            if self.identity_verified is None:
                # What the provider answers for an identity that does not exist yet.
                return ({}, [("emailIdentity", "couldn't find resource (21 retries)")])
            return (
                {
                    "emailIdentity": "news.example.com",
                    "verifiedForSendingStatus": self.identity_verified,
                },
                [],
            )
        return super().call(args)


def config(provider: str, region: str = "eu-west-1") -> dict[str, Any]:
    return copy.deepcopy(
        {
            "aws:region": region,
            "mailstack:environment": "staging",
            "mailstack:dns": {"provider": provider, "zoneName": "example.com", "zoneId": "Z123"},
            "mailstack:domains": [
                {
                    "name": "news.example.com",
                    "trackingDomain": "links.news.example.com",
                    "dmarc": {"policy": "quarantine", "rua": ["d@example.com"]},
                }
            ],
        }
    )


def deployed(raw: dict[str, Any], verified: bool | None = True) -> PlanResult:
    return run_program(raw, "test", build, mocks=TrackingMocks(verified), preview=False)


def one(plan: PlanResult, type_token: str, name: str | None = None) -> PlannedResource:
    found = [r for r in plan.resources_of_type(type_token) if name is None or r.name == name]
    assert len(found) == 1, [r.name for r in found]
    return found[0]


@pytest.mark.parametrize("provider", ["route53", "cloudflare"])
def test_certificate_is_issued_in_us_east_1_and_validated_through_the_domains_dns(
    provider: str,
) -> None:
    plan = deployed(config(provider))
    certificate = one(plan, "aws:acm/certificate:Certificate")
    assert certificate.inputs["domainName"] == "links.news.example.com"
    assert certificate.inputs["validationMethod"] == "DNS"
    assert certificate.inputs["region"] == "us-east-1"  # CloudFront only takes us-east-1
    validation_record = one(
        plan, RECORD_TYPES[provider], "news-example-com-tracking-certificate-validation"
    )
    assert validation_record.inputs["name"] == "_3f1c.links.news.example.com"
    assert validation_record.inputs["type"] == "CNAME"
    value_key = "records" if provider == "route53" else "content"
    value = validation_record.inputs[value_key]
    assert (value[0] if provider == "route53" else value) == (
        "_9a7b.abcdefghij.acm-validations.aws"
    )
    validation = one(plan, "aws:acm/certificateValidation:CertificateValidation")
    assert validation.inputs["region"] == "us-east-1"
    assert validation.inputs["validationRecordFqdns"] == ["_3f1c.links.news.example.com"]
    assert validation.inputs["certificateArn"].startswith("arn:aws:acm:")
    # The validation record is part of the record set `verify` checks.
    assert ("_3f1c.links.news.example.com", "CNAME") in {(r.name, r.type) for r in plan.dns_records}


def test_distribution_serves_the_host_with_the_certificate_and_forwards_host_to_ses() -> None:
    plan = deployed(config("route53"))
    distribution = one(plan, "aws:cloudfront/distribution:Distribution").inputs
    assert distribution["aliases"] == ["links.news.example.com"]
    assert distribution["enabled"] is True
    (origin,) = distribution["origins"]
    assert origin["domainName"] == "r.eu-west-1.awstrack.me"
    assert origin["customOriginConfig"]["originProtocolPolicy"] == "https-only"
    behavior = distribution["defaultCacheBehavior"]
    assert behavior["targetOriginId"] == origin["originId"]
    assert behavior["viewerProtocolPolicy"] == "redirect-to-https"
    assert behavior["cachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # CachingDisabled
    assert behavior["originRequestPolicyId"] == "0123-origin-request-policy"
    certificate = distribution["viewerCertificate"]
    assert certificate["acmCertificateArn"].startswith("arn:aws:acm:")
    assert certificate["sslSupportMethod"] == "sni-only"
    assert certificate["minimumProtocolVersion"] == "TLSv1.2_2021"
    policy = one(plan, "aws:cloudfront/originRequestPolicy:OriginRequestPolicy").inputs
    assert policy["headersConfig"] == {
        "headerBehavior": "whitelist",
        "headers": {"items": ["Host"]},
    }
    assert policy["queryStringsConfig"] == {"queryStringBehavior": "all"}


@pytest.mark.parametrize("provider", ["route53", "cloudflare"])
def test_tracking_host_points_at_the_distribution_not_at_ses(provider: str) -> None:
    plan = deployed(config(provider))
    host = one(plan, RECORD_TYPES[provider], "news-example-com-tracking-host").inputs
    assert host["name"] == "links.news.example.com" and host["type"] == "CNAME"
    value = host["records"][0] if provider == "route53" else host["content"]
    assert value == DISTRIBUTION
    assert [r.values for r in plan.dns_records if r.name == "links.news.example.com"] == [
        (DISTRIBUTION,)
    ]
    assert not any("awstrack.me" in v for r in plan.dns_records for v in r.values)


def test_tracking_options_require_https_once_ses_has_verified_the_identity() -> None:
    verified = one(deployed(config("route53"), verified=True), CONFIGURATION_SET).inputs
    assert verified["trackingOptions"] == {
        "customRedirectDomain": "links.news.example.com",
        "httpsPolicy": "REQUIRE",
    }
    # First deployment: the identity does not exist yet, and SES would refuse the domain.
    first = one(deployed(config("route53"), verified=None), CONFIGURATION_SET).inputs
    assert "trackingOptions" not in first
    # Created but DKIM not yet confirmed: still refused, so still left out.
    pending = one(deployed(config("route53"), verified=False), CONFIGURATION_SET).inputs
    assert "trackingOptions" not in pending


def test_a_stack_in_us_east_1_builds_the_same_chain() -> None:
    plan = deployed(config("cloudflare", region="us-east-1"))
    assert one(plan, "aws:acm/certificate:Certificate").inputs["region"] == "us-east-1"
    origin = one(plan, "aws:cloudfront/distribution:Distribution").inputs["origins"][0]
    assert origin["domainName"] == "r.us-east-1.awstrack.me"


def test_no_tracking_domain_no_tracking_resources() -> None:
    raw = config("route53")
    del raw["mailstack:domains"][0]["trackingDomain"]
    plan = deployed(raw)
    assert plan.resources_of_type("aws:acm/certificate:Certificate") == []
    assert plan.resources_of_type("aws:cloudfront/distribution:Distribution") == []
    assert "trackingOptions" not in one(plan, CONFIGURATION_SET).inputs
