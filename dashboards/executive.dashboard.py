"""Executive summary: service levels, budget, latency against last week, bottlenecks, runway."""

from bundle import names as rn
from dashboards import requests
from dashboards.selectors import HOSTS, per_slo
from dashboards.style import (
    INSTANCE,
    JOB,
    RED,
    SERVICE,
    Dashboard,
    Query,
    Row,
    Threshold,
    bargauge,
    stat,
    table,
    timeseries,
)

BY_SLO = "{{service}} {{slo}}"



def as_resource(expr: str, resource: str) -> str:
    """Return a per-instance utilisation tagged with a ``resource`` label."""
    return f'label_replace(max by (job, instance) ({expr}), "resource", "{resource}", "", "")'


UTILISATION = (
    (rn.INSTANCE_CPU_UTILISATION, "cpu"),
    (rn.INSTANCE_MEMORY_UTILISATION, "memory"),
    (rn.INSTANCE_MOUNTPOINT_FILESYSTEM_USAGE, "disk space"),
    (rn.INSTANCE_DEVICE_DISK_IO_UTILISATION, "disk io"),
    (rn.INSTANCE_FILEFD_UTILISATION, "file descriptors"),
)
BUSIEST = " or ".join(as_resource(f"{record}{{{HOSTS}}}", name) for record, name in UTILISATION)
EXHAUSTION = tuple(record for record, _resource, _horizon in rn.EXHAUSTION_RECORDS)

service_levels = Row(
    "Service levels",
    table("SLO status", "Per SLO: its objective, the SLI over the SLO period and the share of "
          "the error budget left.", "percentunit",
          Query(per_slo(rn.SLO_OBJECTIVE), "objective"),
          Query(f"1 - {per_slo(rn.SLO_ERROR_RATIO_PERIOD)}", "SLI over period"),
          Query(per_slo(rn.SLO_ERROR_BUDGET_REMAINING), "budget left"), width=12),
    bargauge("Error budget remaining", "Share of each SLO's error budget not yet spent in its "
             "period; red below zero (SLO missed).", "percentunit",
             Query(per_slo(rn.SLO_ERROR_BUDGET_REMAINING), BY_SLO), width=8, maximum=1,
             base=RED, thresholds=[Threshold(0, "orange"), Threshold(0.25, "green")]),
    stat("Worst availability", "Lowest SLI over its period of all selected SLOs.",
         "percentunit", f"min(1 - {per_slo(rn.SLO_ERROR_RATIO_PERIOD)})", width=4, height=8),
)

latency = Row(
    "Latency",
    timeseries("p95 latency vs last week", "95th percentile request duration per service now "
               "and at the same time a week ago (RED recording rule over the histograms its "
               "SLO presets name).", "s",
               Query(requests.per_service(rn.SERVICE_LATENCY_P95_RATE5M), "{{service}}"),
               Query(requests.per_service(rn.SERVICE_LATENCY_P95_RATE5M, offset="1w"),
                     "{{service}} last week"),
               width=24),
)

bottlenecks = Row(
    "Bottlenecks, alerts and runway",
    bargauge("Top 5 bottlenecks", "The most utilised resources of the fleet (USE recording "
             "rules), whichever instance and resource they are.", "percentunit",
             Query(f"topk(5, {BUSIEST})", "{{instance}} {{resource}}"),
             maximum=1, thresholds=[Threshold(0.7, "orange"), Threshold(0.9)]),
    table("Firing alerts", "Alerts firing now, by name and severity, with how many series "
          "fire.", "short",
          Query(f'sum by (alertname, severity) ({rn.ALERTS_SERIES}{{alertstate="firing"}})',
                "firing")),
    stat("Capacity runway", "Shortest predicted time until any disk, inode table, memory, "
         "file-descriptor table, database connection limit or Redis maxmemory of the selected "
         "instances runs out at its current trend (empty while nothing shrinks).", "s",
         f"min({' or '.join(f'{r}{{{HOSTS}}}' for r in EXHAUSTION)})", width=4, height=8,
         base=RED, thresholds=[Threshold(86400, "orange"), Threshold(7 * 86400, "green")]),
)

dashboard = Dashboard(
    uid=rn.DASHBOARD_EXECUTIVE,
    title="perfsight / Executive summary",
    description="Are the services meeting their objectives, what is closest to breaking, "
                "and how long until something runs out.",
    tags=("executive", "slo"),
    variables=(SERVICE, JOB, INSTANCE),
    rows=(service_levels, latency, bottlenecks),
)
