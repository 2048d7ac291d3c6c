"""The Pulumi program: read the stack's config, validate it, build the MailStack, export outputs."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.runtime.config import is_config_secret

from components.config.model import NAMESPACE, load_stack_config
from components.config.problems import ConfigError
from components.mail_stack import MailStack, MailStackArgs

TOP_LEVEL_KEYS = ("environment", "dns", "alerts", "domains")


def raw_config() -> dict[str, Any]:
    """The stack's config as plain values, keyed `namespace:key` as in the stack file."""
    raw: dict[str, Any] = {}
    region = pulumi.Config("aws").get("region")
    if region is not None:
        raw["aws:region"] = region
    config = pulumi.Config(NAMESPACE)
    for key in TOP_LEVEL_KEYS:
        value = config.get_object(key) if key != "environment" else config.get(key)
        if value is not None:
            raw[f"{NAMESPACE}:{key}"] = value
    return raw


def secret_keys() -> tuple[str, ...]:
    """Config keys Pulumi holds as secrets (decrypted `secure:` values): never echoed in errors."""
    keys = ["aws:region", *(f"{NAMESPACE}:{key}" for key in TOP_LEVEL_KEYS)]
    return tuple(key for key in keys if is_config_secret(key))


def build() -> dict[str, Any]:
    """Create every resource of the stack; returns the stack outputs."""
    try:
        stack_config = load_stack_config(raw_config(), secret_keys=secret_keys())
    except ConfigError as error:
        # RunError stops the program with the message alone, no stack trace.
        raise pulumi.RunError(error.render()) from None
    stack = MailStack("mailstack", MailStackArgs(config=stack_config))
    return {"records": stack.records, "domains": stack.domains}


def run() -> None:
    for name, value in build().items():
        pulumi.export(name, value)
