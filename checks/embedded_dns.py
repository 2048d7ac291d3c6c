"""A small authoritative DNS server in pure Python, for `mailstack demo`.

It serves `DnsRecord`s on a loopback port over UDP and TCP, answers like an
authoritative server (AA, NXDOMAIN/NODATA with the zone's SOA, CNAMEs chased
within the served zones, truncation over UDP) and needs no root and no network.
"""

from __future__ import annotations

import socket
import socketserver
import struct
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import TracebackType

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.TXT
import dns.rrset

from components.records.dns_record import DnsRecord, is_within

LOOPBACK = "127.0.0.1"
_MAX_CHAIN = 16


@dataclass(frozen=True)
class ServedRecord:
    """A record to serve; like `DnsRecord` but any type (PTR for reverse zones, too)."""

    name: str
    type: str
    values: tuple[str, ...]
    ttl: int = 300

    @classmethod
    def of(cls, record: DnsRecord) -> ServedRecord:
        return cls(record.name, record.type, record.values, record.ttl)


def _absolute(name: str) -> dns.name.Name:
    return dns.name.from_text(name.rstrip(".") + ".")


def _rdata(record: ServedRecord, value: str) -> dns.rdata.Rdata:
    if record.type == "TXT":
        raw = value.encode()
        chunks = [raw[i : i + 255] for i in range(0, len(raw), 255)] or [b""]
        return dns.rdtypes.ANY.TXT.TXT(dns.rdataclass.IN, dns.rdatatype.TXT, chunks)
    text = value
    if record.type == "CNAME":
        text = value.rstrip(".") + "."
    elif record.type == "MX":
        preference, exchange = value.split()
        text = f"{preference} {exchange.rstrip('.')}."
    elif record.type == "PTR":
        text = value.rstrip(".") + "."
    return dns.rdata.from_text(dns.rdataclass.IN, record.type, text)


class ZoneData:
    """Records grouped by zone, answering queries the way an authoritative server does."""

    def __init__(self, zones: Iterable[str], records: Iterable[DnsRecord | ServedRecord]) -> None:
        self.zones = sorted({z.rstrip(".").lower() for z in zones}, key=len, reverse=True)
        self.rrsets: dict[tuple[str, int], dns.rrset.RRset] = {}
        self.names: set[str] = set()
        for item in records:
            record = ServedRecord.of(item) if isinstance(item, DnsRecord) else item
            if self.zone_of(record.name) is None:
                raise ValueError(f"record {record.name} is outside every served zone")
            rdtype = dns.rdatatype.from_text(record.type)
            rrset = dns.rrset.RRset(_absolute(record.name), dns.rdataclass.IN, rdtype)
            existing = self.rrsets.get((record.name, rdtype))
            if existing is not None:
                rrset = existing
            for value in record.values:
                rrset.add(_rdata(record, value), record.ttl)
            self.rrsets[(record.name, rdtype)] = rrset
            self._add_name(record.name)

    def _add_name(self, name: str) -> None:
        zone = self.zone_of(name)
        labels = name.split(".")
        for index in range(len(labels)):
            candidate = ".".join(labels[index:])
            self.names.add(candidate)
            if candidate == zone:
                break

    def zone_of(self, name: str) -> str | None:
        name = name.rstrip(".").lower()
        return next((z for z in self.zones if is_within(name, z)), None)

    def _soa(self, zone: str) -> dns.rrset.RRset:
        rrset = dns.rrset.RRset(_absolute(zone), dns.rdataclass.IN, dns.rdatatype.SOA)
        rrset.add(
            dns.rdata.from_text(
                dns.rdataclass.IN,
                dns.rdatatype.SOA,
                f"ns.{zone}. hostmaster.{zone}. 1 3600 600 86400 60",
            ),
            60,
        )
        return rrset

    def answer(self, query: dns.message.Message) -> dns.message.Message:
        response = dns.message.make_response(query)
        if not query.question:
            response.set_rcode(dns.rcode.FORMERR)
            return response
        question = query.question[0]
        qname = question.name.to_text(omit_final_dot=True).lower()
        qtype = question.rdtype
        zone = self.zone_of(qname)
        if zone is None:
            response.set_rcode(dns.rcode.REFUSED)
            return response
        response.flags |= dns.flags.AA
        if qtype == dns.rdatatype.SOA and qname == zone:
            response.answer.append(self._soa(zone))
            return response
        seen: list[str] = []
        name = qname
        while len(seen) < _MAX_CHAIN:
            exact = self.rrsets.get((name, qtype))
            if exact is not None:
                response.answer.append(exact)
                return response
            cname = self.rrsets.get((name, dns.rdatatype.CNAME))
            if cname is None or qtype == dns.rdatatype.CNAME:
                break
            response.answer.append(cname)
            seen.append(name)
            name = cname[0].target.to_text(omit_final_dot=True).lower()
            if name in seen or self.zone_of(name) is None:
                return response
        target_zone = self.zone_of(name) or zone
        if name not in self.names and not response.answer:
            response.set_rcode(dns.rcode.NXDOMAIN)
        response.authority.append(self._soa(target_zone))
        return response


