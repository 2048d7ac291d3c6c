"""`mailstack relay-config`: the files an operator reviews are the files the tests run."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from components.config.model import load_stack_file
from components.relay.bundle import RelaySecrets, render_relay
from mailstack.cli import main
from tests.relay.harness import rsa_key_pem

STACK = """\
config:
  aws:region: eu-west-1
  mailstack:environment: production
  mailstack:dns: {provider: zonefile}
  mailstack:alerts: {emails: [ops@example.com]}
  mailstack:domains:
    - name: news.example.com
      sender: ses
      mailFrom: bounce.news.example.com
      dmarc: {policy: quarantine, rua: [dmarc-reports@example.com]}
    - name: mail.example.com
      sender: postfix
      relay:
        hostname: relay1.mail.example.com
        allowedCidrs: [10.0.0.0/8]
        dkimSelector: s1
        throttling: {gmail: {concurrency: 6}}
      dmarc: {policy: reject, rua: [dmarc-reports@example.com]}
"""


@pytest.fixture
def stack_file(tmp_path: Path) -> Path:
    path = tmp_path / "Pulumi.test.yaml"
    path.write_text(STACK)
    return path


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "dkim.pem"
    path.write_text(rsa_key_pem())
    return path


def test_writes_the_rendered_files_with_secret_modes(
    stack_file: Path, key_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code = main(["relay-config", "--config", str(stack_file), "--domain", "mail.example.com",
                 "--out", str(out), "--dkim-key", str(key_file)])
    assert code == 0
    domain = next(d for d in load_stack_file(stack_file).domains if d.name == "mail.example.com")
    assert domain.relay is not None
    expected = render_relay(domain.name, domain.relay, "eu-west-1",
                            RelaySecrets(key_file.read_text(), "unused"))
    for item in expected.files:
        written = out / item.path.lstrip("/")
        assert written.read_text() == item.content
        assert stat.S_IMODE(written.stat().st_mode) == item.mode
    assert "gmail_destination_concurrency_limit = 6" in (out / "etc/postfix/main.cf").read_text()
    assert stat.S_IMODE((out / "cloud-init/user-data.yaml").stat().st_mode) == 0o600
    assert (out / "dns/dkim-txt.txt").read_text() == (
        f"s1._domainkey.mail.example.com TXT {expected.dkim_txt}\n"
    )
    printed = capsys.readouterr()
    assert "PRIVATE KEY" not in printed.out + printed.err
    assert key_file.read_text().splitlines()[1] not in printed.out + printed.err


def test_rendered_postfix_configuration_parses_cleanly(stack_file: Path, tmp_path: Path) -> None:
    if subprocess.run(["which", "postconf"], capture_output=True).returncode != 0:
        pytest.skip("postconf is not installed")
    out = tmp_path / "out"
    assert main(["relay-config", "--config", str(stack_file), "--domain", "mail.example.com",
                 "--out", str(out)]) == 0
    result = subprocess.run(["postconf", "-c", str(out / "etc/postfix"), "-n"],
                            capture_output=True, text=True)
    assert result.returncode == 0 and result.stderr == ""
    assert "myhostname = relay1.mail.example.com" in result.stdout


def test_throwaway_key_when_none_is_given(stack_file: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["relay-config", "--config", str(stack_file), "--domain", "mail.example.com",
                 "--out", str(out)]) == 0
    assert "BEGIN PRIVATE KEY" in (out / "etc/opendkim/keys/s1.private").read_text()
    assert "throwaway key" in capsys.readouterr().err


@pytest.mark.parametrize(("domain", "message"), [
    ("news.example.com",
     "sends with ses, not postfix; relay domains in this stack: mail.example.com"),
    ("other.example.com", "is not in the stack; relay domains: mail.example.com"),
])
def test_non_relay_domains_are_usage_errors(
    stack_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], domain: str, message: str
) -> None:
    code = main(["relay-config", "--config", str(stack_file), "--domain", domain,
                 "--out", str(tmp_path / "out")])
    assert code == 2
    assert message in capsys.readouterr().err


def test_bad_dkim_keys_are_usage_errors(stack_file: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    short = tmp_path / "short.pem"
    short.write_text(rsa_key_pem(1024))
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a key")
    locked = tmp_path / "locked.pem"
    locked.write_bytes(rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"passphrase"),
    ))
    for path, message in ((short, "1024 bits; at least 2048"), (garbage, "not a PEM private key"),
                          (locked, "the key is protected by a passphrase"),
                          (tmp_path / "missing.pem", "cannot read the file")):
        code = main(["relay-config", "--config", str(stack_file), "--domain", "mail.example.com",
                     "--out", str(tmp_path / "out"), "--dkim-key", str(path)])
        assert code == 2
        assert message in capsys.readouterr().err


def test_invalid_relay_config_lists_problems(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "Pulumi.bad.yaml"
    path.write_text(STACK.replace("[10.0.0.0/8]", "[0.0.0.0/0]"))
    code = main(["relay-config", "--config", str(path), "--domain", "mail.example.com",
                 "--out", str(tmp_path / "out")])
    assert code == 1
    err = capsys.readouterr().err
    assert 'mailstack:domains[1].relay.allowedCidrs[0]: "0.0.0.0/0" is not valid' in err
    assert "Traceback" not in err


def test_missing_stack_file_is_a_usage_error(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["relay-config", "--config", str(tmp_path / "nope.yaml"), "--domain",
                 "mail.example.com", "--out", str(tmp_path / "out")])
    assert code == 2 and "does not exist" in capsys.readouterr().err


def _relay_config(stack_file: Path, out: Path) -> int:
    return main(["relay-config", "--config", str(stack_file), "--domain", "mail.example.com",
                 "--out", str(out)])


def test_a_planted_symlink_is_not_followed(stack_file: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    elsewhere = tmp_path / "victim.txt"
    elsewhere.write_text("untouched\n")
    out = tmp_path / "out"
    (out / "etc/opendkim/keys").mkdir(parents=True)
    (out / "etc/opendkim/keys/s1.private").symlink_to(elsewhere)
    assert _relay_config(stack_file, out) == 2
    assert "is not empty" in capsys.readouterr().err
    assert elsewhere.read_text() == "untouched\n"
    assert (out / "etc/opendkim/keys/s1.private").is_symlink()


def test_a_symlink_as_the_directory_is_refused(stack_file: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    real = tmp_path / "real"
    real.mkdir()
    out = tmp_path / "out"
    out.symlink_to(real)
    assert _relay_config(stack_file, out) == 2
    assert "symbolic link" in capsys.readouterr().err
    assert list(real.iterdir()) == []


def test_a_pre_existing_file_is_not_truncated(stack_file: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    (out / "etc/postfix").mkdir(parents=True)
    (out / "etc/postfix/main.cf").write_text("planted\n")
    assert _relay_config(stack_file, out) == 2
    assert (out / "etc/postfix/main.cf").read_text() == "planted\n"
    plain = tmp_path / "plain-file"
    plain.write_text("planted\n")
    assert _relay_config(stack_file, plain) == 2
    assert "not a directory" in capsys.readouterr().err
    assert plain.read_text() == "planted\n"


def test_foreign_or_shared_writable_directories_are_refused(
    stack_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    os.chown(foreign, 65534, 65534)
    assert _relay_config(stack_file, foreign) == 2
    assert "owned by another user (uid 65534)" in capsys.readouterr().err
    assert list(foreign.iterdir()) == []
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    assert _relay_config(stack_file, shared) == 2
    assert "writable by group or others" in capsys.readouterr().err


def test_an_empty_own_directory_is_filled_and_secrets_are_private_from_creation(
    stack_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    out.mkdir(mode=0o700)
    modes: dict[str, int] = {}
    real_fdopen = os.fdopen

    def record_mode_at_creation(fd: int, *args: Any, **kwargs: Any) -> Any:
        # Called on the fresh descriptor before any byte is written: the mode it was created with.
        modes[os.readlink(f"/proc/self/fd/{fd}")] = stat.S_IMODE(os.fstat(fd).st_mode)
        return real_fdopen(fd, *args, **kwargs)

    monkeypatch.setattr(os, "fdopen", record_mode_at_creation)
    old_umask = os.umask(0)
    try:
        assert _relay_config(stack_file, out) == 0
    finally:
        os.umask(old_umask)
    monkeypatch.undo()
    by_name = {Path(path).name: mode for path, mode in modes.items()}
    assert by_name["s1.private"] == 0o600
    assert by_name["user-data.yaml"] == 0o600
    assert by_name["main.cf"] == 0o644
    assert stat.S_IMODE((out / "etc/opendkim/keys/s1.private").stat().st_mode) == 0o600
    assert stat.S_IMODE((out / "etc/postfix/main.cf").stat().st_mode) == 0o644
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]
