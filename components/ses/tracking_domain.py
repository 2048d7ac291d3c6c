"""TrackingDomain: open and click tracking on a custom host over HTTPS.

SES's tracking endpoint has no certificate for a custom host, so a CloudFront distribution
with an ACM certificate for it terminates TLS and forwards to `r.<region>.awstrack.me`,
passing the viewer's Host header on so SES knows which domain was hit.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.dns.publish import publish_records
from components.dns.record_input import RecordInput
from components.dns.zone import ZoneTarget
from components.ses import tracking_spec as spec


@dataclass(frozen=True)
class TrackingDomainArgs:
    tracking_domain: str
    region: str
    zone: ZoneTarget
    ttl: int
    # Prefixes the account-wide origin request policy name.
    name_prefix: str


class TrackingDomain(pulumi.ComponentResource):
    """Certificate (us-east-1, DNS-validated), distribution, and the host's CNAME to it."""

    certificate: aws.acm.Certificate
    distribution: aws.cloudfront.Distribution
    # Published here (validation must follow them); part of the domain's record set all the same.
    published_records: list[RecordInput]
    # The tracking host's CNAME to the distribution, for the domain's record set.
    host_record: RecordInput

    def __init__(
        self, name: str, args: TrackingDomainArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("mailstack:ses:TrackingDomain", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        host = args.tracking_domain
        self.certificate = aws.acm.Certificate(
            f"{name}-certificate",
            domain_name=host,
            validation_method="DNS",
            key_algorithm="RSA_2048",
            region=spec.CERTIFICATE_REGION,
            opts=child,
        )
        options = self.certificate.domain_validation_options
        validation = RecordInput(
            key=f"{name}-certificate-validation",
            name=options.apply(lambda found: spec.validation_field(found, "resource_record_name")),
            type="CNAME",
            values=[
                options.apply(lambda found: spec.validation_field(found, "resource_record_value"))
            ],
            ttl=args.ttl,
        )
        validation_resources = publish_records(args.zone, [validation], parent=self)
        validated = aws.acm.CertificateValidation(
            f"{name}-certificate-validation",
            certificate_arn=self.certificate.arn,
            validation_record_fqdns=[validation.name],
            region=spec.CERTIFICATE_REGION,
            opts=pulumi.ResourceOptions(parent=self, depends_on=validation_resources),
        )
        forward_host = aws.cloudfront.OriginRequestPolicy(
            f"{name}-origin-request-policy",
            name=spec.policy_name(args.name_prefix, host),
            comment=f"SES open and click tracking for {host}: viewer Host header to SES",
            headers_config=aws.cloudfront.OriginRequestPolicyHeadersConfigArgs(
                header_behavior="whitelist",
                headers=aws.cloudfront.OriginRequestPolicyHeadersConfigHeadersArgs(
                    items=list(spec.FORWARDED_HEADERS)
                ),
            ),
            query_strings_config=aws.cloudfront.OriginRequestPolicyQueryStringsConfigArgs(
                query_string_behavior="all"
            ),
            cookies_config=aws.cloudfront.OriginRequestPolicyCookiesConfigArgs(
                cookie_behavior="all"
            ),
            opts=child,
        )
        self.distribution = aws.cloudfront.Distribution(
            f"{name}-distribution",
            enabled=True,
            comment=f"SES open and click tracking for {host}",
            aliases=[host],
            is_ipv6_enabled=True,
            http_version="http2",
            price_class="PriceClass_All",
            origins=[
                aws.cloudfront.DistributionOriginArgs(
                    origin_id=spec.ORIGIN_ID,
                    domain_name=spec.origin_domain(args.region),
                    custom_origin_config=aws.cloudfront.DistributionOriginCustomOriginConfigArgs(
                        http_port=80,
                        https_port=443,
                        origin_protocol_policy="https-only",
                        origin_ssl_protocols=["TLSv1.2"],
                    ),
                )
            ],
            default_cache_behavior=aws.cloudfront.DistributionDefaultCacheBehaviorArgs(
                target_origin_id=spec.ORIGIN_ID,
                viewer_protocol_policy="redirect-to-https",
                allowed_methods=["GET", "HEAD", "OPTIONS"],
                cached_methods=["GET", "HEAD"],
                cache_policy_id=spec.CACHING_DISABLED_POLICY_ID,
                origin_request_policy_id=forward_host.id,
                compress=False,
            ),
            restrictions=aws.cloudfront.DistributionRestrictionsArgs(
                geo_restriction=aws.cloudfront.DistributionRestrictionsGeoRestrictionArgs(
                    restriction_type="none"
                )
            ),
            viewer_certificate=aws.cloudfront.DistributionViewerCertificateArgs(
                acm_certificate_arn=validated.certificate_arn,
                ssl_support_method="sni-only",
                minimum_protocol_version=spec.MINIMUM_PROTOCOL_VERSION,
            ),
            opts=child,
        )
        self.published_records = [validation]
        # A CNAME rather than a Route53 alias: one record form on every provider, one that
        # `verify` reads back like any other (the host is never a zone apex).
        self.host_record = RecordInput(
            key=f"{name}-host",
            name=host,
            type="CNAME",
            values=[self.distribution.domain_name],
            ttl=args.ttl,
        )
        self.register_outputs(
            {
                "certificateArn": validated.certificate_arn,
                "distributionDomainName": self.distribution.domain_name,
            }
        )


def tracking_options(
    tracking_domain: str, verified: bool
) -> aws.sesv2.ConfigurationSetTrackingOptionsArgs | None:
    """The configuration set's tracking options, once SES has verified the owning identity.

    SES refuses a custom redirect domain whose identity is unverified, so the first
    `pulumi up` creates the set without them and the first one after verification adds them.
    """
    if not verified:
        return None
    return aws.sesv2.ConfigurationSetTrackingOptionsArgs(
        custom_redirect_domain=tracking_domain, https_policy=spec.HTTPS_POLICY
    )


def identity_verified(domain: str, region: str) -> bool:
    """Whether SES already reports `domain` verified for sending (False when it does not exist).

    Read when the program runs, so the decision is made from the account's state before this
    deployment changes anything.
    """
    try:
        found = aws.sesv2.get_email_identity(email_identity=domain, region=region)
    except Exception:  # the provider fails the lookup of an identity that does not exist yet
        return False
    return found.verified_for_sending_status is True
