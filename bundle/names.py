"""Every recording-rule, alert, label and dashboard name the generated rules use.

Recording rules follow ``level:metric:operation``. Exporter metric names come from
``exporters.names``; the names of metrics that *instrumented services* emit (OpenTelemetry
semantic conventions, classic client-library defaults) live here because no perfsight exporter
produces them.
"""

# --- labels the rules add --------------------------------------------------------------------
LABEL_INSTANCE = "instance"
LABEL_JOB = "job"
LABEL_SERVICE = "service"
LABEL_SLO = "slo"
LABEL_WINDOW = "window"
LABEL_SEVERITY = "severity"
LABEL_EXPORTER = "exporter"
LABEL_LE = "le"
ALERTNAME = "alertname"
ALERTS_SERIES = "ALERTS"
LABEL_ALERTSTATE = "alertstate"

SEVERITIES = ("critical", "warning", "info")

# --- service metrics (not emitted by perfsight; chosen by an SLO's preset) --------------------
OTEL_HTTP_SERVER_DURATION = "http_server_request_duration_seconds"
OTEL_STATUS_LABEL = "http_response_status_code"
CLASSIC_HTTP_DURATION = "http_request_duration_seconds"
CLASSIC_HTTP_REQUESTS_TOTAL = "http_requests_total"
CLASSIC_STATUS_LABEL = "code"
# route label of each convention (the classic one is prometheus_client's and promhttp's)
CLASSIC_ROUTE_LABEL = "handler"
OTEL_ROUTE_LABEL = "http_route"
UP = "up"

# --- dashboards (uids are owned by the dashboards generator; linked from every alert) -------
DASHBOARD_RESOURCES = "perfsight-resources"
DASHBOARD_SLOS = "perfsight-slos"
DASHBOARD_DATABASES = "perfsight-databases"
DASHBOARD_CACHES = "perfsight-caches"
DASHBOARD_PROBES = "perfsight-probes"
DASHBOARD_EXECUTIVE = "perfsight-executive"
DASHBOARD_CAPACITY = "perfsight-capacity"
DASHBOARD_ERRORS = "perfsight-errors"
DASHBOARD_THROUGHPUT = "perfsight-throughput"
DASHBOARD_RESPONSE_TIMES = "perfsight-response-times"

# --- USE recording rules, per instance -------------------------------------------------------
INSTANCE_CPU_UTILISATION = "instance:node_cpu_utilisation:rate5m"
INSTANCE_CPU_COUNT = "instance:node_num_cpu:sum"
INSTANCE_LOAD1_PER_CPU = "instance:node_load1_per_cpu:ratio"
INSTANCE_PRESSURE_CPU_WAITING = "instance:node_pressure_cpu_waiting_seconds:rate5m"
INSTANCE_MEMORY_UTILISATION = "instance:node_memory_utilisation:ratio"
INSTANCE_PRESSURE_MEMORY_WAITING = "instance:node_pressure_memory_waiting_seconds:rate5m"
INSTANCE_MAJOR_PAGE_FAULTS = "instance:node_vmstat_pgmajfault:rate5m"
INSTANCE_DEVICE_DISK_IO_UTILISATION = "instance_device:node_disk_io_time_seconds:rate5m"
INSTANCE_DEVICE_DISK_IO_SATURATION = "instance_device:node_disk_io_time_weighted_seconds:rate5m"
INSTANCE_PRESSURE_IO_WAITING = "instance:node_pressure_io_waiting_seconds:rate5m"
INSTANCE_MOUNTPOINT_FILESYSTEM_USAGE = "instance_mountpoint:node_filesystem_usage:ratio"
INSTANCE_MOUNTPOINT_INODE_USAGE = "instance_mountpoint:node_filesystem_files_usage:ratio"
INSTANCE_NETWORK_RECEIVE_BYTES = "instance:node_network_receive_bytes_excluding_lo:rate5m"
INSTANCE_NETWORK_TRANSMIT_BYTES = "instance:node_network_transmit_bytes_excluding_lo:rate5m"
INSTANCE_NETWORK_ERRORS = "instance:node_network_errs_excluding_lo:rate5m"
INSTANCE_NETWORK_DROPS = "instance:node_network_drop_excluding_lo:rate5m"
INSTANCE_FILEFD_UTILISATION = "instance:node_filefd_utilisation:ratio"

