"""Caches: Redis and Memcached hit ratio, memory against the limit, evictions, commands, clients."""

from alert_rules import caches as alerts
from bundle import names as rn
from dashboards.selectors import per_second, selected
from dashboards.style import (
    RED,
    Dashboard,
    Query,
    Row,
    Threshold,
    stat,
    timeseries,
)
from dashboards.thresholds import alert_line, alert_threshold
from exporters.names import memcached as mc
from exporters.names import redis as rd

BY_INSTANCE = "{{instance}}"


COMMAND_SECONDS = per_second(rd.REDIS_COMMANDS_DURATION_SECONDS_TOTAL, "instance, cmd")
COMMAND_CALLS = per_second(rd.REDIS_COMMANDS_TOTAL, "instance, cmd")

redis = Row(
    "Redis",
    stat("Redis servers up", "Redis servers of the selected jobs the exporter could reach.",
         "short", f"sum({selected(rd.REDIS_UP)})"),
    stat("Redis: lowest hit ratio", "Lowest keyspace hit ratio of any selected Redis (5 minutes).",
         "percentunit", f"min({selected(rn.INSTANCE_REDIS_HIT)})", base=RED,
         thresholds=[Threshold(0.8, "green")]),
    stat("Redis: memory used (max)", "Highest share of maxmemory in use on any Redis with a limit.",
         "percentunit", f"max({selected(rn.INSTANCE_REDIS_MEMORY_UTILISATION)})",
         thresholds=[alert_line(alerts.REDIS_MEMORY)]),
    timeseries("Keyspace hit ratio", "Share of key lookups that found the key.", "percentunit",
               Query(selected(rn.INSTANCE_REDIS_HIT), BY_INSTANCE), minimum=0, maximum=1,
               width=12),
    timeseries("Memory vs maxmemory", "Memory Redis uses for data, and its maxmemory limit "
               "(0: no limit).", "bytes",
               Query(selected(rd.REDIS_MEMORY_USED_BYTES), "used {{instance}}"),
               Query(f"{selected(rd.REDIS_MEMORY_MAX_BYTES)} > 0", "maxmemory {{instance}}"),
               width=12),
    timeseries("Evicted and expired keys", "Keys evicted for lack of memory (alerted above "
               f"{alert_threshold(alerts.REDIS_EVICTIONS):g}/s) and keys expired by TTL, per "
               "second.", "ops",
               Query(per_second(rd.REDIS_EVICTED_KEYS_TOTAL), "evicted {{instance}}"),
               Query(per_second(rd.REDIS_EXPIRED_KEYS_TOTAL), "expired {{instance}}")),
    timeseries("Redis: commands per second", "Calls per second of the ten busiest commands.", "ops",
               Query(f"topk(10, {COMMAND_CALLS})", "{{instance}} {{cmd}}")),
    timeseries("Command latency", "Average time per call of the ten slowest commands, as "
               "Redis measures it (commandstats).", "s",
               Query(f"topk(10, {COMMAND_SECONDS} / {COMMAND_CALLS})", "{{instance}} {{cmd}}")),
    timeseries("Clients", "Connected and blocked clients, and the maxclients limit.", "short",
               Query(selected(rd.REDIS_CONNECTED_CLIENTS), "connected {{instance}}"),
               Query(selected(rd.REDIS_BLOCKED_CLIENTS), "blocked {{instance}}"),
               Query(selected(rd.REDIS_CONFIG_MAXCLIENTS), "maxclients {{instance}}"),
               width=24),
)

memcached = Row(
    "Memcached",
    stat("Memcached servers up", "Memcached servers of the selected jobs the exporter could "
         "reach.", "short", f"sum({selected(mc.MEMCACHED_UP)})"),
    stat("Memcached: lowest hit ratio",
         "Lowest get hit ratio of any selected Memcached (5 minutes).",
         "percentunit", f"min({selected(rn.INSTANCE_MEMCACHED_HIT)})", base=RED,
         thresholds=[Threshold(alert_threshold(alerts.MEMCACHED_HIT), "green")]),
    stat("Memcached: memory used (max)", "Highest share of the memory limit (-m) holding items.",
         "percentunit", f"max({selected(mc.MEMCACHED_CURRENT_BYTES)} / "
                        f"{selected(mc.MEMCACHED_LIMIT_BYTES)})",
         thresholds=[Threshold(0.9, "orange")]),
    timeseries("Get hit ratio", "Share of gets that found the item; dashed: the hit-ratio "
               "alert threshold.", "percentunit",
               Query(selected(rn.INSTANCE_MEMCACHED_HIT), BY_INSTANCE), minimum=0, maximum=1,
               base=RED, thresholds=[Threshold(alert_threshold(alerts.MEMCACHED_HIT), "green")],
               width=12),
    timeseries("Memory vs limit", "Bytes of items stored, and the memory limit.", "bytes",
               Query(selected(mc.MEMCACHED_CURRENT_BYTES), "used {{instance}}"),
               Query(selected(mc.MEMCACHED_LIMIT_BYTES), "limit {{instance}}"), width=12),
    timeseries("Evictions", "Items evicted to make room, per second.", "ops",
               Query(per_second(mc.MEMCACHED_ITEMS_EVICTED_TOTAL), BY_INSTANCE)),
    timeseries("Memcached: commands per second",
               "Commands per second by command and result.", "ops",
               Query(per_second(mc.MEMCACHED_COMMANDS_TOTAL, "instance, command, status"),
                     "{{instance}} {{command}} {{status}}")),
    timeseries("Connections", "Open connections, and the connection limit.", "short",
               Query(selected(mc.MEMCACHED_CURRENT_CONNECTIONS), "open {{instance}}"),
               Query(selected(mc.MEMCACHED_MAX_CONNECTIONS), "limit {{instance}}")),
)

dashboard = Dashboard(
    uid=rn.DASHBOARD_CACHES,
    title="perfsight / Caches",
    description="Redis and Memcached (perfsight's probers or redis_exporter / "
                "memcached_exporter): hit ratio, memory against the limit, evictions, command "
                "rate and latency, clients.",
    tags=("caches", "redis", "memcached"),
    rows=(redis, memcached),
)
