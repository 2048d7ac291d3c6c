"""Rules for what no botocore model describes in full: DNS values and dashboard bodies."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from components.monitoring.metric_contract import search_consumers
from mailstack.plan import PlanResult
from tests.fidelity.requests import route53_api_value

UNKNOWN = "<unknown>"
# RFC 1035 3.3: a character-string is at most 255 octets.
MAX_CHARACTER_STRING = 255
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')

# pulumi_cloudflare DnsRecord docs: "Available values" of `type`, and "TTL ... Setting to 1
# means 'automatic'. Value must be between 60 and 86400".
CLOUDFLARE_TYPES = (
    "A", "AAAA", "CNAME", "MX", "NS", "OPENPGPKEY", "PTR", "TXT", "CAA", "CERT", "DNSKEY", "DS",
    "HTTPS", "LOC", "NAPTR", "SMIMEA", "SRV", "SSHFP", "SVCB", "TLSA", "URI",
)  # fmt: skip
CLOUDFLARE_TTL = range(60, 86401)
# Cloudflare's DNS record reference: TXT content is at most 2048 characters (the package docs
# give no figure); only A, AAAA and CNAME records can be proxied at all.
CLOUDFLARE_MAX_TXT = 2048
CLOUDFLARE_PROXIABLE = ("A", "AAAA", "CNAME")
_FQDN = re.compile(
    r"(?=.{1,253}\Z)([A-Za-z0-9_*]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)+[A-Za-z]{2,63}"
)


def character_strings(value: str) -> list[str] | None:
    """The quoted strings of a TXT value in presentation form; None if anything is unquoted."""
    strings: list[str] = []
    position = 0
    for match in _QUOTED.finditer(value):
        if value[position : match.start()].strip():
            return None
        strings.append(re.sub(r"\\(.)", r"\1", match.group(1)))
        position = match.end()
    return strings if strings and not value[position:].strip() else None


def _txt_findings(label: str, value: str) -> list[str]:
    strings = character_strings(value)
    if strings is None:
        return [f"{label}: TXT value {value[:60]!r}... is not a sequence of quoted strings"]
    return [
        f"{label}: TXT string {index} has {len(s.encode())} bytes, more than 255"
        for index, s in enumerate(strings)
        if len(s.encode()) > MAX_CHARACTER_STRING
    ]


def route53_rule(plan: PlanResult, region: str) -> list[str]:
    """Values as ChangeResourceRecordSets receives them, after the provider's TXT quoting."""
    findings: list[str] = []
    for record in plan.resources_of_type("aws:route53/record:Record"):
        record_type = str(record.inputs.get("type"))
        name = str(record.inputs.get("name"))
        if name != UNKNOWN and not _FQDN.fullmatch(name.rstrip(".")):
            findings.append(f"{record.name}: name {name!r} is not a fully qualified domain name")
        for value in record.inputs.get("records", []):
            if value == UNKNOWN:
                continue
            api_value = route53_api_value(record_type, str(value))
            if record_type == "TXT":
                findings += _txt_findings(record.name, api_value)
            elif '"' in api_value:
                findings.append(f"{record.name}: {record_type} value {api_value!r} is quoted")
    return findings


def cloudflare_rule(plan: PlanResult, region: str) -> list[str]:
    findings: list[str] = []
    for record in plan.resources_of_type("cloudflare:index/dnsRecord:DnsRecord"):
        i = record.inputs
        record_type = str(i.get("type"))
        name, content = str(i.get("name")), str(i.get("content", ""))
        if record_type not in CLOUDFLARE_TYPES:
            findings.append(f"{record.name}: type {record_type!r} is not a Cloudflare record type")
        ttl = i.get("ttl")
        if ttl != 1 and ttl not in CLOUDFLARE_TTL:
            findings.append(f"{record.name}: ttl {ttl} is neither 1 (automatic) nor 60..86400")
        if name != UNKNOWN and not _FQDN.fullmatch(name):
            findings.append(f"{record.name}: name {name!r} is not a fully qualified domain name")
        if i.get("proxied") is not False and record_type not in CLOUDFLARE_PROXIABLE:
            findings.append(
                f"{record.name}: a {record_type} record cannot be proxied; proxied must be false"
            )
        if i.get("proxied") and record_type in CLOUDFLARE_PROXIABLE:
            findings.append(f"{record.name}: a proxied record hides the mail host; set false")
        if record_type == "MX" and i.get("priority") is None:
            findings.append(f"{record.name}: an MX record needs a priority")
        if record_type == "TXT" and content != UNKNOWN:
            if len(content) > CLOUDFLARE_MAX_TXT:
                findings.append(
                    f"{record.name}: TXT content has {len(content)} characters, "
                    f"more than Cloudflare's {CLOUDFLARE_MAX_TXT}"
                )
            findings += _txt_findings(record.name, content)
    return findings


