"""`verify --outputs`: a file that breaks the outputs contract is a usage error (exit 2)
naming the JSON path, never a traceback; values are validated by full match before use."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checks.targets import TargetError, targets_from_outputs
from mailstack.cli import main

GOOD_DOMAIN: dict[str, Any] = {
    "name": "mail.example.com",
    "sender": "postfix",
    "region": "us-east-1",
    "mailFrom": "bounce.mail.example.com",
    "dkimSelectors": ["relay1"],
    "relayIps": ["192.0.2.10"],
    "relayHostname": "relay1.mail.example.com",
    "smarthost": "none",
    "submissionPort": 587,
}


def _run(tmp_path: Path, outputs: Any, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    path = tmp_path / "outputs.json"
    path.write_text(outputs if isinstance(outputs, str) else json.dumps(outputs))
    code = main(["verify", "--outputs", str(path)])
    return code, capsys.readouterr().err


def _with(**changes: Any) -> dict[str, Any]:
    return {"records": [], "domains": [GOOD_DOMAIN | changes]}


@pytest.mark.parametrize(
    ("outputs", "message"),
    [
        ("[" * 1000 + "]" * 1000, "JSON nested too deeply"),
        (
            {"records": [], "domains": [GOOD_DOMAIN | {"x": [[[[[[[[[[{}]]]]]]]]]]}]},
            "outputs.json.domains[0].x[0][0][0][0][0][0]: nested deeper than 8 levels",
        ),
        (_with(relayHostname=5), "domains[0].relayHostname: the number 5 is not a domain name"),
        (_with(name=["a.example.com"]), "domains[0].name: a list is not a domain name"),
        (
            _with(name="mail.example.com\n"),
            "domains[0].name: 'mail.example.com\\n' is not a domain",
        ),
        (
            _with(relayIps=["192.0.2.10\n"]),
            "domains[0].relayIps[0]: '192.0.2.10\\n' is not an IPv4",
        ),
        (
            _with(relayIps={"ip": "192.0.2.10"}),
            "domains[0].relayIps: expected a list, got an object",
        ),
        (_with(dkimSelectors=[{"a": 1}]), "domains[0].dkimSelectors[0]: an object is not a DKIM"),
        (_with(region="not-a-region"), "domains[0].region: 'not-a-region' is not an AWS region"),
        (_with(submissionPort=True), "domains[0].submissionPort: a boolean is not a port number"),
        (_with(configurationSet="a b"), "domains[0].configurationSet: 'a b' is not an SES"),
        ({"records": [], "domains": [{"sender": "ses"}]}, "domains[0].name: missing"),
        ({"records": {}, "domains": [GOOD_DOMAIN]}, "records: expected a list of records"),
        ({"records": [], "domains": {"a": GOOD_DOMAIN}}, "domains: expected a non-empty list"),
        ({"domains": [GOOD_DOMAIN], "records": [["a"]]}, "records[0]: expected a record object"),
        (
            {"domains": [GOOD_DOMAIN], "records": [{"name": 7, "type": "TXT", "values": ["x"]}]},
            "records[0].name: the number 7 is not a domain name",
        ),
        (
            {
                "domains": [GOOD_DOMAIN],
                "records": [{"name": "a.example.com", "type": "TXT", "values": ["x\x1b[2J"]}],
            },
            "records[0].values[0]: 'x\\x1b[2J' is not a string without control characters",
        ),
    ],
)
def test_contract_violations_exit_2_naming_the_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], outputs: Any, message: str
) -> None:
    code, err = _run(tmp_path, outputs, capsys)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_the_good_domain_passes_the_contract() -> None:
    [target] = targets_from_outputs({"records": [], "domains": [GOOD_DOMAIN]})
    assert target.relays[0].hostname == "relay1.mail.example.com"
    assert target.region == "us-east-1"


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["name", "sender", "relayIps", "region", "values", "type", "ttl", "x"]),
            children,
            max_size=5,
        )
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(domains=_JSON, records=_JSON)
def test_any_json_gives_targets_or_a_target_error(domains: Any, records: Any) -> None:
    try:
        targets = targets_from_outputs({"domains": domains, "records": records})
    except TargetError as error:
        assert error.problems
    else:
        assert targets


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("192.0.2.1:\u00b2", "port '\u00b2' is not 1-65535"),  # a digit to str.isdigit only
        ("fe80::1%eth0", "'fe80::1%eth0' is not an IP address"),
        ("[2001:db8::1]:\u0665", "is not 1-65535"),
    ],
)
def test_ip_port_values_are_full_matched(text: str, reason: str) -> None:
    from checks.endpoint import parse_ip_port

    with pytest.raises(ValueError, match=re.escape(reason)):
        parse_ip_port(text, "relay IP", 25, "expected IP[:PORT]")
