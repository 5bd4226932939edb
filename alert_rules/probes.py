"""Synthetic probe alerts: failing from several locations, slow p95, certificates, LCP, CLS."""

from collections.abc import Callable

from alert_rules.model import Alert, AlertRule, Runbook, alert_file
from bundle import names as rn
from bundle.promql import number, select
from bundle.spec import Spec
from exporters.names import browser as br
from exporters.names import multitarget as mt
from exporters.names import probe as pr

PATH = "alert_rules/generated/probes.yaml"
TARGET = f"{rn.LABEL_JOB}, {mt.LABEL_TARGET}"
PER_LOCATION = f"{rn.LABEL_LE}, {TARGET}, {pr.LABEL_LOCATION}"
SLOW_WINDOW = "10m"
VITALS_WINDOW = "15m"
FROM_LOCATION = f"{{{{ with $labels.{pr.LABEL_LOCATION} }}}}from {{{{ . }}}} {{{{ end }}}}"

PROBE_FAILING = Alert(
    name=rn.ALERT_PROBE_FAILING, severity="critical", for_="3m", threshold=2,
    threshold_meaning="locations that must fail (fewer if fewer probe it)",
    summary="{{ $labels.target }} fails its probes",
    description="{{ $labels.target }} fails its probes from {{ $value }} locations.",
    dashboard=rn.DASHBOARD_PROBES,
    runbook=Runbook(
        meaning="The last probe of the target failed from at least the threshold number of "
                "locations (from every location when fewer probe it), so one flaky vantage "
                "point does not page: scheduled probes by their `location` label "
                "(`perfsight_probe_scheduled_last_success`), `/probe` targets by `probe_success` "
                "per scrape job and location.",
        impact="Users cannot reach the target (or its check, e.g. a status code or body "
               "regex, fails).",
        diagnose="Probes dashboard: which phase fails (DNS, connect, TLS, HTTP status); "
                 "`curl -v` the target from an affected location; recent deploys and DNS or "
                 "certificate changes.",
        mitigate="Roll back, fix DNS/TLS/load balancer, fail over to another region.",
    ),
)
PROBE_SLOW = Alert(
    name=rn.ALERT_PROBE_SLOW, severity="warning", for_="10m", threshold=2,
    threshold_meaning=f"p95 probe duration over {SLOW_WINDOW}, seconds",
    summary="{{ $labels.target }} responds slowly to probes",
    description=f"The p95 probe duration of {{{{ $labels.target }}}} {FROM_LOCATION}over "
                f"{SLOW_WINDOW} is {{{{ $value | humanizeDuration }}}}.",
    dashboard=rn.DASHBOARD_PROBES,
    runbook=Runbook(
        meaning=f"The 95th percentile of probe durations over {SLOW_WINDOW} is above the "
                f"threshold, per target and location: for scheduled probes from the "
                f"histogram `perfsight_probe_scheduled_duration_seconds` (every run counted; "
                f"browser page loads are judged by BrowserLCPDegraded instead); "
                f"for `/probe` targets (blackbox_exporter style, one probe per scrape) from "
                f"the {SLOW_WINDOW} of `probe_duration_seconds` samples, i.e. the scraped "
                f"probes themselves.",
        impact="Users see slow pages or API calls.",
        diagnose="Probes dashboard: the slow phase (`probe_http_duration_seconds{phase}`: "
                 "resolve, connect, tls, processing, transfer) and the per-location p95; "
                 "Response times dashboard for the service behind it.",
        mitigate="Fix the slow phase: DNS, network path, TLS termination, or the backend.",
    ),
)
BROWSER_LCP = Alert(
    name=rn.ALERT_BROWSER_LCP, severity="warning", for_="10m", threshold=2.5,
    threshold_meaning=f"p75 Largest Contentful Paint over {VITALS_WINDOW}, seconds (Core Web "
                      f"Vitals: good up to 2.5)",
    summary="{{ $labels.target }} paints its largest content slowly",
    description=f"The p75 Largest Contentful Paint of {{{{ $labels.target }}}} "
                f"{FROM_LOCATION}over {VITALS_WINDOW} is {{{{ $value | humanizeDuration }}}}.",
    dashboard=rn.DASHBOARD_PROBES,
    runbook=Runbook(
        meaning=f"The 75th percentile (the Core Web Vitals assessment point) of the page's "
                f"Largest Contentful Paint over {VITALS_WINDOW} is above the threshold: for "
                f"`/probe` targets from the scraped "
                f"`{br.PROBE_BROWSER_LARGEST_CONTENTFUL_PAINT_SECONDS}`, for scheduled browser "
                f"targets from the "
                f"`{br.BROWSER_TIMING_PHASES[br.PROBE_BROWSER_LARGEST_CONTENTFUL_PAINT_SECONDS]}` "
                f"phase histogram per location. "
                f"Core Web Vitals rate an LCP up to 2.5 s good, above 4 s poor.",
        impact="Users wait for the page's main content: worse engagement and search ranking.",
        diagnose="Probes dashboard, Browser vitals row: did TTFB grow (server, network), FCP "
                 "(render-blocking CSS/JS), or only LCP (a heavy hero image, late-loaded "
                 "content)? Page weight and request count show a grown page.",
        mitigate="Roll back the change that made the page heavier; speed up the backend "
                 "(TTFB); preload and compress the largest element; defer blocking scripts.",
    ),
)
BROWSER_CLS = Alert(
    name=rn.ALERT_BROWSER_CLS, severity="warning", for_="10m", threshold=0.1,
    threshold_meaning=f"p75 Cumulative Layout Shift over {VITALS_WINDOW} (Core Web Vitals: good "
                      f"up to 0.1, poor above 0.25)",
    summary="The layout of {{ $labels.target }} shifts while it loads",
    description=f"The p75 Cumulative Layout Shift of {{{{ $labels.target }}}} "
                f"{FROM_LOCATION}over {VITALS_WINDOW} is {{{{ $value | printf \"%.3f\" }}}}.",
    dashboard=rn.DASHBOARD_PROBES,
    runbook=Runbook(
        meaning=f"The 75th percentile (the Core Web Vitals assessment point) of the page's "
                f"Cumulative Layout Shift score over {VITALS_WINDOW} is above the threshold: for "
                f"`/probe` targets from the scraped `{br.PROBE_BROWSER_CUMULATIVE_LAYOUT_SHIFT}`, "
                f"for scheduled browser targets from the "
                f"`{br.PERFSIGHT_PROBE_BROWSER_CUMULATIVE_LAYOUT_SHIFT}` histogram per location "
                f"(its buckets bound 0.1 and 0.25 exactly). The score sums, per 1 s/5 s session "
                f"window, how far visible elements moved unexpectedly during the load.",
        impact="Content jumps under the user's eyes and pointer: misclicks, lost reading "
               "position, worse search ranking.",
        diagnose="Probes dashboard, Browser vitals row: when the score rose, and whether page "
                 "weight or request count changed with it; load the page with the browser's "
                 "Performance panel (Layout Shift regions) to see which element moves.",
        mitigate="Give images, ads and embeds explicit sizes or aspect ratios; reserve space "
                 "for late content (banners, consent dialogs); avoid inserting content above "
                 "what is visible; use `font-display: optional` or size-matched fallbacks.",
    ),
)
PROBE_CERT_EXPIRY = Alert(
    name=rn.ALERT_PROBE_CERT_EXPIRY, severity="warning", for_="10m", threshold=14 * 86400,
    threshold_meaning="seconds until the earliest certificate of the chain expires",
    summary="The certificate of {{ $labels.instance }} expires soon",
    description="The TLS certificate chain of {{ $labels.instance }} expires in "
                "{{ $value | humanizeDuration }}.",
    dashboard=rn.DASHBOARD_PROBES,
    runbook=Runbook(
        meaning="The earliest-expiring certificate the probe saw expires within the "
                "threshold (14 days by default).",
        impact="When it expires, clients refuse the connection: a full outage for them.",
        diagnose="`openssl s_client -connect host:443 -showcerts`; check the renewal job "
                 "(certbot, cert-manager) and its logs.",
        mitigate="Renew and deploy the certificate; fix automated renewal.",
    ),
)
ALERTS = (PROBE_FAILING, PROBE_SLOW, PROBE_CERT_EXPIRY, BROWSER_LCP, BROWSER_CLS)


