"""Databases: connections vs limit, transactions, cache hits, locks, replication, queries, size."""

from bundle import names as rn
from dashboards.selectors import HOSTS
from dashboards.style import (
    RATE,
    Dashboard,
    Query,
    Row,
    Threshold,
    bargauge,
    stat,
    timeseries,
)
from exporters.names import postgres as pg

BY_INSTANCE = "{{instance}}"
BY_DATABASE = "{{instance}} {{datname}}"


def per_second(counter: str, by: str = "instance") -> str:
    """Return a postgres counter's per-second rate summed by the given labels."""
    return f"sum by ({by}) (rate({counter}{{{HOSTS}}}[{RATE}]))"


CONNECTIONS_USED = (f"sum by (instance) ({pg.PG_STAT_ACTIVITY_COUNT}{{{HOSTS}}}) / "
                    f"max by (instance) ({pg.PG_SETTINGS_MAX_CONNECTIONS}{{{HOSTS}}})")

postgres_health = Row(
    "PostgreSQL: health and connections",
    stat("Servers up", "PostgreSQL servers of the selected jobs the exporter could query.",
         "short", f"sum({pg.PG_UP}{{{HOSTS}}})"),
    stat("Connections used (max)", "Highest share of max_connections in use on any server.",
         "percentunit", f"max({CONNECTIONS_USED})",
         thresholds=[Threshold(0.75, "orange"), Threshold(0.9)]),
    stat("Deadlocks (1h)", "Deadlocks PostgreSQL detected and broke in the last hour.", "short",
         f"sum(increase({pg.PG_STAT_DATABASE_DEADLOCKS}{{{HOSTS}}}[1h]))",
         thresholds=[Threshold(1)]),
    timeseries("Connections vs limit", "Backends per state, and max_connections.", "short",
               Query(f"sum by (instance, state) ({pg.PG_STAT_ACTIVITY_COUNT}{{{HOSTS}}})",
                     "{{instance}} {{state}}"),
               Query(f"max by (instance) ({pg.PG_SETTINGS_MAX_CONNECTIONS}{{{HOSTS}}})",
                     "{{instance}} max_connections"), stack=False, width=12),
)

postgres_work = Row(
    "PostgreSQL: transactions, cache and locks",
    timeseries("Transactions per second", "Commits and rollbacks per second.", "ops",
               Query(per_second(pg.PG_STAT_DATABASE_XACT_COMMIT), "commit {{instance}}"),
               Query(per_second(pg.PG_STAT_DATABASE_XACT_ROLLBACK), "rollback {{instance}}")),
    timeseries("Buffer cache hit ratio", "Share of block reads served from shared buffers "
               "rather than the operating system.", "percentunit",
               Query(f"{per_second(pg.PG_STAT_DATABASE_BLKS_HIT)} / ("
                     f"{per_second(pg.PG_STAT_DATABASE_BLKS_HIT)} + "
                     f"{per_second(pg.PG_STAT_DATABASE_BLKS_READ)})", BY_INSTANCE),
               minimum=0, maximum=1),
    timeseries("Locks by mode", "Locks held or awaited, per lock mode.", "short",
               Query(f"sum by (instance, mode) ({pg.PG_LOCKS_COUNT}{{{HOSTS}}})",
                     "{{instance}} {{mode}}"), stack=True),
    timeseries("Longest transaction", "Age of the oldest open transaction per database.", "s",
               Query(f"max by (instance, datname) "
                     f"({pg.PG_STAT_ACTIVITY_MAX_TX_DURATION}{{{HOSTS}}})", BY_DATABASE),
               width=12),
    timeseries("Temporary files written", "Bytes per second spilled to temporary files by "
               "sorts and hashes that did not fit work_mem.", "Bps",
               Query(per_second(pg.PG_STAT_DATABASE_TEMP_BYTES), BY_INSTANCE), width=12),
)

postgres_replication = Row(
    "PostgreSQL: replication, queries and size",
    timeseries("Replication lag", "On standbys: seconds since the last replayed transaction "
               "(0 on a primary).", "s",
               Query(f"{pg.PG_REPLICATION_LAG_SECONDS}{{{HOSTS}}}", BY_INSTANCE), width=12),
    timeseries("Standby WAL lag", "On primaries, per standby: bytes of WAL not yet replayed.",
               "bytes",
               Query(f"{pg.PG_STAT_REPLICATION_PG_WAL_LSN_DIFF}{{{HOSTS}}}",
                     "{{instance}} → {{application_name}}"), width=12),
    bargauge("Top queries by total time", "The statements that took the most time per "
             "second (pg_stat_statements, top 10): 100% is one backend busy all the time.",
             "percentunit",
             Query(f"topk(10, sum by (instance, datname, queryid) (rate("
                   f"{pg.PG_STAT_STATEMENTS_SECONDS_TOTAL}{{{HOSTS}}}[5m])))",
                   "{{datname}} {{queryid}}"), width=12),
    bargauge("Database size", "On-disk size of each database.", "bytes",
             Query(f"{pg.PG_DATABASE_SIZE_BYTES}{{{HOSTS}}}", BY_DATABASE), width=12),
)

dashboard = Dashboard(
    uid=rn.DASHBOARD_DATABASES,
    title="perfsight / Databases",
    description="PostgreSQL servers (perfsight's postgres prober or postgres_exporter): "
                "connections against the limit, transactions, cache hits, locks, replication, "
                "top queries and sizes.",
    tags=("databases", "postgres"),
    rows=(postgres_health, postgres_work, postgres_replication),
)
