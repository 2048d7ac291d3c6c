"""A scriptable authoritative DNS server on loopback (UDP and TCP), answering from a dict.

Knot refuses to load some of the zones hostile tests need (TXT strings with control
characters, labels of 64 octets, names that time out on purpose), so this server
answers real DNS messages from `ScriptedDns.zone`, which a test may replace at any
time. Records follow the RFC 7208 test suite's zonedata conventions:

    {"name": [{"TXT": "v=spf1 -all"}, {"MX": [10, "mx.example.com"]}, "TIMEOUT", ...]}

`"TIMEOUT"` makes every query for the name go unanswered (unless a record of the
asked type comes before it); `{"TXT": "TIMEOUT"}` does so for one type only. An
`SPF` entry also answers TXT queries when the name has no TXT entry (the suite's rule).
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import struct
import threading
from collections.abc import Iterator
from typing import Any

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.CNAME
import dns.rdtypes.ANY.MX
import dns.rdtypes.ANY.PTR
import dns.rdtypes.ANY.TXT
import dns.rdtypes.IN.A
import dns.rdtypes.IN.AAAA
import dns.rrset

Zone = dict[str, list[Any]]
_TIMEOUT = "TIMEOUT"


def _strings(value: Any) -> list[bytes]:
    parts = [value] if isinstance(value, str) else list(value)
    out: list[bytes] = []
    for part in parts:
        data = str(part).encode("utf-8")
        out += [data[i : i + 255] for i in range(0, len(data), 255)] or [b""]
    return out


def _rdata(rdtype: str, value: Any) -> dns.rdata.Rdata | None:
    cls = dns.rdataclass.IN
    try:
        if rdtype in ("TXT", "SPF"):
            return dns.rdtypes.ANY.TXT.TXT(cls, dns.rdatatype.TXT, _strings(value))
        if rdtype == "A":
            return dns.rdtypes.IN.A.A(cls, dns.rdatatype.A, str(ipaddress.IPv4Address(value)))
        if rdtype == "AAAA":
            return dns.rdtypes.IN.AAAA.AAAA(
                cls, dns.rdatatype.AAAA, str(ipaddress.IPv6Address(value))
            )
        if rdtype == "MX":
            return dns.rdtypes.ANY.MX.MX(
                cls, dns.rdatatype.MX, int(value[0]), dns.name.from_text(str(value[1]))
            )
        if rdtype == "PTR":
            return dns.rdtypes.ANY.PTR.PTR(cls, dns.rdatatype.PTR, dns.name.from_text(value))
        if rdtype == "CNAME":
            return dns.rdtypes.ANY.CNAME.CNAME(cls, dns.rdatatype.CNAME, dns.name.from_text(value))
    except (ValueError, dns.exception.DNSException):
        return None  # a value DNS cannot carry is simply not served
    return None


class ScriptedDns:
    """Answers from `zone`; `address` is (ip, port) for UDP and TCP alike."""

    def __init__(self) -> None:
        self.zone: Zone = {}
        self.queries = 0
        self._udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._udp.bind(("127.0.0.1", 0))
        port = self._udp.getsockname()[1]
        self._tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._tcp.bind(("127.0.0.1", port))
        self._tcp.listen(16)
        self.address: tuple[str, int] = ("127.0.0.1", port)
        self._stop = threading.Event()

    def set_zone(self, zone: Zone) -> None:
        self.zone = {name.rstrip(".").lower(): list(records) for name, records in zone.items()}

    # --- answering ------------------------------------------------------------------------

    def answer(self, query: dns.message.Message) -> dns.message.Message | None:
        """The response to `query`, or None to leave it unanswered (a timeout)."""
        self.queries += 1
        question = query.question[0]
        # Raw label octets: a name may hold spaces or '%' (RFC 7208 macro tests).
        qname = b".".join(question.name.labels[:-1]).decode("utf-8", "replace").lower()
        qtype = dns.rdatatype.to_text(question.rdtype)
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        entries = self.zone.get(qname)
        if entries is None:
            if qname.startswith("error."):
                return None
            if not any(name.endswith("." + qname) for name in self.zone):
                response.set_rcode(dns.rcode.NXDOMAIN)
            return response
        records = self._records(entries, qtype)
        if records is None:
            return None
        cname = [value for _, value in self._records(entries, "CNAME") or []]
        if qtype != "CNAME" and cname and not records:
            target = str(cname[0])
            self._add(response, question.name, "CNAME", [target])
            target_entries = self.zone.get(target.rstrip(".").lower(), [])
            more = self._records(target_entries, qtype) or []
            with contextlib.suppress(dns.exception.DNSException):
                self._add(response, dns.name.from_text(target), qtype, [v for _, v in more])
            return response
        self._add(response, question.name, qtype, [value for _, value in records])
        return response

    def _records(self, entries: list[Any], qtype: str) -> list[tuple[str, Any]] | None:
        has_txt = any(isinstance(e, dict) and "TXT" in e for e in entries)
        found: list[tuple[str, Any]] = []
        for entry in entries:
            if entry == _TIMEOUT:
                if not found:
                    return None
                continue
            if not isinstance(entry, dict):
                continue
            for rdtype, value in entry.items():
                serves = rdtype == qtype or (rdtype == "SPF" and qtype == "TXT" and not has_txt)
                if not serves:
                    continue
                if value == _TIMEOUT:
                    return None
                if value == "NONE" or value == ["NONE"]:
                    continue
                found.append((rdtype, value))
        return found

    @staticmethod
    def _add(
        response: dns.message.Message, owner: dns.name.Name, qtype: str, values: list[Any]
    ) -> None:
        rdatas = [r for r in (_rdata(qtype, v) for v in values) if r is not None]
        if not rdatas:
            return
        rrset = dns.rrset.RRset(owner, dns.rdataclass.IN, rdatas[0].rdtype)
        for rdata in rdatas:
            rrset.add(rdata, ttl=300)
        response.answer.append(rrset)

    # --- transport ------------------------------------------------------------------------

    def _wire(self, payload: bytes, limit: int | None) -> bytes | None:
        try:
            query = dns.message.from_wire(payload)
        except dns.exception.DNSException:
            return None
        response = self.answer(query)
        if response is None:
            return None
        size = limit or max(512, query.payload if query.edns >= 0 else 512)
        try:
            return response.to_wire(max_size=size)
        except dns.exception.TooBig:
            response.answer = []
            response.flags |= dns.flags.TC
            return response.to_wire()

    def _serve_udp(self) -> None:
        self._udp.settimeout(0.1)
        while not self._stop.is_set():
            try:
                payload, peer = self._udp.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            wire = self._wire(payload, None)
            if wire is not None:
                with contextlib.suppress(OSError):
                    self._udp.sendto(wire, peer)

    def _serve_tcp(self) -> None:
        self._tcp.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self._tcp.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._tcp_client, args=(conn,), daemon=True).start()

    def _tcp_client(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        with conn, contextlib.suppress(OSError):
            while True:
                header = conn.recv(2, socket.MSG_WAITALL)
                if len(header) < 2:
                    return
                payload = conn.recv(struct.unpack("!H", header)[0], socket.MSG_WAITALL)
                wire = self._wire(payload, 65535)
                if wire is None:
                    continue
                conn.sendall(struct.pack("!H", len(wire)) + wire)

    @contextlib.contextmanager
    def running(self) -> Iterator[ScriptedDns]:
        threads = [
            threading.Thread(target=self._serve_udp, daemon=True),
            threading.Thread(target=self._serve_tcp, daemon=True),
        ]
        for thread in threads:
            thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            for thread in threads:
                thread.join(timeout=2)
            self._udp.close()
            self._tcp.close()


@contextlib.contextmanager
def scripted_dns(zone: Zone | None = None) -> Iterator[ScriptedDns]:
    server = ScriptedDns()
    if zone:
        server.set_zone(zone)
    with server.running():
        yield server