def scheduled(spec: Spec, metric: str, window: str = "", matcher: str = "") -> str:
    """Return a scheduled-probe series (or its rate) from the host or the probe exporters."""
    selected = [select(metric, spec.selectors[key], matcher) for key in ("host", "probe")]
    if window:
        return " or ".join(f"rate({s}[{window}])" for s in selected)
    return " or ".join(selected)


def as_target(expr: str) -> str:
    """Return a `/probe` series with its `instance` (the probed URL) copied into `target`."""
    return f'label_replace({expr}, "{mt.LABEL_TARGET}", "$1", "{rn.LABEL_INSTANCE}", "(.+)")'


def failing(success: str, by: str, threshold: float) -> str:
    """Return targets whose last probe failed from the threshold number of locations."""
    return (f"count by ({by}) ({success} == 0) >= on ({by}) "
            f"clamp_max(count by ({by}) ({success}), {number(threshold)})")


def by_location(quantile: float, buckets: str) -> Callable[[float], str]:
    """Return: a scheduled probe's quantile, per target and location, above the threshold."""
    return lambda t: (f"histogram_quantile({quantile}, sum by ({PER_LOCATION}) ({buckets})) "
                      f"> {number(t)}")


def scraped(quantile: float, series: str, window: str) -> Callable[[float], str]:
    """Return: a `/probe` series' quantile over the window, per target, above the threshold."""
    return lambda t: as_target(f"quantile_over_time({quantile}, {series}[{window}])") + (
        f" > {number(t)}")


