"""PromQL over instrumented services' HTTP metrics, for both conventions the spec's presets know.

A service exposes either the classic client-library names (``http_requests_total{code}``,
``http_request_duration_seconds{handler}``) or OpenTelemetry's
(``http_server_request_duration_seconds{http_response_status_code, http_route}``); each query
here asks for both, joined with ``or``, so a panel shows whichever the service emits. Per
service (``$service``), the RED recording rules hold rate, 5xx ratio and p95 already.
"""

from collections.abc import Callable

from bundle import names as rn
from bundle.conventions import CLASSIC, OTEL, Convention
from bundle.promql import le_matcher
from dashboards.style import RATE

SERVICE_JOBS = 'job=~"$job"'


def per_service(record: str, offset: str = "") -> str:
    """Return a RED recording rule of the selected services."""
    shift = f" offset {offset}" if offset else ""
    return f'{record}{{{rn.LABEL_SERVICE}=~"$service"}}{shift}'


def either(query: Callable[[Convention], str]) -> str:
    """Return the query for the classic names, or else for OpenTelemetry's."""
    return f"({query(CLASSIC)}) or ({query(OTEL)})"


def _route(c: Convention, expr: str) -> str:
    """Copy the convention's route label into ``route`` so both read alike."""
    return f'label_replace({expr}, "route", "$1", "{c.route}", "(.*)")'


def request_rate(by: str, window: str = RATE, offset: str = "") -> str:
    """Return requests per second summed by the given labels."""
    shift = f" offset {offset}" if offset else ""
    return either(lambda c: f"sum by ({by}) (rate({c.requests}{{{SERVICE_JOBS}}}"
                            f"[{window}]{shift}))")


def error_rate(by: str, window: str = RATE) -> str:
    """Return 5xx responses per second summed by the given labels."""
    return either(lambda c: f'sum by ({by}) (rate({c.requests}{{{SERVICE_JOBS},'
                            f'{c.status}=~"5.."}}[{window}]))')


def error_ratio(by: str, window: str = RATE, offset: str = "") -> str:
    """Return the share of responses that are 5xx, by the given labels."""
    shift = f" offset {offset}" if offset else ""
    return either(lambda c: f'sum by ({by}) (rate({c.requests}{{{SERVICE_JOBS},'
                            f'{c.status}=~"5.."}}[{window}]{shift})) / sum by ({by}) '
                            f"(rate({c.requests}{{{SERVICE_JOBS}}}[{window}]{shift}))")


def status_class_rate(by: str) -> str:
    """Return responses per second by status class (``2xx``, ``4xx``, …) and the given labels."""
    return either(lambda c: f"sum by ({by}, status_class) (label_replace(rate({c.requests}"
                            f'{{{SERVICE_JOBS}}}[{RATE}]), "status_class", "${{1}}xx", '
                            f'"{c.status}", "(.).."))')


def route_rate(by: str, errors_only: bool = False) -> str:
    """Return requests (or 5xx responses) per second by route and the given labels."""

    def query(c: Convention) -> str:
        errors = f',{c.status}=~"5.."' if errors_only else ""
        rate = f"rate({c.requests}{{{SERVICE_JOBS}{errors}}}[{RATE}])"
        return f"sum by ({by}, route) ({_route(c, rate)})"

    return either(query)


def bucket_rate(by: str = "le", window: str = RATE, offset: str = "") -> str:
    """Return histogram bucket rates summed by the given labels (``le`` included)."""
    shift = f" offset {offset}" if offset else ""

    def query(c: Convention) -> str:
        rate = f"rate({c.duration}_bucket{{{SERVICE_JOBS}}}[{window}]{shift})"
        return f"sum by ({by}) ({_route(c, rate) if 'route' in by else rate})"

    return either(query)


def quantile(q: float, by: str, window: str = RATE, offset: str = "") -> str:
    """Return the q-quantile of request duration by the given labels."""
    buckets = bucket_rate(f"le, {by}" if by else "le", window, offset)
    return f"histogram_quantile({q}, {buckets})"


def share_faster_than(seconds: float, by: str) -> str:
    """Return the share of requests served within ``seconds`` (a bucket bound), by labels."""
    return either(lambda c: f'sum by ({by}) (rate({c.duration}_bucket{{{SERVICE_JOBS},'
                            f'le=~"{le_matcher(seconds)}"}}[{RATE}])) / sum by ({by}) '
                            f"(rate({c.duration}_count{{{SERVICE_JOBS}}}[{RATE}]))")
