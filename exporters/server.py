"""HTTP front: /metrics with collector filters, health endpoints, landing page; TLS and auth."""

import gzip
import html
import logging
import math
import platform
import socket
import ssl
from collections.abc import Iterable, Iterator, Sequence
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from prometheus_client import CollectorRegistry, ProcessCollector
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder

from exporters import __version__, names
from exporters.exposition import CONTENT_TYPE as TEXT_CONTENT_TYPE
from exporters.exposition import render_text
from exporters.multitarget.runner import ProbeRunner
from exporters.registry import SPECS, Scraper
from exporters.webconfig import WebConfig

log = logging.getLogger(__name__)
UNAUTHENTICATED_PATHS = frozenset({"/-/healthy", "/-/ready"})
TIMEOUT_HEADER = "X-Prometheus-Scrape-Timeout-Seconds"
DEADLINE_OFFSET_SECONDS = 0.5


class _Snapshot:
    """Hand already-collected families to prometheus_client's encoders."""

    def __init__(self, families: Sequence[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterator[Metric]:
        """Yield the snapshot."""
        yield from self._families


class BuildInfoCollector:
    """Report perfsight_build_info, as Go exporters report their version info."""

    def collect(self) -> Iterator[Metric]:
        """Yield perfsight_build_info = 1."""
        family = GaugeMetricFamily(
            names.PERFSIGHT_BUILD_INFO,
            "A metric with a constant '1' value labeled by version and python_version.",
            labels=["version", "python_version"],
        )
        family.add_metric([__version__, platform.python_version()], 1.0)
        yield family


def scrape_deadline(header: str | None, default_seconds: float) -> float:
    """Return how long collectors may take: Prometheus' scrape timeout less a safety offset."""
    try:
        timeout = float(header) if header else default_seconds
    except ValueError:
        timeout = default_seconds
    if not 0 < timeout < math.inf:  # also NaN: a deadline that never passes is none
        timeout = default_seconds
    return timeout - min(DEADLINE_OFFSET_SECONDS, timeout / 2)


def select_collectors(
    query: dict[str, list[str]], enabled: Iterable[str]
) -> tuple[list[str], str | None]:
    """Apply collect[]/exclude[] to the enabled collectors; return (names, error)."""
    enabled = list(enabled)
    include, exclude = query.get("collect[]", []), query.get("exclude[]", [])
    if include and exclude:
        return [], "collect[] and exclude[] cannot be combined"
    unknown = sorted(set(include + exclude) - set(enabled))
    if unknown:
        return [], f"unknown or disabled collector(s): {', '.join(unknown)}"
    if include:
        return [name for name in enabled if name in include], None
    return [name for name in enabled if name not in exclude], None


class ExporterHTTPServer(ThreadingHTTPServer):
    """A threaded HTTP(S) server that owns the scraper and the web config."""

    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        scraper: Scraper,
        web: WebConfig,
        *,
        probes: ProbeRunner | None = None,
        telemetry_path: str = "/metrics",
        default_timeout_seconds: float = 10.0,
        exporter_metrics: bool = True,
    ) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, _Handler)
        self.scraper = scraper
        self.probes = probes
        self.web = web
        self.telemetry_path = telemetry_path
        self.default_timeout_seconds = default_timeout_seconds
        self.own_metrics: list[Any] = (
            [BuildInfoCollector(), ProcessCollector(registry=None)] if exporter_metrics else []
        )
        if probes is not None:
            self.own_metrics.append(probes)
        if web.tls is not None:
            self.socket = web.tls.wrap_socket(
                self.socket, server_side=True, do_handshake_on_connect=False
            )

    @property
    def url(self) -> str:
        """Return the base URL clients reach this server at."""
        host, port = self.socket.getsockname()[:2]
        scheme = "https" if self.web.tls is not None else "http"
        return f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"


