"""MTA-STS policy files and TXT records (RFC 8461), TLS-RPT records (RFC 8460)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.records.errors import RecordError
from components.records.mta_sts import (
    MtaStsPolicy,
    mta_sts_policy_host,
    mta_sts_record_name,
    mta_sts_txt,
    policy_id,
    render_policy,
)
from components.records.tls_rpt import tls_rpt_record_name, tls_rpt_txt

POLICY = MtaStsPolicy(mode="enforce", mx=("mail.example.com", "*.mx.example.net"), max_age=604800)


def test_policy_file_is_rfc_8461_text_with_crlf() -> None:
    assert render_policy(POLICY) == (
        "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.mx.example.net\r\n"
        "max_age: 604800\r\n"
    )


def test_txt_record_carries_a_deterministic_id() -> None:
    value = mta_sts_txt(POLICY)
    match = re.fullmatch(r"v=STSv1; id=([A-Za-z0-9]{1,32})", value)
    assert match
    assert (
        mta_sts_txt(MtaStsPolicy("enforce", ("mail.example.com", "*.mx.example.net"), 604800))
        == value
    )


def test_id_changes_when_the_policy_changes() -> None:
    changed = MtaStsPolicy(mode="testing", mx=POLICY.mx, max_age=POLICY.max_age)
    assert policy_id(changed) != policy_id(POLICY)


def test_mode_none_may_omit_mx() -> None:
    assert "mx:" not in render_policy(MtaStsPolicy(mode="none", mx=(), max_age=86400))


@pytest.mark.parametrize(
    ("policy", "reason"),
    [
        (
            MtaStsPolicy("strict", ("mail.example.com",), 86400),
            "mode 'strict'.*allowed: enforce, testing, none",
        ),
        (MtaStsPolicy("enforce", (), 86400), "needs at least one mx"),
        (
            MtaStsPolicy("enforce", ("mail.example.com",), 31557601),
            "max_age 31557601.*0 to 31557600",
        ),
        (MtaStsPolicy("enforce", ("mail.example.com",), -1), "max_age -1"),
        (
            MtaStsPolicy("enforce", ("*.*.example.com",), 86400),
            r"mx pattern '\*\.\*\.example\.com'",
        ),
        (MtaStsPolicy("enforce", ("mail",), 86400), "not fully qualified"),
        (MtaStsPolicy("enforce", ("Mail.example.com",), 86400), "lower case"),
    ],
)
def test_invalid_policies_are_refused(policy: MtaStsPolicy, reason: str) -> None:
    with pytest.raises(RecordError, match=reason):
        mta_sts_txt(policy)


def test_policy_accepts_lists() -> None:
    policy = MtaStsPolicy(mode="testing", mx=["mail.example.com"], max_age=86400)  # type: ignore[arg-type]
    assert policy.mx == ("mail.example.com",)
    assert hash(policy)


def test_mta_sts_names() -> None:
    assert mta_sts_record_name("Example.com") == "_mta-sts.example.com"
    assert mta_sts_policy_host("example.com") == "mta-sts.example.com"


hosts = st.from_regex(r"\A(\*\.)?[a-z][a-z0-9-]{0,10}[a-z0-9]\.example\.(com|net)\Z")


@settings(deadline=None)
@given(
    st.sampled_from(["enforce", "testing"]),
    st.lists(hosts, min_size=1, max_size=4),
    st.integers(0, 31557600),
)
def test_any_valid_policy_renders_parseable_text_and_a_valid_id(
    mode: str, mx: list[str], max_age: int
) -> None:
    policy = MtaStsPolicy(mode=mode, mx=tuple(mx), max_age=max_age)
    text = render_policy(policy)
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    fields = [line.split(": ", 1) for line in text.split("\r\n") if line]
    assert fields[0] == ["version", "STSv1"]
    assert dict(fields)["mode"] == mode
    assert [value for key, value in fields if key == "mx"] == list(dict.fromkeys(mx))
    assert int(dict(fields)["max_age"]) == max_age
    assert re.fullmatch(r"[A-Za-z0-9]{1,32}", policy_id(policy))


def test_tls_rpt_record() -> None:
    assert tls_rpt_txt(["tlsrpt@example.com", "https://reports.example.net/v1/tlsrpt"]) == (
        "v=TLSRPTv1; rua=mailto:tlsrpt@example.com,https://reports.example.net/v1/tlsrpt"
    )
    assert tls_rpt_record_name("Example.com.") == "_smtp._tls.example.com"


@pytest.mark.parametrize(
    ("rua", "reason"),
    [
        ([], "at least one report URI"),
        (["ftp://reports.example.com"], "'ftp' scheme; allowed: mailto: and https:"),
        (["https://reports.example.com/a,b"], "comma"),
        (["https://user:pw@reports.example.com/"], "credentials"),
        (["https:reports.example.com"], "https:// followed by a host"),
        (["https://localhost/"], "not a valid https URL"),
        (["mailto:nobody"], "not an email address"),
    ],
)
def test_tls_rpt_refuses_bad_uris(rua: list[str], reason: str) -> None:
    with pytest.raises(RecordError, match=reason):
        tls_rpt_txt(rua)
