"""Memcached metric and label names: memcached_exporter's, with its types and labels.

Taken from prometheus/memcached_exporter's collector (pkg/exporter/exporter.go; no Debian
package to run): `stats` fields become the gauges and `_total` counters below, hits and misses
per command become `memcached_commands_total{command,status}`, `stats settings` gives
`maxconns`. Its uptime is a counter named without `_total`, kept verbatim.
"""

# --- labels ----------------------------------------------------------------------------------
LABEL_COMMAND = "command"
LABEL_STATUS = "status"
LABEL_VERSION = "version"
STATUS_HIT = "hit"
STATUS_MISS = "miss"
STATUS_BADVAL = "badval"
# commands whose `<command>_hits` / `<command>_misses` stats become memcached_commands_total
HIT_MISS_COMMANDS = ("get", "delete", "incr", "decr", "cas", "touch")

# --- instance --------------------------------------------------------------------------------
MEMCACHED_UP = "memcached_up"  # gauge
MEMCACHED_VERSION = "memcached_version"  # gauge, value 1, label version
MEMCACHED_UPTIME_SECONDS = "memcached_uptime_seconds"  # counter without `_total`, verbatim
MEMCACHED_MAX_CONNECTIONS = "memcached_max_connections"  # gauge, `stats settings` maxconns
MEMCACHED_COMMANDS_TOTAL = "memcached_commands_total"  # counter, labels command, status

# --- stats fields, gauges: field -> name -----------------------------------------------------
STATS_GAUGES = {
    "time": "memcached_time_seconds",
    "curr_connections": "memcached_current_connections",
    "bytes": "memcached_current_bytes",
    "limit_maxbytes": "memcached_limit_bytes",
    "curr_items": "memcached_current_items",
    "total_malloced": "memcached_malloced_bytes",
    "accepting_conns": "memcached_accepting_connections",
}
# --- stats fields, counters: field -> name ---------------------------------------------------
STATS_COUNTERS = {
    "total_connections": "memcached_connections_total",
    "rejected_connections": "memcached_connections_rejected_total",
    "listen_disabled_num": "memcached_connections_listener_disabled_total",
    "conn_yields": "memcached_connections_yielded_total",
    "evictions": "memcached_items_evicted_total",
    "reclaimed": "memcached_items_reclaimed_total",
    "total_items": "memcached_items_total",
    "bytes_read": "memcached_read_bytes_total",
    "bytes_written": "memcached_written_bytes_total",
    "store_too_large": "memcached_item_too_large_total",
    "store_no_memory": "memcached_item_no_memory_total",
    "rusage_user": "memcached_process_user_cpu_seconds_total",
    "rusage_system": "memcached_process_system_cpu_seconds_total",
}
MEMCACHED_CURRENT_CONNECTIONS = STATS_GAUGES["curr_connections"]
MEMCACHED_CURRENT_BYTES = STATS_GAUGES["bytes"]
MEMCACHED_LIMIT_BYTES = STATS_GAUGES["limit_maxbytes"]
MEMCACHED_CURRENT_ITEMS = STATS_GAUGES["curr_items"]
MEMCACHED_CONNECTIONS_TOTAL = STATS_COUNTERS["total_connections"]
MEMCACHED_ITEMS_EVICTED_TOTAL = STATS_COUNTERS["evictions"]
MEMCACHED_ITEMS_TOTAL = STATS_COUNTERS["total_items"]

# names promtool's lint flags, kept because memcached_exporter spells them so
MEMCACHED_VERBATIM_NAMES = frozenset({MEMCACHED_UPTIME_SECONDS})
