"""DMARC records under RFC 9989: building, parsing, report URIs and removed tags."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.records.dmarc import (
    OBSOLETE_TAGS,
    DmarcPolicy,
    build_dmarc,
    dmarc_record_name,
    parse_dmarc,
    validate_report_uri,
)
from components.records.errors import RecordError


def test_minimal_policy() -> None:
    assert build_dmarc(DmarcPolicy(policy="none")) == "v=DMARC1; p=none"


def test_every_tag_in_fixed_order() -> None:
    policy = DmarcPolicy(
        policy="reject",
        subdomain_policy="quarantine",
        nonexistent_policy="reject",
        psd="n",
        testing=True,
        adkim="s",
        aspf="r",
        rua=("dmarc@example.com", "mailto:agg@reports.example.net"),
        ruf=("mailto:forensic@example.com",),
        fo=("1", "d"),
    )
    assert build_dmarc(policy) == (
        "v=DMARC1; p=reject; sp=quarantine; np=reject; psd=n; t=y; adkim=s; aspf=r;"
        " rua=mailto:dmarc@example.com,mailto:agg@reports.example.net;"
        " ruf=mailto:forensic@example.com; fo=1:d"
    )


def test_testing_false_publishes_no_t_tag() -> None:
    assert "t=" not in build_dmarc(DmarcPolicy(policy="quarantine", testing=False))


def test_policy_normalizes_lists_and_bare_addresses() -> None:
    policy = DmarcPolicy(policy="none", rua=["a@Example.COM", "mailto:a@example.com"])  # type: ignore[arg-type]
    assert policy.rua == ("mailto:a@example.com",)


@pytest.mark.parametrize(
    ("policy", "reason"),
    [
        (
            DmarcPolicy(policy="block"),
            r"p \(policy\) value 'block' is not valid; allowed: none, quarantine, reject",
        ),
        (DmarcPolicy(policy="none", subdomain_policy="drop"), r"sp \(subdomain_policy\)"),
        (DmarcPolicy(policy="none", nonexistent_policy="x"), r"np \(nonexistent_policy\)"),
        (DmarcPolicy(policy="none", psd="yes"), "psd value 'yes'.*allowed: y, n, u"),
        (DmarcPolicy(policy="none", adkim="strict"), "adkim value 'strict'.*allowed: r, s"),
        (DmarcPolicy(policy="none", fo=("2",)), "fo value '2'.*allowed: 0, 1, d, s"),
        (DmarcPolicy(policy="none", rua=("https://r.example.com",)), "'https' scheme"),
        (DmarcPolicy(policy="none", rua=("not-an-address",)), "not an email address"),
    ],
)
def test_invalid_policies_are_refused_naming_value_and_allowed(
    policy: DmarcPolicy, reason: str
) -> None:
    with pytest.raises(RecordError, match=reason):
        build_dmarc(policy)


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("dmarc@example.com", "mailto:dmarc@example.com"),
        (" MAILTO:Dmarc@Example.COM ", "mailto:Dmarc@example.com"),
        ("mailto:first.last+tag@reports.example.net", "mailto:first.last+tag@reports.example.net"),
    ],
)
def test_report_uri_normalization(uri: str, expected: str) -> None:
    assert validate_report_uri(uri) == expected


@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        ("", "empty"),
        ("mailto:", "not an email address"),
        ("@example.com", "not an email address"),
        ("a,b@example.com", "invalid local part"),
        ("a;b@example.com", "invalid local part"),
        ("a b@example.com", "invalid local part"),
        (".a@example.com", "invalid local part"),
        ("a@localhost", "invalid domain"),
        ("a@exa_mple.com", "invalid domain"),
        ("mailto:a@example.com!10m", "'!size' limit, which RFC 9989 removed"),
        ("http://example.com/report", "'http' scheme"),
    ],
)
def test_malformed_report_uris(uri: str, reason: str) -> None:
    with pytest.raises(RecordError, match=reason):
        validate_report_uri(uri)


@pytest.mark.parametrize("tag", sorted(OBSOLETE_TAGS))
def test_obsolete_tags_are_refused_with_a_pointer(tag: str) -> None:
    with pytest.raises(
        RecordError, match=f"DMARC tag {tag}=.* is obsolete: RFC 9989 removed {tag}"
    ):
        parse_dmarc(f"v=DMARC1; p=none; {tag}=1")


def test_pct_points_to_testing_true() -> None:
    assert "testing: true" in OBSOLETE_TAGS["pct"] and "t=y" in OBSOLETE_TAGS["pct"]


def test_parse_is_lenient_where_rfc_9989_is() -> None:
    parsed = parse_dmarc("v=DMARC1;rua=mailto:a@example.com; P=Reject ; future=1;")
    assert parsed == DmarcPolicy(policy="reject", rua=("mailto:a@example.com",))
    # No p but a valid rua: RFC 9989 treats the record as p=none.
    assert parse_dmarc("v=DMARC1; rua=mailto:a@example.com").policy == "none"
    assert parse_dmarc("v=DMARC1; p=none; t=n").testing is False


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("v=DMARC2; p=none", "must start with 'v=DMARC1'"),
        ("p=none; v=DMARC1", "must start with 'v=DMARC1'"),
        ("v=DMARC1", "no p tag"),
        ("v=DMARC1; p=none; p=reject", "sets the p tag twice"),
        ("v=DMARC1; p=none; adkim", "malformed tag"),
        ("v=DMARC1; p=none; t=maybe", "t value 'maybe'"),
        ("v=DMARC1; p=none; rua=mailto:a@example.com,,mailto:b@example.com", "empty URI"),
        ("v=DMARC1; p=none; rua=https://example.com/r", "not a mailto: URI"),
    ],
)
def test_parse_refuses_syntax_errors(text: str, reason: str) -> None:
    with pytest.raises(RecordError, match=reason):
        parse_dmarc(text)


def test_record_name() -> None:
    assert dmarc_record_name("News.Example.com.") == "_dmarc.news.example.com"
    with pytest.raises(RecordError):
        dmarc_record_name("bad..name")


policies = st.sampled_from(["none", "quarantine", "reject"])
addresses = st.builds(
    lambda local, domain: f"mailto:{local}@{domain}",
    st.from_regex(r"\A[a-z0-9][a-z0-9+_-]{0,12}\Z"),
    st.from_regex(r"\A[a-z][a-z0-9-]{0,8}[a-z0-9]\.(com|example|org)\Z"),
)
dmarc_policies = st.builds(
    DmarcPolicy,
    policy=policies,
    subdomain_policy=st.none() | policies,
    nonexistent_policy=st.none() | policies,
    psd=st.none() | st.sampled_from(["y", "n", "u"]),
    testing=st.booleans(),
    adkim=st.none() | st.sampled_from(["r", "s"]),
    aspf=st.none() | st.sampled_from(["r", "s"]),
    rua=st.lists(addresses, max_size=3, unique=True).map(tuple),
    ruf=st.lists(addresses, max_size=2, unique=True).map(tuple),
    fo=st.lists(st.sampled_from(["0", "1", "d", "s"]), max_size=4, unique=True).map(tuple),
)


@settings(deadline=None)
@given(dmarc_policies)
def test_any_policy_builds_text_that_parses_back_to_it(policy: DmarcPolicy) -> None:
    text = build_dmarc(policy)
    assert text.startswith("v=DMARC1; p=")
    assert parse_dmarc(text) == policy


@settings(deadline=None)
@given(st.text(max_size=80))
def test_parsing_any_text_gives_a_policy_or_a_record_error(text: str) -> None:
    try:
        policy = parse_dmarc("v=DMARC1; " + text)
    except RecordError:
        return
    assert parse_dmarc(build_dmarc(policy)) == policy
