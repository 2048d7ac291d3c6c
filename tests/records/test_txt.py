"""TXT splitting into 255-byte character-strings and the quoted presentation form."""

from __future__ import annotations

import itertools

import dns.rdata
import dns.rdataclass
import dns.rdatatype
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.records.errors import RecordError
from components.records.txt import join_txt, quote_txt_strings, split_txt, unquote_txt_strings


def test_short_value_is_one_string() -> None:
    assert split_txt("v=spf1 -all") == ["v=spf1 -all"]


def test_empty_value_is_one_empty_string() -> None:
    assert split_txt("") == [""]
    assert quote_txt_strings("") == '""'


def test_exactly_255_bytes_stays_whole_and_256_splits() -> None:
    assert split_txt("a" * 255) == ["a" * 255]
    assert split_txt("a" * 256) == ["a" * 255, "a"]


def test_dkim_sized_value_splits_at_255_bytes() -> None:
    value = "v=DKIM1; k=rsa; p=" + "A" * 392
    parts = split_txt(value)
    assert [len(p) for p in parts] == [255, len(value) - 255]
    assert "".join(parts) == value


def test_never_splits_inside_a_multibyte_character() -> None:
    value = "a" * 254 + "é" + "b"  # é is 2 bytes and would straddle the 255-byte boundary
    parts = split_txt(value)
    assert parts == ["a" * 254, "éb"]
    assert all(len(p.encode()) <= 255 for p in parts)


def test_custom_limit_and_invalid_limits() -> None:
    assert split_txt("abcdefgh", limit=4) == ["abcd", "efgh"]
    for limit in (0, 3, 256):
        with pytest.raises(RecordError, match="allowed: 4 to 255"):
            split_txt("x", limit=limit)


def test_unencodable_text_is_refused() -> None:
    with pytest.raises(RecordError, match="not valid Unicode"):
        split_txt("bad \ud800 surrogate")


def test_quoting_escapes_quotes_backslashes_and_controls() -> None:
    assert quote_txt_strings('say "hi" \\ now\n') == '"say \\"hi\\" \\\\ now\\010"'


def test_ascii_only_quoting_escapes_each_utf8_byte() -> None:
    assert quote_txt_strings("é", ascii_only=True) == '"\\195\\169"'
    assert quote_txt_strings("é") == '"é"'
    assert unquote_txt_strings(quote_txt_strings('ünï "x"', ascii_only=True)) == ['ünï "x"']


def test_quoted_form_of_long_value_has_one_quoted_string_per_part() -> None:
    value = "x" * 300
    assert quote_txt_strings(value) == f'"{"x" * 255}" "{"x" * 45}"'


def test_unquote_reads_decimal_escapes_and_rejects_garbage() -> None:
    assert unquote_txt_strings('"a\\059b" "c"') == ["a;b", "c"]
    for bad in ('"open', "bare", '"x" y', '"\\999"'):
        with pytest.raises(RecordError):
            unquote_txt_strings(bad)


def test_join_refuses_a_plain_string() -> None:
    assert join_txt(["ab", "cd"]) == "abcd"
    with pytest.raises(RecordError):
        join_txt("abcd")


@settings(deadline=None)
@given(st.text(max_size=1200))
def test_split_pieces_fit_and_join_back(value: str) -> None:
    parts = split_txt(value)
    assert all(len(part.encode("utf-8")) <= 255 for part in parts)
    assert join_txt(parts) == value
    # Every piece but the last is as full as a character boundary allows.
    for part, following in itertools.pairwise(parts):
        assert len(part.encode()) + len(following[0].encode()) > 255


@settings(deadline=None)
@given(st.text(max_size=700), st.booleans())
def test_quoted_form_is_what_dns_presentation_parsers_read(value: str, ascii_only: bool) -> None:
    quoted = quote_txt_strings(value, ascii_only=ascii_only)
    assert quoted.isascii() or not ascii_only
    assert unquote_txt_strings(quoted) == split_txt(value)
    rdata = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.TXT, quoted)
    assert b"".join(rdata.strings).decode("utf-8") == value  # type: ignore[attr-defined]
