"""The PostgreSQL query groups: one query each, turned into postgres_exporter-named families.

A group that fails (missing view, permission, statement timeout) drops only its own families.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from exporters.names import postgres as names

Row = Sequence[Any]
Rows = list[Row]


@dataclass(frozen=True)
class QueryGroup:
    """One query and how its rows become families; `limit` is bound as %(limit)s if set."""

    name: str
    sql: str
    build: Callable[[Rows], list[Metric]]
    uses_limit: bool = False


def legacy_counter(name: str, documentation: str) -> Metric:
    """Return a counter family whose samples carry no `_total`, as postgres_exporter's."""
    return Metric(name, documentation, "counter")


def add(family: Metric, labels: dict[str, str], value: float) -> None:
    """Add one sample under the family's own name (gauges, untyped, legacy counters)."""
    family.add_sample(family.name, labels, float(value))


def present(families: Sequence[Metric]) -> list[Metric]:
    """Drop families without samples, so an empty view exports nothing."""
    return [family for family in families if family.samples]


# --- instance: version, max_connections, standby state --------------------------------------
INSTANCE_SQL = """
SELECT version(),
       current_setting('server_version_num')::int,
       current_setting('max_connections')::float8,
       pg_is_in_recovery(),
       CASE WHEN pg_is_in_recovery()
            THEN COALESCE(
                GREATEST(0, EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())), 0)
            ELSE 0 END::float8,
       CASE WHEN pg_is_in_recovery()
            THEN pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()) END::float8
"""


def short_version(version_num: int) -> str:
    """Return postgres_exporter's short_version ("15.18.0") from server_version_num (150018)."""
    if version_num >= 100000:
        return f"{version_num // 10000}.{version_num % 10000}.0"
    return f"{version_num // 10000}.{version_num // 100 % 100}.{version_num % 100}"


def build_instance(rows: Rows) -> list[Metric]:
    """Return version info, max_connections and the replication role and standby lag."""
    version, version_num, max_connections, in_recovery, lag_seconds, lag_bytes = rows[0]
    static = Metric(names.PG_STATIC, "Version string as reported by postgres", "unknown")
    add(static, {names.LABEL_SHORT_VERSION: short_version(version_num),
                 names.LABEL_VERSION: version}, 1)
    settings = GaugeMetricFamily(
        names.PG_SETTINGS_MAX_CONNECTIONS,
        "Sets the maximum number of concurrent connections.", value=max_connections,
    )
    replica = GaugeMetricFamily(
        names.PG_REPLICATION_IS_REPLICA, "Indicates if the server is a replica",
        value=float(in_recovery),
    )
    lag = GaugeMetricFamily(
        names.PG_REPLICATION_LAG_SECONDS, "Replication lag behind master in seconds",
        value=lag_seconds,
    )
    families: list[Metric] = [static, settings, replica, lag]
    if lag_bytes is not None:
        families.append(GaugeMetricFamily(
            names.PG_REPLICATION_REPLAY_LAG_BYTES,
            "On a standby, WAL received but not yet replayed, in bytes.", value=lag_bytes,
        ))
    return families


# --- pg_stat_database -------------------------------------------------------------------------
STAT_DATABASE_HELP = {
    "xact_commit": "Number of transactions in this database that have been committed",
    "xact_rollback": "Number of transactions in this database that have been rolled back",
    "blks_read": "Number of disk blocks read in this database",
    "blks_hit": "Number of times disk blocks were found already in the buffer cache",
    "tup_returned": "Number of rows returned by queries in this database",
    "tup_fetched": "Number of rows fetched by queries in this database",
    "tup_inserted": "Number of rows inserted by queries in this database",
    "tup_updated": "Number of rows updated by queries in this database",
    "tup_deleted": "Number of rows deleted by queries in this database",
    "conflicts": "Number of queries canceled due to conflicts with recovery in this database",
    "temp_files": "Number of temporary files created by queries in this database",
    "temp_bytes": "Total amount of data written to temporary files by queries in this database",
    "deadlocks": "Number of deadlocks detected in this database",
    "blk_read_time": "Time spent reading data file blocks by backends in this database, in ms",
    "blk_write_time": "Time spent writing data file blocks by backends in this database, in ms",
}
STAT_DATABASE_SQL = (
    "SELECT datid::text, datname, numbackends::float8, "
    + ", ".join(f"{column}::float8" for column in names.STAT_DATABASE_COUNTERS)
    + " FROM pg_stat_database WHERE datname IS NOT NULL"
)