class _Handler(BaseHTTPRequestHandler):
    server: ExporterHTTPServer
    timeout = 30
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # headers and body go out in two writes: without this, Nagle's algorithm holds the body
        # until the client's delayed ACK, adding 40 ms to every keep-alive scrape
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.do_handshake()

    def handle(self) -> None:
        try:
            super().handle()
        except (ssl.SSLError, ConnectionError, TimeoutError) as error:
            log.debug("connection from %s ended: %s", self.client_address[0], error)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.client_address[0], format % args)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path not in UNAUTHENTICATED_PATHS and not self.server.web.authorize(
            self.headers.get("Authorization")
        ):
            self._reply(
                HTTPStatus.UNAUTHORIZED, b"Unauthorized\n",
                extra={"WWW-Authenticate": 'Basic realm="perfsight"'},
            )
            return
        if url.path == self.server.telemetry_path:
            self._metrics(parse_qs(url.query))
        elif url.path == "/probe" and self.server.probes is not None:
            self._probe(self.server.probes, parse_qs(url.query))
        elif url.path == "/-/healthy":
            self._reply(HTTPStatus.OK, b"Healthy\n")
        elif url.path == "/-/ready":
            self._reply(HTTPStatus.OK, b"Ready\n")
        elif url.path == "/":
            self._reply(HTTPStatus.OK, self._landing_page(), "text/html; charset=utf-8")
        else:
            self._reply(HTTPStatus.NOT_FOUND, b"Not Found\n")

    def _metrics(self, query: dict[str, list[str]]) -> None:
        selected, error = select_collectors(query, self.server.scraper.collectors)
        if error is not None:
            self._reply(HTTPStatus.BAD_REQUEST, f"{error}\n".encode())
            return
        deadline = scrape_deadline(
            self.headers.get(TIMEOUT_HEADER), self.server.default_timeout_seconds
        )
        families = self.server.scraper.scrape(selected, deadline)
        for collector in self.server.own_metrics:
            families.extend(collector.collect())
        self._families(families)

    def _probe(self, probes: ProbeRunner, query: dict[str, list[str]]) -> None:
        deadline = scrape_deadline(
            self.headers.get(TIMEOUT_HEADER), self.server.default_timeout_seconds
        )
        answer = probes.answer(query, deadline)
        if answer.status != HTTPStatus.OK:
            self._reply(answer.status, f"{answer.reason}\n".encode())
            return
        self._families(answer.families)

    def _families(self, families: list[Metric]) -> None:
        encoder, content_type = choose_encoder(self.headers.get("Accept", ""))
        if content_type.startswith("text/plain"):
            body, content_type = render_text(families), TEXT_CONTENT_TYPE
        else:
            registry = CollectorRegistry(auto_describe=False)
            registry.register(_Snapshot(families))
            body = encoder(registry)
        headers = {}
        if "gzip" in self.headers.get("Accept-Encoding", ""):
            body = gzip.compress(body, compresslevel=1)
            headers["Content-Encoding"] = "gzip"
        self._reply(HTTPStatus.OK, body, content_type, headers)

    def _landing_page(self) -> bytes:
        path = html.escape(self.server.telemetry_path)
        rows = "".join(
            f"<tr><td><a href='{path}?collect[]={html.escape(name)}'>{html.escape(name)}</a></td>"
            f"<td>{html.escape(SPECS[name].help if name in SPECS else '')}</td></tr>"
            for name in self.server.scraper.collectors
        )
        return (
            "<!doctype html><html><head><title>perfsight exporter</title></head><body>"
            f"<h1>perfsight exporter {html.escape(__version__)}</h1>"
            f"<p><a href='{path}'>Metrics</a> · <a href='/-/healthy'>Health</a>"
            " · <a href='/-/ready'>Ready</a></p>"
            f"<h2>Enabled collectors</h2><table>{rows}</table></body></html>"
        ).encode()

    def _reply(
        self,
        status: HTTPStatus,
        body: bytes,
        content_type: str = "text/plain; charset=utf-8",
        extra: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in {**self.server.web.headers, **(extra or {})}.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)
