"""CPU time per logical CPU and mode, from /proc/stat (node_exporter's cpu collector)."""

import os
from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, Metric

from exporters import names
from exporters.host import HostPaths

USER_HZ = os.sysconf("SC_CLK_TCK")
GUEST_COLUMNS = {"user": 8, "nice": 9}


class CpuCollector:
    """Report seconds each CPU spent in each mode."""

    def __init__(self, paths: HostPaths) -> None:
        self._paths = paths

    def collect(self) -> Iterator[Metric]:
        """Yield node_cpu_seconds_total and node_cpu_guest_seconds_total."""
        seconds = CounterMetricFamily(
            names.NODE_CPU_SECONDS_TOTAL,
            "Seconds the CPUs spent in each mode.",
            labels=[names.LABEL_CPU, names.LABEL_MODE],
        )
        guest = CounterMetricFamily(
            names.NODE_CPU_GUEST_SECONDS_TOTAL,
            "Seconds the CPUs spent in guests (VMs) for each mode.",
            labels=[names.LABEL_CPU, names.LABEL_MODE],
        )
        for line in self._paths.read_proc("stat").splitlines():
            if not line.startswith("cpu") or line.startswith("cpu "):
                continue
            label, *fields = line.split()
            cpu = label[3:]
            ticks = [int(value) for value in fields]
            for column, mode in enumerate(names.CPU_MODES):
                seconds.add_metric([cpu, mode], ticks[column] / USER_HZ)
            for mode, column in GUEST_COLUMNS.items():
                if column < len(ticks):
                    guest.add_metric([cpu, mode], ticks[column] / USER_HZ)
        yield seconds
        yield guest