def build_stat_database(rows: Rows) -> list[Metric]:
    """Return pg_stat_database's per-database counters and backends."""
    backends = GaugeMetricFamily(
        names.PG_STAT_DATABASE_NUMBACKENDS,
        "Number of backends currently connected to this database",
    )
    counters = [
        legacy_counter(name, STAT_DATABASE_HELP[column])
        for column, name in names.STAT_DATABASE_COUNTERS.items()
    ]
    for datid, datname, numbackends, *values in rows:
        labels = {names.LABEL_DATID: datid, names.LABEL_DATNAME: datname}
        add(backends, labels, numbackends)
        for family, value in zip(counters, values, strict=True):
            add(family, labels, value or 0.0)
    return present([backends, *counters])


# --- pg_stat_activity: connections by database and state, oldest transaction and query ---------
def _values(items: Sequence[str]) -> str:
    return ", ".join(f"('{item}')" for item in items)


ACTIVITY_SQL = f"""
SELECT d.datname, s.state, COALESCE(a.count, 0)::float8, COALESCE(a.max_tx, 0)::float8,
       COALESCE(a.oldest_query, 0)::float8
FROM pg_database d
CROSS JOIN (VALUES {_values(names.ACTIVITY_STATES)}) AS s(state)
LEFT JOIN (
    SELECT datname, state, count(*) AS count,
           max(EXTRACT(EPOCH FROM now() - xact_start)) AS max_tx,
           max(EXTRACT(EPOCH FROM now() - query_start))
               FILTER (WHERE state = 'active' AND pid <> pg_backend_pid()) AS oldest_query
    FROM pg_stat_activity GROUP BY datname, state
) a ON a.datname = d.datname AND a.state = s.state
ORDER BY 1, 2
"""


def build_activity(rows: Rows) -> list[Metric]:
    """Return connections and longest transaction per database and state, oldest query age."""
    count = GaugeMetricFamily(
        names.PG_STAT_ACTIVITY_COUNT, "number of connections in this state",
        labels=[names.LABEL_DATNAME, names.LABEL_STATE],
    )
    max_tx = GaugeMetricFamily(
        names.PG_STAT_ACTIVITY_MAX_TX_DURATION,
        "max duration in seconds any active transaction has been running",
        labels=[names.LABEL_DATNAME, names.LABEL_STATE],
    )
    oldest: dict[str, float] = {}
    for datname, state, connections, longest_tx, oldest_query in rows:
        count.add_metric([datname, state], connections)
        max_tx.add_metric([datname, state], longest_tx)
        oldest[datname] = max(oldest.get(datname, 0.0), oldest_query)
    query_age = GaugeMetricFamily(
        names.PG_STAT_ACTIVITY_OLDEST_QUERY_AGE_SECONDS,
        "Age of the oldest running (active) query in this database, 0 when none runs.",
        labels=[names.LABEL_DATNAME],
    )
    for datname, age in sorted(oldest.items()):
        query_age.add_metric([datname], age)
    return present([count, max_tx, query_age])


# --- pg_locks ----------------------------------------------------------------------------------
LOCKS_SQL = f"""
SELECT d.datname, m.mode, COALESCE(l.count, 0)::float8
FROM pg_database d
CROSS JOIN (VALUES {_values(names.LOCK_MODES)}) AS m(mode)
LEFT JOIN (
    SELECT database, lower(mode) AS mode, count(*) AS count
    FROM pg_locks WHERE database IS NOT NULL GROUP BY database, lower(mode)
) l ON l.database = d.oid AND l.mode = m.mode
ORDER BY 1, 2
"""


