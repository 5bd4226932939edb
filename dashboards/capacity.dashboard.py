"""Capacity planning: time to exhaustion, forecast against actual, headroom, growth projection."""

from pathlib import Path

from bundle import names as rn
from bundle.durations import format_duration
from bundle.spec import spec_of
from dashboards.selectors import FILESYSTEMS, HOSTS
from dashboards.style import (
    RED,
    Dashboard,
    Query,
    Row,
    Threshold,
    bargauge,
    stat,
    table,
    timeseries,
)
from exporters import names as n

SPEC = spec_of(Path(__file__).resolve().parent.parent)
CAPACITY = SPEC.capacity
# Grafana's currency units for the common ISO codes; others are shown as plain numbers
CURRENCY_UNIT = {code: f"currency{code}" for code in ("USD", "EUR", "GBP", "JPY", "CHF")}.get(
    SPEC.costs.currency, "short")
HOURS_PER_MONTH = 730
LOOKBACK = format_duration(CAPACITY.lookback_seconds)
AVAIL = f"{n.NODE_FILESYSTEM_AVAIL_BYTES}{{{FILESYSTEMS}}}"
SIZE = f"{n.NODE_FILESYSTEM_SIZE_BYTES}{{{FILESYSTEMS}}}"


def exhaustion(record: str, resource: str, horizon_key: str) -> str:
    """Return a recorded time to exhaustion, worst per instance, with its resource and horizon.

    The `alert_horizon` column shows where that resource's alert fires, since the table's
    colours can only follow one threshold (the shortest horizon).
    """
    worst = f"min by (job, instance) ({record}{{{HOSTS}}})"
    horizon = format_duration(CAPACITY.horizons[horizon_key])
    return (f'label_replace(label_replace({worst}, "resource", "{resource}", "", ""), '
            f'"alert_horizon", "{horizon}", "", "")')


SHORTEST_HORIZON = min(CAPACITY.horizons[key] for _, _, key in rn.EXHAUSTION_RECORDS)
HEADROOM = (
    (rn.INSTANCE_CPU_UTILISATION, "cpu"),
    (rn.INSTANCE_MEMORY_UTILISATION, "memory"),
    (rn.INSTANCE_MOUNTPOINT_FILESYSTEM_USAGE, "disk space"),
    (rn.INSTANCE_FILEFD_UTILISATION, "file descriptors"),
)

runway = Row(
    "Time to exhaustion",
    table("Time to exhaustion", "Per instance and finite resource: predicted time until it "
          f"runs out, from a linear fit over the last {LOOKBACK} (the spec's capacity "
          "lookback). Only shrinking resources are listed; alert_horizon is where that "
          "resource's alert fires, red is below the shortest of them.", "s",
          Query(" or ".join(exhaustion(r, name, key) for r, name, key in rn.EXHAUSTION_RECORDS),
                "runway"),
          base=RED, thresholds=[Threshold(SHORTEST_HORIZON, "green")], width=12),
    timeseries("Time to exhaustion over time", "How the predicted runway of each shrinking "
               f"resource changes. Dashed: the shortest alert horizon of the spec "
               f"({format_duration(SHORTEST_HORIZON)}); each resource alerts below its own.",
               "s",
               *(Query(f"min by (instance) ({r}{{{HOSTS}}})", f"{{{{instance}}}} {name}")
                 for r, name, _ in rn.EXHAUSTION_RECORDS),
               base=RED, thresholds=[Threshold(SHORTEST_HORIZON, "green")], width=12),
)