def probe_rules(spec: Spec) -> list[AlertRule]:
    """Return the probe alert rules: scheduled probes' series and `/probe` targets'."""
    sel = spec.selectors["probe"]
    last_success = f"({scheduled(spec, pr.PERFSIGHT_PROBE_SCHEDULED_LAST_SUCCESS)})"
    # page loads (prober browser) are judged by their LCP, not by the probe's duration
    buckets = scheduled(spec, f"{pr.PERFSIGHT_PROBE_SCHEDULED_DURATION_SECONDS}_bucket",
                        SLOW_WINDOW, f'{pr.LABEL_PROBER}!="{br.PROBER_BROWSER}"')
    lcp_phase = br.BROWSER_TIMING_PHASES[br.PROBE_BROWSER_LARGEST_CONTENTFUL_PAINT_SECONDS]
    lcp_buckets = scheduled(spec, f"{pr.PERFSIGHT_PROBE_PHASE_DURATION_SECONDS}_bucket",
                            VITALS_WINDOW, f'{pr.LABEL_PHASE}="{lcp_phase}"')
    cls_buckets = scheduled(spec, f"{br.PERFSIGHT_PROBE_BROWSER_CUMULATIVE_LAYOUT_SHIFT}_bucket",
                            VITALS_WINDOW)
    success = as_target(select(pr.PROBE_SUCCESS, sel))
    lcp = select(br.PROBE_BROWSER_LARGEST_CONTENTFUL_PAINT_SECONDS, sel)
    cls = select(br.PROBE_BROWSER_CUMULATIVE_LAYOUT_SHIFT, sel)
    return [
        AlertRule(PROBE_FAILING, lambda t: failing(last_success, TARGET, t)),
        AlertRule(PROBE_FAILING, lambda t: failing(success, TARGET, t)),
        AlertRule(PROBE_SLOW, by_location(0.95, buckets)),
        AlertRule(PROBE_SLOW, scraped(0.95, select(pr.PROBE_DURATION_SECONDS, sel), SLOW_WINDOW)),
        AlertRule(PROBE_CERT_EXPIRY, lambda t: (
            f"{select(pr.PROBE_SSL_EARLIEST_CERT_EXPIRY, sel)} - time() < {number(t)}")),
        AlertRule(BROWSER_LCP, scraped(0.75, lcp, VITALS_WINDOW)),
        AlertRule(BROWSER_LCP, by_location(0.75, lcp_buckets)),
        AlertRule(BROWSER_CLS, scraped(0.75, cls, VITALS_WINDOW)),
        AlertRule(BROWSER_CLS, by_location(0.75, cls_buckets)),
    ]


generate = alert_file(PATH, "perfsight-probes", probe_rules)
