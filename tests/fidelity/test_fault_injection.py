"""Each fidelity rule catches what it claims: a valid plan, one thing broken, the rule reports it.

The plans themselves pass every rule (test_fidelity_stacks); here one input of one resource is
changed as a mistake in the code would change it.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable
from typing import Any

import pytest

from mailstack.plan import PlanResult
from tests.fidelity.plans import deployed, planned
from tests.fidelity.rules import RULES

PROD = "Pulumi.prod.yaml"
FULL = "full-features"
Change = Callable[[dict[str, Any]], None]


def _broken(plan: PlanResult, name: str, change: Change) -> PlanResult:
    """`plan` with the inputs of the provider resource `name` changed (components, which may
    share a name, are left alone); fails if no resource has it."""
    resources = []
    for resource in plan.resources:
        if resource.name == name and not resource.type.startswith("mailstack:"):
            inputs = copy.deepcopy(resource.inputs)
            change(inputs)
            resource = dataclasses.replace(resource, inputs=inputs)
        resources.append(resource)
    assert any(r.name == name for r in plan.resources), name
    return dataclasses.replace(plan, resources=resources)


def _report(rule: str, plan: PlanResult, region: str = "eu-west-1") -> str:
    assert RULES[rule](plan, region) == [] or plan.stack != "unbroken"
    return "\n".join(RULES[rule](plan, region))


def _set(path: str, value: Any) -> Change:
    def change(inputs: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = inputs
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value

    return change


def _json_change(key: str, edit: Callable[[Any], None]) -> Change:
    def change(inputs: dict[str, Any]) -> None:
        document = json.loads(inputs[key])
        edit(document)
        inputs[key] = json.dumps(document)

    return change


ALARM = "account-reputation-bounce-critical"
RATE_ALARM = "news-example-com-alarms-events-bounce-rate-critical"

SERVICE_MODEL_FAULTS = [
    (
        "news-example-com-events-cloudwatch",
        _set("eventDestination.cloudWatchDestination.dimensionConfigurations.0"
             ".dimensionValueSource", "MESSAGE_TAGS"),
        "'MESSAGE_TAGS' is not one of ['EMAIL_HEADER', 'LINK_TAG', 'MESSAGE_TAG']",
    ),
    (ALARM, _set("name", "a" * 256), "AlarmName: 256 characters, more than the maximum 255"),
    (ALARM, _set("statistic", "Maximun"), "'Maximun' is not one of"),
    (ALARM, _set("evaluationPeriods", 0), "EvaluationPeriods: 0 is below the minimum 1"),
    ("news-example-com-configuration-set", _set("deliveryOptions.tlsPolicy", "REQUIRED"),
     "TlsPolicy: 'REQUIRED' is not one of ['OPTIONAL', 'REQUIRE']"),
    ("news-example-com-mail-from", _set("behaviorOnMxFailure", "USE_DEFAULT"),
     "BehaviorOnMxFailure: 'USE_DEFAULT' is not one of"),
    ("news-example-com-identity",
     _set("dkimSigningAttributes.nextSigningKeyLength", "RSA_4096_BIT"),
     "NextSigningKeyLength: 'RSA_4096_BIT' is not one of"),
    ("mail-example-com-relay-role", _set("name", "relay role with spaces"),
     "RoleName: 'relay role with spaces' does not match the pattern"),
    ("mail-example-com-relay", _set("metadataOptions.httpTokens", "mandatory"),
     "HttpTokens: 'mandatory' is not one of"),
    ("mail-example-com-relay-submission-10-0-0-0-8", _set("fromPort", "587"),
     "Invalid type for parameter IpPermissions[0].FromPort"),
    ("mail-example-com-dmarc", _set("type", "TEXT"), "'TEXT' is not one of"),
]  # fmt: skip


@pytest.mark.parametrize(("resource", "change", "expected"), SERVICE_MODEL_FAULTS)
def test_service_model_rule_catches(resource: str, change: Change, expected: str) -> None:
    assert expected in _report("service-model", _broken(planned(PROD), resource, change))


TRACKING_FAULTS = [
    ("news-example-com-tracking-certificate", _set("validationMethod", "dns"),
     "ValidationMethod: 'dns' is not one of"),
    ("news-example-com-tracking-distribution",
     _set("defaultCacheBehavior.viewerProtocolPolicy", "https"),
     "ViewerProtocolPolicy: 'https' is not one of"),
    ("news-example-com-tracking-distribution",
     _set("viewerCertificate.minimumProtocolVersion", "TLSv1.2"),
     "MinimumProtocolVersion: 'TLSv1.2' is not one of"),
    ("news-example-com-tracking-distribution",
     _set("origins.0.customOriginConfig.originProtocolPolicy", "https"),
     "OriginProtocolPolicy: 'https' is not one of"),
    ("news-example-com-tracking-origin-request-policy",
     _set("headersConfig.headerBehavior", "allowList"),
     "HeaderBehavior: 'allowList' is not one of"),
]  # fmt: skip


@pytest.mark.parametrize(("resource", "change", "expected"), TRACKING_FAULTS)
def test_service_model_rule_catches_tracking_faults(
    resource: str, change: Change, expected: str
) -> None:
    assert expected in _report("service-model", _broken(planned(FULL), resource, change))


ALARM_FAULTS = [
    (ALARM, _set("treatMissingData", "notbreaching"), "treatMissingData 'notbreaching'"),
    (ALARM, _set("period", 45), "period 45 is not 10, 20, 30 or a multiple of 60"),
    (ALARM, _set("datapointsToAlarm", 3), "datapointsToAlarm exceeds evaluationPeriods"),
    (RATE_ALARM, _set("metricQueries.2.expression", "FILL(evnts, 0) / sends"),
     "expression reads 'evnts', which no query defines"),
    (RATE_ALARM, _set("metricQueries.0.returnData", True), "exactly one metric query must return"),
    (RATE_ALARM, _set("metricQueries.0.id", "Sends"), "must start with a lowercase letter"),
    (RATE_ALARM, _set("metricQueries.0.metric.stat", "Summ"), "stat 'Summ' is no statistic"),
]  # fmt: skip


@pytest.mark.parametrize(("resource", "change", "expected"), ALARM_FAULTS)
def test_alarm_rule_catches(resource: str, change: Change, expected: str) -> None:
    assert expected in _report("cloudwatch-alarm", _broken(planned(PROD), resource, change))


def _action(statement: int, action: str) -> Change:
    def edit(document: Any) -> None:
        document["Statement"][statement]["Action"] = action

    return _json_change("policy", edit)


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("ses:SendEmails", "'ses:SendEmails': ses has no operation 'SendEmails'"),
        ("email:SendRawEmail", "no AWS service has the IAM prefix 'email'"),
        ("ses:Send*Mails", "ses has no operation 'Send*Mails'"),
        ("SendRawEmail", "is not of the form service:Action"),
    ],
)
def test_iam_rule_catches_actions_that_do_not_exist(action: str, expected: str) -> None:
    plan = _broken(deployed(FULL), "mail-example-com-relay-ses-send", _action(0, action))
    assert expected in _report("iam-actions", plan)


def test_iam_rule_reads_the_pause_functions_role_policy() -> None:
    plan = _broken(deployed(FULL), "news-example-com-auto-pause-role-policy",
                   _action(0, "ses:PutConfigurationSetSendingOption"))  # fmt: skip
    assert "has no operation 'PutConfigurationSetSendingOption'" in _report("iam-actions", plan)


def test_iam_rule_catches_a_lambda_permission_action() -> None:
    plan = _broken(planned(FULL), "news-example-com-auto-pause-invoke",
                   _set("action", "lambda:InvokeFunctions"))  # fmt: skip
    assert "lambda has no operation 'InvokeFunctions'" in _report("iam-actions", plan)


def test_lambda_runtime_rule_catches_what_the_models_enum_still_accepts() -> None:
    plan = _broken(planned(FULL), "news-example-com-auto-pause-function",
                   _set("runtime", "python2.7"))  # fmt: skip
    assert "runtime 'python2.7' is not supported" in _report("lambda-runtime", plan)
    # botocore's enum lists every runtime ever offered: only the documented list catches it.
    assert "python2.7" not in _report("service-model", plan)


def _pattern(edit: Callable[[Any], None]) -> Change:
    return _json_change("eventPattern", edit)


EVENT_FAULTS = [
    (_pattern(lambda p: p["detail"]["state"].update(value=["OK"])), "returning to OK"),
    (_pattern(lambda p: p.update({"detail-type": ["CloudWatch Alarm State Changed"]})),
     "matches ALARM of []"),
    (_pattern(lambda p: p.update(source=["aws.events"])), "matches ALARM of []"),
    (_pattern(lambda p: p.update(resources=p["resources"][:1])), "but the function acts on"),
    (_pattern(lambda p: p.update(resources=[*p["resources"], "arn:aws:cloudwatch:eu-west-1:"
                                            "<unknown>:alarm:gone"])), "'gone', not in the plan"),
    (_set("eventPattern", "{\"source\": \"aws.cloudwatch\""), "event pattern refused"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "expected"), EVENT_FAULTS)
def test_event_pattern_rule_catches(change: Change, expected: str) -> None:
    plan = _broken(planned(FULL), "news-example-com-auto-pause-rule", change)
    assert expected in _report("event-pattern", plan)


def test_event_pattern_rule_catches_a_pattern_for_another_region() -> None:
    assert "matches ALARM of []" in _report("event-pattern", planned(FULL), "us-east-1")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_set("pattern", '"status=bounced'), "is not valid syntax"),
        (_set("pattern", "{ $.status = bounced"), "is not valid syntax"),
        (_set("metricTransformation.value", "one"), "neither a number nor a $field"),
    ],
)
def test_logs_rule_catches_filter_mistakes(change: Change, expected: str) -> None:
    plan = _broken(planned(PROD), "mail-example-com-relay-bounced", change)
    assert expected in _report("logs", plan)


def test_logs_rule_catches_a_retention_the_api_does_not_offer() -> None:
    plan = _broken(planned(PROD), "mail-example-com-relay-mail-log", _set("retentionInDays", 45))
    assert "retentionInDays 45 is not one of" in _report("logs", plan)
    # The model types it as a plain integer: only the documented list catches it.
    assert "45" not in _report("service-model", plan)


def test_metric_contract_rule_catches_an_alarm_on_an_unpublished_dimension_set() -> None:
    plan = _broken(planned(PROD), ALARM, _set("dimensions", {"campaign": "spring"}))
    assert "mailstack-prod-account-reputation-bounce-critical: reads AWS/SES " in _report(
        "metric-contract", plan
    )


LONG = "a" * 300


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_set("records", [LONG]), "TXT string 0 has 300 bytes, more than 255"),
        (_set("records", ['"v=DMARC1; p=reject" trailing']), "is not a sequence of quoted strings"),
        (_set("name", "_dmarc..mail.example.com"), "is not a fully qualified domain name"),
    ],
)
def test_route53_rule_catches(change: Change, expected: str) -> None:
    plan = _broken(planned(PROD), "mail-example-com-dmarc", change)
    assert expected in _report("route53", plan)


def test_route53_rule_accepts_a_long_value_split_as_the_adapter_does() -> None:
    split = _set("records", [f'{"a" * 255}""{"a" * 45}'])
    assert _report("route53", _broken(planned(PROD), "mail-example-com-dmarc", split)) == ""


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_set("proxied", True), "a TXT record cannot be proxied"),
        (_set("ttl", 30), "ttl 30 is neither 1 (automatic) nor 60..86400"),
        (_set("content", f'"{LONG}"'), "TXT string 0 has 300 bytes"),
        (_set("content", '"a"' * 700), "more than Cloudflare's 2048"),
        (_set("type", "SPF"), "'SPF' is not a Cloudflare record type"),
        (_set("name", "_dmarc"), "is not a fully qualified domain name"),
    ],
)
def test_cloudflare_rule_catches(change: Change, expected: str) -> None:
    plan = _broken(planned(FULL), "news-example-com-dmarc", change)
    assert expected in _report("cloudflare", plan)


def _widget(index: int, edit: Callable[[Any], None]) -> Change:
    return _json_change("dashboardBody", lambda body: edit(body["widgets"][index]))


DASHBOARD_FAULTS = [
    (_widget(2, lambda w: w.update(x=12, width=13)), "leaves the 24-column grid"),
    (_widget(2, lambda w: w.update(type="graph")), "type 'graph' is not one of"),
    (_widget(3, lambda w: w.update(x="0")), "must be integers"),
    (_widget(3, lambda w: w.update(y=2)), "overlaps an earlier widget"),
    (_widget(-1, lambda w: w["properties"]["metrics"].append(["AWS/SES", "Send", "campaign"])),
     "is not namespace, metric, dimension name/value pairs"),
    (_widget(-1, lambda w: w["properties"].update(
        metrics=[[{"expression": "SEARCH('MetricName=\"Send\"', 'Sum', 300)", "id": "s"}]])),
     "SEARCH without a {Namespace,dims} schema"),
    (_widget(-1, lambda w: w["properties"].pop("region")), "needs its region"),
    (_widget(1, lambda w: w["properties"].update(alarms=[])), "lists 1..100 alarm ARNs"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "expected"), DASHBOARD_FAULTS)
def test_dashboard_rule_catches(change: Change, expected: str) -> None:
    plan = _broken(planned(PROD), "mail-dashboard", change)
    assert expected in _report("dashboard", plan)


def test_every_rule_has_a_fault_test() -> None:
    tested = {
        "service-model", "cloudwatch-alarm", "iam-actions", "lambda-runtime", "event-pattern",
        "logs", "metric-contract", "route53", "cloudflare", "dashboard",
    }  # fmt: skip
    assert set(RULES) == tested
