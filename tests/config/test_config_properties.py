"""Property: any domain config either loads into records that mean what it said, or is refused
with problems that each name a key path under the domain. Never another exception."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from components.config.model import load_stack_config
from components.config.problems import ConfigError
from components.records.dmarc import build_dmarc, parse_dmarc
from components.records.spf import SES_SPF_INCLUDE, build_spf, parse_spf

labels = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)
junk = st.one_of(st.text(max_size=12), st.integers(), st.booleans(), st.none(), st.floats())
policies = st.one_of(st.sampled_from(["none", "quarantine", "reject"]), junk)
addresses = st.one_of(
    st.builds(lambda a, b: f"{a}@{b}.example.com", labels, labels),
    st.builds(lambda a, b: f"mailto:{a}@{b}.example.org", labels, labels),
    st.text(max_size=20),
)
dmarc_configs = st.fixed_dictionaries(
    {},
    optional={
        "policy": policies,
        "subdomainPolicy": policies,
        "nonexistentPolicy": policies,
        "psd": st.one_of(st.sampled_from(["y", "n", "u"]), junk),
        "testing": st.one_of(st.booleans(), junk),
        "adkim": st.one_of(st.sampled_from(["r", "s"]), junk),
        "aspf": st.one_of(st.sampled_from(["r", "s"]), junk),
        "rua": st.lists(addresses, max_size=3),
        "ruf": st.lists(addresses, max_size=2),
        "fo": st.one_of(st.lists(st.sampled_from(["0", "1", "d", "s"]), min_size=1), junk),
        "pct": st.integers(0, 100),
    },
)
spf_configs = st.fixed_dictionaries(
    {},
    optional={
        "include": st.lists(st.builds(lambda a, b: f"{a}.{b}.net", labels, labels), max_size=12),
        "ip4": st.lists(
            st.from_regex(
                r"(25[0-5]|1?[0-9]{1,2})(\.(25[0-5]|1?[0-9]{1,2})){3}(/[0-9]{1,2})?", fullmatch=True
            ),
            max_size=3,
        ),
        "all": st.one_of(st.sampled_from(["-all", "~all"]), junk),
    },
)
names = st.one_of(
    st.builds(lambda a, b: f"{a}.{b}.example.com", labels, labels),
    st.text(max_size=30),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=names, dmarc=dmarc_configs, spf=spf_configs)
def test_domain_config_yields_faithful_records_or_clear_errors(
    name: str, dmarc: dict[str, Any], spf: dict[str, Any]
) -> None:
    raw = {
        "aws:region": "us-east-1",
        "mailstack:dns": {"provider": "route53", "zoneName": "example.com"},
        "mailstack:domains": [{"name": name, "dmarc": dmarc, "spf": spf}],
    }
    try:
        config = load_stack_config(raw)
    except ConfigError as error:
        event("refused")
        assert error.problems
        for problem in error.problems:
            assert problem.path.startswith(("mailstack:domains[0]", "mailstack:dns"))
            assert problem.allowed
        return
    event("loaded")
    (domain,) = config.domains
    # The DMARC record means exactly the configured policy.
    parsed = parse_dmarc(build_dmarc(domain.dmarc))
    assert parsed == domain.dmarc
    assert parsed.policy == (dmarc.get("policy") or "none")
    assert parsed.testing == bool(dmarc.get("testing", False))
    # The single SPF record carries SES and every configured term, within the lookup limit.
    terms, qualifier = parse_spf(
        build_spf([SES_SPF_INCLUDE, *domain.spf.extra_terms], domain.spf.all_qualifier)
    )
    assert terms[0] == SES_SPF_INCLUDE
    assert {f"include:{i}" for i in spf.get("include", [])} <= set(terms)
    assert qualifier == (spf.get("all") or "~all")
    assert "pct" not in dmarc
