"""No config error shows a webhook URL or a value Pulumi holds as a secret, whatever its shape."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.config.model import load_stack_config
from components.config.problems import ConfigError

TOKEN = "XOXBs3cretT0ken"
URLS = st.sampled_from(
    [
        f"https://hooks.slack.com/services/T0/B0/{TOKEN}",
        f"http://hooks.example.com/{TOKEN}",
        f"https://user:{TOKEN}@hooks.example.com/",
        f"https://hooks.example.com:99999/{TOKEN}",
        f"https://hooks.example.com/x?token={TOKEN}\n",
        f"hooks.example.com/{TOKEN}",
        f"https://hooks.example.com/{TOKEN} ",
    ]
)
ALERT_KEYS = st.sampled_from(["webhooks", "webhook", "webHooks", "emails", "hooks", "relay"])
JUNK = st.one_of(st.integers(), st.booleans(), st.none(), st.text(max_size=5))


def _shapes(url: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    """A URL inside lists and mappings nested a few levels, next to junk."""
    return st.recursive(
        url,
        lambda inner: st.one_of(
            st.lists(st.one_of(inner, JUNK), min_size=1, max_size=3),
            st.dictionaries(st.one_of(ALERT_KEYS, st.just(TOKEN)), inner, min_size=1, max_size=2),
        ),
        max_leaves=4,
    )


def _config(alerts: Any) -> dict[str, Any]:
    return {
        "aws:region": "us-east-1",
        "mailstack:dns": {"provider": "route53"},
        "mailstack:alerts": alerts,
        "mailstack:domains": [{"name": "news.example.com"}],
    }


def _message(raw: dict[str, Any], **kwargs: Any) -> str:
    with pytest.raises(ConfigError) as caught:
        load_stack_config(raw, **kwargs)
    return str(caught.value) + "\n".join(str(p) + repr(p.value) for p in caught.value.problems)


@settings(max_examples=200, deadline=None)
@given(
    shape=st.one_of(
        _shapes(URLS),
        st.builds(lambda k, v: {k: v}, ALERT_KEYS, _shapes(URLS)),
        st.builds(lambda v: {"webhooks": v}, _shapes(URLS)),
    )
)
def test_no_shape_around_a_webhook_url_prints_it(shape: Any) -> None:
    try:
        load_stack_config(_config(shape))
    except ConfigError as error:
        text = error.render() + "".join(repr(p.value) + p.allowed for p in error.problems)
        assert TOKEN not in text
        assert all(p.path.startswith("mailstack:alerts") for p in error.problems)


@pytest.mark.parametrize(
    "alerts",
    [
        [f"https://hooks.example.com/{TOKEN}"],
        f"https://hooks.example.com/{TOKEN}",
        {"webhooks": {"slack": f"https://hooks.example.com/{TOKEN}"}},
        {"webhooks": [f"https://hooks.example.com/{TOKEN}", 3]},
        {"webhook": [f"https://hooks.example.com/{TOKEN}"]},
        {"emails": [f"https://hooks.example.com/{TOKEN}"]},
        {f"https://hooks.example.com/{TOKEN}": True},
    ],
)
def test_each_known_leak_is_closed(alerts: Any) -> None:
    message = _message(_config(alerts))
    assert TOKEN not in message
    assert "mailstack:alerts" in message


def test_a_misspelled_top_level_key_does_not_print_its_value() -> None:
    raw = _config({})
    raw["mailstack:alert"] = {"webhooks": [f"https://hooks.example.com/{TOKEN}"]}
    message = _message(raw)
    assert "mailstack:alert:" in message and TOKEN not in message


def test_values_pulumi_holds_as_secret_are_never_shown() -> None:
    raw = _config({"emails": [f"{TOKEN}-not-an-address"], "periodSeconds": 7})
    shown = _message(raw)
    assert TOKEN in shown  # the same problem outside a secret key shows its value
    hidden = _message(raw, secret_keys=["mailstack:alerts"])
    assert TOKEN not in hidden and "<secret>" in hidden
    assert "mailstack:alerts.emails[0]" in hidden and "mailstack:alerts.periodSeconds" in hidden


def test_the_program_reads_which_keys_pulumi_decrypted() -> None:
    from components.program import build
    from mailstack.plan import config_for_runtime

    raw = _config({"emails": [f"{TOKEN}-not-an-address"]})
    pulumi.runtime.set_all_config(config_for_runtime(raw), ["mailstack:alerts"])
    try:
        with pytest.raises(pulumi.RunError) as caught:
            build()
    finally:
        pulumi.runtime.set_all_config({}, [])
    assert "mailstack:alerts.emails[0]" in str(caught.value)
    assert TOKEN not in str(caught.value)


def test_a_token_pasted_as_a_key_under_alerts_is_not_printed() -> None:
    message = _message(_config({"emails": {"XOXBs3cretT0ken": [0]}}))
    assert "XOXBs3cretT0ken" not in message
    assert "mailstack:alerts.emails" in message
