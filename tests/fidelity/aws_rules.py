"""Rules on planned AWS resources that the service models state only in prose.

Each rule takes a plan and returns findings, one string per problem, naming the resource.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from moto.events.models import EventPattern

from components.monitoring import metric_contract
from mailstack.plan import PlannedResource, PlanResult
from tests.fidelity.iam_actions import POLICY_INPUTS, action_problem, policy_problems
from tests.fidelity.requests import requests_for
from tests.fidelity.service_model import (
    STAND_IN_ACCOUNT,
    service_model,
    stand_ins,
    validate_request,
)

# A rule judges one plan of a stack in the given AWS region.
Rule = Callable[[PlanResult, str], list[str]]
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"

# CloudWatch PutMetricAlarm reference, TreatMissingData: "Valid Values: breaching | notBreaching
# | ignore | missing" (the model gives only a length).
TREAT_MISSING_DATA = ("breaching", "notBreaching", "ignore", "missing")
# MetricDataQuery Id: "must start with a lowercase letter"; letters, digits and underscores.
METRIC_ID = re.compile(r"[a-z][a-zA-Z0-9_]*")
PERCENTILE = re.compile(r"p(\d{1,2}(\.\d{0,10})?|100)")

# Lambda runtimes AWS supports for new functions (Lambda Developer Guide, "Lambda runtimes",
# supported runtimes; python3.9 and python3.10 have passed deprecation). The model's enum still
# lists every runtime ever offered, python2.7 included, so it cannot tell.
SUPPORTED_RUNTIMES = (
    "python3.11",
    "python3.12",
    "python3.13",
    "python3.14",
    "nodejs22.x",
    "nodejs24.x",
    "java21",
    "java25",
    "provided.al2023",
)


def _resources(plan: PlanResult, type_token: str) -> list[PlannedResource]:
    return plan.resources_of_type(type_token)


def service_model_rule(plan: PlanResult, region: str) -> list[str]:
    """Every API request the provider would send passes its botocore service model."""
    return [p for r in plan.resources for q in requests_for(r) for p in validate_request(q)]


def alarm_rule(plan: PlanResult, region: str) -> list[str]:
    findings: list[str] = []
    for alarm in _resources(plan, ALARM):
        i = alarm.inputs
        name = i.get("name", alarm.name)
        if i.get("treatMissingData") not in (None, *TREAT_MISSING_DATA):
            findings.append(
                f"{name}: treatMissingData {i['treatMissingData']!r} is not one of "
                f"{list(TREAT_MISSING_DATA)}"
            )
        if int(i.get("datapointsToAlarm") or 0) > int(i.get("evaluationPeriods") or 0):
            findings.append(f"{name}: datapointsToAlarm exceeds evaluationPeriods")
        queries = i.get("metricQueries") or []
        if bool(i.get("metricName")) == bool(queries):
            findings.append(f"{name}: needs exactly one of metricName and metricQueries")
        for period in [i.get("period")] + [(q.get("metric") or {}).get("period") for q in queries]:
            if period is not None and not (period in (10, 20, 30) or period % 60 == 0):
                findings.append(f"{name}: period {period} is not 10, 20, 30 or a multiple of 60")
        findings += _query_findings(name, queries)
    return findings


def _stat_ok(stat: str) -> bool:
    statistics = service_model("cloudwatch").shape_for("Statistic").enum
    return stat in statistics or PERCENTILE.fullmatch(stat) is not None


def _query_findings(name: str, queries: list[Mapping[str, Any]]) -> list[str]:
    if not queries:
        return []
    findings: list[str] = []
    ids = [str(q.get("id")) for q in queries]
    for query_id in ids:
        if not METRIC_ID.fullmatch(query_id):
            findings.append(f"{name}: query id {query_id!r} must start with a lowercase letter")
    if sum(1 for q in queries if q.get("returnData")) != 1:
        findings.append(f"{name}: exactly one metric query must return data")
    expressions = " ".join(str(q.get("expression", "")) for q in queries)
    for query in queries:
        metric = query.get("metric")
        if metric and not _stat_ok(str(metric.get("stat"))):
            findings.append(f"{name}: stat {metric.get('stat')!r} is no statistic")
        if metric and not re.search(rf"\b{re.escape(str(query.get('id')))}\b", expressions):
            findings.append(f"{name}: metric {query.get('id')!r} is not used by any expression")
    for used in set(re.findall(r"\b([a-z][a-zA-Z0-9_]*)\b(?!\s*\()", expressions)):
        if used not in ids:
            findings.append(f"{name}: expression reads {used!r}, which no query defines")
    return findings


def _policy_texts(plan: PlanResult) -> list[tuple[str, Any]]:
    return [
        (r.name, r.inputs.get(key)) for r in plan.resources for key in POLICY_INPUTS.get(r.type, ())
    ]


def iam_rule(plan: PlanResult, region: str) -> list[str]:
    """Every action of every policy document, and of every Lambda permission, exists."""
    findings = [p for name, text in _policy_texts(plan) for p in policy_problems(name, text)]
    for permission in _resources(plan, "aws:lambda/permission:Permission"):
        problem = action_problem(str(permission.inputs.get("action")))
        if problem:
            findings.append(f"{permission.name}: {problem}")
    return findings


def lambda_runtime_rule(plan: PlanResult, region: str) -> list[str]:
    return [
        f"{f.name}: runtime {f.inputs.get('runtime')!r} is not supported; use one of "
        f"{list(SUPPORTED_RUNTIMES)}"
        for f in _resources(plan, "aws:lambda/function:Function")
        if f.inputs.get("runtime") not in SUPPORTED_RUNTIMES
    ]


def alarm_state_change_event(alarm: Mapping[str, Any], region: str, state: str) -> dict[str, Any]:
    """The event CloudWatch sends when `alarm` changes state (CloudWatch User Guide, "Alarm
    events and EventBridge", sample event), filled in from the planned alarm's inputs."""
    name = str(alarm.get("name"))
    metrics = [
        {
            "id": q.get("id"),
            **(
                {
                    "metricStat": {
                        "metric": {
                            "namespace": q["metric"].get("namespace"),
                            "name": q["metric"].get("metricName"),
                            "dimensions": q["metric"].get("dimensions") or {},
                        },
                        "period": q["metric"].get("period"),
                        "stat": q["metric"].get("stat"),
                    }
                }
                if q.get("metric")
                else {"expression": q.get("expression")}
            ),
            "returnData": bool(q.get("returnData")),
        }
        for q in alarm.get("metricQueries") or []
    ]
    previous = "OK" if state == "ALARM" else "ALARM"
    return {
        "version": "0",
        "id": "c4c1c1c9-6542-e61b-6ef0-8c4d36933a92",
        "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch",
        "account": STAND_IN_ACCOUNT,
        "time": "2026-01-01T00:00:00Z",
        "region": region,
        "resources": [f"arn:aws:cloudwatch:{region}:{STAND_IN_ACCOUNT}:alarm:{name}"],
        "detail": {
            "alarmName": name,
            "configuration": {"description": alarm.get("alarmDescription"), "metrics": metrics},
            "previousState": {"value": previous, "reason": "", "timestamp": "2026-01-01T00:00:00Z"},
            "state": {
                "value": state,
                "reason": "Threshold Crossed",
                "timestamp": "2026-01-01T00:00:00Z",
            },
        },
    }


def event_pattern_rule(plan: PlanResult, region: str) -> list[str]:
    """Each rule's pattern is valid, matches its alarms entering ALARM, and nothing else; the
    pause function acts on exactly the alarms its rule delivers."""
    findings: list[str] = []
    alarms = {str(a.inputs.get("name")): a.inputs for a in _resources(plan, ALARM)}
    functions = {
        str(f.inputs.get("name")): f.inputs
        for f in _resources(plan, "aws:lambda/function:Function")
    }
    for rule in _resources(plan, "aws:cloudwatch/eventRule:EventRule"):
        text = rule.inputs.get("eventPattern")
        if text is None:
            continue
        try:
            pattern = EventPattern.load(stand_ins(text))
        except Exception as error:  # moto raises its own API exception type
            findings.append(f"{rule.name}: event pattern refused: {error}")
            continue
        listed = json.loads(text).get("resources", [])
        names = {str(arn).rsplit(":alarm:", 1)[-1] for arn in listed}
        for missing in sorted(names - alarms.keys()):
            findings.append(f"{rule.name}: pattern names alarm {missing!r}, not in the plan")
        matched = set()
        for name, alarm in alarms.items():
            if pattern.matches_event(alarm_state_change_event(alarm, region, "OK")):
                findings.append(f"{rule.name}: matches {name} returning to OK")
            if pattern.matches_event(alarm_state_change_event(alarm, region, "ALARM")):
                matched.add(name)
        if matched != names & alarms.keys() or not matched:
            findings.append(
                f"{rule.name}: matches ALARM of {sorted(matched)}, "
                f"expected {sorted(names & alarms.keys())}"
            )
        function = functions.get(str(rule.inputs.get("name")))
        if function is not None:
            acting = set(
                str(
                    (function.get("environment") or {})
                    .get("variables", {})
                    .get("PAUSING_ALARMS", "")
                ).split(",")
            )
            if acting != matched:
                findings.append(
                    f"{rule.name}: delivers {sorted(matched)} but the function acts "
                    f"on {sorted(acting)}"
                )
    return findings


# Log filter terms: a quoted term, a bare word, or a JSON / space-delimited selector.
_QUOTED_TERMS = re.compile(r'(\s*[-?]?"(?:[^"\\]|\\.)*"\s*|\s*[-?]?[\w.:=/-]+\s*)+')


# CloudWatch Logs PutRetentionPolicy reference, retentionInDays: "Valid Values" (the model types
# it as a plain integer).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827,
                      2192, 2557, 2922, 3288, 3653)  # fmt: skip


