"""Key and secret rules: DKIM key sizes, BYODKIM keys and SMTP passwords kept as secrets."""

from __future__ import annotations

import base64
import binascii
import gzip
import re
import zlib
from collections.abc import Mapping
from typing import Any

from components.policy import types as t
from components.policy.wire import SECRET, UNKNOWN, get_path

MIN_RSA_BITS = 2048
# The tls provider's default when rsaBits is not given.
TLS_DEFAULT_RSA_BITS = 2048
BYODKIM_KEY_PATH = "dkimSigningAttributes.domainSigningPrivateKey"
USER_DATA_PATHS = ("userData", "userDataBase64")
# Text that shows a cloud-init document writes SMTP/SASL credentials onto the relay.
_CREDENTIAL_MARKERS = ("sasl-password", "sasl_passwd", "smtp_sasl_password", "saslpasswd", "sasldb")
_CREDENTIAL_NAME = re.compile(r"password|passwd|smtp|sasl|credential", re.IGNORECASE)


def dkim_key_length_violations(resource_type: str, inputs: Mapping[str, Any]) -> list[str]:
    """RSA keys below 2048 bits (tls.PrivateKey) and SES Easy DKIM set to 1024-bit keys."""
    if resource_type == t.TLS_PRIVATE_KEY:
        if str(inputs.get("algorithm", "RSA")).upper() != "RSA":
            return []
        bits = inputs.get("rsaBits", TLS_DEFAULT_RSA_BITS)
        if isinstance(bits, int | float) and bits < MIN_RSA_BITS:
            return [
                f"the DKIM key is RSA {int(bits)} bits; set mailstack:domains[].dkimKeyBits to"
                f" {MIN_RSA_BITS} or more (or remove it: {MIN_RSA_BITS} is the default), i.e."
                f" rsa_bits={MIN_RSA_BITS}, and publish the new key under a new selector"
                " (dkimSelectors for SES, relay.dkimSelector for a relay) so mail signed with"
                " the old key keeps verifying"
            ]
        return []
    if resource_type == t.EMAIL_IDENTITY:
        length = get_path(inputs, "dkimSigningAttributes.nextSigningKeyLength")
        if length == "RSA_1024_BIT":
            return [
                "SES Easy DKIM is set to sign with 1024-bit keys; set"
                " mailstack:domains[].dkimKeyBits to 2048 (or remove it: 2048 is the default),"
                " i.e. dkimSigningAttributes.nextSigningKeyLength RSA_2048_BIT"
            ]
    return []


def secret_paths(resource_type: str, inputs: Mapping[str, Any]) -> list[str]:
    """Input paths of this resource that carry a private key or a password."""
    if resource_type == t.EMAIL_IDENTITY and get_path(inputs, BYODKIM_KEY_PATH) is not None:
        return [BYODKIM_KEY_PATH]
    if resource_type == t.INSTANCE:
        return [path for path in USER_DATA_PATHS if inputs.get(path) is not None]
    if resource_type == t.SSM_PARAMETER and inputs.get("value") is not None and (
        inputs.get("type") == "SecureString"
        or _CREDENTIAL_NAME.search(str(inputs.get("name", "")))
    ):
        return ["value"]
    if resource_type == t.SECRET_VERSION and inputs.get("secretString") is not None:
        return ["secretString"]
    return []


def user_data_text(path: str, value: Any) -> str:
    """The cloud-init text of `userData`, or of `userDataBase64` (optionally gzip-compressed)."""
    if not isinstance(value, str) or value == UNKNOWN:
        return ""
    if path != "userDataBase64":
        return value
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return value
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error):
            return ""
    return raw.decode("utf-8", errors="replace")


def plaintext_secret_violations(resource_type: str, inputs: Mapping[str, Any]) -> list[str]:
    """Private keys and passwords that would be stored and shown in plain text.

    In a plan, a Pulumi secret reads "<secret>" (also while its value is still unknown);
    anything else in a secret-carrying input would be written to the state unencrypted.
    """
    messages: list[str] = []
    for path in secret_paths(resource_type, inputs):
        value = get_path(inputs, path)
        if value == SECRET:
            continue
        if path in USER_DATA_PATHS:
            text = user_data_text(path, value)
            if not any(marker in text for marker in _CREDENTIAL_MARKERS):
                continue
            messages.append(
                "the relay's user data writes SMTP/SASL passwords but is not a secret; build it"
                " with pulumi.Output.secret(...) (or from the random.RandomPassword result, which"
                " is one) so it is encrypted in the state"
            )
        elif path == BYODKIM_KEY_PATH:
            messages.append(
                f"{path} (the BYODKIM private key) is not a secret; pass"
                " pulumi.Output.secret(tls_key.private_key_pem) or a value from"
                " `pulumi config set --secret`"
            )
        else:
            messages.append(
                f"{path} holds a password but is not a secret; wrap it in pulumi.Output.secret(...)"
                " or read it with config.require_secret(...)"
            )
    return messages
