"""DKIM key material as published in DNS (RFC 6376 section 3.6.1)."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

MIN_KEY_BITS = 2048


def dkim_public_key_b64(public_key_pem: str) -> str:
    """The base64 SubjectPublicKeyInfo that goes in the `p=` tag."""
    key = serialization.load_pem_public_key(public_key_pem.encode("ascii"))
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode("ascii")


def dkim_txt_value(public_key_pem: str) -> str:
    """The logical (unsplit) TXT value for `<selector>._domainkey.<domain>`."""
    return f"v=DKIM1; k=rsa; p={dkim_public_key_b64(public_key_pem)}"


def public_key_pem_from_private(private_key_pem: str) -> str:
    key = serialization.load_pem_private_key(private_key_pem.encode("ascii"), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the DKIM key must be an RSA private key")
    if key.key_size < MIN_KEY_BITS:
        raise ValueError(f"the DKIM key has {key.key_size} bits; at least {MIN_KEY_BITS} required")
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def dkim_record_name(selector: str, domain: str) -> str:
    return f"{selector}._domainkey.{domain}"