# --- capacity: seconds until a finite resource runs out (absent when not shrinking) ---------
INSTANCE_MOUNTPOINT_DISK_EXHAUSTION = "instance_mountpoint:node_filesystem_avail:exhaustion_seconds"
INSTANCE_MOUNTPOINT_INODE_EXHAUSTION = (
    "instance_mountpoint:node_filesystem_files_free:exhaustion_seconds"
)
INSTANCE_MEMORY_EXHAUSTION = "instance:node_memory_available:exhaustion_seconds"
INSTANCE_FILEFD_EXHAUSTION = "instance:node_filefd_available:exhaustion_seconds"

# --- cost: hourly cost rates of perfsight.yaml's `costs:` turned into series -----------------
INSTANCE_COST_PER_HOUR = "instance:perfsight_cost_per_hour:sum"
FLEET_COST_PER_HOUR = "fleet:perfsight_cost_per_hour:sum"
SERVICE_COST_PER_HOUR = "service:perfsight_cost_per_hour:spec"

# --- databases: golden signals and capacity, per instance -----------------------------------
INSTANCE_PG_CONNECTIONS = "instance:pg_stat_database_numbackends:sum"
INSTANCE_PG_CONNECTIONS_UTILISATION = "instance:pg_connections:ratio"
INSTANCE_PG_CONNECTIONS_EXHAUSTION = "instance:pg_connections_available:exhaustion_seconds"
INSTANCE_PG_TRANSACTIONS = "instance:pg_stat_database_xact:rate5m"
INSTANCE_PG_CACHE_HIT = "instance:pg_stat_database_blks_hit:ratio_rate5m"
INSTANCE_PG_BLOCKS_ACCESSED = "instance:pg_stat_database_blks_accessed:rate5m"
INSTANCE_MYSQL_CONNECTIONS_UTILISATION = "instance:mysql_connections:ratio"
INSTANCE_MYSQL_CONNECTIONS_EXHAUSTION = "instance:mysql_connections_available:exhaustion_seconds"
INSTANCE_MYSQL_QUESTIONS = "instance:mysql_global_status_questions:rate5m"
INSTANCE_MYSQL_BUFFER_POOL_HIT = "instance:mysql_innodb_buffer_pool_hit:ratio_rate5m"
INSTANCE_MYSQL_BUFFER_POOL_READ_REQUESTS = (
    "instance:mysql_global_status_innodb_buffer_pool_read_requests:rate5m"
)

# --- caches ---------------------------------------------------------------------------------
INSTANCE_REDIS_MEMORY_UTILISATION = "instance:redis_memory_used:ratio"
INSTANCE_REDIS_MEMORY_EXHAUSTION = "instance:redis_memory_available:exhaustion_seconds"
INSTANCE_REDIS_HIT = "instance:redis_keyspace_hits:ratio_rate5m"
INSTANCE_MEMCACHED_HIT = "instance:memcached_commands_get_hits:ratio_rate5m"
INSTANCE_MEMCACHED_GETS = "instance:memcached_commands_get:rate5m"

# --- every time-to-exhaustion recording: (record, resource as shown, capacity.horizons key) ---
EXHAUSTION_RECORDS = (
    (INSTANCE_MOUNTPOINT_DISK_EXHAUSTION, "disk space", "disk"),
    (INSTANCE_MOUNTPOINT_INODE_EXHAUSTION, "inodes", "inodes"),
    (INSTANCE_MEMORY_EXHAUSTION, "memory", "memory"),
    (INSTANCE_FILEFD_EXHAUSTION, "file descriptors", "fds"),
    (INSTANCE_PG_CONNECTIONS_EXHAUSTION, "postgres connections", "db_connections"),
    (INSTANCE_MYSQL_CONNECTIONS_EXHAUSTION, "mysql connections", "db_connections"),
    (INSTANCE_REDIS_MEMORY_EXHAUSTION, "redis memory", "redis_memory"),
)

