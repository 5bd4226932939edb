"""Response times: latency heat map, percentiles by job and route, apdex-style satisfaction."""

from pathlib import Path

from prometheus_client import Histogram

from bundle import names as rn
from bundle.spec import LatencySli, spec_of
from dashboards import requests
from dashboards.style import (
    JOB,
    RATE,
    RED,
    SERVICE,
    Dashboard,
    Query,
    Row,
    Threshold,
    heatmap,
    stat,
    timeseries,
)
from exporters.names import probe as pb

SPEC = spec_of(Path(__file__).resolve().parent.parent)
# apdex target: the tightest latency SLO threshold of the spec (0.5 s without one); tolerated
# up to the first default histogram bucket bound at or above four times that
TARGET = min((s.sli.threshold_seconds for s in SPEC.slos if isinstance(s.sli, LatencySli)),
             default=0.5)
TOLERATED = next(b for b in Histogram.DEFAULT_BUCKETS if b >= 4 * TARGET)
APDEX = (f"(({requests.share_faster_than(TARGET, 'job')}) + "
         f"({requests.share_faster_than(TOLERATED, 'job')})) / 2")

distribution = Row(
    "Distribution",
    heatmap("Request duration heat map", "How many requests per second fell in each duration "
            "bucket of the selected jobs' histograms.", "s", requests.bucket_rate("le"),
            width=16),
    stat("Apdex", f"(satisfied + tolerated) / 2 / all: satisfied within {TARGET:g} s (the "
         f"tightest latency SLO threshold), tolerated within {TOLERATED:g} s.", "percentunit",
         f"min({APDEX})", width=8, height=8, base=RED,
         thresholds=[Threshold(0.7, "orange"), Threshold(0.85, "green")]),
)

percentiles = Row(
    "Percentiles",
    timeseries("p50 / p90 / p99 by job", "Request duration percentiles per job, from the "
               "histogram buckets.", "s",
               *(Query(requests.quantile(q, "job"), f"{{{{job}}}} p{round(q * 100)}")
                 for q in (0.5, 0.9, 0.99)), width=12),
    timeseries("p50 / p90 / p99 by service", "Request duration percentiles per service (RED "
               "recording rules, from the metrics its SLO presets read).", "s",
               *(Query(requests.per_service(rn.SERVICE_LATENCY_RATE5M[p]), f"{{{{service}}}} p{p}")
                 for p in (50, 90, 99)), width=12),
    timeseries("p99 by route", "99th percentile request duration per route (top 10 slowest).",
               "s", Query(f"topk(10, {requests.quantile(0.99, 'job, route')})",
                          "{{job}} {{route}}"), width=12),
    timeseries("Apdex by job", f"Apdex per job (target {TARGET:g} s, tolerated "
               f"{TOLERATED:g} s).", "percentunit", Query(APDEX, "{{job}}"), minimum=0,
               maximum=1, width=12),
    timeseries("Server-side vs end-to-end p95", "95th percentile of the time services spend "
               "on a request, as their own histograms measure it (RED recording rule per "
               "service), and of the whole request as "
               "perfsight's scheduled probes see it from each location (DNS, connect, TLS, "
               "transfer included).", "s",
               Query(requests.per_service(rn.SERVICE_LATENCY_P95_RATE5M), "server {{service}}"),
               Query(f"histogram_quantile(0.95, sum by (le, target, location) (rate("
                     f"{pb.PERFSIGHT_PROBE_SCHEDULED_DURATION_SECONDS}_bucket[{RATE}])))",
                     "end to end {{target}} from {{location}}"), width=12),
)

dashboard = Dashboard(
    uid=rn.DASHBOARD_RESPONSE_TIMES,
    title="perfsight / Response times",
    description="How long requests take: distribution, percentiles by job and route, and "
                "user satisfaction against the latency SLO threshold.",
    tags=("latency", "red"),
    variables=(JOB, SERVICE),
    rows=(distribution, percentiles),
)
