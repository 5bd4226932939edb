"""Turn a Redis `INFO ALL` reply (as redis-py parses it) into redis_exporter's families."""

from collections.abc import Mapping
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from exporters.names import redis as names

Info = Mapping[str, Any]
Nested = dict[str, Mapping[str, Any]]
COMMANDSTATS_PREFIX = "cmdstat_"
LATENCY_PREFIX = "latency_percentiles_usec_"
# INFO keyspace sections are `db0`, `db1`, ...
DB_PREFIX = "db"
REPLICA_PREFIX = "slave"
USEC = 1e-6


def number(value: Any) -> float | None:
    """Return value as a float, or None when it is not a number."""
    if isinstance(value, bool):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def info_families(info: Info) -> list[Metric]:
    """Return every family `INFO ALL` feeds, skipping fields this server does not report."""
    families: list[Metric] = []
    for field, name in names.INFO_GAUGES.items():
        value = number(info.get(field))
        if value is not None:
            families.append(GaugeMetricFamily(name, f"Redis INFO field {field}.", value=value))
    for field, name in names.INFO_STATUSES.items():
        if field in info:
            ok = float(info[field] == "ok")
            families.append(GaugeMetricFamily(name, f"Redis INFO {field} (1 ok, 0 err).", ok))
    for field, name in names.INFO_COUNTERS.items():
        value = number(info.get(field))
        if value is not None:
            families.append(CounterMetricFamily(name, f"Redis INFO field {field}.", value=value))
    # the sections redis-py parsed into mappings: commandstats, latencystats, keyspace, replicas
    nested: Nested = {key: value for key, value in info.items() if isinstance(value, Mapping)}
    return [
        *families, *_instance(info), *_commands(nested), *_latency(nested), *_keyspace(nested),
        *_replication(info, nested),
    ]


def _instance(info: Info) -> list[Metric]:
    labels = {field: str(info.get(field, "")) for field in names.INSTANCE_INFO_FIELDS}
    instance = GaugeMetricFamily(
        names.REDIS_INSTANCE_INFO, "Information about the Redis instance.", labels=list(labels)
    )
    instance.add_metric(list(labels.values()), 1.0)
    families: list[Metric] = [instance]
    now_usec, uptime = number(info.get("server_time_usec")), number(info.get("uptime_in_seconds"))
    if now_usec is not None and uptime is not None:
        families.append(GaugeMetricFamily(
            names.REDIS_START_TIME_SECONDS, "Start time of the Redis instance since unix epoch.",
            value=round(now_usec * USEC - uptime),
        ))
    return families


def _commands(nested: Nested) -> list[Metric]:
    label = [names.LABEL_CMD]
    calls = CounterMetricFamily(
        names.REDIS_COMMANDS_TOTAL, "Total number of calls per command.", labels=label
    )
    seconds = CounterMetricFamily(
        names.REDIS_COMMANDS_DURATION_SECONDS_TOTAL,
        "Total amount of time in seconds spent per command.", labels=label,
    )
    rejected = CounterMetricFamily(
        names.REDIS_COMMANDS_REJECTED_CALLS_TOTAL,
        "Total number of errors within command execution per command.", labels=label,
    )
    failed = CounterMetricFamily(
        names.REDIS_COMMANDS_FAILED_CALLS_TOTAL,
        "Total number of errors prior command execution per command.", labels=label,
    )
    for key, stats in _sections(nested, COMMANDSTATS_PREFIX):
        cmd = [key.removeprefix(COMMANDSTATS_PREFIX)]
        calls.add_metric(cmd, float(stats.get("calls", 0)))
        seconds.add_metric(cmd, float(stats.get("usec", 0)) * USEC)
        rejected.add_metric(cmd, float(stats.get("rejected_calls", 0)))
        failed.add_metric(cmd, float(stats.get("failed_calls", 0)))
    return [family for family in (calls, seconds, rejected, failed) if family.samples]


