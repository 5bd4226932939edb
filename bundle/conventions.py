"""Where instrumented services keep their HTTP metrics, per naming convention (SLO preset).

A service exposes either the classic client-library names (``http_requests_total{code}``,
``http_request_duration_seconds{handler}``) or OpenTelemetry's
(``http_server_request_duration_seconds{http_response_status_code, http_route}``).
"""

from dataclasses import dataclass

from bundle import names as rn


@dataclass(frozen=True)
class Convention:
    """Where one naming convention keeps requests, durations, status and route."""

    requests: str
    duration: str
    status: str
    route: str


CLASSIC = Convention(rn.CLASSIC_HTTP_REQUESTS_TOTAL, rn.CLASSIC_HTTP_DURATION,
                     rn.CLASSIC_STATUS_LABEL, rn.CLASSIC_ROUTE_LABEL)
OTEL = Convention(f"{rn.OTEL_HTTP_SERVER_DURATION}_count", rn.OTEL_HTTP_SERVER_DURATION,
                  rn.OTEL_STATUS_LABEL, rn.OTEL_ROUTE_LABEL)
PRESETS = {"otel": OTEL, "classic": CLASSIC}
SERVER_ERRORS = "5.."