forecast = Row(
    "Forecast vs actual",
    timeseries("Disk space: forecast vs actual", f"Available bytes now, and what a linear fit "
               f"over the {LOOKBACK} before the last hour predicted for now: the gap is the "
               "forecast error.", "bytes",
               Query(f"sum by (instance) ({AVAIL})", "{{instance}} actual"),
               Query(f"sum by (instance) (predict_linear({AVAIL}[{LOOKBACK}] offset 1h, 3600))",
                     "{{instance}} forecast"), width=12),
    timeseries("Memory: forecast vs actual", "Available memory now, and the linear-fit "
               "forecast made an hour ago.", "bytes",
               Query(f"{n.NODE_MEMORY_MEMAVAILABLE_BYTES}{{{HOSTS}}}", "{{instance}} actual"),
               Query(f"predict_linear({n.NODE_MEMORY_MEMAVAILABLE_BYTES}{{{HOSTS}}}[{LOOKBACK}]"
                     " offset 1h, 3600)", "{{instance}} forecast"), width=12),
)

headroom = Row(
    "Headroom and growth",
    bargauge("Least headroom", "Per instance and resource, the share still free (1 - "
             "utilisation); the smallest first.", "percentunit",
             Query("bottomk(10, " + " or ".join(
                 f'label_replace(1 - max by (job, instance) ({r}{{{HOSTS}}}), "resource", '
                 f'"{name}", "", "")' for r, name in HEADROOM) + ")",
                 "{{instance}} {{resource}}"),
             maximum=1, base=RED, thresholds=[Threshold(0.1, "orange"), Threshold(0.3, "green")]),
    timeseries("Disk used: growth projection", "Used bytes per instance and where the trend "
               f"of the last {LOOKBACK} puts them one disk horizon "
               f"({format_duration(CAPACITY.horizons['disk'])}) from now.", "bytes",
               Query(f"sum by (instance) ({SIZE} - {AVAIL})", "{{instance}} used"),
               Query(f"sum by (instance) ({SIZE}) - sum by (instance) (predict_linear({AVAIL}"
                     f"[{LOOKBACK}], {CAPACITY.horizons['disk']}))", "{{instance}} projected"),
               width=8),
    timeseries("Memory used: growth projection", "Used memory per instance and its projection "
               f"one memory horizon ({format_duration(CAPACITY.horizons['memory'])}) ahead.",
               "bytes",
               Query(f"{n.NODE_MEMORY_MEMTOTAL_BYTES}{{{HOSTS}}}"
                     f" - {n.NODE_MEMORY_MEMAVAILABLE_BYTES}{{{HOSTS}}}", "{{instance}} used"),
               Query(f"{n.NODE_MEMORY_MEMTOTAL_BYTES}{{{HOSTS}}} - predict_linear("
                     f"{n.NODE_MEMORY_MEMAVAILABLE_BYTES}{{{HOSTS}}}[{LOOKBACK}], "
                     f"{CAPACITY.horizons['memory']})", "{{instance}} projected"), width=8),
)

cost = Row(
    f"Cost ({SPEC.costs.currency})",
    stat("Fleet cost per month", "The hourly cost of every instance (perfsight.yaml's `costs` "
         f"rates) times {HOURS_PER_MONTH} hours.", CURRENCY_UNIT,
         Query(f"{rn.FLEET_COST_PER_HOUR} * {HOURS_PER_MONTH}", "fleet"), width=4),
    bargauge("Cost per instance per hour", "Host rate + cores x core rate + GiB of memory x "
             "memory rate, from the spec's cost rates; the most expensive first.", CURRENCY_UNIT,
             Query(f"topk(10, {rn.INSTANCE_COST_PER_HOUR}{{{HOSTS}}})", "{{instance}}"),
             width=10),
    bargauge("Cost per service per hour", "The fixed hourly cost the spec attributes to each "
             "service.", CURRENCY_UNIT,
             Query(rn.SERVICE_COST_PER_HOUR, "{{service}}"), width=10),
)

dashboard = Dashboard(
    uid=rn.DASHBOARD_CAPACITY,
    title="perfsight / Capacity planning",
    description="When each finite resource runs out at its current trend, how good the "
                "forecasts were, and how much headroom is left.",
    tags=("capacity",),
    rows=(runway, forecast, headroom, cost),
)
