"""`mailstack:alerts` and `trackingDomain`: accepted values and the messages for bad ones."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.config.alerts import (
    ALERT_KEYS,
    AlertSettings,
    RelayAlertSettings,
    Thresholds,
    parse_alerts,
)
from components.config.problems import Problems
from components.monitoring.tracking import parse_tracking_domain, tracking_record

PATH = "mailstack:alerts"


def _parse(raw: Any) -> tuple[AlertSettings, list[str]]:
    problems = Problems()
    settings = parse_alerts(raw, PATH, problems)
    return settings, [str(p) for p in problems.found]


def test_absent_section_gives_levels_below_what_aws_acts_on() -> None:
    settings, problems = _parse(None)
    assert problems == []
    assert settings.bounce_rate == Thresholds(0.025, 0.05)
    assert settings.complaint_rate == Thresholds(0.0005, 0.001)
    assert settings.auto_pause is False
    assert settings.campaign_tag == "campaign"
    assert settings.period_seconds * settings.evaluation_periods <= 3600


def test_full_section_is_read() -> None:
    settings, problems = _parse(
        {
            "emails": ["ops@example.com"],
            "webhooks": ["https://hooks.example.com/services/T0/B0"],
            "bounceRate": {"warning": 0.02, "critical": 0.04},
            "complaintRate": {"warning": 0.0003, "critical": 0.0008},
            "autoPause": True,
            "minimumSends": 500,
            "periodSeconds": 300,
            "evaluationPeriods": 3,
            "campaignTag": "mailing",
            "relay": {
                "bounceRate": {"critical": 0.08},
                "deferralRate": {"warning": 0.2},
                "minimumMessages": 10,
            },
        }
    )
    assert problems == []
    assert settings == AlertSettings(
        emails=("ops@example.com",),
        webhooks=("https://hooks.example.com/services/T0/B0",),
        bounce_rate=Thresholds(0.02, 0.04),
        complaint_rate=Thresholds(0.0003, 0.0008),
        auto_pause=True,
        minimum_sends=500,
        period_seconds=300,
        evaluation_periods=3,
        campaign_tag="mailing",
        relay=RelayAlertSettings(Thresholds(0.025, 0.08), Thresholds(0.2, 0.25), 10),
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            {"webhooks": ["http://hooks.example.com/x"]},
            # The URL is a secret: not even its host is shown.
            "mailstack:alerts.webhooks[0]: <secret> is not valid; expected an https:// URL",
        ),
        ({"webhooks": ["https://user:pw@hooks.example.com/"]}, "no user:password"),
        (
            {"emails": ["ops@", "fine@example.com"]},
            'mailstack:alerts.emails[0]: "ops@" is not valid; expected an email address',
        ),
        (
            {"bounceRate": {"warning": 0.06, "critical": 0.05}},
            "mailstack:alerts.bounceRate.warning: 0.06 is not valid; "
            "must not exceed critical (0.05)",
        ),
        (
            {"complaintRate": {"critical": 5}},
            "mailstack:alerts.complaintRate.critical: 5 is not valid; expected a number from 0.0 "
            "to 1.0",
        ),
        ({"complaintRate": {"critical": 0}}, "expected a number above 0"),
        (
            {"periodSeconds": 120},
            "mailstack:alerts.periodSeconds: 120 is not valid; expected one "
            "of 300, 600, 900, 1800, 3600",
        ),
        (
            {"periodSeconds": 1800, "evaluationPeriods": 3},
            "mailstack:alerts.evaluationPeriods: 3 is not valid; periodSeconds x evaluationPeriods "
            "must be at most 3600",
        ),
        ({"campaignTag": "ses:campaign"}, "mailstack:alerts.campaignTag"),
        ({"campaignTag": "my campaign"}, "letters, digits"),
        (
            {"minimumSends": 0},
            "mailstack:alerts.minimumSends: 0 is not valid; expected a whole number from 1",
        ),
        (
            {"autoPause": "yes"},
            'mailstack:alerts.autoPause: "yes" is not valid; expected true or false',
        ),
        (
            {"relay": {"deferralRate": {"warning": 0.5}}},
            "mailstack:alerts.relay.deferralRate.warning: 0.5 is not valid; must not exceed "
            "critical (0.25)",
        ),
        ({"bounce": 0.1}, "mailstack:alerts.bounce: 0.1 is not valid; unknown key 'bounce'"),
    ],
)
def test_bad_values_name_key_value_and_what_is_allowed(raw: Any, expected: str) -> None:
    _, problems = _parse(raw)
    assert any(expected in p for p in problems), problems


def test_every_problem_is_reported_at_once() -> None:
    _, problems = _parse({"webhooks": ["http://a.example"], "periodSeconds": 7, "emails": ["x"]})
    assert len(problems) == 3


def test_rejected_webhook_is_not_subscribed() -> None:
    settings, _ = _parse({"webhooks": ["http://a.example/x", "https://b.example/y"]})
    assert settings.webhooks == ("https://b.example/y",)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Only critical set, below the default warning: the message names what the user wrote.
        (
            {"bounceRate": {"critical": 0.01}},
            "mailstack:alerts.bounceRate.critical: 0.01 is not valid; must not be below warning "
            "(0.025); warning is not set, so it is the default: set warning as well, at most 0.01",
        ),
        (
            {"complaintRate": {"warning": 0.002}},
            "mailstack:alerts.complaintRate.warning: 0.002 is not valid; must not exceed critical "
            "(0.001); critical is not set, so it is the default",
        ),
        (
            {"relay": {"bounceRate": {"warning": 0.0}}},
            "mailstack:alerts.relay.bounceRate.warning: 0.0 is not valid; "
            "expected a number above 0",
        ),
        ({"webhooks": ["https://hooks.example.com:99999/x"]}, "a valid port"),
    ],
)
def test_threshold_and_webhook_problems_point_at_what_was_written(raw: Any, expected: str) -> None:
    _, problems = _parse(raw)
    assert len(problems) == 1
    assert expected in problems[0]


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/services/T0/B0/s3cretT0ken",
        "https://user:s3cretT0ken@hooks.example.com/",
        "ftp://hooks.example.com/?token=s3cretT0ken",
        "https://hooks.example.com:99999/s3cretT0ken",
        "s3cretT0ken",
    ],
)
def test_a_rejected_webhook_is_reported_without_its_token(url: str) -> None:
    _, problems = _parse({"webhooks": [url]})
    (problem,) = problems
    assert problem.startswith("mailstack:alerts.webhooks[0]: ")
    assert "s3cretT0ken" not in problem


def test_each_mailbox_and_webhook_is_subscribed_once() -> None:
    settings, problems = _parse(
        {
            "emails": ["ops@example.com", "OPS@Example.com", "oncall@example.com"],
            "webhooks": ["https://h.example.com/a", "https://h.example.com/a"],
        }
    )
    assert problems == []
    assert settings.emails == ("ops@example.com", "oncall@example.com")
    assert settings.webhooks == ("https://h.example.com/a",)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("links.news.example.com", "links.news.example.com"),
        ("Links.News.Example.com.", "links.news.example.com"),
        (None, None),
    ],
)
def test_tracking_domain_accepts_hosts_inside_the_sending_domain(
    raw: Any, expected: str | None
) -> None:
    problems = Problems()
    path = "mailstack:domains[0].trackingDomain"
    assert parse_tracking_domain(raw, path, problems, "news.example.com") == expected
    assert problems.found == []


@pytest.mark.parametrize(
    "raw",
    [
        "links.other.com",
        "news.example.com",
        "https://links.news.example.com",
        "-a.news.example.com",
        5,
        "",
    ],
)
def test_tracking_domain_outside_or_malformed_is_a_problem(raw: Any) -> None:
    problems = Problems()
    path = "mailstack:domains[0].trackingDomain"
    assert parse_tracking_domain(raw, path, problems, "news.example.com") is None
    (problem,) = problems.found
    assert problem.path == path and problem.value == raw
    assert "inside news.example.com" in problem.allowed


def test_tracking_record_points_at_the_regions_ses_tracking_host() -> None:
    record = tracking_record("links.news.example.com", "eu-west-1")
    assert (record.name, record.type, record.values) == (
        "links.news.example.com",
        "CNAME",
        ("r.eu-west-1.awstrack.me",),
    )


_scalars = (
    st.none() | st.booleans() | st.integers(-5, 5000) | st.floats(-1, 2) | st.text(max_size=30)
)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["warning", "critical", "minimumMessages", "x"]), inner, max_size=3
        )
    ),
    max_leaves=8,
)
_urls = st.sampled_from(
    [
        "https://a.example/x",
        "http://a.example/x",
        "https://",
        "ftp://x",
        "https://[::1",
        "https://u:p@h.example/",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from([*ALERT_KEYS, "unknown"]),
        _values | st.lists(_urls, max_size=3),
        max_size=6,
    )
)
def test_any_alerts_section_yields_settings_or_clear_problems(raw: dict[str, Any]) -> None:
    problems = Problems()
    settings_ = parse_alerts(raw, PATH, problems)
    for problem in problems.found:
        assert problem.path.startswith(PATH) and problem.allowed
    for thresholds in (
        settings_.bounce_rate,
        settings_.complaint_rate,
        settings_.relay.bounce_rate,
        settings_.relay.deferral_rate,
    ):
        assert thresholds.warning >= 0 and thresholds.critical <= 1
        if not problems.found:
            assert thresholds.warning <= thresholds.critical
    assert all(url.startswith("https://") for url in settings_.webhooks)
    assert settings_.period_seconds * settings_.evaluation_periods <= 3600
