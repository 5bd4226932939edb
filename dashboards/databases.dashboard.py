"""Databases: connections vs limit, transactions, cache hits, locks, replication, queries, size."""

from alert_rules import databases as alerts
from bundle import names as rn
from dashboards.selectors import HOSTS, per_second, selected
from dashboards.style import (
    RED,
    Dashboard,
    Query,
    Row,
    Threshold,
    bargauge,
    stat,
    timeseries,
)
from dashboards.thresholds import alert_line, alert_threshold
from exporters.names import mysql as my
from exporters.names import postgres as pg

BY_INSTANCE = "{{instance}}"
BY_DATABASE = "{{instance}} {{datname}}"



postgres_health = Row(
    "PostgreSQL: health and connections",
    stat("PostgreSQL: servers up",
         "PostgreSQL servers of the selected jobs the exporter could query.",
         "short", f"sum({pg.PG_UP}{{{HOSTS}}})"),
    stat("PostgreSQL: connections used (max)",
         "Highest share of max_connections in use on any server.",
         "percentunit", f"max({selected(rn.INSTANCE_PG_CONNECTIONS_UTILISATION)})",
         thresholds=[alert_line(alerts.POSTGRES_CONNECTIONS)]),
    stat("Deadlocks (1h)", "Deadlocks PostgreSQL detected and broke in the last hour.", "short",
         f"sum(increase({pg.PG_STAT_DATABASE_DEADLOCKS}{{{HOSTS}}}[1h]))",
         thresholds=[Threshold(1)]),
    timeseries("PostgreSQL: connections vs limit",
               "Backends per state, and max_connections.", "short",
               Query(f"sum by (instance, state) ({pg.PG_STAT_ACTIVITY_COUNT}{{{HOSTS}}})",
                     "{{instance}} {{state}}"),
               Query(f"max by (instance) ({pg.PG_SETTINGS_MAX_CONNECTIONS}{{{HOSTS}}})",
                     "{{instance}} max_connections"), stack=False, width=12),
)

postgres_work = Row(
    "PostgreSQL: transactions, cache and locks",
    timeseries("Transactions per second", "Commits plus rollbacks per second, and rollbacks "
               "alone.", "ops",
               Query(selected(rn.INSTANCE_PG_TRANSACTIONS), "all {{instance}}"),
               Query(per_second(pg.PG_STAT_DATABASE_XACT_ROLLBACK), "rollback {{instance}}")),
    timeseries("Buffer cache hit ratio", "Share of block reads served from shared buffers "
               "rather than the operating system; dashed: the hit-ratio alert threshold.",
               "percentunit", Query(selected(rn.INSTANCE_PG_CACHE_HIT), BY_INSTANCE),
               minimum=0, maximum=1, base=RED,
               thresholds=[Threshold(alert_threshold(alerts.POSTGRES_CACHE_HIT), "green")]),
    timeseries("Locks by mode", "Locks held or awaited, per lock mode.", "short",
               Query(f"sum by (instance, mode) ({pg.PG_LOCKS_COUNT}{{{HOSTS}}})",
                     "{{instance}} {{mode}}"), stack=True),
    timeseries("Longest transaction", "Age of the oldest open transaction per database; "
               "dashed: the long-transaction alert threshold.", "s",
               Query(f"max by (instance, datname) "
                     f"({pg.PG_STAT_ACTIVITY_MAX_TX_DURATION}{{{HOSTS}}})", BY_DATABASE),
               thresholds=[alert_line(alerts.POSTGRES_LONG_TRANSACTION)], width=12),
    timeseries("Temporary files written", "Bytes per second spilled to temporary files by "
               "sorts and hashes that did not fit work_mem.", "Bps",
               Query(per_second(pg.PG_STAT_DATABASE_TEMP_BYTES), BY_INSTANCE), width=12),
)

