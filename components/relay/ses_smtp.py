"""SES SMTP credentials derived from an IAM secret access key (AWS "SigV4 SMTP password")."""

from __future__ import annotations

import base64
import hashlib
import hmac

# Fixed inputs of the algorithm AWS documents for Amazon SES SMTP credentials.
_DATE = "11111111"
_SERVICE = "ses"
_TERMINAL = "aws4_request"
_MESSAGE = "SendRawEmail"
_VERSION = 0x04


def _sign(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


def ses_smtp_password_v4(secret_access_key: str, region: str) -> str:
    """The SMTP password SES accepts for the IAM user owning `secret_access_key` in `region`."""
    if not secret_access_key:
        raise ValueError("secret access key must not be empty")
    if not region:
        raise ValueError("region must not be empty")
    signature = _sign(("AWS4" + secret_access_key).encode("utf-8"), _DATE)
    for part in (region, _SERVICE, _TERMINAL, _MESSAGE):
        signature = _sign(signature, part)
    return base64.b64encode(bytes([_VERSION]) + signature).decode("ascii")


def ses_smtp_endpoint(region: str) -> str:
    return f"email-smtp.{region}.amazonaws.com"
