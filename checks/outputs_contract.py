"""The outputs contract as `verify` reads it: shape, types and value grammar, checked before
any value is used, each problem naming its JSON path.

    {"records": [{"name", "type", "values": [str], "ttl"}],
     "domains": [{"name", "sender", "dkimSelectors", "mailFrom", "region",
                  "configurationSet", "relayIps", "relayHostname", "smarthost",
                  "submissionPort"}]}

Every rule is a full match; nothing is converted with str() before it is validated, so a
number, list or map where a name belongs is reported, not stringified.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from typing import Any

from checks.ses import REGION
from components.records.dns_record import SUPPORTED_TYPES

# The contract is three levels deep; anything far deeper is not stack outputs.
MAX_DEPTH = 8
MAX_PROBLEMS = 50

_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_HOST = re.compile(rf"(?=.{{1,253}}\Z)(?:{_LABEL}\.)+[a-z](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.?")
_SELECTOR = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,62})")
_CONFIGURATION_SET = re.compile(r"[A-Za-z0-9_-]{1,64}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
SENDERS = ("ses", "postfix")
SMARTHOSTS = ("none", "ses")


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"{value[:60]!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def is_host_name(value: Any) -> bool:
    """A DNS host name (labels of letters, digits, '-', '_'; a letter-led top label)."""
    return isinstance(value, str) and bool(_HOST.fullmatch(value.lower()))


def _host(value: Any) -> str | None:
    return None if is_host_name(value) else "a domain name (e.g. mail.example.com)"


def _selector(value: Any) -> str | None:
    if isinstance(value, str) and _SELECTOR.fullmatch(value):
        return None
    return "a DKIM selector (letters, digits, '-', '_', '.')"


def _ip(value: Any) -> str | None:
    if isinstance(value, str) and re.fullmatch(r"[0-9A-Fa-f:.]{2,45}", value):
        try:
            ipaddress.ip_address(value)
            return None
        except ValueError:
            pass
    return "an IPv4 or IPv6 address"


def _region(value: Any) -> str | None:
    if isinstance(value, str) and REGION.fullmatch(value):
        return None
    return "an AWS region name (e.g. us-east-1)"


def _one_of(choices: tuple[str, ...]) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        return None if value in choices else f"one of {', '.join(choices)}"

    return check


def _configuration_set(value: Any) -> str | None:
    if isinstance(value, str) and _CONFIGURATION_SET.fullmatch(value):
        return None
    return "an SES configuration set name (letters, digits, '-', '_')"


def _port(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535:
        return None
    return "a port number 1-65535"


def _ttl(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 2**31 - 1:
        return None
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,10}", value):
        return None
    return "a whole number of seconds"


def _text(value: Any) -> str | None:
    if isinstance(value, str) and not _CONTROL.search(value):
        return None
    return "a string without control characters"


_DOMAIN_FIELDS: dict[str, Callable[[Any], str | None]] = {
    "name": _host,
    "sender": _one_of(SENDERS),
    "mailFrom": _host,
    "region": _region,
    "configurationSet": _configuration_set,
    "relayHostname": _host,
    "smarthost": _one_of(SMARTHOSTS),
    "submissionPort": _port,
}
_DOMAIN_LISTS: dict[str, Callable[[Any], str | None]] = {
    "dkimSelectors": _selector,
    "relayIps": _ip,
}


def depth_problem(value: Any, where: str) -> str | None:
    """The path of the first value nested deeper than MAX_DEPTH, without recursion."""
    stack: list[tuple[Any, str, int]] = [(value, where, 0)]
    while stack:
        item, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            return (
                f"{path}: nested deeper than {MAX_DEPTH} levels; the outputs of "
                "`pulumi stack output --json` are at most 3 deep"
            )
        if isinstance(item, Mapping):
            stack += [(v, f"{path}.{k}", depth + 1) for k, v in item.items()]
        elif isinstance(item, list):
            stack += [(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(item)]
    return None


def outputs_problems(outputs: Any, source: str) -> list[str]:
    """Every way `outputs` breaks the contract, one message per value, naming its path."""
    deep = depth_problem(outputs, source)
    if deep:
        return [deep]
    if not isinstance(outputs, Mapping):
        return [
            f"{source}: expected a JSON object with 'records' and 'domains', got {_kind(outputs)}"
        ]
    problems: list[str] = []
    domains = outputs.get("domains")
    if not isinstance(domains, list) or not domains:
        problems.append(
            f"{source}.domains: expected a non-empty list of domain objects, got {_kind(domains)}"
        )
        domains = []
    for index, item in enumerate(domains):
        problems += _domain_problems(item, f"{source}.domains[{index}]")
    records = outputs.get("records", [])
    if not isinstance(records, list):
        problems.append(f"{source}.records: expected a list of records, got {_kind(records)}")
        records = []
    for index, item in enumerate(records):
        problems += _record_problems(item, f"{source}.records[{index}]")
    if len(problems) > MAX_PROBLEMS:
        problems = [*problems[:MAX_PROBLEMS], f"... and {len(problems) - MAX_PROBLEMS} more"]
    return problems


def _domain_problems(item: Any, where: str) -> list[str]:
    if not isinstance(item, Mapping):
        return [f"{where}: expected a domain object, got {_kind(item)}"]
    problems: list[str] = []
    if "name" not in item:
        problems.append(f"{where}.name: missing; expected the domain's host name")
    for key, check in _DOMAIN_FIELDS.items():
        if key not in item or (item[key] is None and key != "name"):
            continue
        reason = check(item[key])
        if reason:
            problems.append(f"{where}.{key}: {_kind(item[key])} is not {reason}")
    for key, check in _DOMAIN_LISTS.items():
        values = item.get(key)
        if values is None:
            continue
        if not isinstance(values, list):
            problems.append(f"{where}.{key}: expected a list, got {_kind(values)}")
            continue
        for index, value in enumerate(values):
            reason = check(value)
            if reason:
                problems.append(f"{where}.{key}[{index}]: {_kind(value)} is not {reason}")
    return problems


def _record_problems(item: Any, where: str) -> list[str]:
    if not isinstance(item, Mapping):
        return [f"{where}: expected a record object, got {_kind(item)}"]
    problems = [f"{where}.{key}: missing" for key in ("name", "type", "values") if key not in item]
    if "name" in item and _host(item["name"]):
        problems.append(f"{where}.name: {_kind(item['name'])} is not a domain name")
    if "type" in item and item["type"] not in SUPPORTED_TYPES:
        problems.append(
            f"{where}.type: {_kind(item['type'])} is not one of {', '.join(SUPPORTED_TYPES)}"
        )
    values = item.get("values")
    if "values" in item:
        if not isinstance(values, list) or not values:
            problems.append(f"{where}.values: expected a non-empty list of strings")
        else:
            for index, value in enumerate(values):
                reason = _text(value)
                if reason:
                    problems.append(f"{where}.values[{index}]: {_kind(value)} is not {reason}")
    if "ttl" in item and _ttl(item["ttl"]):
        problems.append(f"{where}.ttl: {_kind(item['ttl'])} is not {_ttl(item['ttl'])}")
    return problems
