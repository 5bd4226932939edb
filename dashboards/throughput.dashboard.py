"""Throughput: request and event rates, data transfer, concurrency, peaks, spread, growth."""

from bundle import names as rn
from dashboards import requests
from dashboards.selectors import HOSTS, SERVICES, selected
from dashboards.style import (
    INSTANCE,
    JOB,
    RATE,
    SERVICE,
    Dashboard,
    Query,
    Row,
    bargauge,
    stat,
    timeseries,
)
from exporters import names as n
from exporters.names import postgres as pg

requests_row = Row(
    "Requests",
    stat("Requests per second (all jobs)", "Requests per second served by the selected jobs.",
         "reqps", requests.request_rate(""), width=4, height=8),
    stat("Peak requests per second", "Highest request rate of the selected jobs within the "
         "dashboard's time range.", "reqps",
         f"max_over_time(({requests.request_rate('')})[$__range:])", width=4, height=8),
    timeseries("Requests per second by service", "Request rate of each service with preset "
               "SLOs (RED recording rule, from the metrics its presets name).", "reqps",
               Query(requests.per_service(rn.SERVICE_REQUESTS_RATE5M), "{{service}}"),
               width=16),
    timeseries("Requests per second by route", "Request rate of each route (top 10).", "reqps",
               Query(f"topk(10, {requests.route_rate('job')})", "{{job}} {{route}}"),
               width=12),
    timeseries("SLO events per second", "Events each SLO counts (requests or probes), from the "
               "SLO recording rules.", "ops",
               Query(f"max by (service, slo) ({rn.SLO_EVENTS_RATE5M}{{{SERVICES}}})",
                     "{{service}} {{slo}}"), width=12),
)

spread = Row(
    "Load distribution and growth",
    bargauge("Load per instance", "Request rate of each instance of the selected jobs: an "
             "even spread means the load balancer works.", "reqps",
             Query(requests.request_rate("job, instance"), "{{job}} {{instance}}"), width=8),
    timeseries("Growth: today vs yesterday", "Request rate over 1h windows per job, now and "
               "24 hours earlier.", "reqps",
               Query(requests.request_rate("job", "1h"), "{{job}}"),
               Query(requests.request_rate("job", "1h", offset="1d"), "{{job}} yesterday"),
               width=16),
)

transfer = Row(
    "Data transfer, concurrency and transactions",
    timeseries("Network throughput", "Bytes received (positive) and sent (negative) per second "
               "per instance, loopback excluded (USE recording rules).", "Bps",
               Query(f"{rn.INSTANCE_NETWORK_RECEIVE_BYTES}{{{HOSTS}}}", "in {{instance}}"),
               Query(f"-{rn.INSTANCE_NETWORK_TRANSMIT_BYTES}{{{HOSTS}}}", "out {{instance}}")),
    timeseries("Disk throughput", "Bytes read and written per second per instance.", "Bps",
               Query(f"sum by (instance) (rate({n.NODE_DISK_READ_BYTES_TOTAL}{{{HOSTS}}}"
                     f"[{RATE}]))", "read {{instance}}"),
               Query(f"-sum by (instance) (rate({n.NODE_DISK_WRITTEN_BYTES_TOTAL}{{{HOSTS}}}"
                     f"[{RATE}]))", "write {{instance}}")),
    timeseries("Concurrency: established TCP connections", "Open established TCP connections "
               "per instance: concurrent clients and upstream connections.", "short",
               Query(f'sum by (instance) ({n.NODE_TCP_CONNECTION_STATES}{{{HOSTS},'
                     f'state="established"}})', "{{instance}}")),
    timeseries("Database transactions per second", "Commits and rollbacks per second of each "
               "PostgreSQL server.", "ops",
               Query(f"sum by (instance) ({selected(rn.INSTANCE_PG_TRANSACTIONS)})",
                     "postgres {{instance}}"), width=12),
    timeseries("Database connections", "Open connections of each PostgreSQL server, all "
               "states.", "short",
               Query(f"sum by (instance) ({pg.PG_STAT_ACTIVITY_COUNT}{{{HOSTS}}})",
                     "postgres {{instance}}"), width=12),
)

dashboard = Dashboard(
    uid=rn.DASHBOARD_THROUGHPUT,
    title="perfsight / Throughput",
    description="How much work the services and hosts do: request and event rates, bytes "
                "moved, concurrent connections, peaks and growth.",
    tags=("throughput", "red"),
    variables=(JOB, INSTANCE, SERVICE),
    rows=(requests_row, spread, transfer),
)
