"""`IP`, `IP:PORT` and `[IPv6]:PORT` as typed on a command line."""

from __future__ import annotations

import ipaddress
import re

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_ip_port(text: str, what: str, default_port: int, allowed: str) -> tuple[IpAddress, int]:
    """An address and port; ValueError naming `what`, the value and `allowed` otherwise."""
    raw = text.strip()
    host, port_text = raw, ""
    if raw.startswith("["):
        host, sep, rest = raw[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            raise ValueError(f"{what} {text!r}: {allowed}")
        port_text = rest[1:]
    elif raw.count(":") == 1:
        host, _, port_text = raw.partition(":")
    if not re.fullmatch(r"[0-9A-Fa-f:.]{2,45}", host):
        # ipaddress accepts IPv6 scope ids (fe80::1%eth0); a relay or nameserver has none.
        raise ValueError(f"{what} {text!r}: {host!r} is not an IP address; {allowed}")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"{what} {text!r}: {host!r} is not an IP address; {allowed}") from None
    if not port_text:
        return address, default_port
    if not re.fullmatch(r"[0-9]{1,5}", port_text) or not 1 <= int(port_text) <= 65535:
        raise ValueError(f"{what} {text!r}: port {port_text!r} is not 1-65535; {allowed}")
    return address, int(port_text)
