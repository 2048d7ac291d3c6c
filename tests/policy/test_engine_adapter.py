"""The adapter from the engine's arguments to the pure rules."""

from __future__ import annotations

import json

from pulumi_policy.proxy import unknown_checking_proxy

from components.policy.engine import environment, mark_secrets, secret_config_values
from components.policy.wire import SECRET, UNKNOWN, engine_inputs

IDENTITY = "aws:sesv2/emailIdentity:EmailIdentity"


def test_environment_prefers_policy_config_then_stack_tag_then_stack_config() -> None:
    stack = {"mailstack:environment": "staging"}
    assert environment(stack, {}, {}) == "staging"
    assert environment(stack, {}, {"mailstack:environment": "production"}) == "production"
    assert (
        environment(stack, {"environment": "development"}, {"mailstack:environment": "production"})
        == "development"
    )
    # Pulumi.yaml's default when the stack sets nothing.
    assert environment({}, {}, {}) == "development"


def test_engine_inputs_unwraps_the_sdk_proxy_and_marks_unknowns() -> None:
    raw = {
        "name": "example.com",
        "zoneId": "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
        "records": ["v=spf1 ~all", "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7"],
        "nested": {"ttl": "3eeb2bf0-c639-47a8-9e75-3b44932eb421"},
    }
    assert engine_inputs(unknown_checking_proxy(raw)) == {
        "name": "example.com",
        "zoneId": UNKNOWN,
        "records": ["v=spf1 ~all", UNKNOWN],
        "nested": {"ttl": UNKNOWN},
    }


def test_byodkim_key_from_a_tls_key_is_marked_secret() -> None:
    inputs = {
        "emailIdentity": "news.example.com",
        "dkimSigningAttributes": {
            "domainSigningSelector": "s1",
            "domainSigningPrivateKey": "-----BEGIN...",
        },
    }
    marked = mark_secrets(
        IDENTITY, inputs, {"dkimSigningAttributes": ["tls:index/privateKey:PrivateKey"]}
    )
    assert marked["dkimSigningAttributes"]["domainSigningPrivateKey"] == SECRET
    assert marked["dkimSigningAttributes"]["domainSigningSelector"] == "s1"
    # The input itself is left alone; an unrelated dependency proves nothing.
    assert inputs["dkimSigningAttributes"]["domainSigningPrivateKey"] == "-----BEGIN..."
    assert (
        mark_secrets(IDENTITY, inputs, {"emailIdentity": ["random:index/randomPet:RandomPet"]})
        == inputs
    )


def test_secret_config_values_reads_strings_inside_objects() -> None:
    config = {
        "mailstack:relay": json.dumps({"password": "long-enough-pw", "port": 587}),
        "mailstack:short": "abc",
        "mailstack:public": "not-a-secret-value",
    }
    keys = ["mailstack:relay", "mailstack:short"]
    assert secret_config_values(config, keys) == ["long-enough-pw"]
