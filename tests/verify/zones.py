"""Zones for the verify tests: one good domain per sender and at least one broken one per check."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from tests.support.dns_server import zone_text

# A 512-bit RSA public key (public data, from `openssl genrsa 512`): cryptography
# refuses to generate keys this weak, and the check must still recognize one.
RSA_512_PUBLIC = (
    "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAKaV8xTX34X5HxQpzLse8TXWZR7wcl6fD5ZsyuhRcZfvQzmqpX6R"
    "SPViqdJLh1iBkRJYfOK5XicFCjlp37D1klMCAwEAAQ=="
)
SES_SPF = "v=spf1 ip4:199.255.192.0/22 ip4:54.240.0.0/18 ip4:69.169.224.0/20 -all"
RELAY_HOST = "relay.example.com"


@dataclass(frozen=True)
class Keys:
    rsa2048: str
    rsa1024: str
    ed25519: str


def _rsa(bits: int) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


def make_keys() -> Keys:
    raw = (
        ed25519.Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    return Keys(_rsa(2048), _rsa(1024), base64.b64encode(raw).decode())


def txt(value: str) -> str:
    """A TXT value as zone-file character-strings of at most 255 bytes."""
    chunks = [value[i : i + 255] for i in range(0, len(value), 255)] or [""]
    return " ".join('"' + c.replace("\\", "\\\\").replace('"', '\\"') + '"' for c in chunks)


def build_zones(keys: Keys) -> dict[str, str]:
    big_spf = "v=spf1 " + " ".join(f"ip4:10.0.{i // 200}.{i % 200}" for i in range(130))
    big_spf += " include:amazonses.com -all"
    voids = "v=spf1 a:void1.example.com a:void2.example.com mx:void3.example.com"
    voids += " include:amazonses.com -all"
    includes = " ".join(f"include:l{i}.spf.example.com" for i in range(1, 11))
    example_com = f"""
