"""Build one probe's metric families with blackbox_exporter's names, help texts and labels."""

import ipaddress

from prometheus_client.core import GaugeMetricFamily, Metric

from exporters.names import probe as names

# a probe stops at this share of its timeout and answers what it measured (duration, phases,
# status) before the runner's deadline replaces the answer with probe_success 0 alone
BUDGET_SHARE = 0.9
HELP = {
    names.PROBE_SUCCESS: "Displays whether or not the probe was a success",
    names.PROBE_DURATION_SECONDS: "Returns how long the probe took to complete in seconds",
    names.PROBE_DNS_LOOKUP_TIME_SECONDS: "Returns the time taken for probe dns lookup in seconds",
    names.PROBE_IP_PROTOCOL: "Specifies whether probe ip protocol is IP4 or IP6",
    names.PROBE_IP_ADDR_HASH: "Specifies the hash of IP address. It's useful to detect if the "
    "IP address changes.",
    names.PROBE_FAILED_DUE_TO_REGEX: "Indicates if probe failed due to regex",
    names.PROBE_HTTP_DURATION_SECONDS: "Duration of http request by phase, summed over all "
    "redirects",
    names.PROBE_HTTP_STATUS_CODE: "Response HTTP status code",
    names.PROBE_HTTP_VERSION: "Returns the version of HTTP of the probe response",
    names.PROBE_HTTP_CONTENT_LENGTH: "Length of http content response",
    names.PROBE_HTTP_UNCOMPRESSED_BODY_LENGTH: "Length of uncompressed response body",
    names.PROBE_HTTP_REDIRECTS: "The number of redirects",
    names.PROBE_HTTP_SSL: "Indicates if SSL was used for the final redirect",
    names.PROBE_HTTP_LAST_MODIFIED_TIMESTAMP_SECONDS: "Returns the Last-Modified HTTP response "
    "header in unixtime",
    names.PROBE_SSL_EARLIEST_CERT_EXPIRY: "Returns last SSL chain expiry in unixtime",
    names.PROBE_SSL_LAST_CHAIN_EXPIRY_TIMESTAMP_SECONDS: "Returns last SSL chain expiry in "
    "timestamp",
    names.PROBE_SSL_LAST_CHAIN_INFO: "Contains SSL leaf certificate information",
    names.PROBE_TLS_VERSION_INFO: "Returns the TLS version used or NaN when unknown",
    names.PROBE_DNS_DURATION_SECONDS: "Duration of DNS request by phase",
    names.PROBE_DNS_QUERY_SUCCEEDED: "Displays whether or not the query was executed "
    "successfully",
    names.PROBE_DNS_ANSWER_RRS: "Returns number of entries in the answer resource record list",
    names.PROBE_DNS_AUTHORITY_RRS: "Returns number of entries in the authority resource record "
    "list",
    names.PROBE_DNS_ADDITIONAL_RRS: "Returns number of entries in the additional resource "
    "record list",
    names.PROBE_DNS_RCODE_INFO: "The response code the resolver answered, as a label",
}


class ProbeResult:
    """Collect gauge samples (a later set replaces an earlier one); `families()` builds them."""

    def __init__(self) -> None:
        self._samples: dict[str, tuple[list[str], dict[tuple[str, ...], float]]] = {}
        self.success = False

    def set(self, name: str, value: float, labels: dict[str, str] | None = None) -> None:
        """Set one sample of a gauge family (one family per name, samples per label set)."""
        labels = labels or {}
        _names, samples = self._samples.setdefault(name, (list(labels), {}))
        samples[tuple(labels.values())] = value

    def set_address(self, ip: str) -> None:
        """Record which address was probed: its IP version and blackbox's FNV-1a hash."""
        address = ipaddress.ip_address(ip.split("%", 1)[0])
        self.set(names.PROBE_IP_PROTOCOL, address.version)
        self.set(names.PROBE_IP_ADDR_HASH, fnv32a(address.packed))

    def families(self, duration_seconds: float) -> list[Metric]:
        """Return every family, probe_success and probe_duration_seconds included."""
        self.set(names.PROBE_DURATION_SECONDS, duration_seconds)
        self.set(names.PROBE_SUCCESS, float(self.success))
        families: list[Metric] = []
        for name, (labels, samples) in sorted(self._samples.items()):
            family = GaugeMetricFamily(name, HELP[name], labels=labels)
            for values, value in samples.items():
                family.add_metric(list(values), value)
            families.append(family)
        return families


def fnv32a(data: bytes) -> int:
    """Return the 32-bit FNV-1a hash (blackbox_exporter's probe_ip_addr_hash)."""
    value = 0x811C9DC5
    for byte in data:
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value
