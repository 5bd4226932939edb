"""File handles allocated system-wide, from /proc/sys/fs/file-nr (node_exporter's filefd)."""

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric

from exporters import names
from exporters.host import HostPaths


class FilefdCollector:
    """Report allocated file handles and the system-wide maximum."""

    def __init__(self, paths: HostPaths) -> None:
        self._paths = paths

    def collect(self) -> Iterator[Metric]:
        """Yield node_filefd_allocated and node_filefd_maximum."""
        allocated, _, maximum = self._paths.read_proc("sys", "fs", "file-nr").split()
        yield GaugeMetricFamily(
            names.NODE_FILEFD_ALLOCATED, "File descriptor statistics: allocated.",
            value=float(allocated),
        )
        yield GaugeMetricFamily(
            names.NODE_FILEFD_MAXIMUM, "File descriptor statistics: maximum.",
            value=float(maximum),
        )
