"""The metric contract: every metric an alarm or a dashboard widget reads has a producer.

CloudWatch returns statistics only for the exact (namespace, metric name, dimension set) that
was published, and for the dimension values that were published. Mocks cannot tell a metric that
exists from one that never will, so this module reads both sides from planned resources — what
would be sent to AWS — and pairs them:

- producers: AWS's account-wide SES reputation metrics; a configuration set's own reputation
  metrics (when enabled); every enabled CloudWatch event destination (one metric per event type,
  carrying all of its dimensions at once); every log metric filter;
- consumers: every alarm metric (plain, or each metric of a metric-math alarm) and every
  dashboard widget metric, including the schema of a `SEARCH` expression.

Pure: it takes anything with `type`, `name` and `inputs` (a plan's resources, a mock's records).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
CONFIGURATION_SET = "aws:sesv2/configurationSet:ConfigurationSet"
EVENT_DESTINATION = "aws:sesv2/configurationSetEventDestination:ConfigurationSetEventDestination"
LOG_METRIC_FILTER = "aws:cloudwatch/logMetricFilter:LogMetricFilter"

SES_NAMESPACE = "AWS/SES"
CONFIGURATION_SET_DIMENSION = "ses:configuration-set"
# SES Developer Guide, "Event publishing to CloudWatch": the metric each event type publishes.
# Kept apart from the alarms' own table on purpose: the contract must not agree by construction.
SES_EVENT_METRIC_NAMES: Mapping[str, str] = {
    "SEND": "Send",
    "REJECT": "Reject",
    "BOUNCE": "Bounce",
    "COMPLAINT": "Complaint",
    "DELIVERY": "Delivery",
    "OPEN": "Open",
    "CLICK": "Click",
    "RENDERING_FAILURE": "RenderingFailure",
    "DELIVERY_DELAY": "DeliveryDelay",
    "SUBSCRIPTION": "Subscription",
}
SES_REPUTATION_METRICS = ("Reputation.BounceRate", "Reputation.ComplaintRate")
# SES refuses an eleventh event destination on one configuration set.
MAX_EVENT_DESTINATIONS = 10
# A plan prints values known only after deployment so; they cannot be judged and match anything.
UNKNOWN = "<unknown>"

# One dimension as published or read: its name and its value, None for "any value".
Dimensions = tuple[tuple[str, str | None], ...]


class PlannedLike(Protocol):
    @property
    def type(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def inputs(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class Producer:
    namespace: str
    metric_name: str
    dimensions: Dimensions
    source: str

    @property
    def dimension_names(self) -> frozenset[str]:
        return frozenset(name for name, _ in self.dimensions)


@dataclass(frozen=True)
class Consumer:
    namespace: str
    # None: a SEARCH without a MetricName term reads every metric of its schema.
    metric_name: str | None
    dimensions: Dimensions
    reader: str

    @property
    def dimension_names(self) -> frozenset[str]:
        return frozenset(name for name, _ in self.dimensions)

    def describe(self) -> str:
        dims = ", ".join(f"{k}={v if v is not None else '*'}" for k, v in self.dimensions)
        return f"{self.namespace} {self.metric_name or '*'} {{{dims}}}"


@dataclass(frozen=True)
class Finding:
    reader: str
    message: str

    def __str__(self) -> str:
        return f"{self.reader}: {self.message}"


def _dims(pairs: Iterable[tuple[str, str | None]]) -> Dimensions:
    return tuple(sorted((name, None if value == UNKNOWN else value) for name, value in pairs))


# --- producers ----------------------------------------------------------------------------


def account_producers() -> list[Producer]:
    """AWS publishes the account's reputation rates without dimensions, whatever the stack does."""
    return [
        Producer(SES_NAMESPACE, metric, (), "SES account reputation (AWS)")
        for metric in SES_REPUTATION_METRICS
    ]


def _configuration_set_producers(resource: PlannedLike) -> list[Producer]:
    inputs = resource.inputs
    reputation = inputs.get("reputationOptions") or {}
    if not reputation.get("reputationMetricsEnabled"):
        return []
    name = str(inputs.get("configurationSetName", UNKNOWN))
    return [
        Producer(
            SES_NAMESPACE,
            metric,
            _dims([(CONFIGURATION_SET_DIMENSION, name)]),
            f"configuration set {name} reputation metrics",
        )
        for metric in SES_REPUTATION_METRICS
    ]


