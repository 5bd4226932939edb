"""Synthetic probe alerts: failing from several locations, slow p95, certificate expiry."""

from collections.abc import Iterator
from pathlib import Path

from alert_rules.model import Alert, AlertRule, Runbook, render_rules, rule_group
from bundle import names as rn
from bundle.artifacts import Artifact, render_yaml
from bundle.promql import number, select
from bundle.spec import Spec, spec_of
from exporters.names import probe as pr

PATH = "alert_rules/generated/probes.yaml"
TARGET = f"{rn.LABEL_INSTANCE}, {rn.LABEL_JOB}"
SLOW_WINDOW = "10m"

PROBE_FAILING = Alert(
    name=rn.ALERT_PROBE_FAILING, severity="critical", for_="3m", threshold=2,
    threshold_meaning="locations that must fail (fewer if fewer probe it)",
    summary="{{ $labels.instance }} fails its probes",
    description="{{ $labels.instance }} fails its probes from {{ $value }} locations.",
    dashboard=rn.DASHBOARD_PROBES,
    runbook=Runbook(
        meaning="`probe_success` is 0 for the target from at least the threshold number of "
                "locations (from every location when fewer probe it), so one flaky vantage "
                "point does not page.",
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
    summary="{{ $labels.instance }} responds slowly to probes",
    description=f"The p95 probe duration of {{{{ $labels.instance }}}} over {SLOW_WINDOW} is "
                f"{{{{ $value | humanizeDuration }}}}.",
    dashboard=rn.DASHBOARD_PROBES,
    runbook=Runbook(
        meaning=f"The 95th percentile of probe durations over {SLOW_WINDOW} is above the "
                f"threshold: from perfsight's scheduled-probe histogram, or over time from "
                f"blackbox-style `probe_duration_seconds`.",
        impact="Users see slow pages or API calls.",
        diagnose="Probes dashboard: the slow phase (`probe_http_duration_seconds{phase}`: "
                 "resolve, connect, tls, processing, transfer); Response times dashboard for "
                 "the service behind it.",
        mitigate="Fix the slow phase: DNS, network path, TLS termination, or the backend.",
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
ALERTS = (PROBE_FAILING, PROBE_SLOW, PROBE_CERT_EXPIRY)


def probe_rules(spec: Spec) -> list[AlertRule]:
    """Return the probe alert rules for the spec's probe selector."""
    sel = spec.selectors["probe"]
    success = select(pr.PROBE_SUCCESS, sel)
    buckets = select(f"{pr.PERFSIGHT_PROBE_SCHEDULED_DURATION_SECONDS}_bucket", sel)
    return [
        AlertRule(PROBE_FAILING, lambda t: (
            f"count by ({TARGET}) ({success} == 0) >= on ({TARGET}) "
            f"clamp_max(count by ({TARGET}) ({success}), {number(t)})")),
        AlertRule(PROBE_SLOW, lambda t: (
            f"histogram_quantile(0.95, rate({buckets}[{SLOW_WINDOW}])) > {number(t)} or "
            f"quantile_over_time(0.95, {select(pr.PROBE_DURATION_SECONDS, sel)}[{SLOW_WINDOW}])"
            f" > {number(t)}")),
        AlertRule(PROBE_CERT_EXPIRY, lambda t: (
            f"{select(pr.PROBE_SSL_EARLIEST_CERT_EXPIRY, sel)} - time() < {number(t)}")),
    ]


def generate(root: Path) -> Iterator[Artifact]:
    """Write the probe alerts."""
    spec = spec_of(root)
    groups = rule_group("perfsight-probes", render_rules(spec, probe_rules(spec)))
    yield Artifact(PATH, render_yaml({"groups": groups}))