def logs_rule(plan: PlanResult, region: str) -> list[str]:
    """Log groups keep logs for a period the API offers; metric filters parse and count."""
    findings = [
        f"{g.name}: retentionInDays {g.inputs['retentionInDays']} is not one of "
        f"{list(LOG_RETENTION_DAYS)}"
        for g in _resources(plan, "aws:cloudwatch/logGroup:LogGroup")
        if g.inputs.get("retentionInDays") not in (None, *LOG_RETENTION_DAYS)
    ]
    for f in _resources(plan, "aws:cloudwatch/logMetricFilter:LogMetricFilter"):
        pattern = str(f.inputs.get("pattern", ""))
        if pattern.startswith("{"):
            ok = pattern.endswith("}") and pattern.count("{") == pattern.count("}")
        elif pattern.startswith("["):
            ok = pattern.endswith("]") and pattern.count("[") == pattern.count("]")
        else:
            ok = pattern == "" or _QUOTED_TERMS.fullmatch(pattern) is not None
        if not ok:
            findings.append(f"{f.name}: filter pattern {pattern!r} is not valid syntax")
        value = str((f.inputs.get("metricTransformation") or {}).get("value", ""))
        if not re.fullmatch(r"\d+(\.\d+)?|\$[\w.\[\]]+", value):
            findings.append(f"{f.name}: metric value {value!r} is neither a number nor a $field")
    return findings


def metric_contract_rule(plan: PlanResult, region: str) -> list[str]:
    return [str(finding) for finding in metric_contract.check(plan.resources)]


RULES: dict[str, Rule] = {
    "service-model": service_model_rule,
    "cloudwatch-alarm": alarm_rule,
    "iam-actions": iam_rule,
    "lambda-runtime": lambda_runtime_rule,
    "event-pattern": event_pattern_rule,
    "logs": logs_rule,
    "metric-contract": metric_contract_rule,
}