def _destination_dimensions(configuration_set: str, configs: Sequence[Any]) -> Dimensions:
    pairs: list[tuple[str, str | None]] = []
    for config in configs:
        name = str(config.get("dimensionName"))
        source = config.get("dimensionValueSource")
        # SES's automatic tag carries the set's own name on every message; any other tag,
        # header or link tag carries whatever the sender put there (or the default).
        automatic = name == CONFIGURATION_SET_DIMENSION and source == "MESSAGE_TAG"
        pairs.append((name, configuration_set if automatic else None))
    return _dims(pairs)


def _event_destination_producers(resource: PlannedLike) -> list[Producer]:
    inputs = resource.inputs
    destination = inputs.get("eventDestination") or {}
    cloudwatch = destination.get("cloudWatchDestination")
    if not cloudwatch or destination.get("enabled") is False:
        return []
    configuration_set = str(inputs.get("configurationSetName", UNKNOWN))
    dims = _destination_dimensions(configuration_set, cloudwatch.get("dimensionConfigurations", []))
    label = f"event destination {inputs.get('eventDestinationName', resource.name)}"
    return [
        Producer(SES_NAMESPACE, SES_EVENT_METRIC_NAMES[event], dims, label)
        for event in destination.get("matchingEventTypes", [])
        if event in SES_EVENT_METRIC_NAMES
    ]


def _log_filter_producers(resource: PlannedLike) -> list[Producer]:
    transformation = resource.inputs.get("metricTransformation") or {}
    # Values of a log filter's dimensions come from fields of each log event: any value.
    dims = _dims((str(name), None) for name in (transformation.get("dimensions") or {}))
    return [
        Producer(
            str(transformation.get("namespace")),
            str(transformation.get("name")),
            dims,
            f"log metric filter {resource.inputs.get('name', resource.name)}",
        )
    ]


def producers(resources: Iterable[PlannedLike]) -> list[Producer]:
    found = account_producers()
    for resource in resources:
        if resource.type == CONFIGURATION_SET:
            found += _configuration_set_producers(resource)
        elif resource.type == EVENT_DESTINATION:
            found += _event_destination_producers(resource)
        elif resource.type == LOG_METRIC_FILTER:
            found += _log_filter_producers(resource)
    return found


# --- consumers ----------------------------------------------------------------------------

_SEARCH = re.compile(r"SEARCH\(\s*'((?:[^'\\]|\\.)*)'")
_SCHEMA = re.compile(r"\{([^}]*)\}")
_TERM = re.compile(r'("[^"]*"|[\w:./-]+)\s*=\s*("[^"]*"|[\w:./-]+)')


def _unquote(text: str) -> str:
    text = text.strip()
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text


def search_consumers(expression: str, reader: str) -> tuple[list[Consumer], list[Finding]]:
    """The metrics a SEARCH expression can find: its schema names the exact dimension set.

    Each value named for a schema dimension (`"dim"="value"`, alternatives joined by OR) is read
    separately; a dimension without a named value matches any published value.
    """
    consumers: list[Consumer] = []
    findings: list[Finding] = []
    for query in _SEARCH.findall(expression):
        schema = _SCHEMA.search(query)
        if schema is None:
            findings.append(Finding(reader, f"SEARCH without a {{Namespace,dims}} schema: {query}"))
            continue
        namespace, *dimension_names = [_unquote(part) for part in schema.group(1).split(",")]
        rest = query[: schema.start()] + query[schema.end() :]
        metric_name: str | None = None
        wanted: dict[str, list[str]] = {}
        for key, value in _TERM.findall(rest):
            key, value = _unquote(key), _unquote(value)
            if key == "MetricName":
                metric_name = value
            elif key in dimension_names:
                wanted.setdefault(key, []).append(value)
        combos: list[list[tuple[str, str | None]]] = [[]]
        for dimension in dimension_names:
            values: list[str | None] = list(wanted.get(dimension, [])) or [None]
            combos = [[*combo, (dimension, value)] for combo in combos for value in values]
        consumers += [Consumer(namespace, metric_name, _dims(c), reader) for c in combos]
    return consumers, findings


