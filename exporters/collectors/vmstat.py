"""Paging and OOM counters from /proc/vmstat (node_exporter's vmstat collector)."""

from collections.abc import Iterator

from prometheus_client.core import Metric, UnknownMetricFamily

from exporters import names
from exporters.collectors.base import parse_key_values
from exporters.host import HostPaths


class VmstatCollector:
    """Report node_exporter's default selection of /proc/vmstat counters."""

    def __init__(self, paths: HostPaths) -> None:
        self._paths = paths

    def collect(self) -> Iterator[Metric]:
        """Yield one untyped sample per selected field, as node_exporter does."""
        values = parse_key_values(self._paths.read_proc("vmstat").splitlines())
        for field in names.VMSTAT_FIELDS:
            if field in values:
                yield UnknownMetricFamily(
                    names.vmstat_metric(field),
                    f"/proc/vmstat information field {field}.",
                    value=values[field],
                )
