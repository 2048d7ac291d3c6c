"""Offline plan: run the Pulumi program under Pulumi's test runtime and record what it would create.

No Pulumi CLI, engine or cloud credentials are involved. Every resource constructor runs with the
provider SDK's own argument handling; the recorded inputs are exactly what the engine would be
sent, with values known only after deployment shown as "<unknown>" and secrets as "<secret>".
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc, settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from components.config.model import load_stack_config, read_stack_file
from components.config.problems import ConfigError
from components.dns.record_input import RecordInput
from components.records.dns_record import DnsRecord
from components.records.errors import RecordError
from mailstack.findings import Finding, plan_findings

UNKNOWN = "<unknown>"
SECRET = "<secret>"
PROJECT = "mailstack"

_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
_RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
_ASSET_SIGS = {
    "c44067f5952c0a294b673a41bacd8c17": "<asset>",
    "0def7320c3a5731c473e5ecbe6d01bc7": "<archive>",
}


@dataclass(frozen=True)
class PlannedResource:
    type: str
    name: str
    parent: str | None
    inputs: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "name": self.name, "parent": self.parent, "inputs": self.inputs}


@dataclass
class PlanResult:
    stack: str
    resources: list[PlannedResource] = field(default_factory=list)
    dns_records: list[DnsRecord] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "resources": [resource.to_json() for resource in self.resources],
            "dns_records": [record.to_json() for record in self.dns_records],
            "outputs": self.outputs,
            "findings": [finding.to_json() for finding in self.findings()],
        }

    def render_json(self) -> str:
        return json.dumps(self.to_json(), indent=2, sort_keys=True) + "\n"

    def findings(self) -> list[Finding]:
        return plan_findings(self.outputs, self.dns_records)

    def resources_of_type(self, type_token: str) -> list[PlannedResource]:
        return [r for r in self.resources if r.type == type_token]


def plain(value: Any) -> Any:
    """Turn engine wire values into JSON: unknowns, secrets, assets and references made readable."""
    if value == rpc.UNKNOWN:
        return UNKNOWN
    if isinstance(value, dict):
        signature = value.get(_SIG_KEY)
        if signature == _SECRET_SIG:
            return SECRET
        if signature == _RESOURCE_SIG:
            return plain(value.get("urn", UNKNOWN)).split("::")[-1]
        if signature in _ASSET_SIGS:
            return _ASSET_SIGS[signature]
        return {key: plain(item) for key, item in sorted(value.items())}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        # The wire format has only doubles; whole numbers print as the integers users wrote.
        return int(value)
    return value


def _struct_to_plain(struct: struct_pb2.Struct) -> dict[str, Any]:
    result: dict[str, Any] = plain(json_format.MessageToDict(struct))
    return result


# Computed fields nested inside input objects. A real preview reports them unknown; echoing the
# input object alone would wrongly make them known-empty.
NESTED_COMPUTED: dict[str, dict[str, tuple[str, ...]]] = {
    "aws:sesv2/emailIdentity:EmailIdentity": {
        "dkimSigningAttributes": (
            "tokens",
            "status",
            "currentSigningKeyLength",
            "lastKeyGenerationTimestamp",
            "signingAttributesOrigin",
        ),
    },
}


class _OfflineMocks(pulumi.runtime.Mocks):
    """Resources echo their inputs, as a preview's planned state does; computed ones are unknown."""

    def __init__(self, region: str) -> None:
        self.region = region

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[Any, Any]]:
        state = dict(args.inputs)
        for prop, fields in NESTED_COMPUTED.get(args.typ, {}).items():
            nested = dict(state.get(prop) or {})
            nested.update({name: rpc.UNKNOWN for name in fields if name not in nested})
            state[prop] = nested
        return (rpc.UNKNOWN, state)

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        token = args.token
        if token == "aws:index/getRegion:getRegion":
            return ({"name": self.region, "region": self.region, "id": self.region}, [])
        if token == "aws:index/getPartition:getPartition":
            return ({"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}, [])
        # Account ids, AMI ids and zone ids exist only in a real account. The SDK's invoke path
        # cannot carry engine unknowns, so the lookup answers with the marker a plan prints.
        answer = {key: UNKNOWN for key in ("id", "zoneId", "accountId", "arn", "imageId", "name")}
        answer.update({k: v for k, v in args.args.items() if isinstance(v, str) and k == "name"})
        return (answer, [])


class _RecordingMonitor(pulumi_mocks.MockMonitor):
    """Keeps each registration's raw wire inputs, where unknowns and secrets are still marked."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.registrations: list[PlannedResource] = []

    def RegisterResource(self, request: Any) -> Any:
        if request.type != "pulumi:pulumi:Stack":
            self.registrations.append(
                PlannedResource(
                    type=request.type,
                    name=request.name,
                    parent=_parent_name(request.parent),
                    inputs=_struct_to_plain(request.object),
                )
            )
        return super().RegisterResource(request)  # type: ignore[no-untyped-call]


def _parent_name(parent_urn: str) -> str | None:
    """The parent's logical name; None for the stack itself, which every resource lives in."""
    if not parent_urn:
        return None
    parts = parent_urn.split("::")
    if parts[2].split("$")[-1] == "pulumi:pulumi:Stack":
        return None
    return parts[-1]


def config_for_runtime(raw: Mapping[str, Any]) -> dict[str, str]:
    """Stack-file values as the Pulumi runtime holds them: strings, objects JSON-encoded."""
    return {
        key: value if isinstance(value, str) else json.dumps(value) for key, value in raw.items()
    }


def run_program(
    raw_config: Mapping[str, Any],
    stack: str,
    program: Callable[[], dict[str, Any]],
    mocks: pulumi.runtime.Mocks | None = None,
    preview: bool = True,
) -> PlanResult:
    """Run `program` (which returns its exports) under the offline runtime and record the plan.

    By default this is a preview: deploy-time values stay unknown. Tests may pass `mocks` that
    answer as a deployment would, with `preview=False`, to see the outputs `pulumi up` yields.
    """
    stack_config = load_stack_config(raw_config)  # config errors surface before any registration
    _ensure_event_loop()
    settings.ROOT.set(None)
    monitor = _RecordingMonitor(mocks or _OfflineMocks(stack_config.region))
    pulumi.runtime.set_mocks(
        monitor.mocks, project=PROJECT, stack=stack, preview=preview, monitor=monitor
    )
    pulumi.runtime.set_all_config(config_for_runtime(raw_config))
    captured: dict[str, Any] = {}

    async def body() -> None:
        exports = program()
        struct = await rpc.serialize_properties(exports, {})
        captured["outputs"] = _struct_to_plain(struct)

    try:
        _sync_await(run_pulumi_func(body))
    except Exception as error:
        # A record or config problem found while an output resolves reaches here wrapped in
        # the runtime's own errors; the user needs that problem, not the runtime's traceback.
        cause = _user_error(error)
        if cause is None:
            raise
        raise cause from None
    outputs: dict[str, Any] = captured.get("outputs", {})
    return PlanResult(
        stack=stack,
        # Registration order depends on when outputs resolve; sorting makes the plan reproducible.
        resources=sorted(monitor.registrations, key=lambda r: (r.name, r.type)),
        dns_records=records_from_outputs(outputs),
        outputs=outputs,
    )


def _user_error(error: BaseException) -> RecordError | ConfigError | None:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, RecordError | ConfigError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _ensure_event_loop() -> None:
    # The runtime schedules its RPCs on the current loop, which `asyncio.run` leaves unset.
    try:
        asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        asyncio.set_event_loop(asyncio.new_event_loop())


def records_from_outputs(outputs: Mapping[str, Any]) -> list[DnsRecord]:
    return [record for record, _zone in zoned_records(outputs)]


def zoned_records(outputs: Mapping[str, Any]) -> list[tuple[DnsRecord, str | None]]:
    """The `records` output as DnsRecords, each with the zone it is published in."""
    found: list[tuple[DnsRecord, str | None]] = []
    for item in outputs.get("records", []):
        if isinstance(item, dict):
            record = DnsRecord(
                name=str(item.get("name", UNKNOWN)),
                type=str(item.get("type", UNKNOWN)),
                values=tuple(str(v) for v in item.get("values", [UNKNOWN])) or (UNKNOWN,),
                ttl=int(item.get("ttl", 300)),
            )
            zone = item.get("zone")
            found.append((record, str(zone) if zone else None))
    return found


_PLACEHOLDER = re.compile(r"<[a-z][a-z0-9 ]*>")


def has_placeholder(text: str) -> bool:
    """True when `text` holds a part known only after deployment (`<unknown>`, `<token 1>`)."""
    return _PLACEHOLDER.search(text) is not None


def with_previews(
    records: Sequence[DnsRecord], inputs: Sequence[RecordInput]
) -> list[DnsRecord]:
    """`records` with each unknown name or value replaced by its input's preview.

    The preview shows the parts known before deployment (`v=spf1 ip4:<unknown> -all`,
    `<token 1>._domainkey.<domain>`) where the engine only knows the whole is unknown.
    """
    if len(records) != len(inputs):
        return list(records)
    shown: list[DnsRecord] = []
    for record, source in zip(records, inputs, strict=True):
        name = record.name
        if UNKNOWN in name and source.preview_name is not None:
            name = source.preview_name
        values = record.values
        if any(UNKNOWN in v for v in values) and source.preview_values is not None:
            values = source.preview_values
        shown.append(DnsRecord(name, record.type, values, record.ttl))
    return shown


def run_plan(config_path: str | Path, stack: str | None = None) -> PlanResult:
    """Plan the stack whose settings file is `config_path` (`stacks/Pulumi.<env>.yaml` format)."""
    from components.mail_stack import MailStack
    from components.program import build_stack, exports

    path = Path(config_path)
    if stack is None:
        stack = path.name.removeprefix("Pulumi.").removesuffix(".yaml").removesuffix(".yml")
    built: list[MailStack] = []

    def program() -> dict[str, Any]:
        built.append(build_stack())
        return exports(built[-1])

    result = run_program(read_stack_file(path), stack, program)
    if built:
        result.dns_records = with_previews(result.dns_records, built[-1].record_inputs)
    return result
