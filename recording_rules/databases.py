"""Database golden signals and connection capacity per instance (PostgreSQL, MySQL/MariaDB)."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bundle import names as rn
from bundle.artifacts import Artifact, rule_file
from bundle.promql import rng, select
from bundle.spec import Spec, spec_of
from exporters.names import mysql as my
from exporters.names import postgres as pg

PATH = "recording_rules/generated/databases.yaml"
BY_INSTANCE = f"by ({rn.LABEL_INSTANCE}, {rn.LABEL_JOB})"


def postgres_rules(spec: Spec) -> list[dict[str, Any]]:
    """Return PostgreSQL connections, throughput, cache hit ratio and connection capacity."""
    sel = spec.selectors["postgres"]
    lookback = rng(spec.capacity.lookback_seconds)

    def rate_sum(metric: str) -> str:
        return f"sum {BY_INSTANCE} (rate({select(metric, sel)}[5m]))"

    used = select(rn.INSTANCE_PG_CONNECTIONS, sel)
    limit = f"max {BY_INSTANCE} ({select(pg.PG_SETTINGS_MAX_CONNECTIONS, sel)})"
    pairs = [
        (rn.INSTANCE_PG_CONNECTIONS,
         f"sum {BY_INSTANCE} ({select(pg.PG_STAT_DATABASE_NUMBACKENDS, sel)})"),
        (rn.INSTANCE_PG_CONNECTIONS_UTILISATION, f"{used} / {limit}"),
        (rn.INSTANCE_PG_CONNECTIONS_EXHAUSTION,
         f"({limit} - {used}) / (deriv({used}{lookback}) > 0)"),
        (rn.INSTANCE_PG_TRANSACTIONS, f"{rate_sum(pg.PG_STAT_DATABASE_XACT_COMMIT)} + "
                                      f"{rate_sum(pg.PG_STAT_DATABASE_XACT_ROLLBACK)}"),
        (rn.INSTANCE_PG_BLOCKS_ACCESSED, f"{rate_sum(pg.PG_STAT_DATABASE_BLKS_HIT)} + "
                                         f"{rate_sum(pg.PG_STAT_DATABASE_BLKS_READ)}"),
        (rn.INSTANCE_PG_CACHE_HIT, f"{rate_sum(pg.PG_STAT_DATABASE_BLKS_HIT)} "
                                   f"/ ({select(rn.INSTANCE_PG_BLOCKS_ACCESSED, sel)} > 0)"),
    ]
    return [{"record": record, "expr": expr} for record, expr in pairs]


def mysql_rules(spec: Spec) -> list[dict[str, Any]]:
    """Return MySQL connections, throughput, buffer pool hit ratio and connection capacity."""
    sel = spec.selectors["mysql"]
    lookback = rng(spec.capacity.lookback_seconds)
    connected = select(my.MYSQL_GLOBAL_STATUS_THREADS_CONNECTED, sel)
    limit = select(my.MYSQL_GLOBAL_VARIABLES_MAX_CONNECTIONS, sel)
    on = f"on ({rn.LABEL_INSTANCE}, {rn.LABEL_JOB})"
    requests = select(rn.INSTANCE_MYSQL_BUFFER_POOL_READ_REQUESTS, sel)
    pairs = [
        (rn.INSTANCE_MYSQL_CONNECTIONS_UTILISATION, f"{connected} / {on} {limit}"),
        (rn.INSTANCE_MYSQL_CONNECTIONS_EXHAUSTION,
         f"({limit} - {on} {connected}) / {on} (deriv({connected}{lookback}) > 0)"),
        (rn.INSTANCE_MYSQL_QUESTIONS,
         f"rate({select(my.MYSQL_GLOBAL_STATUS_QUESTIONS, sel)}[5m])"),
        (rn.INSTANCE_MYSQL_BUFFER_POOL_READ_REQUESTS,
         f"rate({select(my.MYSQL_GLOBAL_STATUS_INNODB_BUFFER_POOL_READ_REQUESTS, sel)}[5m])"),
        (rn.INSTANCE_MYSQL_BUFFER_POOL_HIT,
         f"1 - rate({select(my.MYSQL_GLOBAL_STATUS_INNODB_BUFFER_POOL_READS, sel)}[5m]) "
         f"/ {on} ({requests} > 0)"),
    ]
    return [{"record": record, "expr": expr} for record, expr in pairs]


def generate(root: Path) -> Iterator[Artifact]:
    """Write the database recording rules."""
    spec = spec_of(root)
    yield rule_file(PATH, {"perfsight-postgres": postgres_rules(spec),
                           "perfsight-mysql": mysql_rules(spec)})
