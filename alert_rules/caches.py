"""Cache alerts: Redis and Memcached down, Redis memory near maxmemory, evictions, low hit ratio."""

from alert_rules.databases import down
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
from exporters.names import memcached as mc
from exporters.names import redis as rd

PATH = "alert_rules/generated/caches.yaml"
MIN_GETS_PER_SECOND = 100  # below this, a hit ratio says little

REDIS_DOWN = down("Redis", rn.ALERT_REDIS_DOWN, rd.REDIS_UP, rn.DASHBOARD_CACHES)
REDIS_MEMORY = Alert(
    name=rn.ALERT_REDIS_MEMORY, severity="warning", for_="10m", threshold=0.9,
    threshold_meaning="used_memory / maxmemory",
    summary="Redis {{ $labels.instance }} memory is near maxmemory",
    description="{{ $labels.instance }} uses {{ $value | humanizePercentage }} of maxmemory, or "
                "is forecast to reach it within the capacity horizon.",
    dashboard=rn.DASHBOARD_CACHES,
    runbook=Runbook(
        meaning="Redis memory is above the threshold of `maxmemory`, or a linear fit over the "
                "capacity lookback reaches it within `capacity.horizons.redis_memory` while "
                f"over {FORECAST_FLOOR:.0%} is in use. "
                "Instances without maxmemory are not watched.",
        impact="At maxmemory Redis evicts keys (cache misses, lost data for non-cache use) "
               "or, with `noeviction`, refuses writes.",
        diagnose="Caches dashboard: memory and keys per db; `redis-cli --bigkeys`; "
                 "`INFO memory` for fragmentation; keys without TTL.",
        mitigate="Set TTLs, delete stale keys, raise maxmemory if the host has room, shard.",
    ),
)
REDIS_EVICTIONS = Alert(
    name=rn.ALERT_REDIS_EVICTIONS, severity="warning", for_="10m", threshold=0,
    threshold_meaning="keys evicted per second",
    summary="Redis {{ $labels.instance }} evicts keys",
    description="{{ $labels.instance }} evicts {{ $value | humanize }} keys per second to stay "
                "under maxmemory.",
    dashboard=rn.DASHBOARD_CACHES,
    runbook=Runbook(
        meaning="Redis is at maxmemory and removes keys by its eviction policy.",
        impact="Evicted keys become cache misses (more load on the database) or, for "
               "non-cache data, are lost.",
        diagnose="Caches dashboard: memory, evictions, hit ratio; `INFO stats`; which "
                 "keyspace grows.",
        mitigate="Give Redis more memory, shorten TTLs, or raise this alert's threshold if "
                 "eviction is intended.",
    ),
)
MEMCACHED_DOWN = down("Memcached", rn.ALERT_MEMCACHED_DOWN, mc.MEMCACHED_UP,
                      rn.DASHBOARD_CACHES)
MEMCACHED_HIT = Alert(
    name=rn.ALERT_MEMCACHED_HIT, severity="warning", for_="30m", threshold=0.8,
    threshold_meaning="get hits / gets",
    summary="Memcached {{ $labels.instance }} hit ratio is low",
    description="Only {{ $value | humanizePercentage }} of gets on {{ $labels.instance }} "
                "hit.",
    dashboard=rn.DASHBOARD_CACHES,
    runbook=Runbook(
        meaning=f"With more than {MIN_GETS_PER_SECOND} gets per second, fewer than the "
                f"threshold find their key.",
        impact="Misses go to the backing store: more database load and latency.",
        diagnose="Caches dashboard: hit ratio, evictions, memory against limit; a deploy "
                 "that changed key names or TTLs.",
        mitigate="Give Memcached more memory (`-m`), fix key churn, warm the cache.",
    ),
)
ALERTS = (REDIS_DOWN, REDIS_MEMORY, REDIS_EVICTIONS, MEMCACHED_DOWN, MEMCACHED_HIT)
DOWN_ALERTS = (REDIS_DOWN, MEMCACHED_DOWN)


def cache_rules(spec: Spec) -> list[AlertRule]:
    """Return every Redis and Memcached alert rule for the spec's selectors and horizons."""
    rds, mcs = spec.selectors["redis"], spec.selectors["memcached"]
    return [
        AlertRule(REDIS_DOWN, constant(f"{select(rd.REDIS_UP, rds)} == 0")),
        AlertRule(REDIS_MEMORY, near_limit(
            select(rn.INSTANCE_REDIS_MEMORY_UTILISATION, rds),
            select(rn.INSTANCE_REDIS_MEMORY_EXHAUSTION, rds),
            spec.capacity.horizons["redis_memory"])),
        AlertRule(REDIS_EVICTIONS, lambda t: (
            f"rate({select(rd.REDIS_EVICTED_KEYS_TOTAL, rds)}[5m]) > {number(t)}")),
        AlertRule(MEMCACHED_DOWN, constant(f"{select(mc.MEMCACHED_UP, mcs)} == 0")),
        AlertRule(MEMCACHED_HIT, lambda t: (
            f"{select(rn.INSTANCE_MEMCACHED_HIT, mcs)} < {number(t)} and {ON_INSTANCE} "
            f"{select(rn.INSTANCE_MEMCACHED_GETS, mcs)} > {MIN_GETS_PER_SECOND}")),
    ]


generate = alert_file(PATH, "perfsight-caches", cache_rules)
