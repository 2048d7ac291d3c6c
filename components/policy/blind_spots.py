"""What a plan can tell before `verify` fails on it: records this stack cannot publish itself.

Two gaps are found from the record set and the domains' senders alone:

- a DMARC report address (rua/ruf) at a domain outside the sending domain's organizational
  domain, which receivers only use once that domain authorizes the reports with a TXT record
  at `<sending-domain>._report._dmarc.<report-domain>` (RFC 9989 section 4.7.1, RFC 7489
  section 7.1);
- a relay's MAIL FROM (envelope) domain with no MX in the stack's record set, so bounces to it
  have nowhere to go (RFC 5321 section 5.1).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from components.config.names import registrable_domain
from components.policy.dns import RecordView, normalize_name

REPORT_AUTHORIZATION_VALUE = "v=DMARC1;"
_MAILTO = re.compile(r"mailto:[^@\s;,]+@([^!\s;,]+)", re.IGNORECASE)


@dataclass(frozen=True)
class SenderView:
    """One sending domain as the stack outputs describe it (`domains`)."""

    name: str
    sender: str
    mail_from: str

    @classmethod
    def from_outputs(cls, domains: Iterable[Any]) -> list[SenderView]:
        views: list[SenderView] = []
        for item in domains:
            if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
                continue
            name = normalize_name(item["name"])
            mail_from = item.get("mailFrom")
            views.append(
                cls(
                    name=name,
                    sender=str(item.get("sender", "ses")),
                    mail_from=normalize_name(mail_from) if isinstance(mail_from, str) else name,
                )
            )
        return views


@dataclass(frozen=True)
class RequiredRecord:
    """A record someone outside this stack must publish before `verify` can pass."""

    name: str
    type: str
    value: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "values": [self.value]}

    def render(self) -> str:
        value = f'"{self.value}"' if self.type == "TXT" else self.value
        return f"{self.name} {self.type} {value}"


@dataclass(frozen=True)
class BlindSpot:
    # The sending domain the finding is about.
    subject: str
    message: str
    # The record to publish, when it is fully determined (the MX target is the owner's choice).
    record: RequiredRecord | None = None


def report_authorization_name(sending_domain: str, report_domain: str) -> str:
    return f"{normalize_name(sending_domain)}._report._dmarc.{normalize_name(report_domain)}"


def _organization(name: str) -> str:
    return registrable_domain(name) or name


def _report_domains(dmarc_value: str) -> list[str]:
    found: list[str] = []
    for part in dmarc_value.split(";"):
        tag, equals, value = part.partition("=")
        if not equals or tag.strip().lower() not in ("rua", "ruf"):
            continue
        for match in _MAILTO.finditer(value):
            domain = normalize_name(match.group(1))
            if domain not in found:
                found.append(domain)
    return found


def external_report_blind_spots(
    domains: Iterable[str], records: Sequence[RecordView]
) -> list[BlindSpot]:
    """Report domains outside each sending domain's organization, and the TXT they need.

    A domain already authorized in this stack's own record set needs nothing more.
    """
    published = {(r.name, r.type) for r in records}
    spots: list[BlindSpot] = []
    for domain in (normalize_name(d) for d in domains):
        values = [
            v for r in records if r.name == f"_dmarc.{domain}" and r.type == "TXT" for v in r.values
        ]
        for report_domain in (d for v in values for d in _report_domains(v)):
            if _organization(report_domain) == _organization(domain):
                continue
            name = report_authorization_name(domain, report_domain)
            if (name, "TXT") in published:
                continue
            spots.append(
                BlindSpot(
                    subject=domain,
                    message=(
                        f"DMARC reports for {domain} go to {report_domain}, outside its"
                        f" organizational domain {_organization(domain)}: receivers send them"
                        f" only once {report_domain} publishes"
                        f' TXT "{REPORT_AUTHORIZATION_VALUE}" at {name} (RFC 9989 4.7.1);'
                        " `verify` fails dmarc.rua_authorized until then"
                    ),
                    record=RequiredRecord(name, "TXT", REPORT_AUTHORIZATION_VALUE),
                )
            )
    return spots


def relay_mail_from_blind_spots(
    senders: Iterable[SenderView], records: Sequence[RecordView]
) -> list[BlindSpot]:
    """Relay envelope domains the stack gives no MX (SES MAIL FROM domains get SES's MX)."""
    with_mx = {r.name for r in records if r.type == "MX"}
    spots: list[BlindSpot] = []
    for sender in senders:
        if sender.sender != "postfix" or sender.mail_from in with_mx:
            continue
        itself = " (the domain itself)" if sender.mail_from == sender.name else ""
        spots.append(
            BlindSpot(
                subject=sender.name,
                message=(
                    f"the relay for {sender.name} sends with MAIL FROM {sender.mail_from}{itself},"
                    " which this stack gives no MX: bounces to it cannot be delivered"
                    f" (RFC 5321 5.1). Publish an MX for {sender.mail_from} naming a host that"
                    " accepts its mail; `verify` fails mailfrom.mx until then"
                ),
                record=None,
            )
        )
    return spots
