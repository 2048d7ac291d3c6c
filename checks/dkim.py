"""DKIM key records (RFC 6376 section 3.6.1, RFC 8463): parse tags and load the public key."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key

KEY_TYPES = ("rsa", "ed25519")


class DkimKeyError(ValueError):
    """The key record cannot be used to verify signatures; the message says why."""


@dataclass(frozen=True)
class DkimKey:
    key_type: str
    bits: int
    revoked: bool = False
    testing: bool = False
    strict: bool = False


def is_dkim_key(text: str) -> bool:
    """Whether a TXT string looks like a DKIM key record (has p= or starts with v=DKIM1)."""
    return bool(re.search(r"(^|;)\s*(p|v)\s*=", text))


def parse_tags(text: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        if "=" not in part:
            raise DkimKeyError(f"{part!r} is not a tag=value pair")
        name, value = part.split("=", 1)
        name = name.strip()
        if name in tags:
            raise DkimKeyError(f"tag {name}= appears more than once")
        tags[name] = re.sub(r"\s+", "", value)
    return tags


def parse_key_record(text: str) -> DkimKey:
    """Parse a DKIM key record; raise DkimKeyError when it cannot verify signatures."""
    tags = parse_tags(text)
    first = text.strip().split(";", 1)[0].strip()
    if "v" in tags:
        if tags["v"] != "DKIM1":
            raise DkimKeyError(f"v={tags['v']!r} is invalid (only DKIM1 exists)")
        if not first.startswith("v"):
            raise DkimKeyError("v=DKIM1 must be the first tag (RFC 6376 section 3.6.1)")
    if "p" not in tags:
        raise DkimKeyError("required tag p= (the public key) is missing")
    key_type = tags.get("k", "rsa").lower()
    if key_type not in KEY_TYPES:
        raise DkimKeyError(f"k={key_type!r} is not a DKIM key type (allowed: rsa, ed25519)")
    services = [service.lower() for service in tags.get("s", "*").split(":")]
    if not {"*", "email"} & set(services):
        raise DkimKeyError(
            f"s={tags['s']} restricts the key to other services; email signatures cannot "
            "use it (RFC 6376 section 3.6.1): remove s= or include email"
        )
    flags = tags.get("t", "").split(":")
    testing, strict = "y" in flags, "s" in flags
    if "h" in tags:
        hashes = [h.lower() for h in tags["h"].split(":") if h]
        if "sha256" not in hashes:
            raise DkimKeyError(
                f"h={tags['h']} allows no sha256 signatures; SHA-1 signatures must not be "
                "accepted (RFC 8301 section 3.1), so no signature can verify: remove h= "
                "or set h=sha256"
            )
    if tags["p"] == "":
        return DkimKey(key_type, 0, revoked=True, testing=testing, strict=strict)
    try:
        data = base64.b64decode(tags["p"], validate=True)
    except (binascii.Error, ValueError):
        raise DkimKeyError("p= is not valid base64") from None
    if key_type == "ed25519":
        if len(data) != 32:
            raise DkimKeyError(
                f"p= holds {len(data)} bytes; an Ed25519 key is 32 raw bytes (RFC 8463)"
            )
        try:
            ed25519.Ed25519PublicKey.from_public_bytes(data)
        except (ValueError, UnsupportedAlgorithm) as error:
            raise DkimKeyError(f"p= is not a usable Ed25519 key: {error}") from None
        return DkimKey("ed25519", 256, testing=testing, strict=strict)
    try:
        key = load_der_public_key(data)
    except UnsupportedAlgorithm as error:
        # An EC key on a curve the library does not know, or an algorithm DKIM lacks.
        raise DkimKeyError(
            f"p= holds a key of an unsupported algorithm or curve ({error}); k=rsa needs an "
            "RSA SubjectPublicKeyInfo (RFC 6376 section 3.6.1)"
        ) from None
    except (ValueError, TypeError):
        raise DkimKeyError(
            "p= is not a DER-encoded RSA SubjectPublicKeyInfo (RFC 6376 section 3.6.1)"
        ) from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise DkimKeyError(f"p= holds a {type(key).__name__}, not an RSA key, but k=rsa")
    return DkimKey("rsa", key.key_size, testing=testing, strict=strict)