postgres_replication = Row(
    "PostgreSQL: replication, queries and size",
    timeseries("Replication lag", "On standbys: seconds since the last replayed transaction "
               "(0 on a primary); dashed: the replication-lag alert threshold.", "s",
               Query(f"{pg.PG_REPLICATION_LAG_SECONDS}{{{HOSTS}}}", BY_INSTANCE),
               thresholds=[alert_line(alerts.POSTGRES_REPLICATION_LAG)], width=12),
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

COMMANDS = per_second(my.MYSQL_GLOBAL_STATUS_COMMANDS_TOTAL, "instance, command")

mysql_health = Row(
    "MySQL / MariaDB: health, connections and queries",
    stat("MySQL: servers up",
         "MySQL servers of the selected jobs the exporter could query.", "short",
         f"sum({selected(my.MYSQL_UP)})"),
    stat("MySQL: connections used (max)", "Highest share of max_connections in use on any server.",
         "percentunit", f"max({selected(rn.INSTANCE_MYSQL_CONNECTIONS_UTILISATION)})",
         thresholds=[alert_line(alerts.MYSQL_CONNECTIONS)]),
    stat("Slow queries (1h)", "Queries slower than long_query_time in the last hour.", "short",
         f"sum(increase({selected(my.MYSQL_GLOBAL_STATUS_SLOW_QUERIES)}[1h]))",
         thresholds=[Threshold(1, "orange")]),
    timeseries("MySQL: connections vs limit", "Connected and running threads, and max_connections.",
               "short",
               Query(selected(my.MYSQL_GLOBAL_STATUS_THREADS_CONNECTED), "connected {{instance}}"),
               Query(selected(my.MYSQL_GLOBAL_STATUS_THREADS_RUNNING), "running {{instance}}"),
               Query(selected(my.MYSQL_GLOBAL_VARIABLES_MAX_CONNECTIONS),
                     "max_connections {{instance}}"), width=12),
    timeseries("Queries per second", "Statements per second (questions), and the busiest "
               "command types.", "ops",
               Query(selected(rn.INSTANCE_MYSQL_QUESTIONS), "questions {{instance}}"),
               Query(f"topk(5, {COMMANDS})", "{{instance}} {{command}}"), width=12),
)

mysql_work = Row(
    "MySQL / MariaDB: buffer pool, locks and replication",
    timeseries("InnoDB buffer pool hit ratio", "Share of page reads served from the buffer "
               "pool; dashed: the hit-ratio alert threshold.", "percentunit",
               Query(selected(rn.INSTANCE_MYSQL_BUFFER_POOL_HIT), BY_INSTANCE), minimum=0,
               maximum=1, base=RED,
               thresholds=[Threshold(alert_threshold(alerts.MYSQL_BUFFER_POOL_HIT), "green")]),
    timeseries("Row lock waits", "InnoDB row lock waits per second, and table lock waits.",
               "ops",
               Query(per_second(my.MYSQL_GLOBAL_STATUS_INNODB_ROW_LOCK_WAITS), "row {{instance}}"),
               Query(per_second(my.MYSQL_GLOBAL_STATUS_TABLE_LOCKS_WAITED),
                     "table {{instance}}")),
    timeseries("MySQL replica lag", "On replicas: seconds behind the source; dashed: the "
               "replication-lag alert threshold.", "s",
               Query(selected(my.MYSQL_SLAVE_STATUS_SECONDS_BEHIND_MASTER), BY_INSTANCE),
               thresholds=[alert_line(alerts.MYSQL_REPLICATION_LAG)]),
)

dashboard = Dashboard(
    uid=rn.DASHBOARD_DATABASES,
    title="perfsight / Databases",
    description="PostgreSQL and MySQL/MariaDB servers (perfsight's probers, postgres_exporter "
                "or mysqld_exporter): connections against the limit, transactions, cache hits, "
                "locks, replication, top queries and sizes.",
    tags=("databases", "postgres", "mysql"),
    rows=(postgres_health, postgres_work, postgres_replication, mysql_health, mysql_work),
)
