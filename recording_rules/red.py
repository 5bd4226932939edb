"""RED per service: request rate, 5xx ratio and latency percentiles from its SLO presets' metrics.

A service's request metrics are the ones its preset SLOs read (classic or OpenTelemetry, with
the SLO's selector); a service with several presets records whichever it emits (``or``).
Services whose SLOs name their own counters or histograms get no RED rules.
"""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bundle import names as rn
from bundle.artifacts import Artifact, rule_file
from bundle.conventions import PRESETS, SERVER_ERRORS, Convention
from bundle.promql import select
from bundle.spec import LatencySli, RatioSli, Spec, spec_of

PATH = "recording_rules/generated/red.yaml"
WINDOW = "5m"


def request_sources(spec: Spec) -> dict[str, list[tuple[Convention, str]]]:
    """Return, per service, the (convention, selector) pairs its preset SLOs name, in order."""
    sources: dict[str, list[tuple[Convention, str]]] = {}
    for slo in spec.slos:
        if isinstance(slo.sli, RatioSli | LatencySli) and slo.sli.preset:
            source = (PRESETS[slo.sli.preset], slo.sli.selector)
            if source not in sources.setdefault(slo.service, []):
                sources[slo.service].append(source)
    return sources


def _rate(metric: str, *matchers: str) -> str:
    return f"sum(rate({select(metric, *matchers)}[{WINDOW}]))"


def request_rate(c: Convention, selector: str) -> str:
    """Return a service's requests per second."""
    return _rate(c.requests, selector)


def error_ratio(c: Convention, selector: str) -> str:
    """Return the share of a service's responses that are 5xx (0 without any)."""
    errors = _rate(c.requests, selector, f'{c.status}=~"{SERVER_ERRORS}"')
    return f"({errors} or vector(0)) / {request_rate(c, selector)}"


def latency(quantile: float) -> Callable[[Convention, str], str]:
    """Return the signal: this quantile of a service's request durations."""

    def signal(c: Convention, selector: str) -> str:
        buckets = f"rate({select(f'{c.duration}_bucket', selector)}[{WINDOW}])"
        return f"histogram_quantile({quantile}, sum by ({rn.LABEL_LE}) ({buckets}))"

    return signal


SIGNALS = (
    (rn.SERVICE_REQUESTS_RATE5M, request_rate),
    (rn.SERVICE_ERRORS_RATIO_RATE5M, error_ratio),
    *((record, latency(percentile / 100))
      for percentile, record in rn.SERVICE_LATENCY_RATE5M.items()),
)


def red_rules(spec: Spec) -> list[dict[str, Any]]:
    """Return the RED rules of every service with preset SLOs."""
    return [
        {"record": record,
         "expr": " or ".join(f"({signal(c, selector)})" for c, selector in sources),
         "labels": {rn.LABEL_SERVICE: service}}
        for service, sources in request_sources(spec).items()
        for record, signal in SIGNALS
    ]


def generate(root: Path) -> Iterator[Artifact]:
    """Write the RED recording rules."""
    yield rule_file(PATH, {"perfsight-red": red_rules(spec_of(root))})