def _wire(data: ZoneData, payload: bytes, max_size: int | None) -> bytes | None:
    try:
        query = dns.message.from_wire(payload)
    except dns.exception.DNSException:
        return None
    response = data.answer(query)
    if max_size is None:
        return response.to_wire()
    limit = max(512, query.payload if query.edns >= 0 else 512)
    try:
        return response.to_wire(max_size=min(limit, max_size))
    except dns.exception.TooBig:
        response.flags |= dns.flags.TC
        response.answer.clear()
        response.authority.clear()
        return response.to_wire()


class EmbeddedDnsServer:
    """Serve records on 127.0.0.1 (UDP and TCP, same port) from background threads."""

    def __init__(self, zones: Sequence[str], records: Iterable[DnsRecord | ServedRecord]) -> None:
        self.data = ZoneData(zones, records)
        self._udp: socketserver.ThreadingUDPServer | None = None
        self._tcp: socketserver.ThreadingTCPServer | None = None
        self._threads: list[threading.Thread] = []
        self.address: tuple[str, int] = (LOOPBACK, 0)

    def replace_records(
        self, zones: Sequence[str], records: Iterable[DnsRecord | ServedRecord]
    ) -> None:
        """Serve a different record set from now on (a DNS change propagating)."""
        self.data = ZoneData(zones, records)

    def start(self) -> tuple[str, int]:
        outer = self

        class UdpHandler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                payload, sock = self.request
                reply = _wire(outer.data, payload, 65535)
                if reply is not None:
                    sock.sendto(reply, self.client_address)

        class TcpHandler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                conn: socket.socket = self.request
                while True:
                    header = _read_exactly(conn, 2)
                    if header is None:
                        return
                    payload = _read_exactly(conn, struct.unpack("!H", header)[0])
                    if payload is None:
                        return
                    reply = _wire(outer.data, payload, None)
                    if reply is None:
                        return
                    conn.sendall(struct.pack("!H", len(reply)) + reply)

        for _ in range(20):
            udp = socketserver.ThreadingUDPServer((LOOPBACK, 0), UdpHandler)
            port = udp.server_address[1]
            try:
                tcp = socketserver.ThreadingTCPServer((LOOPBACK, port), TcpHandler)
            except OSError:
                udp.server_close()
                continue
            break
        else:
            raise RuntimeError("no free loopback port for the embedded DNS server")
        udp.daemon_threads = True
        tcp.daemon_threads = True
        self._udp, self._tcp = udp, tcp
        for server in (udp, tcp):
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            self._threads.append(thread)
        self.address = (LOOPBACK, port)
        return self.address

    def stop(self) -> None:
        for server in (self._udp, self._tcp):
            if server is not None:
                server.shutdown()
                server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()

    def __enter__(self) -> tuple[str, int]:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def _read_exactly(conn: socket.socket, size: int) -> bytes | None:
    chunks = b""
    while len(chunks) < size:
        chunk = conn.recv(size - len(chunks))
        if not chunk:
            return None
        chunks += chunk
    return chunks