# --- RED per service (label: service), from the request metrics its SLO presets name -------
SERVICE_REQUESTS_RATE5M = "service:http_requests:rate5m"
SERVICE_ERRORS_RATIO_RATE5M = "service:http_requests_errors:ratio_rate5m"
SERVICE_LATENCY_P50_RATE5M = "service:http_request_duration_seconds:p50_rate5m"
SERVICE_LATENCY_P90_RATE5M = "service:http_request_duration_seconds:p90_rate5m"
SERVICE_LATENCY_P95_RATE5M = "service:http_request_duration_seconds:p95_rate5m"
SERVICE_LATENCY_P99_RATE5M = "service:http_request_duration_seconds:p99_rate5m"
# percentile -> its recording
SERVICE_LATENCY_RATE5M = {
    50: SERVICE_LATENCY_P50_RATE5M, 90: SERVICE_LATENCY_P90_RATE5M,
    95: SERVICE_LATENCY_P95_RATE5M, 99: SERVICE_LATENCY_P99_RATE5M,
}

# --- SLOs (labels: service, slo, window) -----------------------------------------------------
SLO_BAD_EVENTS_RATE5M = "slo:sli_bad_events:rate5m"
SLO_EVENTS_RATE5M = "slo:sli_events:rate5m"
SLO_OBJECTIVE = "slo:objective:ratio"
SLO_ERROR_BUDGET = "slo:error_budget:ratio"
SLO_ERROR_RATIO_PERIOD = "slo:sli_error:ratio_period"
SLO_ERROR_BUDGET_REMAINING = "slo:error_budget_remaining:ratio"
SLO_BURN_RATE = "slo:error_budget_burn:rate1h"
SLO_BUDGET_EXHAUSTION = "slo:error_budget:exhaustion_seconds"


def slo_error_ratio(window: str) -> str:
    """Return the recording rule holding an SLO's error ratio over one window."""
    return f"slo:sli_error:ratio_rate{window}"


# --- anomaly bands (weekly seasonality) of an SLO's traffic and error ratio ------------------
def anomaly_baseline(recording: str) -> str:
    """Return the rule holding a series' value at the same time last week (1h average)."""
    return f"{recording}_baseline_1w"


def anomaly_stddev(recording: str) -> str:
    """Return the rule holding a series' standard deviation over the last week."""
    return f"{recording}_stddev_1w"


def anomaly_zscore(recording: str) -> str:
    """Return the rule holding how many standard deviations a series is from its baseline."""
    return f"{recording}_zscore_1w"


