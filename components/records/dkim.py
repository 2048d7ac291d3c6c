"""DKIM key records (RFC 6376 3.6.1, RFC 8463 for Ed25519, RFC 8301 key sizes).

Error messages never echo key material: a caller that passes a private key by
mistake must not find it in a log.
"""

from __future__ import annotations

import base64
import binascii
import re

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

from components.records.dns_record import domain_problem, normalize_name
from components.records.errors import RecordError

KEY_TYPES = ("rsa", "ed25519")
# RFC 8301 3.1: 1024-bit keys still verify everywhere; 2048 is what signers should use, and the
# policy pack (dkim-key-length) is where that is enforced, with its reason.
MIN_RSA_BITS = 1024
RECOMMENDED_RSA_BITS = 2048
# RFC 8301 3.2: verifiers must handle keys of 1024-4096 bits; larger keys may not verify.
MAX_RSA_BITS = 4096
ED25519_KEY_BYTES = 32

_SELECTOR_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\Z")


def validate_selector(selector: str) -> None:
    """RFC 6376 3.1: dot-separated labels of letters, digits and inner hyphens."""
    if not isinstance(selector, str) or not selector:
        raise RecordError(f"DKIM selector {selector!r} is empty; use e.g. 'mailstack' or 's2026'")
    for label in selector.split("."):
        if not _SELECTOR_LABEL.match(label):
            raise RecordError(
                f"DKIM selector {selector!r} is not valid: each dot-separated label is 1-63"
                " letters, digits or hyphens, not starting or ending with a hyphen"
            )
    if len(selector) + len("._domainkey.") > 253:
        raise RecordError(f"DKIM selector {selector!r} is too long for a DNS name")


def dkim_record_name(selector: str, domain: str) -> str:
    """`<selector>._domainkey.<domain>`, lower case."""
    validate_selector(selector)
    domain = normalize_name(domain)
    problem = domain_problem(domain)
    if problem:
        raise RecordError(f"DKIM domain {domain!r} is not valid: {problem}")
    name = f"{selector.lower()}._domainkey.{domain}"
    if len(name) > 253:
        raise RecordError(f"DKIM record name {name!r} is longer than the 253 characters DNS allows")
    return name


def dkim_txt_value(public_key_der_b64: str, key_type: str = "rsa") -> str:
    """`v=DKIM1; k=<type>; p=<key>` for a base64 public key.

    For rsa, `p` is the DER SubjectPublicKeyInfo (what opendkim-genkey and SES publish);
    for ed25519 it is the raw 32-byte key (RFC 8463 4.2).
    """
    if key_type not in KEY_TYPES:
        raise RecordError(
            f"DKIM key type {key_type!r} is not supported; allowed: {', '.join(KEY_TYPES)}"
        )
    compact = "".join(public_key_der_b64.split())
    try:
        raw = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise RecordError(
            "DKIM public key is not valid base64 (expected the key body without PEM header lines)"
        ) from None
    if not raw:
        raise RecordError("DKIM public key is empty; an empty p= would revoke the selector")
    if key_type == "rsa":
        try:
            key = serialization.load_der_public_key(raw)
        except (ValueError, TypeError):
            raise RecordError(
                "DKIM rsa public key is not a DER SubjectPublicKeyInfo; pass the base64 body of a"
                " 'BEGIN PUBLIC KEY' PEM"
            ) from None
        if not isinstance(key, rsa.RSAPublicKey):
            raise RecordError(
                f"DKIM key declared rsa is an {_key_kind(key)} key; declare its real type"
            )
        _check_rsa_size(key)
    elif len(raw) != ED25519_KEY_BYTES:
        raise RecordError(
            f"DKIM ed25519 public key has {len(raw)} bytes; RFC 8463 keys are the raw"
            f" {ED25519_KEY_BYTES}-byte public key"
        )
    return f"v=DKIM1; k={key_type}; p={base64.b64encode(raw).decode('ascii')}"


def dkim_txt_from_pem(public_key_pem: str) -> str:
    """The DKIM TXT value for a PEM public key, detecting RSA or Ed25519."""
    if "PRIVATE KEY" in public_key_pem:
        raise RecordError("DKIM record needs the public key; a private key PEM was given")
    try:
        key = serialization.load_pem_public_key(public_key_pem.strip().encode("ascii"))
    except (ValueError, TypeError, UnicodeEncodeError):
        raise RecordError(
            "DKIM public key is not a PEM 'BEGIN PUBLIC KEY' document (RSA or Ed25519)"
        ) from None
    if isinstance(key, rsa.RSAPublicKey):
        _check_rsa_size(key)
        der = key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return dkim_txt_value(base64.b64encode(der).decode("ascii"), "rsa")
    if isinstance(key, ed25519.Ed25519PublicKey):
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return dkim_txt_value(base64.b64encode(raw).decode("ascii"), "ed25519")
    raise RecordError(
        f"DKIM public key is an {_key_kind(key)} key;"
        " DKIM signs with RSA (1024-4096 bits, 2048 recommended) or Ed25519"
    )


def _check_rsa_size(key: rsa.RSAPublicKey) -> None:
    if not MIN_RSA_BITS <= key.key_size <= MAX_RSA_BITS:
        raise RecordError(
            f"DKIM RSA key has {key.key_size} bits; allowed: {MIN_RSA_BITS} to {MAX_RSA_BITS}"
            " (RFC 8301: shorter keys are not verified, longer ones are not verified everywhere)"
        )


def _key_kind(key: object) -> str:
    kinds: tuple[tuple[type, str], ...] = (
        (rsa.RSAPublicKey, "RSA"),
        (ed25519.Ed25519PublicKey, "Ed25519"),
        (ed448.Ed448PublicKey, "Ed448"),
        (ec.EllipticCurvePublicKey, "elliptic-curve (ECDSA)"),
        (dsa.DSAPublicKey, "DSA"),
    )
    return next((name for kind, name in kinds if isinstance(key, kind)), type(key).__name__)
