"""`mailstack verify` as a user runs it: flags, outputs file, formats, exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import xmlschema

from checks.resolver import Nameserver
from mailstack.cli import main

SCHEMA = Path(__file__).with_name("junit-10.xsd")


@pytest.fixture(autouse=True)
def no_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No credentials, and any AWS call would go to a closed loopback port."""
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")


def _ns(nameserver: Nameserver) -> list[str]:
    return ["--nameserver", f"{nameserver.address}:{nameserver.port}"]


GOOD = [
    "verify",
    "--domain",
    "good.example.com",
    "--dkim-selector",
    "tok1",
    "--dkim-selector",
    "tok2",
    "--mail-from",
    "bounce.good.example.com",
]


def test_json_contract_for_a_good_domain(
    nameserver: Nameserver, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([*GOOD, *_ns(nameserver), "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert set(data) == {"domains", "summary"}
    assert set(data["summary"]) == {"pass", "warn", "fail", "skip"}
    domain = data["domains"][0]
    assert domain["domain"] == "good.example.com"
    ids = [c["id"] for c in domain["checks"]]
    for check_id in (
        "spf.present",
        "spf.syntax",
        "spf.lookup_limit",
        "spf.void_lookups",
        "spf.all",
        "spf.authorizes_sender",
        "dkim.selector_published",
        "dkim.key_valid",
        "dkim.key_strength",
        "dmarc.present",
        "dmarc.syntax",
        "dmarc.policy",
        "dmarc.rua_authorized",
        "mailfrom.mx",
        "mailfrom.spf",
        "ses.identity_verified",
        "ses.dkim_status",
        "ses.mail_from_status",
        "ses.sending_enabled",
    ):
        assert check_id in ids
    assert all(set(c) == {"id", "status", "detail"} for c in domain["checks"])
    assert data["summary"]["fail"] == 0
    assert {c["status"] for c in domain["checks"] if c["id"].startswith("ses.")} == {"skip"}


def test_a_failing_check_exits_1(
    nameserver: Nameserver, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["verify", "--domain", "twospf.example.com", *_ns(nameserver), "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1
    present = next(c for c in data["domains"][0]["checks"] if c["id"] == "spf.present")
    assert present["status"] == "fail"
    assert data["summary"]["fail"] >= 1


def test_junit_output_validates_against_the_schema(
    nameserver: Nameserver, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "verify",
            "--domain",
            "good.example.com",
            "--domain",
            "twospf.example.com",
            *_ns(nameserver),
            "--format",
            "junit",
        ]
    )
    xml = capsys.readouterr().out
    assert code == 1
    schema = xmlschema.XMLSchema(str(SCHEMA))
    schema.validate(xml)
    document: Any = schema.to_dict(xml)
    suites = document["testsuite"]
    assert [s["@name"] for s in suites] == ["good.example.com", "twospf.example.com"]
    failing = [c for c in suites[1]["testcase"] if "failure" in c]
    assert any(c["@name"] == "spf.present" for c in failing)


def test_text_output_has_no_colour_when_not_a_terminal(
    nameserver: Nameserver, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["verify", "--domain", "plusall.example.com", *_ns(nameserver)])
    out = capsys.readouterr().out
    assert "\033[" not in out
    assert "FAIL  spf.all" in out
    assert out.rstrip().splitlines()[-1].startswith("FAILED:")


def test_outputs_file_checks_records_and_domains(
    nameserver: Nameserver, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs: dict[str, Any] = {
        "records": [
            {
                "name": "good.example.com",
                "type": "TXT",
                "values": ["v=spf1 include:amazonses.com -all"],
                "ttl": 300,
            },
            {
                "name": "tok1._domainkey.good.example.com",
                "type": "CNAME",
                "values": ["tok1.dkim.amazonses.com"],
                "ttl": 300,
            },
            {
                "name": "bounce.good.example.com",
                "type": "MX",
                "values": ["10 feedback-smtp.us-east-1.amazonses.com"],
                "ttl": 300,
            },
        ],
        "domains": [
            {
                "name": "good.example.com",
                "sender": "ses",
                "region": "us-east-1",
                "mailFrom": "bounce.good.example.com",
                "dkimSelectors": ["tok1"],
                "configurationSet": "good",
            },
        ],
    }
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outputs))
    code = main(["verify", "--outputs", str(path), *_ns(nameserver), "--format", "json"])
    checks = {c["id"]: c for c in json.loads(capsys.readouterr().out)["domains"][0]["checks"]}
    assert code == 0
    assert checks["dns.records_match"]["status"] == "pass"
    assert "all 3 expected records" in checks["dns.records_match"]["detail"]

    outputs["records"][0]["values"] = ["v=spf1 include:amazonses.com ~all"]
    outputs["records"].append(
        {"name": "gone.good.example.com", "type": "A", "values": ["192.0.2.1"], "ttl": 300}
    )
    path.write_text(json.dumps(outputs))
    code = main(["verify", "--outputs", str(path), *_ns(nameserver), "--format", "json"])
    drift = {c["id"]: c for c in json.loads(capsys.readouterr().out)["domains"][0]["checks"]}
    assert code == 1
    detail = drift["dns.records_match"]["detail"]
    assert drift["dns.records_match"]["status"] == "fail"
    assert "missing ['v=spf1 include:amazonses.com ~all']" in detail
    assert "unexpected ['v=spf1 include:amazonses.com -all']" in detail
    assert "gone.good.example.com A: the name does not exist" in detail


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["verify", "--domain", "not a domain"], "--domain 'not a domain': not a domain name"),
        (
            ["verify", "--domain", "a.example.com", "--nameserver", "dns.example"],
            "'dns.example' is not an IP address",
        ),
        (
            ["verify", "--domain", "a.example.com", "--nameserver", "127.0.0.1:70000"],
            "port '70000' is not 1-65535",
        ),
        (
            ["verify", "--domain", "a.example.com", "--relay-ip", "300.0.0.1"],
            "'300.0.0.1' is not an IP address",
        ),
        (["verify", "--outputs", "/nonexistent/outputs.json"], "cannot read the file"),
        (["verify", "--domain", "a.example.com", "--wait", "-1"], "--wait -1: must be 0 or more"),
    ],
)
def test_usage_errors_exit_2_with_a_clear_message(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_invalid_outputs_name_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "outputs.json"
    path.write_text(
        json.dumps({"records": [], "domains": [{"name": "a.example.com", "sender": "smtp"}]})
    )
    assert main(["verify", "--outputs", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}.domains[0].sender: 'smtp' is not one of ses, postfix" in err
    path.write_text("{not json")
    assert main(["verify", "--outputs", str(path)]) == 2
    assert "not JSON (line 1 column 2" in capsys.readouterr().err


def test_domain_and_outputs_are_exclusive(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["verify", "--domain", "a.example.com", "--outputs", "x.json"])
    assert exit_info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
