"""SPF term syntax, the 10-lookup limit, building and parsing (RFC 7208)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.records.errors import RecordError
from components.records.spf import (
    MAX_DNS_LOOKUPS,
    SES_SPF_INCLUDE,
    build_spf,
    count_dns_lookups,
    dedupe_terms,
    is_spf_record,
    parse_spf,
    validate_term,
)

VALID_TERMS = [
    "all",
    "-all",
    "include:_spf.google.com",
    "~include:spf.protection.outlook.com",
    "a",
    "a:mail.example.com",
    "a/24",
    "a//64",
    "a:mail.example.com/24//64",
    "mx",
    "-mx:example.org/30",
    "ptr",
    "ptr:example.com",
    "ip4:192.0.2.1",
    "ip4:192.0.2.0/24",
    "?ip4:0.0.0.0/0",
    "ip6:2001:db8::/32",
    "ip6:::1",
    "ip6:::ffff:192.0.2.1/128",
    "exists:%{i}._spf.example.com",
    "exists:%{ir}.%{l1r+-}._spf.%{d}",
    "include:example.com.",
    "redirect=_spf.example.com",
    "exp=explain._spf.%{d}",
    "INCLUDE:Example.COM",
    "+mx",
]

INVALID_TERMS = {
    "": "empty",
    "include": "needs a domain",
    "include:": "domain is empty",
    "include=example.com": "unknown modifier",
    "include:localhost": "fully qualified",
    "ip4:192.0.2.300": "address",
    "ip4:192.0.2.0/33": "address",
    "ip4:192.0.2.0/024": "address",
    "ip4:010.0.0.1": "address",
    "ip6:2001:db8::/129": "address",
    "ip6:fe80::1%eth0": "address",
    "ip6:192.0.2.1": "address",
    "a:example.com/33": "a and mx",
    "mx/": "a and mx",
    "all:example.com": "no argument",
    "-redirect=example.com": "no qualifier",
    "foo:example.com": "unknown mechanism",
    "v=spf1": "unknown modifier",
    "include:exa mple.com": "spaces",
    "include:bücher.de": "ASCII",
    "exists:%{x}.example.com": "macros",
    "include:" + "a" * 64 + ".com": "1-63",
    "*all": "unknown mechanism",
}


@pytest.mark.parametrize("term", VALID_TERMS)
def test_valid_terms_pass(term: str) -> None:
    validate_term(term)


@pytest.mark.parametrize(("term", "reason"), INVALID_TERMS.items())
def test_invalid_terms_name_the_term_and_the_reason(term: str, reason: str) -> None:
    with pytest.raises(RecordError) as error:
        validate_term(term)
    assert repr(term) in str(error.value)
    assert reason in str(error.value)


def test_build_ses_record() -> None:
    assert build_spf([SES_SPF_INCLUDE]) == "v=spf1 include:amazonses.com ~all"
    assert build_spf([SES_SPF_INCLUDE], "-all") == "v=spf1 include:amazonses.com -all"


def test_merges_terms_once_keeping_order() -> None:
    terms = ["include:amazonses.com", "ip4:192.0.2.1", "include:AmazonSES.com", " ip4:192.0.2.1 "]
    assert build_spf(terms) == "v=spf1 include:amazonses.com ip4:192.0.2.1 ~all"


def test_refuses_all_inside_terms_and_plus_all() -> None:
    with pytest.raises(RecordError, match="not allowed in the term list"):
        build_spf(["include:amazonses.com", "-all"])
    with pytest.raises(RecordError, match=r"\+all would let any host"):
        build_spf(["include:amazonses.com"], "+all")


def test_redirect_requires_no_all() -> None:
    with pytest.raises(RecordError, match="cannot be combined with '~all'"):
        build_spf(["redirect=_spf.example.com"])
    assert build_spf(["redirect=_spf.example.com"], "") == "v=spf1 redirect=_spf.example.com"


def test_one_redirect_and_one_exp_at_most() -> None:
    with pytest.raises(RecordError, match="2 exp= modifiers"):
        build_spf(["exp=a.example.com", "exp=b.example.com"])


def test_counts_only_dns_querying_terms() -> None:
    terms = [
        "include:a.example",
        "a",
        "mx",
        "ptr",
        "exists:%{i}.x.example",
        "redirect=r.example",
        "ip4:192.0.2.1",
        "ip6:2001:db8::1",
        "exp=e.example",
        "-all",
    ]
    assert count_dns_lookups(terms) == 6


def test_ten_lookups_build_and_eleven_fail_naming_the_terms() -> None:
    ten = [f"include:spf{i}.example.com" for i in range(MAX_DNS_LOOKUPS)]
    assert build_spf(ten).count("include:") == 10
    with pytest.raises(RecordError) as error:
        build_spf([*ten, "mx"])
    message = str(error.value)
    assert "11 DNS lookups" in message
    assert "include:spf0.example.com" in message and "mx" in message
    assert "at most 10" in message


def test_duplicates_do_not_count_twice() -> None:
    terms = [f"include:spf{i}.example.com" for i in range(10)] + ["include:spf0.example.com"]
    build_spf(terms)


def test_parse_round_trip_and_all_qualifier() -> None:
    assert parse_spf("v=spf1 include:amazonses.com ~all") == (["include:amazonses.com"], "~all")
    assert parse_spf("V=SPF1  ip4:192.0.2.1   all ") == (["ip4:192.0.2.1"], "+all")
    assert parse_spf("v=spf1 redirect=_spf.example.com") == (["redirect=_spf.example.com"], "")


@pytest.mark.parametrize(
    "text",
    [
        "spf1 -all",
        "v=spf10 -all",
        "v=spf1 -all ~all",
        "v=spf1 include -all",
        "v=spf1 redirect=a.example redirect=b.example",
    ],
)
def test_parse_refuses_malformed_records(text: str) -> None:
    with pytest.raises(RecordError):
        parse_spf(text)


def test_a_string_is_not_a_term_list() -> None:
    with pytest.raises(RecordError, match="must be a list"):
        build_spf("include:amazonses.com")


domains = st.from_regex(r"\A[a-z][a-z0-9-]{0,10}[a-z0-9]\.(com|org|example)\Z")
ip4 = st.ip_addresses(v=4).map(str)
ip6 = st.ip_addresses(v=6).map(str)
qualifier = st.sampled_from(["", "+", "-", "~", "?"])
valid_terms = st.one_of(
    st.tuples(qualifier, domains).map(lambda t: f"{t[0]}include:{t[1]}"),
    st.tuples(qualifier, st.sampled_from(["a", "mx", "ptr"])).map("".join),
    st.tuples(qualifier, domains, st.integers(0, 32)).map(lambda t: f"{t[0]}a:{t[1]}/{t[2]}"),
    st.tuples(qualifier, ip4, st.integers(0, 32)).map(lambda t: f"{t[0]}ip4:{t[1]}/{t[2]}"),
    st.tuples(qualifier, ip6).map(lambda t: f"{t[0]}ip6:{t[1]}"),
    domains.map(lambda d: f"exists:%{{i}}.{d}"),
    domains.map(lambda d: f"redirect={d}"),
    domains.map(lambda d: f"exp={d}"),
)
generated_terms = st.one_of(
    valid_terms,
    st.sampled_from(
        ["-all", "include=x.com", "ip4:1.2.3", "ip4:1.2.3.4/33", "bogus", "a:", "mx:.com"]
    ),
    st.text(max_size=20),
)


@settings(deadline=None)
@given(
    st.lists(generated_terms, max_size=14), st.sampled_from(["-all", "~all", "?all", "", "+all"])
)
def test_any_term_list_builds_a_record_that_parses_back_or_raises_record_error(
    terms: list[str], all_qualifier: str
) -> None:
    try:
        text = build_spf(terms, all_qualifier)
    except RecordError:
        return
    parsed_terms, parsed_all = parse_spf(text)
    assert parsed_terms == dedupe_terms(terms)
    assert parsed_all == all_qualifier
    assert count_dns_lookups(parsed_terms) <= MAX_DNS_LOOKUPS


@settings(deadline=None)
@given(st.lists(valid_terms.filter(lambda t: "redirect=" not in t and "exp=" not in t), max_size=8))
def test_well_formed_terms_within_the_limit_always_build(terms: list[str]) -> None:
    if count_dns_lookups(dedupe_terms(terms)) > MAX_DNS_LOOKUPS:
        return
    text = build_spf(terms, "-all")
    assert parse_spf(text) == (dedupe_terms(terms), "-all")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("v=spf1 -all", True),
        ("V=SPF1", True),
        ("v=spf10 -all", False),
        ("spf1", False),
        ("google-site-verification=abc", False),
    ],
)
def test_is_spf_record(text: str, expected: bool) -> None:
    assert is_spf_record(text) is expected
