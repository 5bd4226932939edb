"""Errors: rate and ratio by job, status class and route, trends, anomaly bands, budget."""

from pathlib import Path

from bundle import names as rn
from bundle.spec import spec_of
from dashboards import requests
from dashboards.selectors import SERVICES
from dashboards.style import (
    JOB,
    SERVICE,
    Dashboard,
    Query,
    Row,
    Threshold,
    bargauge,
    stat,
    timeseries,
)

Z = spec_of(Path(__file__).resolve().parent.parent).anomaly.z_threshold
RATIO_5M = rn.slo_error_ratio("5m")
BY_SLO = "{{service}} {{slo}}"

overview = Row(
    "Error rate and ratio",
    stat("5xx ratio (all jobs)", "Share of all responses of the selected jobs that were 5xx.",
         "percentunit", requests.error_ratio(""),
         thresholds=[Threshold(0.01, "orange"), Threshold(0.05)], width=4, height=8),
    timeseries("5xx responses per second", "Server errors per second by job.", "reqps",
               Query(requests.error_rate("job"), "{{job}}"), width=10),
    timeseries("5xx ratio by service", "Share of responses that were 5xx, per service with "
               "preset SLOs (RED recording rule).", "percentunit",
               Query(requests.per_service(rn.SERVICE_ERRORS_RATIO_RATE5M), "{{service}}"),
               width=10),
    timeseries("Responses by status class", "Responses per second by job and status class "
               "(2xx, 3xx, 4xx, 5xx).", "reqps",
               Query(requests.status_class_rate("job"), "{{job}} {{status_class}}"), stack=True,
               width=12),
    bargauge("Top offenders", "The five routes with the most 5xx responses per second.",
             "reqps", Query(f"topk(5, {requests.route_rate('job', errors_only=True)})",
                            "{{job}} {{route}}"), width=12),
)

trends = Row(
    "Trends and anomalies",
    timeseries("5xx ratio: this week vs last week", "5xx ratio per job over 1h windows, now and "
               "at the same time a week ago.", "percentunit",
               Query(requests.error_ratio("job", "1h"), "{{job}}"),
               Query(requests.error_ratio("job", "1h", offset="1w"), "{{job}} last week"),
               width=12),
    timeseries("SLO error ratio with anomaly band", f"Each SLO's 5-minute error ratio and its "
               f"normal band: the same hour last week ± {Z:g} standard deviations of the last "
               "week (the spec's anomaly z threshold).", "percentunit",
               Query(f"{RATIO_5M}{{{SERVICES}}}", BY_SLO),
               Query(f"{rn.anomaly_baseline(RATIO_5M)}{{{SERVICES}}} + {Z:g} * "
                     f"{rn.anomaly_stddev(RATIO_5M)}{{{SERVICES}}}", f"{BY_SLO} upper"),
               Query(f"clamp_min({rn.anomaly_baseline(RATIO_5M)}{{{SERVICES}}} - {Z:g} * "
                     f"{rn.anomaly_stddev(RATIO_5M)}{{{SERVICES}}}, 0)", f"{BY_SLO} lower"),
               width=12),
)

budget = Row(
    "Error budget",
    timeseries("Error budget consumed", "Share of each SLO's error budget spent so far in its "
               "period; 100% means the SLO is missed.", "percentunit",
               Query(f"1 - max by (service, slo) ({rn.SLO_ERROR_BUDGET_REMAINING}{{{SERVICES}}})",
                     BY_SLO), thresholds=[Threshold(1)], width=12),
    timeseries("Error ratio by SLO", "Each SLO's error ratio over 5 minutes.", "percentunit",
               Query(f"{RATIO_5M}{{{SERVICES}}}", BY_SLO), width=12),
)

dashboard = Dashboard(
    uid=rn.DASHBOARD_ERRORS,
    title="perfsight / Errors",
    description="How many requests fail, where, since when, whether that is unusual, and how "
                "much error budget it costs.",
    tags=("errors", "red"),
    variables=(JOB, SERVICE),
    rows=(overview, trends, budget),
)
