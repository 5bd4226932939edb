"""Load averages from /proc/loadavg (node_exporter's loadavg collector)."""

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric

from exporters import names
from exporters.host import HostPaths


class LoadavgCollector:
    """Report the 1, 5 and 15 minute load averages."""

    def __init__(self, paths: HostPaths) -> None:
        self._paths = paths

    def collect(self) -> Iterator[Metric]:
        """Yield node_load1, node_load5 and node_load15."""
        one, five, fifteen = self._paths.read_proc("loadavg").split()[:3]
        yield GaugeMetricFamily(names.NODE_LOAD1, "1m load average.", value=float(one))
        yield GaugeMetricFamily(names.NODE_LOAD5, "5m load average.", value=float(five))
        yield GaugeMetricFamily(names.NODE_LOAD15, "15m load average.", value=float(fifteen))
