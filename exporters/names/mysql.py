"""MySQL/MariaDB metric and label names: mysqld_exporter's, with its types and labels.

Checked against Debian's mysqld_exporter 0.14 on MariaDB 10.11: `SHOW GLOBAL STATUS` variables
become untyped `mysql_global_status_<name>` (lower-cased), except the `Com_*`,
`Connection_errors_*` and `Innodb_buffer_pool_pages_*` families, which get a label;
`SHOW GLOBAL VARIABLES` become gauges `mysql_global_variables_<name>`; `SHOW SLAVE STATUS`
columns become untyped `mysql_slave_status_<column>` with the four labels below. The status
variables and columns exported are the explicit tuples here, so every name is listed.
"""

# --- labels ----------------------------------------------------------------------------------
LABEL_COMMAND = "command"
LABEL_ERROR = "error"
LABEL_STATE = "state"
LABEL_VERSION = "version"
LABEL_VERSION_COMMENT = "version_comment"
LABEL_INNODB_VERSION = "innodb_version"
LABEL_MASTER_HOST = "master_host"
LABEL_MASTER_UUID = "master_uuid"
LABEL_CHANNEL_NAME = "channel_name"
LABEL_CONNECTION_NAME = "connection_name"
SLAVE_STATUS_LABELS = (
    LABEL_MASTER_HOST, LABEL_MASTER_UUID, LABEL_CHANNEL_NAME, LABEL_CONNECTION_NAME,
)

# --- instance --------------------------------------------------------------------------------
MYSQL_UP = "mysql_up"  # gauge
MYSQL_VERSION_INFO = "mysql_version_info"  # gauge, value 1, labels innodb_version, version, ...

# --- SHOW GLOBAL STATUS, untyped: variable (lower-cased) -> name ----------------------------
GLOBAL_STATUS_PREFIX = "mysql_global_status_"
GLOBAL_STATUS_VARIABLES = {
    variable: f"{GLOBAL_STATUS_PREFIX}{variable}"
    for variable in (
        "uptime",
        # connections
        "threads_connected", "threads_running", "threads_created", "threads_cached",
        "max_used_connections", "connections", "aborted_connects", "aborted_clients",
        # statements
        "questions", "queries", "slow_queries", "select_full_join", "select_scan",
        "sort_merge_passes", "created_tmp_tables", "created_tmp_disk_tables",
        "bytes_received", "bytes_sent",
        # tables and locks
        "table_locks_waited", "table_locks_immediate", "open_tables", "opened_tables",
        # InnoDB
        "innodb_buffer_pool_reads", "innodb_buffer_pool_read_requests",
        "innodb_buffer_pool_write_requests", "innodb_buffer_pool_wait_free",
        "innodb_row_lock_waits", "innodb_row_lock_time", "innodb_row_lock_current_waits",
        "innodb_data_reads", "innodb_data_writes", "innodb_log_waits", "innodb_deadlocks",
    )
}
MYSQL_GLOBAL_STATUS_UPTIME = GLOBAL_STATUS_VARIABLES["uptime"]
MYSQL_GLOBAL_STATUS_THREADS_CONNECTED = GLOBAL_STATUS_VARIABLES["threads_connected"]
MYSQL_GLOBAL_STATUS_THREADS_RUNNING = GLOBAL_STATUS_VARIABLES["threads_running"]
MYSQL_GLOBAL_STATUS_QUESTIONS = GLOBAL_STATUS_VARIABLES["questions"]
MYSQL_GLOBAL_STATUS_SLOW_QUERIES = GLOBAL_STATUS_VARIABLES["slow_queries"]
MYSQL_GLOBAL_STATUS_ABORTED_CONNECTS = GLOBAL_STATUS_VARIABLES["aborted_connects"]
MYSQL_GLOBAL_STATUS_TABLE_LOCKS_WAITED = GLOBAL_STATUS_VARIABLES["table_locks_waited"]
MYSQL_GLOBAL_STATUS_INNODB_BUFFER_POOL_READS = GLOBAL_STATUS_VARIABLES["innodb_buffer_pool_reads"]
MYSQL_GLOBAL_STATUS_INNODB_BUFFER_POOL_READ_REQUESTS = GLOBAL_STATUS_VARIABLES[
    "innodb_buffer_pool_read_requests"
]
MYSQL_GLOBAL_STATUS_INNODB_ROW_LOCK_WAITS = GLOBAL_STATUS_VARIABLES["innodb_row_lock_waits"]
MYSQL_GLOBAL_STATUS_INNODB_ROW_LOCK_TIME = GLOBAL_STATUS_VARIABLES["innodb_row_lock_time"]  # ms

# --- SHOW GLOBAL STATUS, labelled: variable prefix -> (name, type, label) --------------------
MYSQL_GLOBAL_STATUS_COMMANDS_TOTAL = "mysql_global_status_commands_total"  # Com_<command>
MYSQL_GLOBAL_STATUS_CONNECTION_ERRORS_TOTAL = "mysql_global_status_connection_errors_total"
MYSQL_GLOBAL_STATUS_BUFFER_POOL_PAGES = "mysql_global_status_buffer_pool_pages"
# the page states mysqld_exporter 0.14 reports as the gauge above (it reports `dirty` and the
# page-change counters under other names, not exported here)
BUFFER_POOL_PAGE_STATES = ("data", "free", "misc", "old")
COMMANDS_PREFIX = "com_"
CONNECTION_ERRORS_PREFIX = "connection_errors_"
BUFFER_POOL_PAGES_PREFIX = "innodb_buffer_pool_pages_"

# --- SHOW GLOBAL VARIABLES, gauges: variable -> name -----------------------------------------
GLOBAL_VARIABLES = {
    variable: f"mysql_global_variables_{variable}"
    for variable in (
        "max_connections", "max_user_connections", "innodb_buffer_pool_size",
        "long_query_time", "table_open_cache", "thread_cache_size", "read_only",
    )
}
MYSQL_GLOBAL_VARIABLES_MAX_CONNECTIONS = GLOBAL_VARIABLES["max_connections"]
# the variables mysql_version_info's labels come from
VERSION_VARIABLES = ("version", "version_comment", "innodb_version")

# --- SHOW SLAVE STATUS (replicas only), untyped: column (lower-cased) -> name ----------------
# MySQL 8.4's SHOW REPLICA STATUS spells `source`/`replica` for `master`/`slave`; those columns
# are read under these names, so a dashboard needs one name for every version.
SLAVE_STATUS_COLUMNS = {
    column: f"mysql_slave_status_{column}"
    for column in (
        "seconds_behind_master", "slave_io_running", "slave_sql_running", "sql_delay",
        "read_master_log_pos", "exec_master_log_pos", "relay_log_space", "last_errno",
        "last_io_errno", "last_sql_errno",
    )
}
MYSQL_SLAVE_STATUS_SECONDS_BEHIND_MASTER = SLAVE_STATUS_COLUMNS["seconds_behind_master"]
MYSQL_SLAVE_STATUS_SLAVE_IO_RUNNING = SLAVE_STATUS_COLUMNS["slave_io_running"]
MYSQL_SLAVE_STATUS_SLAVE_SQL_RUNNING = SLAVE_STATUS_COLUMNS["slave_sql_running"]
MYSQL_SLAVE_STATUS_SQL_DELAY = SLAVE_STATUS_COLUMNS["sql_delay"]
