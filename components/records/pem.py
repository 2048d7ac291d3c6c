"""PEM helpers for keys handed to DNS and SES."""

from __future__ import annotations


def pem_body(pem: str) -> str:
    """The base64 body of a PEM block on one line, as SES BYODKIM and DKIM `p=` take it."""
    lines = [line.strip() for line in pem.strip().splitlines()]
    body = [line for line in lines if line and not line.startswith("-----")]
    if not body:
        raise ValueError("not a PEM document: no base64 body between the BEGIN/END lines")
    return "".join(body)
