"""DKIM key TXT values, selectors and record names."""

from __future__ import annotations

import base64
import functools

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from components.records.dkim import (
    dkim_record_name,
    dkim_txt_from_pem,
    dkim_txt_value,
    validate_selector,
)
from components.records.errors import RecordError
from components.records.txt import split_txt


@functools.cache
def rsa_key(bits: int) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def public_pem(
    key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey,
) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def tags(value: str) -> dict[str, str]:
    return dict(part.strip().split("=", 1) for part in value.split(";"))


def test_rsa_2048_pem_gives_a_record_dkimpy_verifies_with() -> None:
    key = rsa_key(2048)
    value = dkim_txt_from_pem(public_pem(key))
    assert value.startswith("v=DKIM1; k=rsa; p=MII")
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    message = b"From: a@example.com\r\nTo: b@example.org\r\nSubject: hi\r\n\r\nbody\r\n"
    signature = dkim.sign(message, b"s1", b"example.com", private_pem, include_headers=[b"from"])
    # The published record, split into 255-byte strings and joined back as a resolver does.
    published = "".join(split_txt(value)).encode()
    assert dkim.verify(signature + message, dnsfunc=lambda name, timeout=5: published)


def test_rsa_value_is_split_for_dns() -> None:
    value = dkim_txt_from_pem(public_pem(rsa_key(2048)))
    assert len(value.encode()) > 255
    assert len(split_txt(value)) == 2


def test_rsa_4096_is_accepted() -> None:
    assert tags(dkim_txt_from_pem(public_pem(rsa_key(4096))))["k"] == "rsa"


def test_rsa_below_1024_is_refused_naming_the_size() -> None:
    # cryptography no longer generates keys this weak; a public key needs only its numbers.
    weak = rsa.RSAPublicNumbers(65537, (1 << 767) | 0x1234567).public_key()
    pem = weak.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    with pytest.raises(RecordError, match="768 bits; allowed: 1024 to 4096"):
        dkim_txt_from_pem(pem)


def test_rsa_1024_still_publishes_for_the_policy_pack_to_judge() -> None:
    assert dkim_txt_from_pem(public_pem(rsa_key(1024))).startswith("v=DKIM1; k=rsa; p=")


def test_ed25519_pem_publishes_the_raw_32_byte_key() -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    value = dkim_txt_from_pem(public_pem(key))
    assert tags(value)["k"] == "ed25519"
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert base64.b64decode(tags(value)["p"]) == raw


def test_other_key_types_are_refused() -> None:
    with pytest.raises(RecordError, match=r"elliptic-curve \(ECDSA\) key; DKIM signs with RSA"):
        dkim_txt_from_pem(public_pem(ec.generate_private_key(ec.SECP256R1())))


def test_private_key_is_refused_without_echoing_it() -> None:
    private_pem = (
        rsa_key(2048)
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    with pytest.raises(RecordError) as error:
        dkim_txt_from_pem(private_pem)
    assert "public key" in str(error.value)
    body_line = private_pem.splitlines()[1]
    assert body_line not in str(error.value)


def test_garbage_pem_is_refused() -> None:
    with pytest.raises(RecordError, match="not a PEM"):
        dkim_txt_from_pem("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n")


def test_value_from_base64_der_matches_pem_path() -> None:
    pem = public_pem(rsa_key(2048))
    body = "".join(line for line in pem.splitlines() if not line.startswith("-----"))
    assert dkim_txt_value(body) == dkim_txt_from_pem(pem)
    # Whitespace inside the base64 (as copied from a PEM) is tolerated.
    assert dkim_txt_value(body[:64] + "\n " + body[64:]) == dkim_txt_from_pem(pem)


@pytest.mark.parametrize(
    ("value", "key_type", "reason"),
    [
        ("not base64!", "rsa", "not valid base64"),
        ("", "rsa", "empty"),
        (base64.b64encode(b"x" * 40).decode(), "rsa", "not a DER SubjectPublicKeyInfo"),
        (base64.b64encode(b"x" * 31).decode(), "ed25519", "31 bytes"),
        ("AAAA", "dsa", "not supported; allowed: rsa, ed25519"),
    ],
)
def test_bad_base64_values(value: str, key_type: str, reason: str) -> None:
    with pytest.raises(RecordError, match=reason):
        dkim_txt_value(value, key_type)


def test_ed25519_spki_declared_as_rsa_is_refused() -> None:
    der = (
        ed25519.Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(RecordError, match="declared rsa is an Ed25519 key"):
        dkim_txt_value(base64.b64encode(der).decode(), "rsa")


@pytest.mark.parametrize("selector", ["s1", "mailstack", "2026-11", "a.b-c.d", "S1"])
def test_valid_selectors(selector: str) -> None:
    validate_selector(selector)


@pytest.mark.parametrize(
    "selector", ["", "-s1", "s1-", "s_1", "a..b", "s 1", "sel.", "x" * 64, "ü"]
)
def test_invalid_selectors_are_refused(selector: str) -> None:
    with pytest.raises(RecordError, match="DKIM selector"):
        validate_selector(selector)


def test_record_name_for_subdomain_identity() -> None:
    assert dkim_record_name("S1", "News.Example.com.") == "s1._domainkey.news.example.com"


def test_record_name_refuses_bad_domain() -> None:
    with pytest.raises(RecordError, match=r"DKIM domain 'exa_mple\.com'"):
        dkim_record_name("s1", "exa_mple.com")
