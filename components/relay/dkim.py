"""DKIM key material handed to a relay by its operator."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from components.records.dkim import RECOMMENDED_RSA_BITS


def public_key_pem_from_private(private_key_pem: str) -> str:
    """The public half of an operator's RSA signing key, refusing keys under 2048 bits."""
    key = serialization.load_pem_private_key(private_key_pem.encode("ascii"), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the DKIM key must be an RSA private key")
    if key.key_size < RECOMMENDED_RSA_BITS:
        raise ValueError(
            f"the DKIM key has {key.key_size} bits; at least {RECOMMENDED_RSA_BITS} required"
        )
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