@ TXT {txt("v=spf1 include:amazonses.com -all")}
_dmarc TXT {txt("v=DMARC1; p=reject; rua=mailto:dmarc-reports@example.com")}
; the good SES domain
good TXT {txt("v=spf1 include:amazonses.com -all")}
_dmarc.good TXT {txt("v=DMARC1; p=reject; adkim=s; rua=mailto:dmarc-reports@example.com")}
tok1._domainkey.good CNAME tok1.dkim.amazonses.com.
tok2._domainkey.good CNAME tok2.dkim.amazonses.com.
rsa1024._domainkey.good TXT {txt("v=DKIM1; k=rsa; p=" + keys.rsa1024)}
rsa512._domainkey.good TXT {txt("v=DKIM1; k=rsa; p=" + RSA_512_PUBLIC)}
ed._domainkey.good TXT {txt("v=DKIM1; k=ed25519; p=" + keys.ed25519)}
badkey._domainkey.good TXT {txt("v=DKIM1; k=rsa; p=QUFBQUFBQUFBQUFB")}
notbase64._domainkey.good TXT {txt("v=DKIM1; p=!!!not-base64!!!")}
revoked._domainkey.good TXT {txt("v=DKIM1; p=")}
loop1._domainkey.good CNAME loop2._domainkey.good.example.com.
loop2._domainkey.good CNAME loop1._domainkey.good.example.com.
xloop._domainkey.good CNAME xloop.example.net.
bounce.good MX 10 feedback-smtp.us-east-1.amazonses.com.
bounce.good TXT {txt("v=spf1 include:amazonses.com -all")}
nomx.good TXT {txt("v=spf1 include:amazonses.com -all")}
wrongmx.good MX 10 mx.example.net.
wrongmx.good TXT {txt("v=spf1 include:amazonses.com -all")}
nospf-mf.good MX 10 feedback-smtp.us-east-1.amazonses.com.
; SPF faults
nospf TXT "google-site-verification=abc"
twospf TXT {txt("v=spf1 include:amazonses.com -all")}
twospf TXT {txt("v=spf1 ip4:192.0.2.1 -all")}
badsyntax TXT {txt("v=spf1 ip4:300.1.1.1 frobnicate:example.com include:amazonses.com -all")}
toomany TXT {txt("v=spf1 " + includes + " include:amazonses.com -all")}
voids TXT {txt(voids)}
onevoid TXT {txt("v=spf1 a:void1.example.com include:amazonses.com -all")}
plusall TXT {txt("v=spf1 include:amazonses.com +all")}
neutralall TXT {txt("v=spf1 include:amazonses.com ?all")}
noall TXT {txt("v=spf1 include:amazonses.com")}
noses TXT {txt("v=spf1 ip4:192.0.2.1 -all")}
big TXT {txt(big_spf)}
; DMARC faults (inherit has none of its own: the tree walk finds example.com)
inherit TXT {txt("v=spf1 include:amazonses.com -all")}
twodmarc TXT {txt("v=spf1 include:amazonses.com -all")}
_dmarc.twodmarc TXT {txt("v=DMARC1; p=reject")}
_dmarc.twodmarc TXT {txt("v=DMARC1; p=none")}
_dmarc.badpolicy TXT {txt("v=DMARC1; p=bogus; adkim=x")}
_dmarc.legacy TXT {txt("v=DMARC1; p=reject; pct=50; rua=mailto:dmarc-reports@example.com")}
_dmarc.monitor TXT {txt("v=DMARC1; p=none; rua=mailto:dmarc-reports@example.com")}
_dmarc.extrua TXT {txt("v=DMARC1; p=reject; rua=mailto:reports@reports.example.net")}
_dmarc.authrua TXT {txt("v=DMARC1; p=reject; rua=mailto:reports@reports.example.net")}
; the Postfix relay domain
relayed TXT {txt("v=spf1 ip4:127.0.0.1 ip6:::1 -all")}
_dmarc.relayed TXT {txt("v=DMARC1; p=reject; rua=mailto:dmarc-reports@example.com")}
relay A 127.0.0.1
relay AAAA ::1
unconfirmed A 127.0.0.99
"""
    spf_chain = "".join(f"l{i}.spf TXT {txt('v=spf1 -all')}\n" for i in range(1, 11))
    many_mx = "".join(
        f"manymx MX {i} mx{i}.hard.test.\nmx{i} A 192.0.2.{i + 1}\n" for i in range(12)
    )
    hard_test = f"""
{many_mx}
mxhosts TXT {txt("v=spf1 mx:manymx.hard.test include:amazonses.com -all")}
afterall TXT {txt("v=spf1 include:amazonses.com -all ip4:192.0.2.1")}
redirall TXT {txt("v=spf1 -all redirect=amazonses.com")}
ptr TXT {txt("v=spf1 ptr include:amazonses.com -all")}
; ESC, BEL and an XML CDATA terminator in a published record
ctl TXT "v=spf1 include:amazonses.com -all \\027[31m\\007 ]]> &"
sha1._domainkey TXT {txt("v=DKIM1; h=sha1; p=" + keys.rsa2048)}
sha256._domainkey TXT {txt("v=DKIM1; h=sha1:sha256; p=" + keys.rsa2048)}
testing._domainkey TXT {txt("v=DKIM1; t=y; p=" + keys.rsa2048)}
dangling._domainkey CNAME nothere.hard.test.
smart TXT {txt("v=spf1 ip4:127.0.0.1 include:amazonses.com -all")}
bounce.smart MX 10 feedback-smtp.us-east-1.amazonses.com.
bounce.smart TXT {txt("v=spf1 include:amazonses.com -all")}
shared TXT {txt("v=spf1 include:amazonses.com -all")}
shared TXT "google-site-verification=abc"
service._domainkey TXT {txt("v=DKIM1; s=tlsrpt; p=" + keys.rsa2048)}
upper TXT {txt("v=spf1 include:amazonses.com -all")}
_dmarc.upper TXT {txt("V=DMARC1; P=REJECT; ADKIM=S; RUA=MAILTO:R@UPPER.HARD.TEST")}
; RFC 9989 Organizational Domains: psd=n stops the walk, psd=y marks the name below it
_dmarc.corp TXT {txt("v=DMARC1; p=reject")}
_dmarc.brand.corp TXT {txt("v=DMARC1; p=reject; psd=n")}
_dmarc.mail.brand.corp TXT {txt("v=DMARC1; p=reject; rua=mailto:r@other.corp.hard.test")}
_dmarc TXT {txt("v=DMARC1; p=reject; psd=y")}
_dmarc.x.shop TXT {txt("v=DMARC1; p=reject; rua=mailto:r@y.shop.hard.test")}
"""
    example_net = """
authrua.example.com._report._dmarc.reports TXT "v=DMARC1"
mx A 192.0.2.25
xloop CNAME xloop._domainkey.good.example.com.
"""
    amazonses = f"""
@ TXT {txt(SES_SPF)}
feedback-smtp.us-east-1 A 192.0.2.80
tok1.dkim TXT {txt("v=DKIM1; k=rsa; p=" + keys.rsa2048)}
tok2.dkim TXT {txt("p=" + keys.rsa2048)}
"""
    reverse_v4 = """
1.0.0 PTR relay.example.com.
2.0.0 PTR unconfirmed.example.com.
"""
    v6_loopback = ".".join(["1"] + ["0"] * 31)
    reverse_v6 = f"{v6_loopback} PTR relay.example.com.\n"
    zen = """
2.0.0.127 A 127.0.0.2
2.0.0.127 TXT "listed for the test"
"""
    refusing = "* A 127.255.255.254\n"
    return {
        "example.com": zone_text("example.com", example_com + spf_chain),
        "example.net": zone_text("example.net", example_net),
        "other.test": zone_text(
            "other.test",
            f"nodmarc TXT {txt('v=spf1 -all')}\n"
            f"typo TXT {txt('v=spf1 -all')}\n"
            f"_dmarc.typo TXT {txt('v=DMARC1 p=reject')}\n",
        ),
        "amazonses.com": zone_text("amazonses.com", amazonses),
        "hard.test": zone_text("hard.test", hard_test),
        "127.in-addr.arpa": zone_text("127.in-addr.arpa", reverse_v4),
        "ip6.arpa": zone_text("ip6.arpa", reverse_v6),
        "zen.spamhaus.org": zone_text("zen.spamhaus.org", zen),
        "refusing.example": zone_text("refusing.example", refusing),
    }
