"""Pulumi mocks that record every resource a monitoring component registers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pulumi

ACCOUNT = "123456789012"
REGION = "eu-west-1"


@dataclass
class Registered:
    type: str
    name: str
    inputs: dict[str, Any]


def _arn(typ: str, name: str, inputs: dict[str, Any]) -> str | None:
    given = inputs.get("name") or name
    arns = {
        "aws:sns/topic:Topic": f"arn:aws:sns:{REGION}:{ACCOUNT}:{given}",
        "aws:cloudwatch/metricAlarm:MetricAlarm": (
            f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{given}"
        ),
        "aws:cloudwatch/logGroup:LogGroup": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{given}",
        "aws:kms/key:Key": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{name}-uuid",
        "aws:iam/role:Role": f"arn:aws:iam::{ACCOUNT}:role/{given}",
        "aws:lambda/function:Function": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{given}",
        "aws:cloudwatch/eventRule:EventRule": f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{given}",
    }
    return arns.get(typ)


class RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.resources: list[Registered] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.resources.append(Registered(args.typ, args.name, dict(args.inputs)))
        outputs = dict(args.inputs)
        arn = _arn(args.typ, args.name, args.inputs)
        if arn is not None:
            outputs["arn"] = arn
        if args.typ == "aws:kms/key:Key":
            outputs["keyId"] = f"{args.name}-uuid"
        return f"{args.name}-id", outputs

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        answers: dict[str, dict[str, Any]] = {
            "aws:index/getCallerIdentity:getCallerIdentity": {"accountId": ACCOUNT},
            "aws:index/getPartition:getPartition": {"partition": "aws"},
            "aws:index/getRegion:getRegion": {"region": REGION, "name": REGION},
        }
        return answers.get(args.token, {}), []


# A program may return an output; the run waits until it has resolved.
Program = Callable[[], Any]


def run(program: Program) -> list[Registered]:
    """Runs `program` under mocks and returns every resource with its resolved inputs."""
    mocks = RecordingMocks()
    pulumi.runtime.set_mocks(mocks, project="mailstack", stack="test", preview=False)

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def _program() -> Any:
        return program()

    _program()
    return mocks.resources


def by_type(resources: list[Registered], typ: str) -> list[Registered]:
    return [r for r in resources if r.type == typ]


ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
