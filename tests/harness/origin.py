"""A local HTTP(S) origin with known delays: slow headers, slow chunks, errors, redirects, size.

Endpoints (query parameters in milliseconds or bytes):
  /ok                         200 with a short body
  /slow?ttfb_ms=N             waits N ms, then sends headers and body (server processing)
  /chunks?count=K&gap_ms=N    headers at once, then K chunks each after an N ms pause (transfer)
  /status?code=C              answers status C
  /redirect?to=PATH           302 to PATH
  /loop                       302 to itself
  /large?bytes=N              N bytes of body
  /echo?header=H              the request's method and the value of its header H
"""

import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.harness.servers import wait_until

BODY = b"perfsight origin ok\n"


def sleep_exactly(seconds: float) -> None:
    """Sleep at least seconds, without spinning (a spinning thread would hold the GIL).

    A thread may wake late, so servers record the time they really held a reply (from a
    timestamp taken after they sent it), not the delay they asked for.
    """
    if seconds > 0:
        time.sleep(seconds)


@dataclass
class Origin:
    """A running origin: its base URL and, per /slow or /chunks request, how long it really
    held the response (request read to headers written, or headers to last chunk written)."""

    url: str
    applied: list[float] = field(default_factory=list)
    server_names: list[str | None] = field(default_factory=list)  # each TLS client's SNI
    protocols: list[str | None] = field(default_factory=list)  # each TLS connection's ALPN

    def next_applied(self, known: int, timeout: float = 2.0) -> float:
        """Wait for the record after the first `known` ones; return it."""
        wait_until(lambda: len(self.applied) > known, timeout, "the origin's delay record")
        return self.applied[known]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet."""

    def setup(self) -> None:
        """Record the protocol a TLS connection's handshake chose by ALPN, when one is offered."""
        super().setup()
        protocols: list[str | None] | None = getattr(self.server, "protocols", None)
        if protocols is not None and isinstance(self.connection, ssl.SSLSocket):
            self.connection.do_handshake()
            protocols.append(self.connection.selected_alpn_protocol())

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}

        def number(key: str, default: int = 0) -> int:
            return int(query.get(key, default))
        started = time.perf_counter()
        if url.path == "/slow":
            sleep_exactly(number("ttfb_ms") / 1000)
            self._send(200, BODY)
            self.server.applied.append(time.perf_counter() - started)  # type: ignore[attr-defined]
        elif url.path == "/chunks":
            self.send_response(200)
            self.send_header("Content-Length", str(number("count") * len(BODY)))
            self.end_headers()
            started = time.perf_counter()
            for _ in range(number("count")):
                sleep_exactly(number("gap_ms") / 1000)
                self.wfile.write(BODY)
            self.server.applied.append(time.perf_counter() - started)  # type: ignore[attr-defined]
        elif url.path == "/status":
            self._send(number("code", 200), BODY)
        elif url.path == "/loop":
            self._send(302, b"", {"Location": "/loop"})
        elif url.path == "/redirect":
            self._send(302, b"", {"Location": query.get("to", "/ok")})
        elif url.path == "/echo":
            seen = self.headers.get(query.get("header", ""), "")
            self._send(200, f"{self.command} {seen}".encode())
        elif url.path == "/large":
            self._send(200, b"x" * number("bytes"))
        else:
            self._send(200, BODY, {"Last-Modified": "Wed, 21 Oct 2015 07:28:00 GMT"})

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.do_GET()

    def _send(self, code: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(code)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    """Send each write at once (TCP_NODELAY): Nagle's wait for an ACK is no injected delay."""

    def get_request(self) -> tuple[Any, Any]:
        connection, address = self.socket.accept()
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection, address


class _TLSServer(_Server):
    """TLS per connection; the handshake runs in the connection's thread, on its first read."""

    context: ssl.SSLContext

    def get_request(self) -> tuple[Any, Any]:
        connection, address = super().get_request()
        return self.context.wrap_socket(
            connection, server_side=True, do_handshake_on_connect=False
        ), address


@contextmanager
def running_origin(
    cert: tuple[Path, Path] | None = None, client_ca: Path | None = None,
    alpn: tuple[str, ...] = (),
    tls_versions: tuple[ssl.TLSVersion, ssl.TLSVersion] | None = None,
) -> Iterator[Origin]:
    """Serve the origin on 127.0.0.1 (HTTPS with cert; client_ca: clients need a cert); yield it.

    alpn: the protocols the TLS server offers (it speaks HTTP/1.1 whatever ALPN chose); each
    connection's choice is recorded in `Origin.protocols`. tls_versions: the only TLS versions
    it accepts, lowest and highest.
    """
    server: ThreadingHTTPServer
    if cert is None:
        server = _Server(("127.0.0.1", 0), _Handler)
        scheme = "http"
    else:
        server = _TLSServer(("127.0.0.1", 0), _Handler)
        server.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server.context.load_cert_chain(*cert)
        if tls_versions is not None:
            server.context.minimum_version, server.context.maximum_version = tls_versions
        if client_ca is not None:
            server.context.verify_mode = ssl.CERT_REQUIRED
            server.context.load_verify_locations(client_ca)
        scheme = "https"
    server.daemon_threads = True
    origin = Origin(f"{scheme}://127.0.0.1:{server.server_address[1]}")
    if isinstance(server, _TLSServer):
        names = origin.server_names
        server.context.sni_callback = lambda _socket, name, _context: names.append(name)
        if alpn:
            server.context.set_alpn_protocols(list(alpn))
            server.protocols = origin.protocols  # type: ignore[attr-defined]
    server.applied = origin.applied  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield origin
    finally:
        server.shutdown()
        server.server_close()
