"""Database alerts: down, connections, deadlocks, lag, long transactions, wraparound, cache hits."""


from alert_rules.model import (
    FORECAST_FLOOR,
    ON_INSTANCE,
    Alert,
    AlertRule,
    Runbook,
    alert_file,
    constant,
    near_limit,
)
from bundle import names as rn
from bundle.promql import number, select
from bundle.spec import Spec
from exporters.names import mysql as my
from exporters.names import postgres as pg

PATH = "alert_rules/generated/databases.yaml"
MIN_CACHE_READS_PER_SECOND = 100  # below this, a hit ratio says little


def down(engine: str, name: str, metric: str, dashboard: str = rn.DASHBOARD_DATABASES) -> Alert:
    """Return the alert for an exporter that cannot reach its database or cache."""
    return Alert(
        name=name, severity="critical", for_="1m",
        summary=f"{engine} {{{{ $labels.instance }}}} is down",
        description=f"{metric} is 0: the exporter at {{{{ $labels.instance }}}} cannot connect "
                    f"to {engine} for 1 minute.",
        dashboard=dashboard,
        runbook=Runbook(
            meaning=f"The exporter runs but its connection to {engine} fails (`{metric} == 0`).",
            impact="Every service using it fails or degrades; Alertmanager holds "
                   "back their SLO burn alerts while this fires (dependencies in "
                   "perfsight.yaml).",
            diagnose=f"Exporter log for the connection error; `systemctl status` / pod status "
                     f"of {engine}; its log for crashes, OOM kills, full disks; network and "
                     f"credentials.",
            mitigate="Restart or fail over the database; free disk or memory; fix credentials.",
        ),
    )


def connections(engine: str, name: str, limit: str) -> Alert:
    """Return the alert for connections near the limit or forecast to reach it."""
    return Alert(
        name=name, severity="warning", for_="10m", threshold=0.8,
        threshold_meaning=f"used / {limit}",
        summary=f"{engine} {{{{ $labels.instance }}}} is running out of connections",
        description="{{ $labels.instance }} uses {{ $value | humanizePercentage }} of "
                    f"{limit}, or is forecast to reach it within the capacity horizon.",
        dashboard=rn.DASHBOARD_DATABASES,
        runbook=Runbook(
            meaning=f"Client connections are above the threshold of `{limit}`, or a linear "
                    f"fit over the capacity lookback reaches it within "
                    f"`capacity.horizons.db_connections` while over {FORECAST_FLOOR:.0%} of "
                    f"it is in use.",
            impact="New connections are refused once the limit is hit: errors in every "
                   "client.",
            diagnose="Databases dashboard: connections by state; which application holds "
                     "them (client address, application name); idle-in-transaction sessions.",
            mitigate="Fix the connection leak, put a pooler (PgBouncer, ProxySQL) in front, "
                     f"raise `{limit}` if memory allows.",
        ),
    )


def deadlocks(engine: str, name: str) -> Alert:
    """Return the alert for deadlocks detected by the engine."""
    return Alert(
        name=name, severity="warning", for_="0s", threshold=0,
        threshold_meaning="deadlocks in 5 minutes",
        summary=f"Deadlocks on {engine} {{{{ $labels.instance }}}}",
        description="{{ $value | humanize }} deadlocks on {{ $labels.instance }} in the last "
                    "5 minutes.",
        dashboard=rn.DASHBOARD_DATABASES,
        runbook=Runbook(
            meaning=f"{engine} detected deadlocks and aborted one transaction of each.",
            impact="The aborted transactions fail; the application retries or errors.",
            diagnose="The database log lists both statements of each deadlock "
                     "(PostgreSQL: `deadlock detected`; InnoDB: `SHOW ENGINE INNODB STATUS`).",
            mitigate="Take locks in one order in every code path; shorten transactions.",
        ),
    )


def replication_lag(engine: str, name: str) -> Alert:
    """Return the alert for a replica behind its primary."""
    return Alert(
        name=name, severity="warning", for_="5m", threshold=30,
        threshold_meaning="seconds behind the primary",
        summary=f"{engine} replica {{{{ $labels.instance }}}} lags",
        description="{{ $labels.instance }} is {{ $value | humanizeDuration }} behind its "
                    "primary.",
        dashboard=rn.DASHBOARD_DATABASES,
        runbook=Runbook(
            meaning="The replica applies changes later than the threshold after the primary.",
            impact="Reads from the replica are stale; a failover would lose or wait for data.",
            diagnose="Replica I/O and apply threads; network between the servers; long "
                     "queries on the replica blocking replay; disk I/O of the replica.",
            mitigate="Remove the blocking query, give the replica I/O, reduce write bursts.",
        ),
    )


