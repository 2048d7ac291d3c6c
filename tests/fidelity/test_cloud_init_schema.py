"""The relay's user data, as the instance would receive it, passes cloud-init's own schema."""

from __future__ import annotations

import base64
import gzip
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.fidelity.plans import EXAMPLE_STACKS, EXTRA_CONFIGS, relay_user_data

CLOUD_INIT = shutil.which("cloud-init")
RELAY_PLANS = [n for n in [*EXAMPLE_STACKS, *EXTRA_CONFIGS] if n != "Pulumi.dev.yaml"]
needs_cloud_init = pytest.mark.skipif(
    CLOUD_INIT is None, reason="cloud-init is not installed (Debian package cloud-init; .ci/run)"
)


def _schema(path: Path) -> subprocess.CompletedProcess[str]:
    assert CLOUD_INIT is not None
    return subprocess.run(
        [CLOUD_INIT, "schema", "--config-file", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@needs_cloud_init
@pytest.mark.parametrize("name", RELAY_PLANS)
def test_relay_user_data_is_valid_cloud_config(name: str, tmp_path: Path) -> None:
    user_data = relay_user_data(name)
    assert user_data, "the plan has a relay instance"
    for instance, encoded in user_data.items():
        text = gzip.decompress(base64.b64decode(encoded)).decode("utf-8")
        assert text.startswith("#cloud-config\n")
        path = tmp_path / f"{instance}.yaml"
        path.write_text(text, encoding="utf-8")
        result = _schema(path)
        assert result.returncode == 0, f"{instance}: {result.stdout}{result.stderr}"
        assert "Valid cloud-config" in result.stdout


@needs_cloud_init
def test_cloud_init_schema_refuses_a_broken_config(tmp_path: Path) -> None:
    """The check can fail: a wrong type in a known module is refused."""
    (_instance, encoded), *_ = relay_user_data("Pulumi.prod.yaml").items()
    text = gzip.decompress(base64.b64decode(encoded)).decode("utf-8")
    path = tmp_path / "broken.yaml"
    path.write_text(text.replace("\npackages:\n", "\npackages: 3\nx_packages:\n", 1))
    assert "\npackages: 3\n" in path.read_text()
    result = _schema(path)
    assert result.returncode != 0
    assert "packages: 3 is not of type 'array'" in result.stdout + result.stderr
