"""Synthetic probes and geography: phases, latency by location, map, certs, browser vitals."""

from alert_rules import probes as alerts
from bundle import names as rn
from dashboards.selectors import HOSTS, per_second, selected
from dashboards.style import (
    INSTANCE,
    JOB,
    ORANGE,
    RATE,
    RED,
    Dashboard,
    Query,
    Row,
    Threshold,
    Variable,
    geomap,
    heatmap,
    stat,
    table,
    timeseries,
)
from dashboards.thresholds import alert_line, alert_threshold
from exporters.names import browser as bw
from exporters.names import probe as pb

LOCATION = Variable("location", "Location", pb.PERFSIGHT_PROBE_SCHEDULED_RUNS_TOTAL)
# scheduled probes of the selected jobs, instances and locations
SCHEDULED = f'{HOSTS},location=~"$location"'
BY_TARGET = "{{target}} from {{location}}"


FAILURES = per_second(pb.PERFSIGHT_PROBE_SCHEDULED_FAILURES_TOTAL, "target, location", SCHEDULED)
RUNS = per_second(pb.PERFSIGHT_PROBE_SCHEDULED_RUNS_TOTAL, "target, location", SCHEDULED)
SUCCESS = f"1 - {FAILURES} / {RUNS}"
LAST_SUCCESS = selected(pb.PERFSIGHT_PROBE_SCHEDULED_LAST_SUCCESS, SCHEDULED)
DURATION_BUCKETS = f"{pb.PERFSIGHT_PROBE_SCHEDULED_DURATION_SECONDS}_bucket"
PHASE = pb.PERFSIGHT_PROBE_PHASE_DURATION_SECONDS
# network phases (HTTP, TCP, DNS) add up to a probe's duration; browser milestones do not
BROWSER_PHASES = "|".join(sorted(bw.BROWSER_TIMING_PHASES.values()))
NETWORK = f'{SCHEDULED},phase!~"{BROWSER_PHASES}"'
PHASE_MEAN = (f"{per_second(f'{PHASE}_sum', 'location, phase', NETWORK)}"
              f" / {per_second(f'{PHASE}_count', 'location, phase', NETWORK)}")
MILESTONES = "|".join(bw.BROWSER_TIMING_PHASES[name] for name in (
    bw.PROBE_BROWSER_TTFB_SECONDS, bw.PROBE_BROWSER_FIRST_CONTENTFUL_PAINT_SECONDS,
    bw.PROBE_BROWSER_LARGEST_CONTENTFUL_PAINT_SECONDS))
MILESTONE_BUCKETS = per_second(f"{PHASE}_bucket", "le, location, phase",
                               f'{SCHEDULED},phase=~"{MILESTONES}"')
MILESTONES_P75 = f"histogram_quantile(0.75, {MILESTONE_BUCKETS})"
SHIFT_BUCKETS = per_second(f"{bw.PERFSIGHT_PROBE_BROWSER_CUMULATIVE_LAYOUT_SHIFT}_bucket",
                           "le, target, location", SCHEDULED)
SHIFT_P75 = f"histogram_quantile(0.75, {SHIFT_BUCKETS})"
P95 = f"histogram_quantile(0.95, {per_second(DURATION_BUCKETS, 'le, target, location', SCHEDULED)})"

availability = Row(
    "Availability",
    stat("Probes succeeding", "Share of the selected scheduled probes whose last run "
         "succeeded.", "percentunit",
         f"avg({LAST_SUCCESS})", base=RED,
         thresholds=[Threshold(0.99, "orange"), Threshold(1, "green")], height=8),
    timeseries("Success ratio by target and location", "Share of scheduled probe runs that "
               "succeeded, per target and location.", "percentunit",
               Query(SUCCESS, BY_TARGET), minimum=0, maximum=1, width=10),
    geomap("Success by location", "Share of targets whose last probe succeeded, per probing "
           "location; a location label that is an ISO country code (e.g. DE, US) is placed "
           "on the map.", "percentunit",
           Query(f"avg by (location) ({LAST_SUCCESS})", "{{location}}"),
           width=10, height=8, thresholds=[Threshold(0.99, "orange"), Threshold(1, "green")]),
    timeseries("/probe success by target", "probe_success of targets probed through /probe "
               "(blackbox_exporter-compatible), averaged over the scrape interval.",
               "percentunit",
               Query(f"avg by (instance) (avg_over_time({pb.PROBE_SUCCESS}{{{HOSTS}}}[{RATE}]))",
                     "{{instance}}"), minimum=0, maximum=1, width=24),
)

latency = Row(
    "Latency by phase and location",
    timeseries("HTTP phases (stacked)", "Seconds each phase of the last /probe took: DNS "
               "resolve, TCP connect, TLS, processing (time to first byte) and transfer.", "s",
               Query(f"avg by (instance, phase) "
                     f"({pb.PROBE_HTTP_DURATION_SECONDS}{{{HOSTS}}})",
                     "{{instance}} {{phase}}"), stack=True, width=12),
    timeseries("Scheduled phases (stacked)", "Mean seconds per phase of scheduled probes, per "
               "location.", "s",
               Query(PHASE_MEAN, "{{location}} {{phase}}"), stack=True, width=12),
    heatmap("Probe duration heat map", "Scheduled probe durations of the selected locations, "
            "per histogram bucket.", "s", per_second(DURATION_BUCKETS, "le", SCHEDULED)),
    timeseries("p95 by location", "95th percentile of scheduled probe durations per target "
               "and location; dashed: where the slow-probe alert fires.", "s",
               Query(P95, BY_TARGET), thresholds=[alert_line(alerts.PROBE_SLOW)], width=12),
)

