"""System-wide process and thread counts and limits (node_exporter's processes collector)."""

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric

from exporters import names
from exporters.host import HostPaths


class ProcessesCollector:
    """Report how many processes and threads exist and the kernel's limits on them."""

    def __init__(self, paths: HostPaths) -> None:
        self._paths = paths

    def collect(self) -> Iterator[Metric]:
        """Yield node_processes_{pids,threads,max_processes,max_threads}."""
        pids = sum(1 for entry in self._paths.procfs.iterdir() if entry.name.isdigit())
        # /proc/loadavg's fourth field is "runnable/total" scheduling entities (threads)
        threads = self._paths.read_proc("loadavg").split()[3].partition("/")[2]
        yield GaugeMetricFamily(names.NODE_PROCESSES_PIDS, "Number of PIDs.", value=pids)
        yield GaugeMetricFamily(
            names.NODE_PROCESSES_THREADS, "Allocated threads in system.", value=float(threads)
        )
        for name, file, doc in (
            (names.NODE_PROCESSES_MAX_PROCESSES, "pid_max", "Number of max PIDs limit."),
            (names.NODE_PROCESSES_MAX_THREADS, "threads-max", "Limit of threads in the system."),
        ):
            value = float(self._paths.read_proc("sys", "kernel", file))
            yield GaugeMetricFamily(name, doc, value=value)
