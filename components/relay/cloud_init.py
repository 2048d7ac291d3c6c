"""The cloud-init user data that turns a stock Debian 12 instance into the relay."""

from __future__ import annotations

import base64
import gzip
import json
import shlex
from typing import Any

import yaml

from components.config.relay import RelaySettings
from components.relay.bundle import RelayInstall, RelaySecrets, render_relay
from components.relay.formats import token
from components.relay.layout import PRODUCTION

# EC2 refuses user data above 16 KiB.
USER_DATA_LIMIT = 16384
PACKAGES = (
    "postfix", "opendkim", "opendkim-tools", "sasl2-bin", "libsasl2-modules",
    "ca-certificates", "openssl", "logrotate", "curl",
)
CLOUDWATCH_AGENT_DEB = (
    "https://amazoncloudwatch-agent.s3.amazonaws.com/debian/amd64/latest/amazon-cloudwatch-agent.deb"
)
CLOUDWATCH_CONFIG = "/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json"
SASL_PASSWORD_FILE = "/etc/mailstack/sasl-password"
# glibc passes the resolver's AD (validated) bit to Postfix only with trust-ad.
RESOLV_CONF = "nameserver 127.0.0.1\noptions trust-ad\n"
DHCLIENT_HOOK = "/etc/dhcp/dhclient-enter-hooks.d/mailstack-validating-resolver"


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def log_group_name(hostname: str) -> str:
    return f"/mailstack/relay/{hostname}/mail"


def _cloudwatch_config(hostname: str) -> str:
    config = {
        "agent": {"metrics_collection_interval": 60, "run_as_user": "root"},
        "logs": {"logs_collected": {"files": {"collect_list": [{
            "file_path": PRODUCTION.maillog_file,
            "log_group_name": log_group_name(hostname),
            "log_stream_name": "{instance_id}/postfix",
            "retention_in_days": 30,
        }]}}},
        "metrics": {
            "namespace": "Mailstack/Relay",
            "append_dimensions": {"InstanceId": "${aws:InstanceId}"},
            "metrics_collected": {
                "mem": {"measurement": ["mem_used_percent"]},
                "disk": {"measurement": ["used_percent"], "resources": ["/"]},
            },
        },
    }
    return json.dumps(config, indent=2, sort_keys=True) + "\n"


_LOGROTATE = f"""{PRODUCTION.maillog_file} {{
    weekly
    rotate 8
    compress
    delaycompress
    missingok
    notifempty
    postrotate
        /usr/sbin/postfix reload >/dev/null 2>&1 || true
    endscript
}}
"""


def uses_own_validating_resolver(settings: RelaySettings) -> bool:
    """DANE delivery runs unbound on the relay; SES delivery never looks up TLSA records."""
    return settings.outbound_tls == "dane" and not settings.uses_ses


def _runcmd(settings: RelaySettings, install: RelayInstall) -> list[Any]:
    layout = PRODUCTION
    host = token(settings.hostname, "relay hostname")
    # Every value in a shell line is quoted, so none can end the command or start another.
    q = shlex.quote
    subject = q(f"/CN={host}")
    san = q(f"subjectAltName=DNS:{host}")
    cert, key = q(layout.tls_cert_file), q(layout.tls_key_file)
    password_file = q(SASL_PASSWORD_FILE)
    tls_dir = layout.tls_cert_file.rsplit("/", 1)[0]
    commands: list[Any] = [
        ["install", "-d", "-m", "0750", "-o", "root", "-g", "postfix", tls_dir],
        # Submitters are the operator's own systems; they pin this self-signed certificate.
        [
            "sh", "-c",
            f"test -s {cert} || openssl req -x509 -newkey rsa:2048 -nodes"
            f" -days 825 -subj {subject} -addext {san} -keyout {key} -out {cert}",
        ],
        ["chmod", "0640", layout.tls_key_file],
        ["chgrp", "postfix", layout.tls_key_file],
        [
            "sh", "-c",
            f"{shlex.join(install.sasl_command)} < {password_file} && rm -f {password_file}",
        ],
        ["chown", "root:postfix", layout.sasldb],
        ["chmod", "0640", layout.sasldb],
        # smtpd and cleanup reach the OpenDKIM socket through its group.
        ["usermod", "-a", "-G", "opendkim", "postfix"],
    ]
    if uses_own_validating_resolver(settings):
        # DANE needs a validating resolver on the host; unbound validates from the root anchor.
        # /etc/resolv.conf may be a symlink into systemd-resolved's stub, which does not
        # validate by default; a plain file takes it out of resolved's hands, and the dhclient
        # hook keeps DHCP renewals from rewriting it.
        commands.append([
            "sh", "-c",
            "rm -f /etc/resolv.conf"
            f" && printf {shlex.quote(RESOLV_CONF)} > /etc/resolv.conf",
        ])
    commands += [
        ["systemctl", "enable", "opendkim", "postfix"],
        ["systemctl", "restart", "opendkim"],
        ["systemctl", "restart", "postfix"],
        [
            "sh", "-c",
            f"curl -fsSL -o /tmp/amazon-cloudwatch-agent.deb {q(CLOUDWATCH_AGENT_DEB)}"
            " && apt-get install -y /tmp/amazon-cloudwatch-agent.deb"
            " && /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl"
            f" -a fetch-config -m ec2 -s -c {q('file:' + CLOUDWATCH_CONFIG)}",
        ],
    ]
    return commands


