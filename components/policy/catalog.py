"""The policies: names, enforcement levels and why each level was chosen.

Mandatory stops `pulumi preview`/`up` (and `mailstack plan --policy`); advisory prints a
warning. A rule is mandatory when breaking it weakens mail security or makes mail fail
authentication outright; advisory when it hurts deliverability but can legitimately be
unfinished for a while.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Enforcement = Literal["mandatory", "advisory"]
MANDATORY: Enforcement = "mandatory"
ADVISORY: Enforcement = "advisory"


@dataclass(frozen=True)
class PolicyInfo:
    name: str
    enforcement: Enforcement
    description: str
    # Why this enforcement level: shown in docs and the pack's metadata.
    rationale: str


DMARC_PUBLISHED = PolicyInfo(
    "dmarc-published", MANDATORY,
    "Every sending domain publishes a DMARC record at _dmarc.<domain>.",
    "Without DMARC anyone can spoof the domain and Gmail and Yahoo reject bulk mail from it.",
)
DMARC_ENFORCED_IN_PRODUCTION = PolicyInfo(
    "dmarc-enforced-in-production", MANDATORY,
    "In production stacks every sending domain's DMARC policy is quarantine or reject.",
    "p=none (or testing mode) in production leaves spoofed mail delivered; dev and staging may"
    " monitor first.",
)
DKIM_KEY_LENGTH = PolicyInfo(
    "dkim-key-length", MANDATORY,
    "DKIM keys are RSA keys of at least 2048 bits.",
    "1024-bit RSA is within reach of factoring and receivers increasingly ignore such"
    " signatures; RFC 8301 recommends 2048.",
)
SECRETS_ARE_SECRET = PolicyInfo(
    "secrets-are-secret", MANDATORY,
    "BYODKIM private keys and SMTP/SASL passwords are Pulumi secrets.",
    "A plaintext secret is written unencrypted to the state file and every preview log, and"
    " cannot be taken back once it is there.",
)
REPUTATION_ALARMS = PolicyInfo(
    "reputation-alarms", MANDATORY,
    "Every SES identity and configuration set has bounce and complaint rate alarms with actions.",
    "Without them the first sign of a list problem is SES pausing the account (reviews start at"
    " 5% bounces, 0.1% complaints); the stack creates them by default, so a gap means broken"
    " wiring.",
)
RELAY_SMTP_NOT_OPEN = PolicyInfo(
    "relay-smtp-not-open", MANDATORY,
    "Relay security groups open no SMTP port (25, 465, 587) to 0.0.0.0/0 or ::/0 (nor to any"
    " network wider than a /8, which is the Internet in effect).",
    "An SMTP port open to the Internet invites password guessing and relay abuse that lands the"
    " relay's IP on block lists within hours.",
)
RELAY_REVERSE_DNS = PolicyInfo(
    "relay-reverse-dns", ADVISORY,
    "Every relay Elastic IP has reverse DNS (aws.ec2.EipDomainName).",
    "Receivers such as Gmail refuse or junk mail from IPs without PTR, but AWS sets a PTR only"
    " once the forward A record resolves, so a first deployment may legitimately lack it for"
    " a while; a warning keeps it visible without blocking that deployment.",
)
CLOUDFLARE_MAIL_NOT_PROXIED = PolicyInfo(
    "cloudflare-mail-records-not-proxied", MANDATORY,
    "Cloudflare MX, TXT and DKIM CNAME records are DNS-only (proxied: false).",
    "A proxied DKIM CNAME answers with Cloudflare's addresses instead of the key, so every"
    " signature fails; MX and TXT cannot be proxied at all.",
)
SPF_LOOKUP_LIMIT = PolicyInfo(
    "spf-lookup-limit", MANDATORY,
    "SPF records use at most 10 DNS-querying terms (RFC 7208 4.6.4).",
    "Above 10 lookups receivers return permerror and SPF fails for every message.",
)
DMARC_EXTERNAL_REPORT_AUTHORIZATION = PolicyInfo(
    "dmarc-external-report-authorization", ADVISORY,
    "DMARC report addresses outside the sending domain's organizational domain are authorized"
    " by a TXT record at <domain>._report._dmarc.<report-domain> (RFC 9989 4.7.1).",
    "Without it receivers drop the reports, yet the record lives in a zone this stack may not"
    " manage, so it is a warning naming the exact record rather than a blocker.",
)
RELAY_MAIL_FROM_MX = PolicyInfo(
    "relay-mail-from-mx", ADVISORY,
    "Every relay's MAIL FROM (envelope) domain has an MX.",
    "Bounces to an envelope domain without MX are lost, but the inbound host is often managed"
    " outside this stack, so it warns instead of blocking.",
)

ALL_POLICIES: tuple[PolicyInfo, ...] = (
    DMARC_PUBLISHED,
    DMARC_ENFORCED_IN_PRODUCTION,
    DKIM_KEY_LENGTH,
    SECRETS_ARE_SECRET,
    REPUTATION_ALARMS,
    RELAY_SMTP_NOT_OPEN,
    RELAY_REVERSE_DNS,
    CLOUDFLARE_MAIL_NOT_PROXIED,
    SPF_LOOKUP_LIMIT,
    DMARC_EXTERNAL_REPORT_AUTHORIZATION,
    RELAY_MAIL_FROM_MX,
)
BY_NAME: dict[str, PolicyInfo] = {policy.name: policy for policy in ALL_POLICIES}
