"""Which networks amount to the whole Internet, for the relay config and the policy pack alike."""

from __future__ import annotations

import ipaddress
from typing import Any

# No network that legitimately submits mail is wider than a /8; wider ones (0.0.0.0/1 and
# 128.0.0.0/1 together, 2000::/3) open the port to the Internet just as 0.0.0.0/0 does.
WIDEST_PREFIX = 8


def is_internet_wide(cidr: Any) -> bool:
    try:
        network = ipaddress.ip_network(str(cidr), strict=False)
    except ValueError:
        return False
    # fc00::/7, every IPv6 unique local address, is wide but not the Internet.
    return network.prefixlen == 0 or (network.prefixlen < WIDEST_PREFIX and not network.is_private)