def _alarm_consumers(resource: PlannedLike) -> tuple[list[Consumer], list[Finding]]:
    inputs = resource.inputs
    reader = f"alarm {inputs.get('name', resource.name)}"
    if inputs.get("metricName"):
        dims = _dims((str(k), str(v)) for k, v in (inputs.get("dimensions") or {}).items())
        consumer = Consumer(str(inputs.get("namespace")), str(inputs["metricName"]), dims, reader)
        return [consumer], []
    consumers: list[Consumer] = []
    findings: list[Finding] = []
    for query in inputs.get("metricQueries") or []:
        metric = query.get("metric")
        if metric:
            dims = _dims((str(k), str(v)) for k, v in (metric.get("dimensions") or {}).items())
            consumers.append(
                Consumer(str(metric.get("namespace")), str(metric.get("metricName")), dims, reader)
            )
        elif "SEARCH(" in str(query.get("expression", "")):
            found, problems = search_consumers(str(query["expression"]), reader)
            consumers += found
            findings += problems
    if not consumers and not findings:
        findings.append(Finding(reader, "reads no metric"))
    return consumers, findings


def _metric_row(row: Sequence[Any], reader: str) -> tuple[list[Consumer], list[Finding]]:
    if row and isinstance(row[0], dict):
        return search_consumers(str(row[0].get("expression", "")), reader)
    parts = [part for part in row if not isinstance(part, dict)]
    if any(part in (".", "...") for part in parts):
        return [], [Finding(reader, f"metric row uses a shorthand the contract cannot read: {row}")]
    if len(parts) < 2 or len(parts) % 2 != 0:
        return [], [Finding(reader, f"malformed metric row {row}")]
    namespace, metric, *dims = (str(part) for part in parts)
    pairs: list[tuple[str, str | None]] = list(zip(dims[0::2], dims[1::2], strict=True))
    return [Consumer(namespace, metric, _dims(pairs), reader)], []


def _dashboard_consumers(resource: PlannedLike) -> tuple[list[Consumer], list[Finding]]:
    name = resource.inputs.get("dashboardName", resource.name)
    try:
        body = json.loads(str(resource.inputs.get("dashboardBody", "")))
    except json.JSONDecodeError as error:
        return [], [Finding(f"dashboard {name}", f"body is not JSON: {error}")]
    consumers: list[Consumer] = []
    findings: list[Finding] = []
    for index, widget in enumerate(body.get("widgets", [])):
        properties = widget.get("properties", {})
        reader = f"dashboard {name} widget {index} {properties.get('title', '')!r}"
        for row in properties.get("metrics", []):
            found, problems = _metric_row(row, reader)
            consumers += found
            findings += problems
    return consumers, findings


def consumers(resources: Iterable[PlannedLike]) -> tuple[list[Consumer], list[Finding]]:
    found: list[Consumer] = []
    findings: list[Finding] = []
    for resource in resources:
        if resource.type == ALARM:
            more, problems = _alarm_consumers(resource)
        elif resource.type == DASHBOARD:
            more, problems = _dashboard_consumers(resource)
        else:
            continue
        found += more
        findings += problems
    return found, findings


# --- the contract -------------------------------------------------------------------------


def publishes(producer: Producer, consumer: Consumer) -> bool:
    """Same namespace and metric, the exact same dimension names, and agreeing known values."""
    if producer.namespace != consumer.namespace:
        return False
    if producer.dimension_names != consumer.dimension_names:
        return False
    if consumer.metric_name is not None and producer.metric_name != consumer.metric_name:
        return False
    published = dict(producer.dimensions)
    return all(
        value is None or published[name] is None or published[name] == value
        for name, value in consumer.dimensions
    )


def producers_of(consumer: Consumer, known: Iterable[Producer]) -> list[Producer]:
    return [producer for producer in known if publishes(producer, consumer)]


def _destination_count_findings(resources: Iterable[PlannedLike]) -> list[Finding]:
    counts = Counter(
        str(r.inputs.get("configurationSetName", UNKNOWN))
        for r in resources
        if r.type == EVENT_DESTINATION
    )
    return [
        Finding(
            f"configuration set {name}",
            f"{count} event destinations; SES allows at most {MAX_EVENT_DESTINATIONS}",
        )
        for name, count in sorted(counts.items())
        if count > MAX_EVENT_DESTINATIONS
    ]


def check(resources: Sequence[PlannedLike]) -> list[Finding]:
    """Every metric read without a producer, every unreadable reader, every limit exceeded."""
    known = producers(resources)
    read, findings = consumers(resources)
    for consumer in read:
        if not producers_of(consumer, known):
            findings.append(
                Finding(consumer.reader, f"reads {consumer.describe()}, which nothing publishes")
            )
    return findings + _destination_count_findings(resources)


def coverage(resources: Sequence[PlannedLike]) -> list[tuple[Consumer, list[Producer]]]:
    """Each metric read, with what publishes it: the table the README shows."""
    known = producers(resources)
    read, _ = consumers(resources)
    return [(consumer, producers_of(consumer, known)) for consumer in read]
