"""Protocol counters from /proc/net/{netstat,snmp,snmp6} (node_exporter's netstat collector)."""

from collections.abc import Iterator

from prometheus_client.core import Metric, UnknownMetricFamily

from exporters import names
from exporters.host import HostPaths


def parse_paired_table(text: str) -> dict[str, str]:
    """Parse the header/value line pairs of /proc/net/netstat and /proc/net/snmp."""
    values: dict[str, str] = {}
    lines = text.splitlines()
    for header, row in zip(lines[::2], lines[1::2], strict=False):
        protocol, _, keys = header.partition(":")
        for key, value in zip(keys.split(), row.partition(":")[2].split(), strict=False):
            values[f"{protocol}_{key}"] = value
    return values


def parse_snmp6(text: str) -> dict[str, str]:
    """Parse /proc/net/snmp6 lines such as 'Udp6InDatagrams 12' into 'Udp6_InDatagrams'."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and "6" in parts[0]:
            protocol, _, key = parts[0].partition("6")
            values[f"{protocol}6_{key}"] = parts[1]
    return values


class NetstatCollector:
    """Report node_exporter's default selection of IP, ICMP, TCP and UDP counters."""

    def __init__(self, paths: HostPaths) -> None:
        self._paths = paths

    def collect(self) -> Iterator[Metric]:
        """Yield one untyped sample per selected counter, as node_exporter does."""
        values = parse_paired_table(self._paths.read_proc("net", "netstat"))
        values.update(parse_paired_table(self._paths.read_proc("net", "snmp")))
        snmp6 = self._paths.proc("net", "snmp6")
        if snmp6.exists():
            values.update(parse_snmp6(snmp6.read_text()))
        for field in names.NETSTAT_FIELDS:
            if field in values:
                yield UnknownMetricFamily(
                    names.netstat_metric(field),
                    f"Statistic {field.replace('_', '')}.",
                    value=float(values[field]),
                )
