"""`mailstack relay-config`: write the relay files of one `sender: postfix` domain for review."""

from __future__ import annotations

import argparse
import secrets
import sys
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from components.config.model import DomainConfig, StackConfig, load_stack_file
from components.config.problems import ConfigError
from components.records.dkim import dkim_record_name
from components.relay.bundle import RelaySecrets, render_relay
from components.relay.cloud_init import render_cloud_init
from components.relay.dkim import public_key_pem_from_private
from mailstack.cli import UsageError
from mailstack.output_dir import OutputDirError, OutputFile, write_tree
from mailstack.stack_source import add_stack_source, stack_settings_path

# Stand-ins for credentials that only exist once the stack is deployed.
SES_USERNAME_PLACEHOLDER = "SES_SMTP_USERNAME"
SES_PASSWORD_PLACEHOLDER = "SES_SMTP_PASSWORD"
CLOUD_INIT_FILE = "cloud-init/user-data.yaml"
DKIM_TXT_FILE = "dns/dkim-txt.txt"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "relay-config",
        help="write the Postfix/OpenDKIM files of a relay domain to a directory",
        description=(
            "Render main.cf, master.cf, the OpenDKIM configuration and tables, the SASL setup "
            "and the cloud-init user data of one `sender: postfix` domain into DIR, laid out "
            "as on the relay host (DIR/etc/postfix/main.cf, ...), for review and testing. "
            "Without --dkim-key a throwaway key is generated. Secrets are written with mode "
            "0600 and never printed."
        ),
    )
    add_stack_source(parser, "read")
    parser.add_argument("--domain", metavar="D", required=True, help="the relay domain")
    parser.add_argument(
        "--out",
        metavar="DIR",
        type=Path,
        required=True,
        help=(
            "directory to create and write into; an existing one must be empty, yours and "
            "writable only by you (the files appear in it at once, the directory mode 0700)"
        ),
    )
    parser.add_argument(
        "--dkim-key",
        metavar="PEM",
        type=Path,
        help="RSA private key (PEM, at least 2048 bits) to sign with",
    )
    parser.set_defaults(func=run)


def _relay_domain(config: StackConfig, name: str) -> DomainConfig:
    wanted = name.strip().rstrip(".").lower()
    relays = [d.name for d in config.domains if d.sender == "postfix"]
    for domain in config.domains:
        if domain.name == wanted:
            if domain.sender != "postfix" or domain.relay is None:
                raise UsageError(
                    f"domain {wanted} sends with {domain.sender}, not postfix; relay domains in "
                    f"this stack: {', '.join(relays) or 'none'}"
                )
            return domain
    raise UsageError(
        f"domain {wanted} is not in the stack; relay domains: {', '.join(relays) or 'none'}"
    )


def _dkim_key(path: Path | None) -> tuple[str, bool]:
    if path is None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode("ascii")
        return pem, True
    try:
        pem = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"--dkim-key {path}: cannot read the file ({error})") from None
    try:
        public_key_pem_from_private(pem)
    except (ValueError, TypeError) as error:
        text = str(error)
        if "encrypted" in text:
            detail = "the key is protected by a passphrase"
        elif "bits" in text or "RSA" in text:
            detail = text
        else:
            detail = "not a PEM private key"
        raise UsageError(
            f"--dkim-key {path}: {detail}; expected an unencrypted RSA private key in PEM form,"
            " at least 2048 bits"
        ) from None
    return pem, False


def run(args: argparse.Namespace) -> int:
    path = stack_settings_path(args)
    try:
        config = load_stack_file(path)
    except ConfigError as error:
        print(error.render(), file=sys.stderr)
        return 1
    domain = _relay_domain(config, args.domain)
    assert domain.relay is not None
    settings = domain.relay
    dkim_pem, throwaway = _dkim_key(args.dkim_key)
    relay_secrets = RelaySecrets(
        dkim_private_key_pem=dkim_pem,
        sasl_password=secrets.token_urlsafe(24),
        ses_smtp_username=SES_USERNAME_PLACEHOLDER if settings.uses_ses else None,
        ses_smtp_password=SES_PASSWORD_PLACEHOLDER if settings.uses_ses else None,
    )
    install = render_relay(domain.name, settings, config.region, relay_secrets)
    user_data = render_cloud_init(domain.name, settings, config.region, relay_secrets)
    record = f"{dkim_record_name(settings.dkim_selector, domain.name)} TXT {install.dkim_txt}\n"
    files = [
        (OutputFile(item.path, item.content, item.mode), item.secret) for item in install.files
    ]
    files.append((OutputFile(CLOUD_INIT_FILE, user_data, 0o600), True))
    files.append((OutputFile(DKIM_TXT_FILE, record, 0o644), False))
    try:
        paths = write_tree(args.out, [file for file, _secret in files])
    except OutputDirError as error:
        raise UsageError(f"--out {args.out}: {error}") from None
    written = [(path, secret) for path, (_file, secret) in zip(paths, files, strict=True)]
    for file, secret in written:
        print(f"wrote {file}{' (secret, mode 0600)' if secret else ''}")
    if throwaway:
        print(
            "no --dkim-key given: signed with a throwaway key; publish nothing from this run",
            file=sys.stderr,
        )
    if settings.uses_ses:
        print(
            f"SES SMTP credentials are placeholders ({SES_USERNAME_PLACEHOLDER}); "
            "the deployed relay gets them from its IAM access key",
            file=sys.stderr,
        )
    print(
        f"DKIM record: {dkim_record_name(settings.dkim_selector, domain.name)} TXT "
        f"{install.dkim_txt}"
    )
    return 0