def build_locks(rows: Rows) -> list[Metric]:
    """Return lock counts per database and mode."""
    locks = GaugeMetricFamily(
        names.PG_LOCKS_COUNT, "Number of locks", labels=[names.LABEL_DATNAME, names.LABEL_MODE]
    )
    for datname, mode, value in rows:
        locks.add_metric([datname, mode], value)
    return present([locks])


# --- pg_database: size (where this role may see it) and transaction-id age -----------------------
DATABASES_SQL = """
SELECT datname,
       CASE WHEN has_database_privilege(oid, 'CONNECT')
                 OR pg_has_role('pg_read_all_stats', 'MEMBER')
            THEN pg_database_size(oid) END::float8,
       age(datfrozenxid)::float8,
       mxid_age(datminmxid)::float8
FROM pg_database
"""


def build_databases(rows: Rows) -> list[Metric]:
    """Return database sizes and the wraparound ages."""
    labels = [names.LABEL_DATNAME]
    size = GaugeMetricFamily(
        names.PG_DATABASE_SIZE_BYTES, "Disk space used by the database", labels=labels
    )
    xid_age = GaugeMetricFamily(
        names.PG_DATABASE_WRAPAROUND_AGE_DATFROZENXID,
        "Age of the oldest transaction ID that has not been frozen.", labels=labels,
    )
    mxid_age = GaugeMetricFamily(
        names.PG_DATABASE_WRAPAROUND_AGE_DATMINMXID,
        "Age of the oldest multi-transaction ID that has been replaced with a transaction ID.",
        labels=labels,
    )
    for datname, size_bytes, frozen_age, multixact_age in rows:
        if size_bytes is not None:
            size.add_metric([datname], size_bytes)
        xid_age.add_metric([datname], frozen_age)
        mxid_age.add_metric([datname], multixact_age)
    return present([size, xid_age, mxid_age])


# --- pg_stat_bgwriter (PostgreSQL 15/16 layout) ------------------------------------------------
BGWRITER_SQL = (
    "SELECT "
    + ", ".join(f"{column}::float8" for column in names.STAT_BGWRITER_COUNTERS)
    + " FROM pg_stat_bgwriter"
)
BGWRITER_HELP = {
    "checkpoints_timed": "Number of scheduled checkpoints that have been performed",
    "checkpoints_req": "Number of requested checkpoints that have been performed",
    "checkpoint_write_time": "Time spent writing checkpoint files to disk, in milliseconds",
    "checkpoint_sync_time": "Time spent synchronizing checkpoint files to disk, in milliseconds",
    "buffers_checkpoint": "Number of buffers written during checkpoints",
    "buffers_clean": "Number of buffers written by the background writer",
    "maxwritten_clean": "Number of times the background writer stopped a cleaning scan "
                        "because it had written too many buffers",
    "buffers_backend": "Number of buffers written directly by a backend",
    "buffers_backend_fsync": "Number of times a backend had to execute its own fsync call",
    "buffers_alloc": "Number of buffers allocated",
}


def build_bgwriter(rows: Rows) -> list[Metric]:
    """Return the checkpointer and background writer counters."""
    return [
        CounterMetricFamily(name, BGWRITER_HELP[column], value=value)
        for (column, name), value in zip(names.STAT_BGWRITER_COUNTERS.items(), rows[0],
                                         strict=True)
    ]


# --- pg_stat_replication: per standby, on a primary --------------------------------------------
REPLICATION_SQL = """
SELECT COALESCE(r.application_name, ''), COALESCE(host(r.client_addr), ''),
       COALESCE(s.slot_name, ''), COALESCE(r.state, ''),
       pg_wal_lsn_diff(pg_current_wal_lsn(), r.replay_lsn)::float8,
       pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8,
       COALESCE(EXTRACT(EPOCH FROM r.replay_lag), 0)::float8
FROM pg_stat_replication r
LEFT JOIN pg_replication_slots s ON s.active_pid = r.pid
WHERE NOT pg_is_in_recovery()
"""


