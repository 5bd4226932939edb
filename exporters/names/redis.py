"""Redis metric and label names: redis_exporter's, with its types and labels.

Checked against Debian's redis_exporter 1.45 on Redis 7.0: `INFO` fields become gauges or
`_total` counters under the names below; `INFO commandstats` becomes `redis_commands_*{cmd}`,
`INFO latencystats` the summary `redis_latency_percentiles_usec{cmd}` (quantiles written as
percentiles, "50", "99", "99.9", as redis_exporter writes them), `INFO keyspace`
`redis_db_*{db}`, and `INFO replication` the per-replica and per-master families.
"""

# --- labels ----------------------------------------------------------------------------------
LABEL_CMD = "cmd"
LABEL_DB = "db"
LABEL_QUANTILE = "quantile"
LABEL_SLAVE_IP = "slave_ip"
LABEL_SLAVE_PORT = "slave_port"
LABEL_SLAVE_STATE = "slave_state"
LABEL_MASTER_HOST = "master_host"
LABEL_MASTER_PORT = "master_port"
LABEL_READ_ONLY = "read_only"
SLAVE_LABELS = (LABEL_SLAVE_IP, LABEL_SLAVE_PORT, LABEL_SLAVE_STATE)
MASTER_LABELS = (LABEL_MASTER_HOST, LABEL_MASTER_PORT)
# redis_instance_info's labels, each an `INFO` field of the same name
INSTANCE_INFO_FIELDS = (
    "maxmemory_policy", "os", "process_id", "redis_build_id", "redis_mode", "redis_version",
    "role", "run_id", "tcp_port",
)

# --- instance --------------------------------------------------------------------------------
REDIS_UP = "redis_up"  # gauge
REDIS_INSTANCE_INFO = "redis_instance_info"  # gauge, value 1
REDIS_START_TIME_SECONDS = "redis_start_time_seconds"  # gauge
REDIS_CONFIG_MAXCLIENTS = "redis_config_maxclients"  # gauge, from CONFIG GET
REDIS_SLOWLOG_LENGTH = "redis_slowlog_length"  # gauge, from SLOWLOG LEN

# --- INFO fields, gauges: field -> name ------------------------------------------------------
INFO_GAUGES = {
    "connected_clients": "redis_connected_clients",
    "blocked_clients": "redis_blocked_clients",
    "used_memory": "redis_memory_used_bytes",
    "used_memory_rss": "redis_memory_used_rss_bytes",
    "used_memory_peak": "redis_memory_used_peak_bytes",
    "maxmemory": "redis_memory_max_bytes",
    "mem_fragmentation_ratio": "redis_mem_fragmentation_ratio",
    "mem_fragmentation_bytes": "redis_mem_fragmentation_bytes",
    "uptime_in_seconds": "redis_uptime_in_seconds",
    "connected_slaves": "redis_connected_slaves",
    "master_repl_offset": "redis_master_repl_offset",
    "rdb_last_save_time": "redis_rdb_last_save_timestamp_seconds",
    "rdb_changes_since_last_save": "redis_rdb_changes_since_last_save",
    "rdb_bgsave_in_progress": "redis_rdb_bgsave_in_progress",
    "aof_enabled": "redis_aof_enabled",
    "aof_rewrite_in_progress": "redis_aof_rewrite_in_progress",
    "pubsub_channels": "redis_pubsub_channels",
}
# --- INFO fields whose value is "ok" or "err", gauges 1 or 0 ---------------------------------
INFO_STATUSES = {
    "rdb_last_bgsave_status": "redis_rdb_last_bgsave_status",
    "aof_last_write_status": "redis_aof_last_write_status",
}
# --- INFO fields, counters: field -> name ----------------------------------------------------
INFO_COUNTERS = {
    "total_commands_processed": "redis_commands_processed_total",
    "keyspace_hits": "redis_keyspace_hits_total",
    "keyspace_misses": "redis_keyspace_misses_total",
    "evicted_keys": "redis_evicted_keys_total",
    "expired_keys": "redis_expired_keys_total",
    "total_connections_received": "redis_connections_received_total",
    "rejected_connections": "redis_rejected_connections_total",
    "total_net_input_bytes": "redis_net_input_bytes_total",
    "total_net_output_bytes": "redis_net_output_bytes_total",
}
REDIS_CONNECTED_CLIENTS = INFO_GAUGES["connected_clients"]
REDIS_BLOCKED_CLIENTS = INFO_GAUGES["blocked_clients"]
REDIS_MEMORY_USED_BYTES = INFO_GAUGES["used_memory"]
REDIS_MEMORY_MAX_BYTES = INFO_GAUGES["maxmemory"]
REDIS_MEM_FRAGMENTATION_RATIO = INFO_GAUGES["mem_fragmentation_ratio"]
REDIS_CONNECTED_SLAVES = INFO_GAUGES["connected_slaves"]
REDIS_MASTER_REPL_OFFSET = INFO_GAUGES["master_repl_offset"]
REDIS_RDB_LAST_SAVE_TIMESTAMP_SECONDS = INFO_GAUGES["rdb_last_save_time"]
REDIS_AOF_ENABLED = INFO_GAUGES["aof_enabled"]
REDIS_COMMANDS_PROCESSED_TOTAL = INFO_COUNTERS["total_commands_processed"]
REDIS_KEYSPACE_HITS_TOTAL = INFO_COUNTERS["keyspace_hits"]
REDIS_KEYSPACE_MISSES_TOTAL = INFO_COUNTERS["keyspace_misses"]
REDIS_EVICTED_KEYS_TOTAL = INFO_COUNTERS["evicted_keys"]
REDIS_EXPIRED_KEYS_TOTAL = INFO_COUNTERS["expired_keys"]

# --- INFO commandstats: label cmd (subcommands written `config|get`) -------------------------
REDIS_COMMANDS_TOTAL = "redis_commands_total"  # counter, calls
REDIS_COMMANDS_DURATION_SECONDS_TOTAL = "redis_commands_duration_seconds_total"  # counter
REDIS_COMMANDS_REJECTED_CALLS_TOTAL = "redis_commands_rejected_calls_total"  # counter
REDIS_COMMANDS_FAILED_CALLS_TOTAL = "redis_commands_failed_calls_total"  # counter
# --- INFO latencystats (Redis 7): summary, label cmd, quantiles as percentiles ---------------
REDIS_LATENCY_PERCENTILES_USEC = "redis_latency_percentiles_usec"

# --- INFO keyspace: gauges, label db (`db0`, ...) ---------------------------------------------
REDIS_DB_KEYS = "redis_db_keys"
REDIS_DB_KEYS_EXPIRING = "redis_db_keys_expiring"
REDIS_DB_AVG_TTL_SECONDS = "redis_db_avg_ttl_seconds"

# --- INFO replication ------------------------------------------------------------------------
# on a primary, per replica (labels slave_ip, slave_port, slave_state)
REDIS_CONNECTED_SLAVE_OFFSET_BYTES = "redis_connected_slave_offset_bytes"
REDIS_CONNECTED_SLAVE_LAG_SECONDS = "redis_connected_slave_lag_seconds"
# on a replica (labels master_host, master_port; redis_slave_info adds read_only)
REDIS_SLAVE_INFO = "redis_slave_info"
REDIS_MASTER_LINK_UP = "redis_master_link_up"
REDIS_SLAVE_REPL_OFFSET = "redis_slave_repl_offset"
REDIS_MASTER_LAST_IO_SECONDS_AGO = "redis_master_last_io_seconds_ago"
REDIS_MASTER_SYNC_IN_PROGRESS = "redis_master_sync_in_progress"