def _latency(nested: Nested) -> list[Metric]:
    """Redis 7's per-command percentiles; sum and count from commandstats, as redis_exporter."""
    summary = Metric(
        names.REDIS_LATENCY_PERCENTILES_USEC,
        "A summary of latency percentile distribution per command.", "summary",
    )
    for key, percentiles in _sections(nested, LATENCY_PREFIX):
        cmd = key.removeprefix(LATENCY_PREFIX)
        for percentile, value in percentiles.items():
            quantile = str(percentile).removeprefix("p")
            summary.add_sample(
                summary.name, {names.LABEL_CMD: cmd, names.LABEL_QUANTILE: quantile},
                float(value),
            )
        stats = nested.get(f"{COMMANDSTATS_PREFIX}{cmd}", {})
        summary.add_sample(f"{summary.name}_sum", {names.LABEL_CMD: cmd},
                           float(stats.get("usec", 0)))
        summary.add_sample(f"{summary.name}_count", {names.LABEL_CMD: cmd},
                           float(stats.get("calls", 0)))
    return [summary] if summary.samples else []


def _keyspace(nested: Nested) -> list[Metric]:
    label = [names.LABEL_DB]
    keys = GaugeMetricFamily(names.REDIS_DB_KEYS, "Total number of keys by DB.", labels=label)
    expiring = GaugeMetricFamily(
        names.REDIS_DB_KEYS_EXPIRING, "Total number of expiring keys by DB.", labels=label
    )
    ttl = GaugeMetricFamily(
        names.REDIS_DB_AVG_TTL_SECONDS, "Avg TTL in seconds.", labels=label
    )
    for db, stats in _sections(nested, DB_PREFIX):
        if not db.removeprefix(DB_PREFIX).isdigit():
            continue
        keys.add_metric([db], float(stats.get("keys", 0)))
        expiring.add_metric([db], float(stats.get("expires", 0)))
        ttl.add_metric([db], float(stats.get("avg_ttl", 0)) / 1000)
    return [family for family in (keys, expiring, ttl) if family.samples]


def _replication(info: Info, nested: Nested) -> list[Metric]:
    """Per-replica offset and lag on a primary; link state and offset on a replica."""
    families: list[Metric] = []
    offsets = GaugeMetricFamily(
        names.REDIS_CONNECTED_SLAVE_OFFSET_BYTES, "Offset of connected slave.",
        labels=list(names.SLAVE_LABELS),
    )
    lags = GaugeMetricFamily(
        names.REDIS_CONNECTED_SLAVE_LAG_SECONDS, "Lag of connected slave.",
        labels=list(names.SLAVE_LABELS),
    )
    for key, replica in _sections(nested, REPLICA_PREFIX):
        if not key.removeprefix(REPLICA_PREFIX).isdigit():
            continue
        labels = [str(replica.get(field, "")) for field in ("ip", "port", "state")]
        offsets.add_metric(labels, float(replica.get("offset", 0)))
        lags.add_metric(labels, float(replica.get("lag", 0)))
    families += [family for family in (offsets, lags) if family.samples]
    if info.get("role") == "slave":
        families += _replica_side(info)
    return families


def _replica_side(info: Info) -> list[Metric]:
    master = [str(info.get("master_host", "")), str(info.get("master_port", ""))]
    labels = list(names.MASTER_LABELS)
    slave_info = GaugeMetricFamily(
        names.REDIS_SLAVE_INFO, "Information about the Redis slave.",
        labels=[*labels, names.LABEL_READ_ONLY],
    )
    slave_info.add_metric([*master, str(info.get("slave_read_only", ""))], 1.0)
    families: list[Metric] = [slave_info]
    fields = {
        names.REDIS_MASTER_LINK_UP: float(info.get("master_link_status") == "up"),
        names.REDIS_SLAVE_REPL_OFFSET: number(info.get("slave_repl_offset")),
        names.REDIS_MASTER_LAST_IO_SECONDS_AGO: number(info.get("master_last_io_seconds_ago")),
        names.REDIS_MASTER_SYNC_IN_PROGRESS: number(info.get("master_sync_in_progress")),
    }
    for name, value in fields.items():
        if value is not None:
            family = GaugeMetricFamily(name, f"Redis replica {name}.", labels=labels)
            family.add_metric(master, value)
            families.append(family)
    return families


def _sections(nested: Nested, prefix: str) -> list[tuple[str, Mapping[str, Any]]]:
    """Return the parsed sections named prefix...."""
    return [(key, value) for key, value in nested.items() if key.startswith(prefix)]
