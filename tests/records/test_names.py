"""DNS names label by label, and the control-character rule every artifact value passes."""

from __future__ import annotations

import pytest

from components.records.names import dns_name_problem
from components.records.plain_text import UnsafeTextError, control_character_problem, require_plain


@pytest.mark.parametrize(
    "name",
    [
        "example.com",
        "xn--bcher-kva.example.com",  # bücher
        "a" * 63 + ".example.com",
        ".".join(["a" * 63] * 3 + ["b" * 61]),  # 253 characters
        "1.example.com",
    ],
)
def test_valid_names(name: str) -> None:
    assert dns_name_problem(name) is None


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("example.com\n", "control character"),
        ("exa\x00mple.com", "control character"),
        ("example.com\u2028", "control character"),
        ("a" * 64 + ".example.com", "63"),
        (".".join(["a" * 63] * 3 + ["b" * 62]), "253"),
        ("xn--zz.example.com", "punycode"),
        ("xn--.example.com", "not valid"),
        ("xn--a.example.com", "punycode"),
        ("xn--bcher-kva-.example.com", "not valid"),
        ("ab--cd.example.com", "reserved"),
        ("ex ample.com", "not valid"),
        ("example..com", "not valid"),
        ("example.123", "digits"),
        ("Example.com", "lower case"),
        ("bücher.example.com", "xn--"),
    ],
)
def test_invalid_names_say_why(name: str, reason: str) -> None:
    problem = dns_name_problem(name)
    assert problem is not None and reason in problem


def test_non_canonical_punycode_is_refused() -> None:
    # "xn--Bcher-kva" is upper case, refused as such; an A-label must round-trip exactly.
    assert dns_name_problem("xn--bcher-kva.example.com") is None
    assert "lower case" in (dns_name_problem("xn--Bcher-kva.example.com") or "")


@pytest.mark.parametrize(
    "char", ["\x00", "\t", "\n", "\r", "\x07", "\x1b", "\x7f", "\x85", "\x9b", "\u2028",
             "\u2029", "\u202e", "\u200b", "\ufeff"],
)
def test_every_control_separator_and_format_character_is_refused(char: str) -> None:
    assert control_character_problem(f"ok{char}ok")
    with pytest.raises(UnsafeTextError) as caught:
        require_plain(f"ok{char}ok", "value")
    assert char not in str(caught.value)


def test_plain_text_passes_unchanged() -> None:
    assert control_character_problem("relay1.mail.example.com, ü; \"quoted\" \\ $x") is None
    assert require_plain("a b", "value") == "a b"
