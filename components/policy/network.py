"""Relay network rules: no SMTP port open to the Internet, reverse DNS on every relay IP."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from components.config.networks import is_internet_wide
from components.policy import types as t
from components.policy.wire import UNKNOWN, ResourceView, as_list

SMTP_PORTS = (25, 465, 587)
_ALL_PROTOCOLS = ("-1", "all")
_TCP = ("tcp", "6")


def _open_cidrs(*values: Any) -> list[str]:
    """The whole-Internet networks among CIDR inputs (strings or lists of strings)."""
    return [str(c) for value in values for c in as_list(value) if is_internet_wide(c)]


def _exposed_ports(protocol: Any, from_port: Any, to_port: Any) -> list[int]:
    """SMTP ports a rule for `protocol` from `from_port` to `to_port` lets in."""
    proto = str(protocol).lower()
    if proto in _ALL_PROTOCOLS:
        return list(SMTP_PORTS)
    if proto not in _TCP and proto != UNKNOWN:
        return []
    if not isinstance(from_port, int | float) or not isinstance(to_port, int | float):
        return []
    return [port for port in SMTP_PORTS if from_port <= port <= to_port]


def _message(where: str, ports: Sequence[int], cidrs: Sequence[str]) -> str:
    listed = ", ".join(str(p) for p in ports)
    return (
        f"{where} opens SMTP port{'s' if len(ports) > 1 else ''} {listed} to {', '.join(cidrs)}"
        f"{'' if all(c in ('0.0.0.0/0', '::/0') for c in cidrs) else ' (the Internet, in effect)'};"
        " list the networks of the systems that submit mail in"
        " mailstack:domains[].relay.allowedCidrs (e.g. 203.0.113.0/24) instead of the whole"
        " Internet and remove relay.allowSubmissionFromAnywhere. To accept an open submission"
        " port on purpose, set this policy to advisory"
        " in the policy pack config (--policy-pack-config)"
    )


def smtp_exposure_violations(resource_type: str, inputs: Mapping[str, Any]) -> list[str]:
    """Security group ingress that lets 0.0.0.0/0 or ::/0 reach port 25, 465 or 587."""
    messages: list[str] = []
    if resource_type == t.SECURITY_GROUP:
        for index, rule in enumerate(as_list(inputs.get("ingress"))):
            if not isinstance(rule, Mapping):
                continue
            cidrs = _open_cidrs(rule.get("cidrBlocks"), rule.get("ipv6CidrBlocks"))
            ports = _exposed_ports(rule.get("protocol"), rule.get("fromPort"), rule.get("toPort"))
            if cidrs and ports:
                messages.append(_message(f"ingress[{index}]", ports, cidrs))
    elif resource_type == t.SECURITY_GROUP_INGRESS_RULE:
        cidrs = _open_cidrs(inputs.get("cidrIpv4"), inputs.get("cidrIpv6"))
        ports = _exposed_ports(
            inputs.get("ipProtocol"), inputs.get("fromPort"), inputs.get("toPort")
        )
        if cidrs and ports:
            messages.append(_message("the ingress rule", ports, cidrs))
    elif resource_type == t.SECURITY_GROUP_RULE and inputs.get("type") == "ingress":
        cidrs = _open_cidrs(inputs.get("cidrBlocks"), inputs.get("ipv6CidrBlocks"))
        ports = _exposed_ports(inputs.get("protocol"), inputs.get("fromPort"), inputs.get("toPort"))
        if cidrs and ports:
            messages.append(_message("the ingress rule", ports, cidrs))
    return messages


def reverse_dns_violations(resources: Sequence[ResourceView]) -> list[tuple[str, str]]:
    """(EIP name, message) for each Elastic IP that no EipDomainName gives a PTR.

    An EipDomainName names its EIP by allocation id, unknown until the EIP exists. The engine
    says which resource that id comes from; in an offline plan a PTR is paired with the EIPs
    of the same parent component instead.
    """
    eips = [r for r in resources if r.type == t.EIP]
    ptrs = [r for r in resources if r.type == t.EIP_DOMAIN_NAME]
    referenced = {name for p in ptrs for name in p.references.get("allocationId", ())}
    unpaired_ptrs: dict[str | None, int] = {}
    for ptr in ptrs:
        if not ptr.references.get("allocationId"):
            unpaired_ptrs[ptr.parent] = unpaired_ptrs.get(ptr.parent, 0) + 1
    lacking: list[ResourceView] = []
    for eip in eips:
        if eip.name in referenced:
            continue
        if unpaired_ptrs.get(eip.parent, 0) > 0:
            unpaired_ptrs[eip.parent] -= 1
            continue
        lacking.append(eip)
    return [
        (
            eip.name,
            f"Elastic IP {eip.name} has no reverse DNS; add aws.ec2.EipDomainName(allocation_id="
            "eip.allocation_id, domain_name=<relay hostname>) next to the relay's A record, so"
            " the PTR matches the HELO name receivers check",
        )
        for eip in lacking
    ]
