"""SES SMTP password derivation against vectors known to authenticate against SES."""

from __future__ import annotations

import pytest

from components.relay.ses_smtp import ses_smtp_endpoint, ses_smtp_password_v4

# From terraform-provider-aws (internal/service/iam/access_key_test.go,
# TestSESSMTPPasswordFromSecretKeySigV4), whose output SES accepts in production.
VECTORS = [
    ("eu-central-1", "some+secret+key", "BMXhUYlu5Z3gSXVQORxlVa7XPaz91aGWdfHxvkOZdWZ2"),
    ("eu-central-1", "another+secret+key", "BBbphbrQmrKMx42d1N6+C7VINYEBGI5v9VsZeTxwskfh"),
    ("us-west-1", "some+secret+key", "BH+jbMzper5WwlwUar9E1ySBqHa9whi0GPo+sJ0mVYJj"),
    ("us-west-1", "another+secret+key", "BKVmjjMDFk/qqw8EROW99bjCS65PF8WKvK5bSr4Y6EqF"),
]


@pytest.mark.parametrize(("region", "secret", "expected"), VECTORS)
def test_password_matches_published_vectors(region: str, secret: str, expected: str) -> None:
    assert ses_smtp_password_v4(secret, region) == expected


def test_password_depends_on_region() -> None:
    assert ses_smtp_password_v4("k", "us-east-1") != ses_smtp_password_v4("k", "eu-west-1")


@pytest.mark.parametrize(("secret", "region"), [("", "us-east-1"), ("key", "")])
def test_empty_inputs_are_rejected(secret: str, region: str) -> None:
    with pytest.raises(ValueError, match="must not be empty"):
        ses_smtp_password_v4(secret, region)


def test_endpoint_is_the_regional_smtp_interface() -> None:
    assert ses_smtp_endpoint("eu-west-1") == "email-smtp.eu-west-1.amazonaws.com"