# --- alerts ----------------------------------------------------------------------------------
ALERT_EXPORTER_DOWN = "ExporterDown"
ALERT_COLLECTOR_FAILING = "CollectorFailing"
ALERT_CPU_SATURATED = "HostCpuSaturated"
ALERT_MEMORY_SATURATED = "HostMemorySaturated"
ALERT_DISK_FILLING_UP = "HostDiskFillingUp"
ALERT_INODES_FILLING_UP = "HostInodesFillingUp"
ALERT_DISK_IO_SATURATED = "HostDiskIOSaturated"
ALERT_NETWORK_ERRORS = "HostNetworkErrors"
ALERT_FDS_EXHAUSTING = "HostFileDescriptorsExhausting"
ALERT_MEMORY_FILLING_UP = "HostMemoryFillingUp"
ALERT_SLO_BURN_PAGE = "SLOErrorBudgetBurnFast"
ALERT_SLO_BURN_TICKET = "SLOErrorBudgetBurnSlow"
ALERT_SLO_BUDGET_EXHAUSTED = "SLOErrorBudgetExhausted"
ALERT_TRAFFIC_ANOMALY = "SLOTrafficAnomaly"
ALERT_ERROR_RATIO_ANOMALY = "SLOErrorRatioAnomaly"
ALERT_LATENCY_ANOMALY = "ServiceLatencyAnomaly"
ALERT_POSTGRES_DOWN = "PostgresDown"
ALERT_POSTGRES_CONNECTIONS = "PostgresConnectionsNearLimit"
ALERT_POSTGRES_DEADLOCKS = "PostgresDeadlocks"
ALERT_POSTGRES_REPLICATION_LAG = "PostgresReplicationLag"
ALERT_POSTGRES_LONG_TRANSACTION = "PostgresLongTransaction"
ALERT_POSTGRES_WRAPAROUND = "PostgresWraparoundRisk"
ALERT_POSTGRES_CACHE_HIT = "PostgresCacheHitRatioLow"
ALERT_MYSQL_DOWN = "MySQLDown"
ALERT_MYSQL_CONNECTIONS = "MySQLConnectionsNearLimit"
ALERT_MYSQL_DEADLOCKS = "MySQLDeadlocks"
ALERT_MYSQL_REPLICATION_LAG = "MySQLReplicationLag"
ALERT_MYSQL_BUFFER_POOL_HIT = "MySQLBufferPoolHitRatioLow"
ALERT_REDIS_DOWN = "RedisDown"
ALERT_REDIS_MEMORY = "RedisMemoryNearMax"
ALERT_REDIS_EVICTIONS = "RedisEvictingKeys"
ALERT_MEMCACHED_DOWN = "MemcachedDown"
ALERT_MEMCACHED_HIT = "MemcachedHitRatioLow"
ALERT_PROBE_FAILING = "ProbeFailing"
ALERT_PROBE_SLOW = "ProbeSlow"
ALERT_PROBE_CERT_EXPIRY = "ProbeCertificateExpiring"
ALERT_BROWSER_LCP = "BrowserLCPDegraded"
ALERT_BROWSER_CLS = "BrowserCLSDegraded"

ALERT_NAMES = (
    ALERT_EXPORTER_DOWN, ALERT_COLLECTOR_FAILING, ALERT_CPU_SATURATED, ALERT_MEMORY_SATURATED,
    ALERT_DISK_FILLING_UP, ALERT_INODES_FILLING_UP, ALERT_DISK_IO_SATURATED, ALERT_NETWORK_ERRORS,
    ALERT_FDS_EXHAUSTING, ALERT_MEMORY_FILLING_UP, ALERT_SLO_BURN_PAGE, ALERT_SLO_BURN_TICKET,
    ALERT_SLO_BUDGET_EXHAUSTED, ALERT_TRAFFIC_ANOMALY, ALERT_ERROR_RATIO_ANOMALY,
    ALERT_LATENCY_ANOMALY,
    ALERT_POSTGRES_DOWN, ALERT_POSTGRES_CONNECTIONS, ALERT_POSTGRES_DEADLOCKS,
    ALERT_POSTGRES_REPLICATION_LAG, ALERT_POSTGRES_LONG_TRANSACTION, ALERT_POSTGRES_WRAPAROUND,
    ALERT_POSTGRES_CACHE_HIT, ALERT_MYSQL_DOWN, ALERT_MYSQL_CONNECTIONS, ALERT_MYSQL_DEADLOCKS,
    ALERT_MYSQL_REPLICATION_LAG, ALERT_MYSQL_BUFFER_POOL_HIT, ALERT_REDIS_DOWN, ALERT_REDIS_MEMORY,
    ALERT_REDIS_EVICTIONS, ALERT_MEMCACHED_DOWN, ALERT_MEMCACHED_HIT, ALERT_PROBE_FAILING,
    ALERT_PROBE_SLOW, ALERT_PROBE_CERT_EXPIRY, ALERT_BROWSER_LCP, ALERT_BROWSER_CLS,
)
