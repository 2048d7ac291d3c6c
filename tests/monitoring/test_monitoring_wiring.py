"""Alert topic, event destinations, auto-pause and dashboard as a deployment would create them."""

from __future__ import annotations

import json
from typing import Any

import pulumi
from monitoring_harness import ACCOUNT, ALARM, REGION, Registered, by_type, run
from monitoring_stack_program import SETS, monitoring_program

from components.alert_topic import AlertTopic, AlertTopicArgs
from components.auto_pause import HANDLER_FILE
from components.config.alerts import AlertSettings
from components.dns.record_input import RecordInput
from components.event_destinations import tracking_options
from components.monitoring import metric_contract as contract
from components.monitoring import metrics as m

TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:mailstack-alerts"


def _one(resources: list[Registered], name: str) -> dict[str, Any]:
    (found,) = [r.inputs for r in resources if r.name == name]
    return found


def _stack(**settings: Any) -> list[Registered]:
    return run(lambda: monitoring_program(AlertSettings(**settings)))


def test_alert_topic_is_encrypted_and_only_cloudwatch_alarms_publish() -> None:
    resources = _stack(
        emails=("ops@example.com",), webhooks=("https://hooks.example.com/alert?token=s3cret",)
    )
    topic = _one(resources, "alerts-topic")
    assert topic["kmsMasterKeyId"] == f"arn:aws:kms:{REGION}:{ACCOUNT}:key/alerts-key-uuid"
    assert _one(resources, "alerts-key")["enableKeyRotation"] is True
    policy = json.loads(_one(resources, "alerts-topic-policy")["policy"])
    allows = [s for s in policy["Statement"] if s["Effect"] == "Allow"]
    assert allows[0]["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert allows[0]["Condition"]["ArnLike"]["aws:SourceArn"] == (
        f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:*"
    )
    # Without autoPause no function announces, so CloudWatch is the only publisher.
    assert len(allows) == 1
    key_policy = json.loads(_one(resources, "alerts-key-policy")["policy"])
    services = key_policy["Statement"][1]
    assert services["Principal"]["Service"] == ["cloudwatch.amazonaws.com", "ses.amazonaws.com"]
    assert services["Action"] == ["kms:Decrypt", "kms:GenerateDataKey*"]


def _topic_publishers(alerts: AlertSettings, pausing_domains: list[str] | None) -> list[Any]:
    resources = run(
        lambda: AlertTopic("alerts", AlertTopicArgs(alerts=alerts, pausing_domains=pausing_domains))
    )
    policy = json.loads(_one(resources, "alerts-topic-policy")["policy"])
    return [
        s["Condition"]["ArnLike"]["aws:PrincipalArn"]
        for s in policy["Statement"]
        if s["Effect"] == "Allow" and "AWS" in s["Principal"]
    ]


def test_with_auto_pause_only_this_stacks_pause_roles_may_announce() -> None:
    alerts = AlertSettings(auto_pause=True)
    exact = _topic_publishers(alerts, ["news.example.com", "a-b.example.com"])
    assert exact == [
        [
            f"arn:aws:iam::{ACCOUNT}:role/mailstack-a--b-example-com-pause-sending",
            f"arn:aws:iam::{ACCOUNT}:role/mailstack-news-example-com-pause-sending",
        ]
    ]
    # Domains not known to the topic: still only roles named like this stack's pause roles.
    assert _topic_publishers(alerts, None) == [
        f"arn:aws:iam::{ACCOUNT}:role/mailstack-*-pause-sending"
    ]
    assert _topic_publishers(AlertSettings(), ["news.example.com"]) == []


def test_every_address_gets_one_subscription_under_a_distinct_name() -> None:
    emails = ("ops+x@example.com", "ops.x@example.com", "ops@example.com")
    resources = run(
        lambda: AlertTopic("alerts", AlertTopicArgs(alerts=AlertSettings(emails=emails)))
    )
    subs = by_type(resources, "aws:sns/topicSubscription:TopicSubscription")
    assert sorted(s.inputs["endpoint"] for s in subs) == sorted(emails)
    assert len({s.name for s in subs}) == 3


def test_subscriptions_come_from_config_and_webhook_urls_stay_secret() -> None:
    url = "https://hooks.example.com/alert?token=s3cret"
    resources = _stack(emails=("ops@example.com", "oncall@example.com"), webhooks=(url,))
    subs = by_type(resources, "aws:sns/topicSubscription:TopicSubscription")
    emails = sorted(s.inputs["endpoint"] for s in subs if s.inputs["protocol"] == "email")
    assert emails == ["oncall@example.com", "ops@example.com"]
    (hook,) = [s for s in subs if s.inputs["protocol"] == "https"]
    assert hook.inputs["topic"] == TOPIC
    # Pulumi marks a secret with its signature key; the value never shows in a resource name.
    assert hook.inputs["endpoint"]["4dabf18193072939515e22adb298388d"] == (
        "1b47061264138c4ac30d75fd1eb44270"
    )
    assert hook.inputs["endpoint"]["value"] == url
    assert "s3cret" not in hook.name


