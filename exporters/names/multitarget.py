"""Names of the /probe endpoint's own metrics, exposed on /metrics."""

LABEL_MODULE = "module"
LABEL_TARGET = "target"

PERFSIGHT_PROBE_LAST_DURATION_SECONDS = "perfsight_probe_last_duration_seconds"
PERFSIGHT_PROBE_RUNS_TOTAL = "perfsight_probe_runs_total"
PERFSIGHT_PROBE_ERRORS_TOTAL = "perfsight_probe_errors_total"
PERFSIGHT_PROBE_CACHE_HITS_TOTAL = "perfsight_probe_cache_hits_total"
PERFSIGHT_PROBE_REFUSED_TOTAL = "perfsight_probe_refused_total"
