"""Anomaly alerts: SLO traffic, error ratio or p95 latency outside its weekly band, with volume."""

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from alert_rules.model import Alert, AlertRule, Runbook, render_rules, rule_group
from bundle import names as rn
from bundle.artifacts import Artifact, render_yaml
from bundle.promql import number
from bundle.spec import Spec, spec_of

PATH = "alert_rules/generated/anomaly.yaml"
EVENTS, ERRORS = rn.SLO_EVENTS_RATE5M, rn.slo_error_ratio("5m")
LATENCY, REQUESTS = rn.SERVICE_LATENCY_P95_RATE5M, rn.SERVICE_REQUESTS_RATE5M

TRAFFIC_ANOMALY = Alert(
    name=rn.ALERT_TRAFFIC_ANOMALY, severity="info", for_="15m",
    threshold=3, threshold_meaning="absolute z-score (defaults to anomaly.z_threshold)",
    summary="{{ $labels.service }} traffic is unusual for this time of the week",
    description="{{ $labels.service }} ({{ $labels.slo }}) traffic is {{ $value | humanize }} "
                "standard deviations from the same hour last week.",
    dashboard=rn.DASHBOARD_THROUGHPUT,
    runbook=Runbook(
        meaning="The event rate of an SLO's SLI differs from the same hour one week earlier by "
                "more than the z-score threshold (standard deviations of the last week). Only "
                "services whose usual traffic is above `anomaly.min_events_per_second` alert.",
        impact="A drop often means users cannot reach the service (DNS, load balancer, client "
               "release); a spike can be a bot, a retry storm or a marketing event.",
        diagnose="Throughput dashboard: the band and the rate; compare upstream traffic and "
                 "recent releases.",
        mitigate="Restore the broken path for drops; rate-limit or scale for spikes.",
    ),
)
ERROR_RATIO_ANOMALY = Alert(
    name=rn.ALERT_ERROR_RATIO_ANOMALY, severity="warning", for_="15m",
    threshold=3, threshold_meaning="z-score (defaults to anomaly.z_threshold)",
    summary="{{ $labels.service }} {{ $labels.slo }} error ratio is unusually high",
    description="{{ $labels.service }} {{ $labels.slo }} error ratio is {{ $value | humanize }} "
                "standard deviations above the same hour last week.",
    dashboard=rn.DASHBOARD_ERRORS,
    runbook=Runbook(
        meaning="The SLI error ratio (for latency SLOs: the share of slow requests) is far "
                "above its weekly band while traffic is above the minimum volume.",
        impact="Early warning: more users than usual see errors or slow responses, possibly "
               "before any burn-rate alert.",
        diagnose="Errors and Response times dashboards; recent deploys and dependency alerts.",
        mitigate="Roll back or fix the cause before it burns the error budget.",
    ),
)
LATENCY_ANOMALY = Alert(
    name=rn.ALERT_LATENCY_ANOMALY, severity="warning", for_="15m",
    threshold=3, threshold_meaning="z-score (defaults to anomaly.z_threshold)",
    summary="{{ $labels.service }} p95 latency is unusually high",
    description="{{ $labels.service }} p95 latency is {{ $value | humanize }} standard "
                "deviations above the same hour last week.",
    dashboard=rn.DASHBOARD_RESPONSE_TIMES,
    runbook=Runbook(
        meaning="The service's p95 request latency (RED recording from its SLO presets) is far "
                "above its weekly band while its request rate is above "
                "`anomaly.min_events_per_second`.",
        impact="Users wait longer than usual, possibly before a latency SLO burns.",
        diagnose="Response times dashboard: heat map and p95 by route; database and cache "
                 "dashboards for a slow dependency; recent deploys.",
        mitigate="Roll back or fix the slow path; scale if it is load.",
    ),
)
ALERTS = (TRAFFIC_ANOMALY, ERROR_RATIO_ANOMALY, LATENCY_ANOMALY)


def anomaly_alert_rules(spec: Spec) -> list[AlertRule]:
    """Return the anomaly rules, guarded by the spec's minimum volume."""
    volume = number(spec.anomaly.min_events_per_second)
    z_default = spec.anomaly.z_threshold
    traffic = AlertRule(replace(TRAFFIC_ANOMALY, threshold=z_default), lambda z: (
        f"abs({rn.anomaly_zscore(EVENTS)}) > {number(z)} "
        f"and {rn.anomaly_baseline(EVENTS)} > {volume}"))
    errors = AlertRule(replace(ERROR_RATIO_ANOMALY, threshold=z_default), lambda z: (
        f"{rn.anomaly_zscore(ERRORS)} > {number(z)} and {EVENTS} > {volume}"))
    latency = AlertRule(replace(LATENCY_ANOMALY, threshold=z_default), lambda z: (
        f"{rn.anomaly_zscore(LATENCY)} > {number(z)} and on({rn.LABEL_SERVICE}) "
        f"{REQUESTS} > {volume}"))
    return [traffic, errors, latency]


def generate(root: Path) -> Iterator[Artifact]:
    """Write the anomaly alerts when there are SLOs to watch."""
    spec = spec_of(root)
    groups = rule_group("perfsight-anomaly-alerts", render_rules(spec, anomaly_alert_rules(spec)))
    if spec.slos and groups:
        yield Artifact(PATH, render_yaml({"groups": groups}))