def test_each_set_publishes_feedback_to_sns_and_counts_to_cloudwatch() -> None:
    resources = _stack()
    for domain, set_name in SETS.items():
        key = domain.replace(".", "-")
        sns = _one(resources, f"{key}-events-feedback")
        assert sns["configurationSetName"] == set_name
        destination = sns["eventDestination"]
        assert destination["enabled"] is True
        assert destination["matchingEventTypes"] == [
            "BOUNCE",
            "COMPLAINT",
            "REJECT",
            "DELIVERY_DELAY",
        ]
        topic_arn = destination["snsDestination"]["topicArn"]
        assert topic_arn == f"arn:aws:sns:{REGION}:{ACCOUNT}:mailstack-{key}-ses-feedback"
        feedback_topic = next(
            r.inputs
            for r in resources
            if r.type == "aws:sns/topic:Topic"
            and r.inputs["name"] == f"mailstack-{key}-ses-feedback"
        )
        assert feedback_topic["kmsMasterKeyId"].startswith(f"arn:aws:kms:{REGION}:")
        (statement,) = json.loads(_one(resources, f"{key}-events-feedback-topic-policy")["policy"])[
            "Statement"
        ]
        assert statement["Principal"] == {"Service": "ses.amazonaws.com"}
        assert statement["Condition"]["StringEquals"]["aws:SourceArn"] == (
            f"arn:aws:ses:{REGION}:{ACCOUNT}:configuration-set/{set_name}"
        )
        by_set = {
            "dimensionName": "ses:configuration-set",
            "dimensionValueSource": "MESSAGE_TAG",
            "defaultDimensionValue": set_name,
        }
        # SES publishes one metric per event with ALL of a destination's dimensions, and
        # CloudWatch answers only for that exact set: one destination per set that is read.
        for destination_key, dimensions in (
            ("cloudwatch", [by_set]),
            (
                "campaigns",
                [
                    by_set,
                    {
                        "dimensionName": "campaign",
                        "dimensionValueSource": "MESSAGE_TAG",
                        "defaultDimensionValue": "untagged",
                    },
                ],
            ),
        ):
            cloudwatch = _one(resources, f"{key}-events-{destination_key}")
            assert cloudwatch["configurationSetName"] == set_name
            destination = cloudwatch["eventDestination"]
            assert destination["matchingEventTypes"] == [
                "SEND",
                "DELIVERY",
                "OPEN",
                "CLICK",
                "BOUNCE",
                "COMPLAINT",
            ]
            assert destination["cloudWatchDestination"]["dimensionConfigurations"] == dimensions


def test_campaign_tag_from_config_names_the_cloudwatch_dimension() -> None:
    resources = _stack(campaign_tag="mailing")
    cloudwatch = _one(resources, "news-example-com-events-campaigns")["eventDestination"]
    names = [
        d["dimensionName"] for d in cloudwatch["cloudWatchDestination"]["dimensionConfigurations"]
    ]
    assert names == ["ses:configuration-set", "mailing"]
    rates = _one(resources, "news-example-com-events-cloudwatch")["eventDestination"]
    names = [d["dimensionName"] for d in rates["cloudWatchDestination"]["dimensionConfigurations"]]
    assert names == ["ses:configuration-set"]


def test_no_auto_pause_unless_configured() -> None:
    resources = _stack()
    assert by_type(resources, "aws:lambda/function:Function") == []
    assert by_type(resources, "aws:cloudwatch/eventRule:EventRule") == []


def test_auto_pause_fires_on_the_sets_own_critical_alarms_only() -> None:
    resources = _stack(auto_pause=True)
    alarm_names = {r.inputs["name"] for r in by_type(resources, ALARM)}
    pattern = json.loads(_one(resources, "news-example-com-auto-pause-rule")["eventPattern"])
    assert pattern["source"] == ["aws.cloudwatch"]
    assert pattern["detail-type"] == ["CloudWatch Alarm State Change"]
    assert pattern["detail"] == {"state": {"value": ["ALARM"]}}
    named = [arn.rsplit(":", 1)[1] for arn in pattern["resources"]]
    assert sorted(named) == sorted(
        f"mailstack-news-example-com-{k}"
        for k in (
            "reputation-bounce-critical",
            "reputation-complaint-critical",
            "events-bounce-rate-critical",
            "events-complaint-rate-critical",
        )
    )
    assert set(named) <= alarm_names
    target = _one(resources, "news-example-com-auto-pause-target")
    assert target["rule"] == "mailstack-news-example-com-pause-sending"
    assert target["arn"].endswith(":function:mailstack-news-example-com-pause-sending")
    invoke = _one(resources, "news-example-com-auto-pause-invoke")
    assert invoke["principal"] == "events.amazonaws.com"
    assert invoke["sourceArn"].endswith(":rule/mailstack-news-example-com-pause-sending")


