"""The Pulumi program itself (what `pulumi up` runs) stops on bad config before registering."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import settings

from components.program import build
from mailstack.plan import config_for_runtime


class EchoMocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[Any, Any]]:
        return (f"{args.name}-id", dict(args.inputs))

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[Any, Any], list[Any]]:
        return ({}, [])


class CountingMonitor(pulumi_mocks.MockMonitor):
    def __init__(self) -> None:
        super().__init__(EchoMocks())
        self.registered: list[str] = []

    def RegisterResource(self, request: Any) -> Any:
        if request.type != "pulumi:pulumi:Stack":
            self.registered.append(request.type)
        return super().RegisterResource(request)  # type: ignore[no-untyped-call]


def test_invalid_config_raises_run_error_listing_every_problem_and_registers_nothing() -> None:
    settings.ROOT.set(None)
    monitor = CountingMonitor()
    pulumi.runtime.set_mocks(monitor.mocks, project="mailstack", stack="bad", monitor=monitor)
    raw = {
        "aws:region": "us-east-1",
        "mailstack:dns": {"provider": "route53"},
        "mailstack:domains": [
            {"name": "news.example.com", "dmarc": {"policy": "rejct"}},
            {"name": "news.example.com"},
        ],
    }
    pulumi.runtime.set_all_config(config_for_runtime(raw))
    with pytest.raises(pulumi.RunError) as caught:
        build()
    message = str(caught.value)
    assert "mailstack:domains[0].dmarc.policy" in message
    assert "mailstack:domains[1].name" in message and "duplicate" in message
    assert monitor.registered == []
