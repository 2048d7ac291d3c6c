"""What the stack publishes is what `mailstack verify` proves: outputs of a deployment (mocked
AWS answers), its records exported as zone files and served by a real Knot, then verified
through the CLI exactly as a pipeline runs it after `pulumi up`."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from components.program import build
from mailstack.commands.plan import write_zone_files
from mailstack.plan import run_program
from tests.components.test_deployed_outputs import PUBLIC_PEM, TOKENS, DeployedMocks
from tests.support import dns_server
from tests.support.environment import without_aws_credentials

REPO = Path(__file__).resolve().parents[1]
CONFIG: dict[str, Any] = {
    "aws:region": "eu-west-2",
    "mailstack:environment": "production",
    "mailstack:dns": {"provider": "route53", "zoneName": "example.com", "zoneId": "Z123"},
    "mailstack:domains": [
        {
            "name": "news.example.com",
            "dmarc": {"policy": "reject", "rua": ["dmarc@example.com"]},
            "spf": {"ip4": ["192.0.2.0/24"]},
        },
        {
            "name": "billing.example.com",
            "dkim": "byo",
            "dkimSelectors": ["s2027", "s2026"],
            "dmarc": {"policy": "quarantine", "rua": ["dmarc@example.com"]},
            "mtaSts": {"mode": "testing", "mx": ["mx.example.com"]},
        },
    ],
}


def amazonses_zone() -> str:
    """Stand-ins for what AWS serves: SES's SPF ranges and the Easy DKIM keys behind the tokens."""
    der = serialization.load_pem_public_key(PUBLIC_PEM.encode()).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    key = base64.b64encode(der).decode()
    halves = f'"v=DKIM1; k=rsa; p={key[:200]}" "{key[200:]}"'
    body = '@ TXT "v=spf1 ip4:54.240.0.0/18 ip4:69.169.224.0/20 -all"\n'
    body += "".join(f"{token}.dkim TXT {halves}\n" for token in TOKENS)
    return dns_server.zone_text("amazonses.com", body)


def test_deployed_outputs_verify_clean_against_the_zone_they_export(tmp_path: Path) -> None:
    try:
        dns_server.find_server()
    except dns_server.DnsServerUnavailableError as error:
        pytest.skip(str(error))
    result = run_program(CONFIG, "prod", build, mocks=DeployedMocks(), preview=False)
    (zone_file,) = write_zone_files(result, tmp_path / "example.com.zone")
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps(result.outputs), encoding="utf-8")
    zones = {
        "example.com": zone_file.read_text(encoding="utf-8"),
        "amazonses.com": amazonses_zone(),
    }
    env = without_aws_credentials(tmp_path)
    with dns_server.serve_zones(zones) as (ip, port):
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "mailstack",
                "verify",
                "--outputs",
                str(outputs),
                "--nameserver",
                f"{ip}:{port}",
                "--format",
                "json",
            ],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(run.stdout)
    assert [d["domain"] for d in report["domains"]] == ["news.example.com", "billing.example.com"]
    for domain in report["domains"]:
        statuses = {c["id"]: c["status"] for c in domain["checks"]}
        dns_checks = {k: v for k, v in statuses.items() if not k.startswith(("ses.", "relay."))}
        assert set(dns_checks.values()) == {"pass"}, (domain["domain"], dns_checks)
        # No AWS account here: the SES API checks say so instead of guessing.
        assert {statuses[k] for k in statuses if k.startswith("ses.")} == {"skip"}
    assert report["summary"]["fail"] == 0
