"""PostgreSQL metric and label names: postgres_exporter's where it has the metric.

Names, types and labels follow Debian's postgres_exporter 0.11 (`pg_stat_database_*` counters
without `_total`, `pg_stat_bgwriter_*_total`, `pg_locks_count`, `pg_stat_activity_*`, `pg_static`)
and, for what 0.11 lacks, the collectors of later upstream releases (`pg_replication_lag_seconds`,
`pg_database_wraparound_*`, `pg_stat_statements_*_total`). The `server` label postgres_exporter
adds to identify its DSN is left out: under `/probe` the target is Prometheus' `instance` label.
Names marked "perfsight" exist in no postgres_exporter release; they follow the naming guide.
"""

# --- labels ----------------------------------------------------------------------------------
LABEL_DATID = "datid"
LABEL_DATNAME = "datname"
LABEL_STATE = "state"
LABEL_MODE = "mode"
LABEL_VERSION = "version"
LABEL_SHORT_VERSION = "short_version"
LABEL_APPLICATION_NAME = "application_name"
LABEL_CLIENT_ADDR = "client_addr"
LABEL_SLOT_NAME = "slot_name"
LABEL_USER = "user"
LABEL_QUERYID = "queryid"

# --- label values ----------------------------------------------------------------------------
# pg_stat_activity states, as postgres_exporter lists them (a zero series for each).
ACTIVITY_STATES = (
    "active", "idle", "idle in transaction", "idle in transaction (aborted)",
    "fastpath function call", "disabled",
)
# The idle-in-transaction count is pg_stat_activity_count{state=STATE_IDLE_IN_TRANSACTION};
# no separate family, so the same number is not exported twice.
STATE_IDLE_IN_TRANSACTION = "idle in transaction"
# pg_locks modes, lower-cased as postgres_exporter writes them (a zero series for each).
LOCK_MODES = (
    "accesssharelock", "rowsharelock", "rowexclusivelock", "shareupdateexclusivelock",
    "sharelock", "sharerowexclusivelock", "exclusivelock", "accessexclusivelock", "sireadlock",
)

# --- instance --------------------------------------------------------------------------------
PG_UP = "pg_up"
PG_STATIC = "pg_static"  # untyped, value 1, labels version and short_version
PG_SETTINGS_MAX_CONNECTIONS = "pg_settings_max_connections"

# --- pg_stat_database: labels datid, datname; counters written without `_total` -------------
PG_STAT_DATABASE_NUMBACKENDS = "pg_stat_database_numbackends"  # gauge
# column of pg_stat_database -> postgres_exporter's counter name
STAT_DATABASE_COUNTERS = {
    column: f"pg_stat_database_{column}"
    for column in (
        "xact_commit", "xact_rollback", "blks_read", "blks_hit", "tup_returned", "tup_fetched",
        "tup_inserted", "tup_updated", "tup_deleted", "conflicts", "temp_files", "temp_bytes",
        "deadlocks", "blk_read_time", "blk_write_time",
    )
}
PG_STAT_DATABASE_XACT_COMMIT = STAT_DATABASE_COUNTERS["xact_commit"]
PG_STAT_DATABASE_XACT_ROLLBACK = STAT_DATABASE_COUNTERS["xact_rollback"]
PG_STAT_DATABASE_BLKS_READ = STAT_DATABASE_COUNTERS["blks_read"]
PG_STAT_DATABASE_BLKS_HIT = STAT_DATABASE_COUNTERS["blks_hit"]
PG_STAT_DATABASE_TEMP_BYTES = STAT_DATABASE_COUNTERS["temp_bytes"]
PG_STAT_DATABASE_DEADLOCKS = STAT_DATABASE_COUNTERS["deadlocks"]

# --- pg_stat_activity: labels datname, state -------------------------------------------------
PG_STAT_ACTIVITY_COUNT = "pg_stat_activity_count"
PG_STAT_ACTIVITY_MAX_TX_DURATION = "pg_stat_activity_max_tx_duration"  # seconds, 0.11's name
# perfsight: age of the oldest running (state active) query, per datname
PG_STAT_ACTIVITY_OLDEST_QUERY_AGE_SECONDS = "pg_stat_activity_oldest_query_age_seconds"

# --- locks and databases ---------------------------------------------------------------------
PG_LOCKS_COUNT = "pg_locks_count"  # labels datname, mode
PG_DATABASE_SIZE_BYTES = "pg_database_size_bytes"  # label datname
# upstream's names (the value is a transaction-id age, not seconds); label datname
PG_DATABASE_WRAPAROUND_AGE_DATFROZENXID = "pg_database_wraparound_age_datfrozenxid_seconds"
PG_DATABASE_WRAPAROUND_AGE_DATMINMXID = "pg_database_wraparound_age_datminmxid_seconds"

# --- pg_stat_bgwriter (PostgreSQL <= 16 layout): column -> counter name ----------------------
STAT_BGWRITER_COUNTERS = {
    column: f"pg_stat_bgwriter_{column}_total"
    for column in (
        "checkpoints_timed", "checkpoints_req", "checkpoint_write_time", "checkpoint_sync_time",
        "buffers_checkpoint", "buffers_clean", "maxwritten_clean", "buffers_backend",
        "buffers_backend_fsync", "buffers_alloc",
    )
}
PG_STAT_BGWRITER_CHECKPOINTS_TIMED_TOTAL = STAT_BGWRITER_COUNTERS["checkpoints_timed"]
PG_STAT_BGWRITER_CHECKPOINTS_REQ_TOTAL = STAT_BGWRITER_COUNTERS["checkpoints_req"]

# --- replication -----------------------------------------------------------------------------
# on a primary, per standby: labels application_name, client_addr, slot_name, state
PG_STAT_REPLICATION_PG_WAL_LSN_DIFF = "pg_stat_replication_pg_wal_lsn_diff"  # bytes behind
PG_STAT_REPLICATION_PG_CURRENT_WAL_LSN_BYTES = "pg_stat_replication_pg_current_wal_lsn_bytes"
# perfsight: pg_stat_replication.replay_lag in seconds, same labels
PG_STAT_REPLICATION_REPLAY_LAG_SECONDS = "pg_stat_replication_replay_lag_seconds"
# on any server (0 on a primary), as upstream's replication collector
PG_REPLICATION_LAG_SECONDS = "pg_replication_lag_seconds"
PG_REPLICATION_IS_REPLICA = "pg_replication_is_replica"
# perfsight: on a standby, WAL received but not yet replayed
PG_REPLICATION_REPLAY_LAG_BYTES = "pg_replication_replay_lag_bytes"

# --- pg_stat_statements, top-N by total time: labels user, datname, queryid ------------------
PG_STAT_STATEMENTS_CALLS_TOTAL = "pg_stat_statements_calls_total"
PG_STAT_STATEMENTS_SECONDS_TOTAL = "pg_stat_statements_seconds_total"
PG_STAT_STATEMENTS_ROWS_TOTAL = "pg_stat_statements_rows_total"
PG_STAT_STATEMENTS_MEAN_SECONDS = "pg_stat_statements_mean_seconds"  # perfsight, gauge

# postgres_exporter's names that break the naming guide, kept for compatibility: the only
# exceptions `promtool check metrics` may report on this kind's output.
POSTGRES_VERBATIM_NAMES = frozenset({
    PG_LOCKS_COUNT, PG_STAT_ACTIVITY_COUNT, *STAT_DATABASE_COUNTERS.values(),
})
