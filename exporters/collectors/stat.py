"""Kernel activity counters from /proc/stat (node_exporter's stat collector)."""

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from exporters import names
from exporters.host import HostPaths


class StatCollector:
    """Report boot time, context switches, forks, interrupts and runnable/blocked processes."""

    def __init__(self, paths: HostPaths) -> None:
        self._paths = paths

    def collect(self) -> Iterator[Metric]:
        """Yield node_boot_time_seconds, node_context_switches_total and friends."""
        first: dict[str, float] = {}
        for line in self._paths.read_proc("stat").splitlines():
            key, _, rest = line.partition(" ")
            if key in ("btime", "ctxt", "processes", "intr", "procs_running", "procs_blocked"):
                first[key] = float(rest.split(None, 1)[0])
        gauges = (
            ("btime", names.NODE_BOOT_TIME_SECONDS, "Node boot time, in unixtime."),
            ("procs_running", names.NODE_PROCS_RUNNING, "Number of processes in runnable state."),
            ("procs_blocked", names.NODE_PROCS_BLOCKED, "Number of processes blocked on I/O."),
        )
        counters = (
            ("ctxt", names.NODE_CONTEXT_SWITCHES_TOTAL, "Total number of context switches."),
            ("processes", names.NODE_FORKS_TOTAL, "Total number of forks."),
            ("intr", names.NODE_INTR_TOTAL, "Total number of interrupts serviced."),
        )
        for key, name, doc in gauges:
            if key in first:
                yield GaugeMetricFamily(name, doc, value=first[key])
        for key, name, doc in counters:
            if key in first:
                yield CounterMetricFamily(name, doc, value=first[key])
