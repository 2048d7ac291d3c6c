"""The throwaway Postfix + OpenDKIM instances stop completely, even when starting fails midway."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from components.config.problems import Problems
from components.config.relay import parse_relay
from components.relay.bundle import RelaySecrets
from tests.relay import harness
from tests.relay.harness import RelayInstance, missing_binaries, rsa_key_pem

pytestmark = [
    pytest.mark.skipif(bool(missing_binaries()), reason=f"not installed: {missing_binaries()}"),
    pytest.mark.skipif(os.geteuid() != 0, reason="starting a Postfix instance requires root"),
]

SYSTEM_CONFIG = Path("/etc/postfix")


def instance() -> RelayInstance:
    problems = Problems()
    settings = parse_relay({"allowedCidrs": ["10.0.0.0/8"]}, "relay", problems, "mail.example.com")
    assert not problems.found
    return RelayInstance("mail.example.com", settings, "us-east-1",
                         RelaySecrets(rsa_key_pem(), "harness-password"), overlay={})


def system_config_state() -> dict[str, tuple[int, int]]:
    if not SYSTEM_CONFIG.is_dir():
        return {}
    return {path.name: (path.stat().st_mtime_ns, path.stat().st_size)
            for path in SYSTEM_CONFIG.iterdir() if path.is_file()}


def test_an_instance_abandoned_after_a_failed_start_is_stopped_at_exit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = system_config_state()
    relay = instance()
    seen: dict[str, int | None] = {}

    def never_ready(port: int, timeout: float = 20.0) -> None:
        seen["master"] = relay._master_pid()
        assert relay.opendkim is not None
        seen["opendkim"] = relay.opendkim.pid
        raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")

    monkeypatch.setattr(harness, "wait_for_port", never_ready)
    # No `running()` context: as after an interrupted run, only the exit hook is left to stop it.
    with pytest.raises(TimeoutError):
        relay.start()
    assert relay in harness._LIVE
    harness._stop_leftovers()
    master, opendkim = seen["master"], seen["opendkim"]
    assert master is not None and opendkim is not None
    assert not harness._alive(master) and not harness._alive(opendkim)
    assert relay.opendkim is None and relay not in harness._LIVE
    assert not relay.root.exists()
    # Only the instance's own tree was used: the machine's Postfix configuration is untouched.
    assert system_config_state() == before
