"""Postfix `main.cf`, `master.cf` and the small maps they reference."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from components.config.relay import PROVIDERS, RelaySettings, Throttle
from components.relay.formats import main_cf_line, secret_field, table_line, token
from components.relay.layout import RelayLayout
from components.relay.ses_smtp import ses_smtp_endpoint

# Recipient domains of the large mailbox providers, routed to their own throttled transport:
# the consumer domains whose MX hosts are the provider's (Yahoo also receives for AOL,
# Verizon and AIM). Domains that merely host their mail there (Google Workspace, Microsoft
# 365) cannot be told apart by name and take the default transport.
PROVIDER_DOMAINS: dict[str, tuple[str, ...]] = {
    "gmail": ("gmail.com", "googlemail.com"),
    "outlook": (
        "outlook.com", "hotmail.com", "live.com", "msn.com",
        "hotmail.co.uk", "hotmail.fr", "hotmail.de", "hotmail.it", "hotmail.es",
        "live.co.uk", "live.fr", "live.de", "live.it", "live.nl", "live.ca", "live.com.au",
        "outlook.fr", "outlook.de", "outlook.it", "outlook.es",
    ),
    "yahoo": (
        "yahoo.com", "ymail.com", "rocketmail.com", "aol.com", "aim.com", "verizon.net",
        "yahoo.co.uk", "yahoo.fr", "yahoo.de", "yahoo.it", "yahoo.es", "yahoo.ca",
        "yahoo.com.au", "yahoo.co.in", "yahoo.com.br",
    ),
}

# Only TLS 1.2 and 1.3, inbound and outbound.
MODERN_TLS = ">=TLSv1.2"

HEADER_CHECKS = "\n".join((
    "# Internal hops are not the recipients' business: drop the submitting client's hop",
    "# (authenticated submission, ESMTPSA) and hops from private networks.",
    "/^Received:.*with ESMTPSA/ IGNORE",
    r"/^Received: from .*[[(](10|127|192\.168|172\.(1[6-9]|2[0-9]|3[01]))\.[0-9.]+[])]/ IGNORE",
    # IPv6 unique local (fc00::/7), link-local (fe80::/10) and loopback submitters.
    r"/^Received: from .*\[IPv6:(f[cd][0-9a-f]{2}:|fe[89ab][0-9a-f]:|::1\])/ IGNORE",
    "/^X-Originating-IP:/ IGNORE",
    "",
))


def ses_relayhost(region: str, layout: RelayLayout) -> str:
    host = token(layout.ses_host or ses_smtp_endpoint(region), "SES SMTP host")
    return f"[{host}]:{int(layout.ses_port)}"


def _lines(pairs: Iterable[tuple[str, str]]) -> list[str]:
    return [main_cf_line(key, value) for key, value in pairs]


def _throttle(prefix: str, throttle: Throttle) -> list[tuple[str, str]]:
    pairs = [
        (f"{prefix}_destination_concurrency_limit", str(throttle.concurrency)),
        (f"{prefix}_destination_rate_delay", f"{throttle.rate_delay_seconds}s"),
        (f"{prefix}_destination_recipient_limit", str(throttle.recipient_limit)),
    ]
    if throttle.rate_delay_seconds > 0:
        # With a rate delay, one failed connection would otherwise mark the whole
        # destination dead and defer everything queued for it (postconf(5)).
        pairs.append((f"{prefix}_destination_concurrency_failed_cohort_limit", "10"))
    return pairs


def accepts_ipv6(settings: RelaySettings) -> bool:
    """True when some submitters are listed by IPv6 network."""
    return any(ipaddress.ip_network(cidr).version == 6 for cidr in settings.allowed_cidrs)


def provider_transports(settings: RelaySettings) -> tuple[str, ...]:
    """Transports that get their own master.cf entry; none when relaying through SES."""
    return () if settings.uses_ses else PROVIDERS


def render_transport_map(settings: RelaySettings) -> str:
    lines = ["# recipient domain -> throttled transport (nexthop: the domain's MX)"]
    for provider in provider_transports(settings):
        lines += [
            table_line(domain, f"{provider}:", what="transport entry")
            for domain in PROVIDER_DOMAINS[provider]
        ]
    return "\n".join(lines) + "\n"


def render_main_cf(domain: str, settings: RelaySettings, region: str, layout: RelayLayout) -> str:
    token(domain, "relay domain")
    token(settings.hostname, "relay hostname")
    out = [
        f"# Postfix relay for {domain}, rendered by mailstack from the stack configuration.",
        "# Change the stack configuration, not this file.",
        "compatibility_level = 3.6",
        "",
        "# identity: HELO and banner match the PTR of the relay's Elastic IP",
    ]
    out += _lines([
        ("myhostname", settings.hostname),
        ("mydomain", domain),
        ("myorigin", "$mydomain"),
        ("smtpd_banner", "$myhostname ESMTP"),
        ("smtp_helo_name", "$myhostname"),
        ("queue_directory", layout.queue_directory),
        ("data_directory", layout.data_directory),
        ("maillog_file", layout.maillog_file),
        ("maillog_file_prefixes", layout.maillog_file.rsplit("/", 1)[0]),
        ("inet_interfaces", layout.inet_interfaces),
        # Submitters listed by IPv6 network need an IPv6 listener; delivery stays on IPv4
        # (see master.cf) because only the Elastic IP has PTR and SPF alignment.
        ("inet_protocols", "all" if accepts_ipv6(settings) else "ipv4"),
        ("biff", "no"),
        ("append_dot_mydomain", "no"),
        ("readme_directory", "no"),
    ])
    out += ["", "# nothing is delivered locally; the relay only forwards"]
    out += _lines([
        ("mydestination", ""),
        ("local_recipient_maps", ""),
        ("alias_maps", ""),
        ("alias_database", ""),
        ("mynetworks", "127.0.0.0/8 [::1]/128" if accepts_ipv6(settings) else "127.0.0.0/8"),
        ("message_size_limit", str(settings.message_size_limit)),
        ("header_checks", f"regexp:{layout.postfix('header_checks')}"),
    ])
    out += ["", "# submission: STARTTLS first, then AUTH, then relay; nobody else relays"]
    out += _lines([
        ("smtpd_tls_cert_file", layout.tls_cert_file),
        ("smtpd_tls_key_file", layout.tls_key_file),
        ("smtpd_tls_security_level", "encrypt"),
        ("smtpd_tls_auth_only", "yes"),
        ("smtpd_tls_protocols", MODERN_TLS),
        ("smtpd_tls_mandatory_protocols", MODERN_TLS),
        ("smtpd_tls_mandatory_ciphers", "high"),
        ("smtpd_tls_loglevel", "1"),
        ("smtpd_sasl_auth_enable", "yes"),
        ("smtpd_sasl_type", "cyrus"),
        ("smtpd_sasl_path", "smtpd"),
        ("cyrus_sasl_config_path", layout.sasl_directory),
        ("smtpd_sasl_local_domain", "$myhostname"),
        ("smtpd_sasl_security_options", "noanonymous, noplaintext"),
        ("smtpd_sasl_tls_security_options", "noanonymous"),
        ("smtpd_sasl_authenticated_header", "no"),
        ("broken_sasl_auth_clients", "no"),
        ("disable_vrfy_command", "yes"),
        ("smtpd_helo_required", "yes"),
        ("smtpd_client_restrictions", "permit_sasl_authenticated, reject"),
        ("smtpd_relay_restrictions",
         "permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination"),
        ("smtpd_recipient_restrictions", "permit_sasl_authenticated, reject"),
        # A leaked submission password must not let anyone send as other domains from our IP.
        ("smtpd_sender_restrictions",
         f"reject_non_fqdn_sender, check_sender_access texthash:{layout.postfix('sender_access')},"
         " reject"),
        ("smtpd_data_restrictions", "reject_unauth_pipelining"),
        ("smtpd_client_auth_rate_limit", "30"),
    ])
    out += ["", "# DKIM: every message leaves signed, or waits (tempfail) until OpenDKIM is back"]
    out += _lines([
        ("milter_protocol", "6"),
        ("milter_default_action", "tempfail"),
        ("smtpd_milters", layout.milter),
        ("non_smtpd_milters", "$smtpd_milters"),
    ])
    out += ["", "# outbound TLS"]
    outbound: list[tuple[str, str]] = [
        ("smtp_tls_protocols", MODERN_TLS),
        ("smtp_tls_mandatory_protocols", MODERN_TLS),
        ("smtp_tls_CApath", layout.ca_path),
        *([("smtp_tls_CAfile", layout.ca_file)] if layout.ca_file else []),
        ("smtp_tls_loglevel", "1"),
        ("smtp_tls_session_cache_database", "btree:${data_directory}/smtp_scache"),
    ]
    if settings.uses_ses:
        # SES credentials cross this connection: require TLS and verify the endpoint's name.
        outbound += [
            ("smtp_tls_security_level", "secure"), ("smtp_tls_secure_cert_match", "nexthop"),
        ]
    else:
        outbound.append(("smtp_tls_security_level", settings.outbound_tls))
        if settings.outbound_tls == "dane":
            outbound.append(("smtp_dns_support_level", "dnssec"))
    out += _lines(outbound)
    if settings.uses_ses:
        out += ["", "# upstream smarthost: Amazon SES SMTP interface"]
        out += _lines([
            ("relayhost", ses_relayhost(settings.ses_region or region, layout)),
            ("smtp_sasl_auth_enable", "yes"),
            ("smtp_sasl_password_maps", f"texthash:{layout.postfix('sasl_passwd')}"),
            ("smtp_sasl_security_options", "noanonymous"),
            ("smtp_sasl_tls_security_options", "noanonymous"),
        ])
    else:
        out += ["", "# large mailbox providers get their own, stricter transports"]
        out += _lines([("transport_maps", f"texthash:{layout.postfix('transport')}")])
    out += ["", "# throttling per destination"]
    out += _lines(_throttle("default", settings.throttling.default))
    for provider in provider_transports(settings):
        out += _lines(_throttle(provider, settings.throttling.provider(provider)))
    retry = settings.retry
    out += ["", "# retry policy"]
    out += _lines([
        ("maximal_queue_lifetime", retry.queue_lifetime),
        ("bounce_queue_lifetime", retry.bounce_queue_lifetime),
        ("minimal_backoff_time", retry.minimal_backoff),
        ("maximal_backoff_time", retry.maximal_backoff),
        ("queue_run_delay", retry.queue_run_delay),
    ])
    return "\n".join(out) + "\n"


# Daemons run outside a chroot so that the sasldb, maps and certificates are read
# from their real paths, identical between the EC2 host and the test instance.
_SERVICES = (
    ("pickup", "unix", "n", "-", "60", "1", "pickup"),
    ("cleanup", "unix", "n", "-", "-", "0", "cleanup"),
    ("qmgr", "unix", "n", "-", "300", "1", "qmgr"),
    ("tlsmgr", "unix", "-", "-", "1000?", "1", "tlsmgr"),
    ("rewrite", "unix", "-", "-", "-", "-", "trivial-rewrite"),
    ("bounce", "unix", "-", "-", "-", "0", "bounce"),
    ("defer", "unix", "-", "-", "-", "0", "bounce"),
    ("trace", "unix", "-", "-", "-", "0", "bounce"),
    ("verify", "unix", "-", "-", "-", "1", "verify"),
    ("flush", "unix", "n", "-", "1000?", "0", "flush"),
    ("proxymap", "unix", "-", "-", "-", "-", "proxymap"),
    ("proxywrite", "unix", "-", "-", "-", "1", "proxymap"),
    ("smtp", "unix", "-", "-", "-", "-", "smtp"),
    ("relay", "unix", "-", "-", "-", "-", "smtp"),
    ("showq", "unix", "n", "-", "-", "-", "showq"),
    ("error", "unix", "-", "-", "-", "-", "error"),
    ("retry", "unix", "-", "-", "-", "-", "error"),
    ("discard", "unix", "-", "-", "-", "-", "discard"),
    ("local", "unix", "-", "n", "-", "-", "local"),
    ("anvil", "unix", "-", "-", "-", "1", "anvil"),
    ("scache", "unix", "-", "-", "-", "1", "scache"),
    ("postlog", "unix-dgram", "n", "-", "-", "1", "postlogd"),
)


def _service(name: str, kind: str, private: str, unpriv: str, wakeup: str, maxproc: str,
             command: str) -> str:
    for field in (name, kind, private, unpriv, wakeup, maxproc, command):
        token(field, "master.cf field")
    columns = f"{name:<12} {kind:<10} {private:<7} {unpriv:<7} n       {wakeup:<7} {maxproc:<7}"
    return f"{columns} {command}"


def render_master_cf(settings: RelaySettings, layout: RelayLayout) -> str:
    lines = [
        "# Postfix master process configuration, rendered by mailstack.",
        "# No port 25 listener: the relay only accepts authenticated submission.",
        "# service    type       private unpriv  chroot  wakeup  maxproc command + args",
        _service(layout.submission_listen, "inet", "n", "-", "-", "-", "smtpd"),
        "  -o syslog_name=postfix/submission",
    ]
    ipv4_only = ["  -o inet_protocols=ipv4"] if accepts_ipv6(settings) else []
    for service in _SERVICES:
        lines.append(_service(*service))
        if service[-1] == "smtp":
            lines += ipv4_only
    for provider in provider_transports(settings):
        lines.append(_service(provider, "unix", "-", "-", "-", "-", "smtp"))
        lines.append(f"  -o syslog_name=postfix/{provider}")
        lines += ipv4_only
    return "\n".join(lines) + "\n"


def render_sender_access(domain: str) -> str:
    """Envelope senders the relay accepts: the domain and its subdomains (e.g. MAIL FROM)."""
    # parent_domain_matches_subdomains covers smtpd_access_maps, so the bare domain
    # also matches its subdomains.
    entry = table_line(domain, "OK", what="sender domain")
    return f"# envelope sender domain -> allowed\n{entry}\n"


def render_header_checks() -> str:
    return HEADER_CHECKS


def render_sasl_passwd(region: str, settings: RelaySettings, layout: RelayLayout,
                       username: str, password: str) -> str:
    """Client credentials for the SES smarthost (a secret: mode 0600, root only)."""
    credentials = f"{secret_field(username, 'SES SMTP username')}:"
    credentials += secret_field(password, "SES SMTP password")
    return f"{ses_relayhost(settings.ses_region or region, layout)} {credentials}\n"