def hit_ratio(engine: str, name: str, cache: str, threshold: float) -> Alert:
    """Return the alert for a low cache hit ratio under real load."""
    return Alert(
        name=name, severity="warning", for_="30m", threshold=threshold,
        threshold_meaning=f"{cache} hit ratio",
        summary=f"{engine} {{{{ $labels.instance }}}} {cache} hit ratio is low",
        description=f"Only {{{{ $value | humanizePercentage }}}} of block reads on "
                    f"{{{{ $labels.instance }}}} hit the {cache}.",
        dashboard=rn.DASHBOARD_DATABASES,
        runbook=Runbook(
            meaning=f"With more than {MIN_CACHE_READS_PER_SECOND} block reads per second, "
                    f"fewer than the threshold come from the {cache}.",
            impact="Queries read from disk: higher latency and I/O load.",
            diagnose="Which queries read most (pg_stat_statements / performance_schema); "
                     "cache size against the working set; new sequential scans.",
            mitigate="Add indexes for the scanning queries, enlarge the cache, add memory.",
        ),
    )


POSTGRES_DOWN = down("PostgreSQL", rn.ALERT_POSTGRES_DOWN, pg.PG_UP)
POSTGRES_CONNECTIONS = connections("PostgreSQL", rn.ALERT_POSTGRES_CONNECTIONS,
                                   "max_connections")
POSTGRES_DEADLOCKS = deadlocks("PostgreSQL", rn.ALERT_POSTGRES_DEADLOCKS)
POSTGRES_REPLICATION_LAG = replication_lag("PostgreSQL", rn.ALERT_POSTGRES_REPLICATION_LAG)
POSTGRES_CACHE_HIT = hit_ratio("PostgreSQL", rn.ALERT_POSTGRES_CACHE_HIT, "shared buffers", 0.9)
POSTGRES_LONG_TRANSACTION = Alert(
    name=rn.ALERT_POSTGRES_LONG_TRANSACTION, severity="warning", for_="2m", threshold=300,
    threshold_meaning="seconds the oldest transaction has been open",
    summary="Long transaction on PostgreSQL {{ $labels.instance }}",
    description="The oldest transaction in {{ $labels.datname }} on {{ $labels.instance }} has "
                "been open for {{ $value | humanizeDuration }}.",
    dashboard=rn.DASHBOARD_DATABASES,
    runbook=Runbook(
        meaning="A transaction has been open longer than the threshold (often a session "
                "idle in transaction).",
        impact="It holds locks and stops vacuum from removing dead rows: bloat, lock waits, "
               "and eventually wraparound risk.",
        diagnose="`SELECT pid, state, xact_start, query FROM pg_stat_activity ORDER BY "
                 "xact_start LIMIT 5;`",
        mitigate="End it (`SELECT pg_terminate_backend(pid)`), fix the application, set "
                 "`idle_in_transaction_session_timeout`.",
    ),
)
POSTGRES_WRAPAROUND = Alert(
    name=rn.ALERT_POSTGRES_WRAPAROUND, severity="warning", for_="15m", threshold=1e9,
    threshold_meaning="age of datfrozenxid in transactions (wraparound at about 2.1 billion)",
    summary="PostgreSQL {{ $labels.instance }} {{ $labels.datname }} nears XID wraparound",
    description="Database {{ $labels.datname }} on {{ $labels.instance }} has a transaction ID "
                "age of {{ $value | humanize }}; PostgreSQL stops writes near 2.1G.",
    dashboard=rn.DASHBOARD_DATABASES,
    runbook=Runbook(
        meaning="Autovacuum has not frozen old rows: the database's oldest transaction ID age "
                "is above the threshold.",
        impact="Near 2^31 PostgreSQL refuses writes to prevent data loss: a full outage.",
        diagnose="`SELECT datname, age(datfrozenxid) FROM pg_database;` then the oldest "
                 "tables; look for long transactions, abandoned replication slots, prepared "
                 "transactions blocking vacuum.",
        mitigate="Remove the blocker, then `VACUUM (FREEZE, VERBOSE)` the oldest tables.",
    ),
)
MYSQL_DOWN = down("MySQL", rn.ALERT_MYSQL_DOWN, my.MYSQL_UP)
MYSQL_CONNECTIONS = connections("MySQL", rn.ALERT_MYSQL_CONNECTIONS, "max_connections")
MYSQL_DEADLOCKS = deadlocks("MySQL", rn.ALERT_MYSQL_DEADLOCKS)
MYSQL_REPLICATION_LAG = replication_lag("MySQL", rn.ALERT_MYSQL_REPLICATION_LAG)
MYSQL_BUFFER_POOL_HIT = hit_ratio("MySQL", rn.ALERT_MYSQL_BUFFER_POOL_HIT, "InnoDB buffer pool",
                                  0.95)