certificates = Row(
    "Certificates and responses",
    table("Certificate expiry", "Time until the earliest certificate of each TLS target's "
          "chain expires; red below the expiry alert's threshold "
          f"({alert_threshold(alerts.PROBE_CERT_EXPIRY) / 86400:g} days).", "s",
          Query(f"min by (instance) ({pb.PROBE_SSL_EARLIEST_CERT_EXPIRY}{{{HOSTS}}}) - time()",
                "expires in"),
          base=RED, thresholds=[Threshold(alert_threshold(alerts.PROBE_CERT_EXPIRY), "green")]),
    timeseries("HTTP status code", "Status code of the last /probe response per target.",
               "none", Query(f"{pb.PROBE_HTTP_STATUS_CODE}{{{HOSTS}}}", "{{instance}}"),
               width=6),
    timeseries("Probe duration", "Total seconds of the last /probe per target.", "s",
               Query(f"{pb.PROBE_DURATION_SECONDS}{{{HOSTS}}}", "{{instance}}"), width=6),
)



def per_page(metric: str, legend: str = "{{instance}}") -> Query:
    """Return a browser probe's last value per probed page."""
    return Query(f"avg by (instance) ({selected(metric)})", legend)


# Core Web Vitals' "poor" bound above the alert's (web.dev: good up to 0.1), Lighthouse's TBT
CLS_BOUNDS = (Threshold(alert_threshold(alerts.BROWSER_CLS), ORANGE), Threshold(0.25, RED))
TBT_BOUNDS = (Threshold(0.2, ORANGE), Threshold(0.6, RED))

vitals = Row(
    "Browser vitals",
    timeseries("Page milestones", "Seconds from navigation start to the first byte (TTFB), "
               "the first contentful paint (FCP) and the largest contentful paint (LCP) of "
               "each browser-probed page; dashed: where the LCP alert fires (Core Web Vitals: "
               "good up to 2.5 s).", "s",
               per_page(bw.PROBE_BROWSER_TTFB_SECONDS, "{{instance}} TTFB"),
               per_page(bw.PROBE_BROWSER_FIRST_CONTENTFUL_PAINT_SECONDS, "{{instance}} FCP"),
               per_page(bw.PROBE_BROWSER_LARGEST_CONTENTFUL_PAINT_SECONDS, "{{instance}} LCP"),
               thresholds=[alert_line(alerts.BROWSER_LCP)], width=12),
    timeseries("Cumulative layout shift", "Layout shift score of each page (Core Web Vitals: "
               "good up to 0.1, poor above 0.25); orange from where the CLS alert fires.",
               "none",
               per_page(bw.PROBE_BROWSER_CUMULATIVE_LAYOUT_SHIFT), thresholds=CLS_BOUNDS,
               minimum=0, width=6),
    timeseries("Total blocking time", "Seconds the main thread was blocked beyond 50 ms per "
               "long task between FCP and the end of the load (good up to 0.2 s, poor above "
               "0.6 s).", "s", per_page(bw.PROBE_BROWSER_TOTAL_BLOCKING_TIME_SECONDS),
               thresholds=TBT_BOUNDS, minimum=0, width=6),
    timeseries("Page weight", "Bytes of every response the page loaded, as received.", "bytes",
               per_page(bw.PROBE_BROWSER_PAGE_BYTES), minimum=0, width=12),
    timeseries("Requests per page", "Requests the page made (document included), and those "
               "the address guard refused.", "none",
               per_page(bw.PROBE_BROWSER_REQUESTS, "{{instance}} requests"),
               per_page(bw.PROBE_BROWSER_REFUSED_REQUESTS, "{{instance}} refused"),
               minimum=0, width=12),
    timeseries("Scheduled page milestones p75 by location", "75th percentile (the Core Web "
               "Vitals convention) of TTFB, FCP and LCP of scheduled browser probes per "
               "location, from their histograms; dashed: where the LCP alert fires.", "s",
               Query(MILESTONES_P75, "{{location}} {{phase}}"),
               thresholds=[alert_line(alerts.BROWSER_LCP)], width=16),
    timeseries("Scheduled layout shift p75", "75th percentile of the Cumulative Layout Shift "
               "of scheduled browser probes per target and location, from their histogram; "
               "orange from where the CLS alert fires, red above 0.25 (Core Web Vitals: poor).",
               "none", Query(SHIFT_P75, BY_TARGET), thresholds=CLS_BOUNDS, minimum=0, width=8),
)

dashboard = Dashboard(
    uid=rn.DASHBOARD_PROBES,
    title="perfsight / Synthetic probes",
    description="Synthetic HTTP/TCP/DNS probes (perfsight's probers or blackbox_exporter): "
                "success, phase breakdown, latency per location, a map by location, "
                "certificate expiry; browser probes' vitals (TTFB, FCP, LCP, CLS, TBT, page "
                "weight, requests).",
    tags=("probes", "synthetic"),
    variables=(JOB, INSTANCE, LOCATION),
    rows=(availability, latency, certificates, vitals),
)
