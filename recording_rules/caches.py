"""Cache golden signals and memory capacity per instance (Redis, Memcached)."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bundle import names as rn
from bundle.artifacts import Artifact, rule_file
from bundle.promql import labels, rng, select
from bundle.spec import Spec, spec_of
from exporters.names import memcached as mc
from exporters.names import redis as rd

PATH = "recording_rules/generated/caches.yaml"
ON_INSTANCE = f"on ({rn.LABEL_INSTANCE}, {rn.LABEL_JOB})"


def redis_rules(spec: Spec) -> list[dict[str, Any]]:
    """Return Redis memory use against maxmemory, its forecast, and the keyspace hit ratio."""
    sel = spec.selectors["redis"]
    used = select(rd.REDIS_MEMORY_USED_BYTES, sel)
    limit = f"({select(rd.REDIS_MEMORY_MAX_BYTES, sel)} > 0)"
    hits = f"rate({select(rd.REDIS_KEYSPACE_HITS_TOTAL, sel)}[5m])"
    misses = f"rate({select(rd.REDIS_KEYSPACE_MISSES_TOTAL, sel)}[5m])"
    pairs = [
        (rn.INSTANCE_REDIS_MEMORY_UTILISATION, f"{used} / {ON_INSTANCE} {limit}"),
        (rn.INSTANCE_REDIS_MEMORY_EXHAUSTION,
         f"({limit} - {ON_INSTANCE} {used}) / {ON_INSTANCE} "
         f"(deriv({used}{rng(spec.capacity.lookback_seconds)}) > 0)"),
        (rn.INSTANCE_REDIS_HIT, f"{hits} / {ON_INSTANCE} (({hits} + {ON_INSTANCE} {misses}) > 0)"),
    ]
    return [{"record": record, "expr": expr} for record, expr in pairs]


def memcached_rules(spec: Spec) -> list[dict[str, Any]]:
    """Return Memcached get rate and get hit ratio."""
    sel = spec.selectors["memcached"]
    gets = select(mc.MEMCACHED_COMMANDS_TOTAL, sel, labels(**{mc.LABEL_COMMAND: "get"}))
    hits = select(mc.MEMCACHED_COMMANDS_TOTAL, sel,
                  labels(**{mc.LABEL_COMMAND: "get", mc.LABEL_STATUS: mc.STATUS_HIT}))
    by_instance = f"by ({rn.LABEL_INSTANCE}, {rn.LABEL_JOB})"
    pairs = [
        (rn.INSTANCE_MEMCACHED_GETS, f"sum {by_instance} (rate({gets}[5m]))"),
        (rn.INSTANCE_MEMCACHED_HIT, f"sum {by_instance} (rate({hits}[5m])) "
                                    f"/ ({select(rn.INSTANCE_MEMCACHED_GETS, sel)} > 0)"),
    ]
    return [{"record": record, "expr": expr} for record, expr in pairs]


def generate(root: Path) -> Iterator[Artifact]:
    """Write the cache recording rules."""
    spec = spec_of(root)
    yield rule_file(PATH, {"perfsight-redis": redis_rules(spec),
                           "perfsight-memcached": memcached_rules(spec)})
