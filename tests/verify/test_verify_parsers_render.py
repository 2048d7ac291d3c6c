"""Pure layer: record parsers never crash on odd input; renderers colour only when asked."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from checks.dkim import DkimKeyError, parse_key_record
from checks.dmarc import parse_dmarc
from checks.render import render_json, render_text
from checks.report import CheckResult, DomainReport, Report, Status


@given(st.text(max_size=120))
def test_dkim_parser_returns_a_key_or_explains(text: str) -> None:
    try:
        key = parse_key_record(text)
    except DkimKeyError as error:
        assert str(error)
    else:
        assert key.key_type in ("rsa", "ed25519")


@given(st.text(max_size=120))
def test_dmarc_parser_collects_problems_instead_of_raising(text: str) -> None:
    record = parse_dmarc("v=DMARC1; " + text)
    assert all(isinstance(problem, str) for problem in record.errors + record.warnings)


def _report() -> Report:
    return Report(
        [
            DomainReport(
                "a.example.com",
                [
                    CheckResult("spf.present", Status.PASS, "ok"),
                    CheckResult("spf.all", Status.FAIL, "ends in +all"),
                    CheckResult("dmarc.policy", Status.WARN, "p=none"),
                    CheckResult("ses.dkim_status", Status.SKIP, "no credentials"),
                ],
            )
        ]
    )


def test_text_is_coloured_only_when_asked() -> None:
    coloured = render_text(_report(), colour=True)
    plain = render_text(_report(), colour=False)
    assert "\033[31mFAIL" in coloured and "\033[32mPASS" in coloured
    assert "\033[" not in plain
    assert plain.splitlines()[-1] == "FAILED: 1 pass, 1 warn, 1 fail, 1 skip"


def test_json_summary_counts_each_status() -> None:
    import json

    data = json.loads(render_json(_report()))
    assert data["summary"] == {"pass": 1, "warn": 1, "fail": 1, "skip": 1}
    assert data["domains"][0]["checks"][1] == {
        "id": "spf.all",
        "status": "fail",
        "detail": "ends in +all",
    }


def test_a_report_address_with_a_control_character_is_an_error() -> None:
    for hostile in ("mailto:d\x00marc@example.com", "mailto:dmarc@exa\x1bmple.com",
                    "mailto:dmarc@example.com\x7f"):
        record = parse_dmarc(f"v=DMARC1; p=reject; rua={hostile}")
        assert any("control character" in error for error in record.errors), hostile
    clean = parse_dmarc("v=DMARC1; p=reject; rua=mailto:dmarc@example.com")
    assert clean.errors == []
