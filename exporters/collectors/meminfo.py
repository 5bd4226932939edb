"""Memory statistics from /proc/meminfo (node_exporter's meminfo collector)."""

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric

from exporters import names
from exporters.host import HostPaths

EXPORTED = frozenset(names.MEMINFO_BYTE_FIELDS + names.MEMINFO_COUNT_FIELDS)


def parse_meminfo(text: str) -> dict[str, float]:
    """Map node_exporter field names to values in bytes (or counts for HugePages_*)."""
    values: dict[str, float] = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        parts = rest.split()
        if not parts:
            continue
        field = key.replace("(", "_").replace(")", "")
        multiplier = 1024 if len(parts) > 1 and parts[1] == "kB" else 1
        values[field] = float(parts[0]) * multiplier
    return values


class MeminfoCollector:
    """Report each known /proc/meminfo field as node_memory_<Field>_bytes."""

    def __init__(self, paths: HostPaths) -> None:
        self._paths = paths

    def collect(self) -> Iterator[Metric]:
        """Yield one gauge per meminfo field this kernel reports."""
        for field, value in parse_meminfo(self._paths.read_proc("meminfo")).items():
            if field in EXPORTED:
                yield GaugeMetricFamily(
                    names.meminfo_metric(field), f"Memory information field {field}.", value=value
                )
