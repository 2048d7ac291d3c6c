"""What each DNS adapter sends its provider for one record value."""

from __future__ import annotations

import dns.rdata
import dns.rdataclass
import dns.rdatatype
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from components.dns.cloudflare import cloudflare_content, mx_priority
from components.dns.route53 import route53_value
from components.records.dkim import dkim_txt_from_pem


def dkim_value(bits: int = 2048) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return dkim_txt_from_pem(pem.decode())


def test_route53_splits_a_2048_bit_dkim_key_into_255_byte_strings() -> None:
    value = dkim_value()
    assert len(value) > 255
    sent = route53_value("TXT", value)
    # The provider wraps the value in quotes; DNS then sees several character-strings.
    rdata = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.TXT, f'"{sent}"')
    strings = rdata.strings  # type: ignore[attr-defined]
    assert len(strings) == 2
    assert all(len(s) <= 255 for s in strings)
    assert b"".join(strings).decode() == value


def test_route53_short_txt_and_other_types_pass_through() -> None:
    assert route53_value("TXT", "v=spf1 -all") == "v=spf1 -all"
    assert route53_value("MX", "10 feedback-smtp.us-east-1.amazonses.com") == (
        "10 feedback-smtp.us-east-1.amazonses.com"
    )


def test_cloudflare_txt_is_quoted_presentation_form() -> None:
    value = dkim_value()
    content = cloudflare_content("TXT", value)
    rdata = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.TXT, content)
    assert b"".join(rdata.strings).decode() == value  # type: ignore[attr-defined]
    assert cloudflare_content("TXT", 'say "hi"') == '"say \\"hi\\""'


def test_cloudflare_mx_splits_priority_from_exchange() -> None:
    value = "10 feedback-smtp.eu-west-1.amazonses.com"
    assert cloudflare_content("MX", value) == "feedback-smtp.eu-west-1.amazonses.com"
    assert mx_priority(value) == 10.0
    assert cloudflare_content("CNAME", "abc.dkim.amazonses.com") == "abc.dkim.amazonses.com"