# CloudWatch dashboard body structure reference.
WIDGET_TYPES = ("metric", "text", "alarm", "log", "explorer", "custom")
VIEWS = ("timeSeries", "singleValue", "gauge", "bar", "pie", "table")
GRID_COLUMNS = 24
MAX_ALARMS_PER_WIDGET = 100


def _grid_findings(label: str, widget: Mapping[str, Any]) -> list[str]:
    values = {key: widget.get(key) for key in ("x", "y", "width", "height")}
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in values.values()):
        return [f"{label}: x, y, width and height must be integers, got {values}"]
    x, y, width, height = (int(v) for v in values.values())  # type: ignore[arg-type]
    problems = []
    if not (0 <= x < GRID_COLUMNS and 1 <= width <= GRID_COLUMNS and x + width <= GRID_COLUMNS):
        problems.append(f"{label}: x {x} + width {width} leaves the 24-column grid")
    if y < 0 or not 1 <= height <= 1000:
        problems.append(f"{label}: y {y} / height {height} out of range")
    return problems


def _metric_rows_findings(label: str, rows: Any) -> list[str]:
    if not isinstance(rows, list):
        return [f"{label}: metrics must be a list of rows"]
    problems = []
    for row in rows:
        if not isinstance(row, list) or not row:
            problems.append(f"{label}: metric row {row!r} is not a non-empty list")
            continue
        options = [part for part in row if isinstance(part, dict)]
        if len(options) > 1 or (options and not isinstance(row[-1], dict)):
            problems.append(f"{label}: metric row {row!r}: one options object, last")
            continue
        if isinstance(row[0], dict):
            expression = str(row[0].get("expression", ""))
            if not expression or "id" not in row[0]:
                problems.append(f"{label}: expression row {row!r} needs expression and id")
            _, search_problems = search_consumers(expression, label)
            problems += [f"{p.reader}: {p.message}" for p in search_problems]
            continue
        names = [part for part in row if not isinstance(part, dict)]
        if len(names) < 2 or len(names) % 2 or not all(isinstance(p, str) for p in names):
            problems.append(
                f"{label}: metric row {row!r} is not namespace, metric, dimension name/value pairs"
            )
    return problems


def _widget_findings(label: str, widget: Mapping[str, Any]) -> list[str]:
    problems = _grid_findings(label, widget)
    kind = widget.get("type")
    properties = widget.get("properties")
    if kind not in WIDGET_TYPES:
        return [*problems, f"{label}: type {kind!r} is not one of {list(WIDGET_TYPES)}"]
    if not isinstance(properties, Mapping):
        return [*problems, f"{label}: properties missing"]
    if kind == "text" and not isinstance(properties.get("markdown"), str):
        problems.append(f"{label}: a text widget needs markdown")
    if kind == "alarm":
        alarms = properties.get("alarms")
        if not isinstance(alarms, list) or not 1 <= len(alarms) <= MAX_ALARMS_PER_WIDGET:
            problems.append(f"{label}: an alarm widget lists 1..100 alarm ARNs")
    if kind == "metric":
        if not isinstance(properties.get("region"), str):
            problems.append(f"{label}: a metric widget needs its region")
        if properties.get("view", "timeSeries") not in VIEWS:
            problems.append(f"{label}: view {properties.get('view')!r} is not one of {VIEWS}")
        annotated = (properties.get("annotations") or {}).get("alarms")
        if "metrics" in properties:
            problems += _metric_rows_findings(label, properties["metrics"])
        elif not (isinstance(annotated, list) and len(annotated) == 1):
            problems.append(f"{label}: a metric widget needs metrics or exactly one alarm")
        period = properties.get("period", 300)
        if not isinstance(period, int) or period <= 0 or (period >= 60 and period % 60):
            problems.append(f"{label}: period {period!r} is not a multiple of 60")
    return problems


def dashboard_body_findings(name: str, body_text: str) -> list[str]:
    try:
        body = json.loads(body_text)
    except json.JSONDecodeError as error:
        return [f"{name}: body is not JSON: {error}"]
    widgets = body.get("widgets") if isinstance(body, Mapping) else None
    if not isinstance(widgets, Sequence) or not widgets:
        return [f"{name}: body needs a non-empty widgets list"]
    problems: list[str] = []
    cells: set[tuple[int, int]] = set()
    for index, widget in enumerate(widgets):
        label = f"{name} widget {index}"
        found = (
            _widget_findings(label, widget)
            if isinstance(widget, Mapping)
            else [f"{label}: not an object"]
        )
        problems += found
        if not found:
            covered = {
                (widget["x"] + dx, widget["y"] + dy)
                for dx in range(widget["width"])
                for dy in range(widget["height"])
            }
            if covered & cells:
                problems.append(f"{label}: overlaps an earlier widget")
            cells |= covered
    return problems


def dashboard_rule(plan: PlanResult, region: str) -> list[str]:
    return [
        p
        for d in plan.resources_of_type("aws:cloudwatch/dashboard:Dashboard")
        for p in dashboard_body_findings(d.name, str(d.inputs.get("dashboardBody", "")))
    ]