ALERTS = (
    POSTGRES_DOWN, POSTGRES_CONNECTIONS, POSTGRES_DEADLOCKS, POSTGRES_REPLICATION_LAG,
    POSTGRES_LONG_TRANSACTION, POSTGRES_WRAPAROUND, POSTGRES_CACHE_HIT,
    MYSQL_DOWN, MYSQL_CONNECTIONS, MYSQL_DEADLOCKS, MYSQL_REPLICATION_LAG, MYSQL_BUFFER_POOL_HIT,
)
DOWN_ALERTS = (POSTGRES_DOWN, MYSQL_DOWN)


def database_rules(spec: Spec) -> list[AlertRule]:
    """Return every PostgreSQL and MySQL alert rule for the spec's selectors and horizons."""
    pgs, mys = spec.selectors["postgres"], spec.selectors["mysql"]
    horizon = spec.capacity.horizons["db_connections"]
    my_deadlocks = select(my.GLOBAL_STATUS_VARIABLES["innodb_deadlocks"], mys)
    return [
        AlertRule(POSTGRES_DOWN, constant(f"{select(pg.PG_UP, pgs)} == 0")),
        AlertRule(POSTGRES_CONNECTIONS, near_limit(
            select(rn.INSTANCE_PG_CONNECTIONS_UTILISATION, pgs),
            select(rn.INSTANCE_PG_CONNECTIONS_EXHAUSTION, pgs), horizon)),
        AlertRule(POSTGRES_DEADLOCKS, lambda t: (
            f"increase({select(pg.PG_STAT_DATABASE_DEADLOCKS, pgs)}[5m]) > {number(t)}")),
        AlertRule(POSTGRES_REPLICATION_LAG, lambda t: (
            f"{select(pg.PG_REPLICATION_LAG_SECONDS, pgs)} > {number(t)}")),
        AlertRule(POSTGRES_LONG_TRANSACTION, lambda t: (
            f"max without ({pg.LABEL_STATE}) "
            f"({select(pg.PG_STAT_ACTIVITY_MAX_TX_DURATION, pgs)}) > {number(t)}")),
        AlertRule(POSTGRES_WRAPAROUND, lambda t: (
            f"{select(pg.PG_DATABASE_WRAPAROUND_AGE_DATFROZENXID, pgs)} > {number(t)}")),
        AlertRule(POSTGRES_CACHE_HIT, lambda t: (
            f"{select(rn.INSTANCE_PG_CACHE_HIT, pgs)} < {number(t)} and {ON_INSTANCE} "
            f"{select(rn.INSTANCE_PG_BLOCKS_ACCESSED, pgs)} > {MIN_CACHE_READS_PER_SECOND}")),
        AlertRule(MYSQL_DOWN, constant(f"{select(my.MYSQL_UP, mys)} == 0")),
        AlertRule(MYSQL_CONNECTIONS, near_limit(
            select(rn.INSTANCE_MYSQL_CONNECTIONS_UTILISATION, mys),
            select(rn.INSTANCE_MYSQL_CONNECTIONS_EXHAUSTION, mys), horizon)),
        AlertRule(MYSQL_DEADLOCKS, lambda t: f"increase({my_deadlocks}[5m]) > {number(t)}"),
        AlertRule(MYSQL_REPLICATION_LAG, lambda t: (
            f"{select(my.MYSQL_SLAVE_STATUS_SECONDS_BEHIND_MASTER, mys)} > {number(t)}")),
        AlertRule(MYSQL_BUFFER_POOL_HIT, lambda t: (
            f"{select(rn.INSTANCE_MYSQL_BUFFER_POOL_HIT, mys)} < {number(t)} and {ON_INSTANCE} "
            f"{select(rn.INSTANCE_MYSQL_BUFFER_POOL_READ_REQUESTS, mys)} "
            f"> {MIN_CACHE_READS_PER_SECOND}")),
    ]


generate = alert_file(PATH, "perfsight-databases", database_rules)
