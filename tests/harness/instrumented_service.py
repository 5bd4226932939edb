"""A small HTTP service instrumented in both conventions perfsight's dashboards read.

Run as ``python -m tests.harness.instrumented_service PORT``. ``/`` answers 200 at once,
``/slow`` after 0.3 s, ``/fail`` 500; ``/metrics`` exposes the classic client-library metrics
(``http_requests_total{code,handler,method}``, ``http_request_duration_seconds{handler,method}``)
and OpenTelemetry's ``http_server_request_duration_seconds{http_response_status_code,
http_route,http_request_method}``, as an instrumented service would.
"""

import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

from bundle import names as rn

OTEL_METHOD_LABEL = "http_request_method"
REQUESTS = Counter(rn.CLASSIC_HTTP_REQUESTS_TOTAL.removesuffix("_total"), "HTTP requests.",
                   [rn.CLASSIC_STATUS_LABEL, rn.CLASSIC_ROUTE_LABEL, "method"])
DURATION = Histogram(rn.CLASSIC_HTTP_DURATION, "HTTP request duration.",
                     [rn.CLASSIC_ROUTE_LABEL, "method"])
OTEL_DURATION = Histogram(rn.OTEL_HTTP_SERVER_DURATION, "HTTP server request duration.",
                          [rn.OTEL_STATUS_LABEL, rn.OTEL_ROUTE_LABEL, OTEL_METHOD_LABEL])
ROUTES = {"/": (200, 0.0), "/slow": (200, 0.3), "/fail": (500, 0.0)}


class Handler(BaseHTTPRequestHandler):
    """Serve the routes and /metrics."""

    def do_GET(self) -> None:
        """Answer one GET."""
        if self.path == "/metrics":
            self._reply(200, generate_latest(), CONTENT_TYPE_LATEST)
            return
        started = time.perf_counter()
        status, delay = ROUTES.get(self.path, (404, 0.0))
        time.sleep(delay)
        self._reply(status, b"ok\n" if status < 400 else b"error\n", "text/plain")
        elapsed = time.perf_counter() - started
        REQUESTS.labels(str(status), self.path, "get").inc()
        DURATION.labels(self.path, "get").observe(elapsed)
        OTEL_DURATION.labels(str(status), self.path, "GET").observe(elapsed)

    def _reply(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test log quiet."""


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