def build_replication(rows: Rows) -> list[Metric]:
    """Return each standby's lag in bytes and seconds, and the primary's WAL position."""
    labels = [names.LABEL_APPLICATION_NAME, names.LABEL_CLIENT_ADDR, names.LABEL_SLOT_NAME,
              names.LABEL_STATE]
    lag_bytes = GaugeMetricFamily(
        names.PG_STAT_REPLICATION_PG_WAL_LSN_DIFF, "Lag in bytes between master and slave",
        labels=labels,
    )
    position = GaugeMetricFamily(
        names.PG_STAT_REPLICATION_PG_CURRENT_WAL_LSN_BYTES, "WAL position in bytes",
        labels=labels,
    )
    lag_seconds = GaugeMetricFamily(
        names.PG_STAT_REPLICATION_REPLAY_LAG_SECONDS,
        "Time until this standby last reported replaying the primary's WAL, in seconds "
        "(0 when it is caught up).", labels=labels,
    )
    for *label_values, behind, current, seconds in rows:
        if behind is not None:
            lag_bytes.add_metric(label_values, behind)
        position.add_metric(label_values, current)
        lag_seconds.add_metric(label_values, seconds)
    return present([lag_bytes, position, lag_seconds])


# --- pg_stat_statements: top N by total execution time --------------------------------------
# pg_stat_statements(false) skips reading the query texts; rows are summed over `toplevel`.
STATEMENTS_SQL = """
SELECT pg_get_userbyid(s.userid), d.datname, s.queryid::text,
       sum(s.calls)::float8, (sum(s.total_exec_time) / 1000)::float8, sum(s.rows)::float8
FROM pg_stat_statements(false) s JOIN pg_database d ON d.oid = s.dbid
WHERE s.queryid IS NOT NULL
GROUP BY s.userid, d.datname, s.queryid
ORDER BY 5 DESC
LIMIT %(limit)s
"""
STATEMENT_FAMILIES = 4  # calls, seconds, rows, mean: the series one statement costs


def build_statements(rows: Rows) -> list[Metric]:
    """Return calls, total and mean time and rows of the statements using the most time."""
    labels = [names.LABEL_USER, names.LABEL_DATNAME, names.LABEL_QUERYID]
    calls = CounterMetricFamily(
        names.PG_STAT_STATEMENTS_CALLS_TOTAL, "Number of times executed", labels=labels
    )
    seconds = CounterMetricFamily(
        names.PG_STAT_STATEMENTS_SECONDS_TOTAL, "Total time spent in the statement, in seconds",
        labels=labels,
    )
    returned = CounterMetricFamily(
        names.PG_STAT_STATEMENTS_ROWS_TOTAL,
        "Total number of rows retrieved or affected by the statement", labels=labels,
    )
    mean = GaugeMetricFamily(
        names.PG_STAT_STATEMENTS_MEAN_SECONDS,
        "Mean time spent in the statement per call, in seconds", labels=labels,
    )
    for user, datname, queryid, call_count, total, row_count in rows:
        label_values = [user or "", datname, queryid]
        calls.add_metric(label_values, call_count)
        seconds.add_metric(label_values, total)
        returned.add_metric(label_values, row_count)
        mean.add_metric(label_values, total / call_count if call_count else 0.0)
    return present([calls, seconds, returned, mean])


INSTANCE = QueryGroup("instance", INSTANCE_SQL, build_instance)
GROUPS = (
    INSTANCE,
    QueryGroup("stat_database", STAT_DATABASE_SQL, build_stat_database),
    QueryGroup("activity", ACTIVITY_SQL, build_activity),
    QueryGroup("locks", LOCKS_SQL, build_locks),
    QueryGroup("databases", DATABASES_SQL, build_databases),
    QueryGroup("bgwriter", BGWRITER_SQL, build_bgwriter),
    QueryGroup("replication", REPLICATION_SQL, build_replication),
    QueryGroup("statements", STATEMENTS_SQL, build_statements, uses_limit=True),
)
