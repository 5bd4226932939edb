"""A local DNS server (UDP and TCP on one port) answering A records after a known delay."""

import socketserver
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset

from tests.harness.origin import sleep_exactly
from tests.harness.servers import wait_until


@dataclass
class Zone:
    """Names to IPv4 addresses, how long to wait before each answer, and per answer how long
    it was really held (query received to answer sent)."""

    records: Mapping[str, str] = field(default_factory=dict)
    delay_seconds: float = 0.0
    applied: list[float] = field(default_factory=list)

    def answer(self, wire: bytes) -> bytes:
        """Build the response to one query: the A record, NOERROR without one, else NXDOMAIN."""
        query = dns.message.from_wire(wire)
        response = dns.message.make_response(query)
        question = query.question[0]
        name = question.name.to_text().rstrip(".").lower()
        if name not in self.records:
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif question.rdtype == dns.rdatatype.A:
            response.answer.append(
                dns.rrset.from_text(question.name, 30, "IN", "A", self.records[name])
            )
        sleep_exactly(self.delay_seconds)
        return response.to_wire()

    def next_applied(self, known: int, timeout: float = 2.0) -> float:
        """Wait for the record after the first `known` ones; return it."""
        wait_until(lambda: len(self.applied) > known, timeout, "the resolver's delay record")
        return self.applied[known]


@contextmanager
def running_dns(zone: Zone) -> Iterator[int]:
    """Serve zone on 127.0.0.1 over UDP and TCP on one free port; yield the port."""

    class UDP(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            started = time.perf_counter()
            data, sock = self.request
            sock.sendto(zone.answer(data), self.client_address)
            zone.applied.append(time.perf_counter() - started)

    class TCP(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            length = int.from_bytes(self.rfile.read(2), "big")
            started = time.perf_counter()
            reply = zone.answer(self.rfile.read(length))
            self.wfile.write(len(reply).to_bytes(2, "big") + reply)
            zone.applied.append(time.perf_counter() - started)

    tcp = socketserver.ThreadingTCPServer(("127.0.0.1", 0), TCP)
    port = tcp.server_address[1]
    udp = socketserver.ThreadingUDPServer(("127.0.0.1", port), UDP)  # a TCP port's UDP twin
    servers = (udp, tcp)
    for server in servers:
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield port
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
