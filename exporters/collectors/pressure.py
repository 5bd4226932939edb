"""Pressure stall information from /proc/pressure (node_exporter's pressure collector)."""

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, Metric

from exporters import names
from exporters.host import HostPaths

# (resource, line kind "some"/"full", metric, help)
SERIES = (
    ("cpu", "some", names.NODE_PRESSURE_CPU_WAITING_SECONDS_TOTAL,
     "Total time in seconds that processes have waited for CPU time."),
    ("cpu", "full", names.NODE_PRESSURE_CPU_STALLED_SECONDS_TOTAL,
     "Total time in seconds no process could make progress due to CPU contention."),
    ("io", "some", names.NODE_PRESSURE_IO_WAITING_SECONDS_TOTAL,
     "Total time in seconds that processes have waited due to IO congestion."),
    ("io", "full", names.NODE_PRESSURE_IO_STALLED_SECONDS_TOTAL,
     "Total time in seconds no process could make progress due to IO congestion."),
    ("memory", "some", names.NODE_PRESSURE_MEMORY_WAITING_SECONDS_TOTAL,
     "Total time in seconds that processes have waited for memory."),
    ("memory", "full", names.NODE_PRESSURE_MEMORY_STALLED_SECONDS_TOTAL,
     "Total time in seconds no process could make progress due to memory contention."),
)


def parse_pressure(text: str) -> dict[str, float]:
    """Map 'some'/'full' to their stall totals in seconds."""
    totals: dict[str, float] = {}
    for line in text.splitlines():
        kind, *fields = line.split()
        for field in fields:
            key, _, value = field.partition("=")
            if key == "total":
                totals[kind] = int(value) / 1e6
    return totals


class PressureCollector:
    """Report PSI stall totals; a kernel without PSI yields nothing, which is not an error."""

    def __init__(self, paths: HostPaths) -> None:
        self._paths = paths

    def collect(self) -> Iterator[Metric]:
        """Yield node_pressure_* counters for the resources this kernel reports."""
        totals: dict[str, dict[str, float]] = {}
        for resource in ("cpu", "io", "memory"):
            path = self._paths.proc("pressure", resource)
            try:
                totals[resource] = parse_pressure(path.read_text())
            except OSError:  # no PSI (CONFIG_PSI off, psi=0) or a kernel before 4.20
                continue
        for resource, kind, name, doc in SERIES:
            if kind in totals.get(resource, {}):
                yield CounterMetricFamily(name, doc, value=totals[resource][kind])
