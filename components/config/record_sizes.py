"""Every TXT record a domain publishes, checked at config time against what DNS can serve."""

from __future__ import annotations

from typing import TYPE_CHECKING

from components.config.problems import Section
from components.records.dmarc import build_dmarc
from components.records.errors import RecordError
from components.records.sizes import spf_size_problem, txt_size_problem
from components.records.spf import SES_SPF_INCLUDE, build_spf
from components.records.tls_rpt import tls_rpt_txt

if TYPE_CHECKING:
    from components.config.model import DomainConfig

# The relay's address is only known once deployed; the longest IPv4 term stands in for it, so
# a record accepted here stays within the limit whatever address the relay gets.
RELAY_SPF_WORST_CASE = "ip4:255.255.255.255"


def check_record_sizes(section: Section, domain: DomainConfig) -> None:
    """Report, at the key that makes it large, each record of `domain` DNS could not serve."""
    sender_terms = [RELAY_SPF_WORST_CASE] if domain.relay is not None else []
    if domain.uses_ses:
        sender_terms.append(SES_SPF_INCLUDE)
    try:
        spf = build_spf([*sender_terms, *domain.spf.extra_terms], domain.spf.all_qualifier)
    except RecordError:
        # Its syntax was reported at its own key; size means nothing for a record not built.
        return
    # A relay publishes the same SPF record at its envelope domain too.
    owners = [domain.name] + ([domain.mail_from] if not domain.uses_ses else [])
    for owner in dict.fromkeys(owners):
        problem = txt_size_problem(owner, [spf]) or spf_size_problem(owner, spf)
        if problem:
            section.problems.add(section.key_path("spf"), list(domain.spf.extra_terms), problem)
            break
    dmarc_name = f"_dmarc.{domain.name}"
    problem = txt_size_problem(dmarc_name, [build_dmarc(domain.dmarc)])
    if problem:
        section.problems.add(section.key_path("dmarc"), section.value("dmarc"), problem)
    if domain.tls_rpt:
        problem = txt_size_problem(f"_smtp._tls.{domain.name}", [tls_rpt_txt(domain.tls_rpt)])
        if problem:
            section.problems.add(section.key_path("tlsRpt.rua"), list(domain.tls_rpt), problem)
