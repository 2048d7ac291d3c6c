"""Drive the policy pack the way the Pulumi engine does: protobuf requests to the SDK's
analyzer servicer, inputs in wire form (unknown sentinels, secret envelopes)."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf import json_format, struct_pb2
from pulumi.runtime import proto
from pulumi_policy import EnforcementLevel
from pulumi_policy.policy import _PolicyAnalyzerServicer

PACK_DIR = Path(__file__).resolve().parents[2] / "policy"
UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
_SIG = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
PROJECT = "mailstack"


def secret(value: Any) -> dict[str, Any]:
    """A value as the engine sends a secret."""
    return {_SIG: _SECRET_SIG, "value": value}


def _load_pack_module() -> Any:
    spec = importlib.util.spec_from_file_location(
        "mailstack_policies", PACK_DIR / "mailstack_policies.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("mailstack_policies", module)
    spec.loader.exec_module(module)
    return module


def servicer() -> Any:
    """The SDK's analyzer service with the pack's policies (untyped SDK, hence Any)."""
    policies = _load_pack_module().build_policies()
    return _PolicyAnalyzerServicer("mailstack", "0.1.0", policies, EnforcementLevel.ADVISORY)


def urn(type_token: str, name: str, stack: str = "prod") -> str:
    return f"urn:pulumi:{stack}::{PROJECT}::{type_token}::{name}"


def _struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    json_format.ParseDict(dict(values), struct)
    return struct


@dataclass(frozen=True)
class Diagnostic:
    policy: str
    enforcement: str
    message: str
    urn: str


def _diagnostics(response: Any) -> list[Diagnostic]:
    levels = {proto.ADVISORY: "advisory", proto.MANDATORY: "mandatory"}
    return [
        Diagnostic(d.policyName, levels.get(d.enforcementLevel, "other"), d.message, d.urn)
        for d in response.diagnostics
    ]


def analyze(type_token: str, name: str, inputs: Mapping[str, Any]) -> list[Diagnostic]:
    """The resource validations for one resource registration."""
    request = proto.AnalyzeRequest(
        type=type_token, name=name, urn=urn(type_token, name), properties=_struct(inputs)
    )
    return _diagnostics(servicer().Analyze(request, None))


@dataclass
class EngineResource:
    type: str
    name: str
    inputs: Mapping[str, Any]
    parent: str | None = None
    # property name -> names of resources (in the same request) the value comes from
    depends: Mapping[str, list[str]] = field(default_factory=dict)


def analyze_stack(resources: list[EngineResource]) -> list[Diagnostic]:
    """The stack validations over the whole set of resources."""
    urns = {r.name: urn(r.type, r.name) for r in resources}
    messages = [
        proto.AnalyzerResource(
            type=r.type,
            name=r.name,
            urn=urns[r.name],
            properties=_struct(r.inputs),
            parent=urns[r.parent] if r.parent else "",
            propertyDependencies={
                key: proto.AnalyzerPropertyDependencies(urns=[urns[n] for n in names])
                for key, names in r.depends.items()
            },
        )
        for r in resources
    ]
    return _diagnostics(
        servicer().AnalyzeStack(proto.AnalyzeStackRequest(resources=messages), None)
    )
