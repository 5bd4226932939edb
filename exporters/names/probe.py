"""Synthetic probe names: blackbox_exporter's for `/probe`, perfsight's for scheduled probes.

The `probe_*` names, types and labels are blackbox_exporter's (checked against Debian's
prometheus-blackbox-exporter 0.23 in tests/test_probe_compat.py), so blackbox dashboards and
alerts work unchanged. Every one is a gauge, as in blackbox_exporter.
"""

LABEL_PHASE = "phase"
LABEL_VERSION = "version"
LABEL_FINGERPRINT_SHA256 = "fingerprint_sha256"
LABEL_ISSUER = "issuer"
LABEL_SUBJECT = "subject"
LABEL_SUBJECT_ALTERNATIVE = "subjectalternative"
LABEL_LOCATION = "location"
LABEL_PROBER = "prober"  # a scheduled probe's kind: http, tcp, dns, browser, ...

# --- every prober ----------------------------------------------------------------------------
PROBE_SUCCESS = "probe_success"
PROBE_DURATION_SECONDS = "probe_duration_seconds"
PROBE_DNS_LOOKUP_TIME_SECONDS = "probe_dns_lookup_time_seconds"
PROBE_IP_PROTOCOL = "probe_ip_protocol"
PROBE_IP_ADDR_HASH = "probe_ip_addr_hash"
PROBE_FAILED_DUE_TO_REGEX = "probe_failed_due_to_regex"

# --- http ------------------------------------------------------------------------------------
PROBE_HTTP_DURATION_SECONDS = "probe_http_duration_seconds"
HTTP_PHASES = ("resolve", "connect", "tls", "processing", "transfer")
PROBE_HTTP_STATUS_CODE = "probe_http_status_code"
PROBE_HTTP_VERSION = "probe_http_version"
PROBE_HTTP_CONTENT_LENGTH = "probe_http_content_length"
PROBE_HTTP_UNCOMPRESSED_BODY_LENGTH = "probe_http_uncompressed_body_length"
PROBE_HTTP_REDIRECTS = "probe_http_redirects"
PROBE_HTTP_SSL = "probe_http_ssl"
PROBE_HTTP_LAST_MODIFIED_TIMESTAMP_SECONDS = "probe_http_last_modified_timestamp_seconds"

# --- tls (http and tcp) ----------------------------------------------------------------------
PROBE_SSL_EARLIEST_CERT_EXPIRY = "probe_ssl_earliest_cert_expiry"
PROBE_SSL_LAST_CHAIN_EXPIRY_TIMESTAMP_SECONDS = "probe_ssl_last_chain_expiry_timestamp_seconds"
PROBE_SSL_LAST_CHAIN_INFO = "probe_ssl_last_chain_info"
PROBE_TLS_VERSION_INFO = "probe_tls_version_info"

# --- dns -------------------------------------------------------------------------------------
PROBE_DNS_DURATION_SECONDS = "probe_dns_duration_seconds"
DNS_PHASES = ("resolve", "connect", "request")
PROBE_DNS_QUERY_SUCCEEDED = "probe_dns_query_succeeded"
PROBE_DNS_ANSWER_RRS = "probe_dns_answer_rrs"
PROBE_DNS_AUTHORITY_RRS = "probe_dns_authority_rrs"
PROBE_DNS_ADDITIONAL_RRS = "probe_dns_additional_rrs"
# perfsight's own (blackbox only checks valid_rcodes): which rcode the resolver answered
PROBE_DNS_RCODE_INFO = "probe_dns_rcode_info"
LABEL_RCODE = "rcode"

# --- scheduled probes (perfsight's own, on /metrics) -----------------------------------------
PERFSIGHT_PROBE_SCHEDULED_DURATION_SECONDS = "perfsight_probe_scheduled_duration_seconds"
PERFSIGHT_PROBE_PHASE_DURATION_SECONDS = "perfsight_probe_phase_duration_seconds"
PERFSIGHT_PROBE_SCHEDULED_RUNS_TOTAL = "perfsight_probe_scheduled_runs_total"
PERFSIGHT_PROBE_SCHEDULED_FAILURES_TOTAL = "perfsight_probe_scheduled_failures_total"
PERFSIGHT_PROBE_SCHEDULED_LAST_SUCCESS = "perfsight_probe_scheduled_last_success"
PERFSIGHT_PROBE_SCHEDULED_LAST_RUN_TIMESTAMP_SECONDS = (
    "perfsight_probe_scheduled_last_run_timestamp_seconds"
)
PERFSIGHT_PROBE_SCHEDULED_SERIES_DROPPED_TOTAL = "perfsight_probe_scheduled_series_dropped_total"