def render_cloud_init(
    domain: str, settings: RelaySettings, region: str, secrets: RelaySecrets,
    cloudwatch_agent_config: str | None = None,
) -> str:
    """`#cloud-config` user data for Debian 12; it carries secrets, so treat it as one.

    `cloudwatch_agent_config` replaces the built-in agent configuration (which ships
    the mail log to `log_group_name(hostname)`), e.g. with RelayMonitoring's.
    """
    token(settings.hostname, "relay hostname")
    install = render_relay(domain, settings, region, secrets, PRODUCTION)
    files: list[dict[str, Any]] = [
        {
            "path": item.path,
            "content": item.content,
            "owner": item.owner,
            "permissions": f"0{item.mode:o}",
            # Written after the packages are installed, so their users exist and their
            # postinst scripts do not overwrite the configuration.
            "defer": True,
        }
        for item in install.files
    ]
    files += [
        {"path": SASL_PASSWORD_FILE, "content": secrets.sasl_password, "owner": "root:root",
         "permissions": "0600", "defer": True},
        {"path": CLOUDWATCH_CONFIG,
         "content": cloudwatch_agent_config or _cloudwatch_config(settings.hostname),
         "owner": "root:root", "permissions": "0644", "defer": True},
        {"path": "/etc/logrotate.d/postfix-maillog", "content": _LOGROTATE,
         "owner": "root:root", "permissions": "0644", "defer": True},
    ]
    packages = list(PACKAGES)
    if uses_own_validating_resolver(settings):
        packages.append("unbound")
        files.append({
            "path": DHCLIENT_HOOK,
            "content": "# keep /etc/resolv.conf on the local validating resolver (DANE)\n"
                       "make_resolv_conf() { :; }\n",
            "owner": "root:root", "permissions": "0644",
        })
    document = {
        "hostname": settings.hostname.split(".", 1)[0],
        "fqdn": settings.hostname,
        "prefer_fqdn_over_hostname": True,
        "manage_etc_hosts": True,
        # Keep the Debian installer from writing its own Postfix configuration.
        "bootcmd": [[
            "sh", "-c",
            "echo 'postfix postfix/main_mailer_type select No configuration'"
            " | debconf-set-selections",
        ]],
        "package_update": True,
        "package_upgrade": True,
        "packages": packages,
        "write_files": files,
        "runcmd": _runcmd(settings, install),
    }
    return "#cloud-config\n" + yaml.dump(
        document, Dumper=_Dumper, sort_keys=False, width=4096, default_flow_style=False
    )


def user_data_gzip_base64(text: str) -> str:
    """The user data gzip-compressed (cloud-init unpacks it) and base64-encoded for EC2.

    mtime=0 keeps the bytes identical between runs, so an unchanged config never
    replaces the instance.
    """
    packed = gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)
    if len(packed) > USER_DATA_LIMIT:
        raise ValueError(
            f"compressed user data is {len(packed)} bytes; EC2 allows {USER_DATA_LIMIT}"
        )
    return base64.b64encode(packed).decode("ascii")