def test_pause_function_may_pause_only_its_own_set() -> None:
    resources = _stack(auto_pause=True)
    function = _one(resources, "news-example-com-auto-pause-function")
    assert function["environment"]["variables"] == {
        "PAUSABLE_CONFIGURATION_SETS": "news-example-com",
        # Only the set's critical alarms: a warning reaching the function changes nothing.
        "PAUSING_ALARMS": ",".join(
            f"mailstack-news-example-com-{k}"
            for k in (
                "events-bounce-rate-critical",
                "events-complaint-rate-critical",
                "reputation-bounce-critical",
                "reputation-complaint-critical",
            )
        ),
        "TOPIC_ARN": TOPIC,
    }
    assert function["handler"] == "pause_sending.handler"
    archive = function["code"]
    assert isinstance(archive, pulumi.AssetArchive)
    source = archive.assets["pause_sending.py"]
    assert isinstance(source, pulumi.StringAsset)
    assert source.text == HANDLER_FILE.read_text(encoding="utf-8")
    policy = json.loads(_one(resources, "news-example-com-auto-pause-role-policy")["policy"])
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["PauseThisConfigurationSet"]["Action"] == "ses:PutConfigurationSetSendingOptions"
    assert by_sid["PauseThisConfigurationSet"]["Resource"] == (
        f"arn:aws:ses:{REGION}:{ACCOUNT}:configuration-set/news-example-com"
    )
    assert by_sid["Announce"]["Resource"] == TOPIC
    assert by_sid["WriteOwnLogs"]["Resource"] == (
        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/"
        "mailstack-news-example-com-pause-sending:*"
    )
    assert all(
        "*" not in json.dumps(s["Action"])
        for s in policy["Statement"]
        if s["Sid"] != "EncryptAnnouncement"
    )
    role = _one(resources, "news-example-com-auto-pause-role")
    assert json.loads(role["assumeRolePolicy"])["Statement"][0]["Principal"] == {
        "Service": "lambda.amazonaws.com"
    }


def _dashboard(resources: list[Registered]) -> dict[str, Any]:
    body = _one(resources, "mail-dashboard")["dashboardBody"]
    parsed: dict[str, Any] = json.loads(body)
    return parsed


def test_dashboard_is_json_and_references_only_metrics_and_alarms_that_exist() -> None:
    resources = _stack(campaign_tag="mailing")
    body = _dashboard(resources)
    dashboard = [r for r in resources if r.type == "aws:cloudwatch/dashboard:Dashboard"]
    # Every metric drawn has a producer in the same stack (the metric contract).
    assert contract.check(resources) == []
    drawn, unreadable = contract.consumers(dashboard)
    assert unreadable == []
    referenced = {(c.namespace, c.metric_name, frozenset(c.dimensions)) for c in drawn}
    relay_namespace = m.relay_namespace("relay1.mail.example.com")
    # Every view the issue asks for is there, per set and per campaign within each set.
    for metric in ("Send", "Delivery", "Bounce", "Complaint", "Open", "Click"):
        for set_name in SETS.values():
            assert (
                "AWS/SES",
                metric,
                frozenset({("ses:configuration-set", set_name)}),
            ) in referenced
            assert (
                "AWS/SES",
                metric,
                frozenset({("ses:configuration-set", set_name), ("mailing", None)}),
            ) in referenced
    assert (relay_namespace, "Deferred", frozenset()) in referenced
    alarm_arns = {
        f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{r.inputs['name']}"
        for r in by_type(resources, ALARM)
    }
    status = [w for w in body["widgets"] if w["type"] == "alarm"]
    assert set(status[0]["properties"]["alarms"]) == alarm_arns
    lines = [
        w["properties"]["annotations"]["alarms"][0]
        for w in body["widgets"]
        if "annotations" in w["properties"]
    ]
    assert set(lines) <= alarm_arns
    # Account and each set: bounce and complaint rate drawn against the critical alarm line.
    assert len(lines) == 2 * (1 + len(SETS))
    assert all(w["properties"].get("region", REGION) == REGION for w in body["widgets"])
    for widget in body["widgets"]:
        assert widget["x"] + widget["width"] <= 24


def test_reputation_metrics_on_the_dashboard_come_from_the_alarms() -> None:
    resources = _stack()
    body = _dashboard(resources)
    alarms = {
        f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{r.inputs['name']}": r.inputs
        for r in by_type(resources, ALARM)
    }
    drawn = {
        alarms[w["properties"]["annotations"]["alarms"][0]]["metricName"]
        for w in body["widgets"]
        if "annotations" in w["properties"]
    }
    assert drawn == {"Reputation.BounceRate", "Reputation.ComplaintRate"}


def test_tracking_domain_gets_a_cname_record_and_https_only_tracking_options() -> None:
    captured: dict[str, Any] = {}
    run(lambda: monitoring_program(AlertSettings(), captured))
    record = captured["monitors"][0].tracking_record
    assert isinstance(record, RecordInput)
    assert (record.name, record.type, list(record.values), record.ttl) == (
        "links.news.example.com",
        "CNAME",
        [f"r.{REGION}.awstrack.me"],
        300,
    )
    options = tracking_options("links.news.example.com")
    assert options.custom_redirect_domain == "links.news.example.com"
    assert options.https_policy == "REQUIRE"
