"""The one collector table, and the scrape that runs collectors in isolation under a deadline."""

import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from prometheus_client.core import GaugeMetricFamily, Metric

from exporters import names
from exporters.collectors.base import Collector
from exporters.collectors.cpu import CpuCollector
from exporters.collectors.diskstats import DiskstatsCollector
from exporters.collectors.filefd import FilefdCollector
from exporters.collectors.filesystem import FilesystemCollector
from exporters.collectors.loadavg import LoadavgCollector
from exporters.collectors.meminfo import MeminfoCollector
from exporters.collectors.netdev import NetdevCollector
from exporters.collectors.netstat import NetstatCollector
from exporters.collectors.pressure import PressureCollector
from exporters.collectors.process import ProcessCollector, ProcfsProcesses
from exporters.collectors.processes import ProcessesCollector
from exporters.collectors.sockstat import SockstatCollector
from exporters.collectors.stat import StatCollector
from exporters.collectors.systime import TimeCollector
from exporters.collectors.tcpstat import TcpstatCollector
from exporters.collectors.uname import UnameCollector
from exporters.collectors.vmstat import VmstatCollector
from exporters.config import Settings
from exporters.host import HostPaths

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CollectorSpec:
    """One row of the collector table: the CLI flags and the landing page come from it."""

    name: str
    help: str
    default_enabled: bool
    build: Callable[[HostPaths, Settings], Collector]


COLLECTORS: tuple[CollectorSpec, ...] = (
    CollectorSpec("cpu", "CPU seconds per CPU and mode", True, lambda p, s: CpuCollector(p)),
    CollectorSpec(
        "diskstats", "Block device I/O", True,
        lambda p, s: DiskstatsCollector(p, s.diskstats_device_exclude),
    ),
    CollectorSpec(
        "filefd", "System-wide file handles", True, lambda p, s: FilefdCollector(p)
    ),
    CollectorSpec(
        "filesystem", "Filesystem space and inodes", True,
        lambda p, s: FilesystemCollector(
            p, s.filesystem_mount_points_exclude, s.filesystem_fs_types_exclude
        ),
    ),
    CollectorSpec("loadavg", "Load averages", True, lambda p, s: LoadavgCollector(p)),
    CollectorSpec("meminfo", "Memory statistics", True, lambda p, s: MeminfoCollector(p)),
    CollectorSpec(
        "netdev", "Network device counters", True,
        lambda p, s: NetdevCollector(p, s.netdev_device_exclude),
    ),
    CollectorSpec("netstat", "IP, TCP, UDP counters", True, lambda p, s: NetstatCollector(p)),
    CollectorSpec(
        "pressure", "Pressure stall information", True, lambda p, s: PressureCollector(p)
    ),
    CollectorSpec(
        "process", "Top processes and process groups", True,
        lambda p, s: ProcessCollector(
            ProcfsProcesses(p), s.process.top_n, s.process.max_processes, s.process.groups
        ),
    ),
    CollectorSpec(
        "processes", "Process and thread counts and limits", True,
        lambda p, s: ProcessesCollector(p),
    ),
    CollectorSpec("sockstat", "Sockets in use", True, lambda p, s: SockstatCollector(p)),
    CollectorSpec(
        "stat", "Context switches, forks, interrupts, boot time", True,
        lambda p, s: StatCollector(p),
    ),
    CollectorSpec(
        "tcpstat", "TCP connections by state", True, lambda p, s: TcpstatCollector(p)
    ),
    CollectorSpec("time", "System clock", True, lambda p, s: TimeCollector()),
    CollectorSpec("uname", "Kernel identity", True, lambda p, s: UnameCollector(p)),
    CollectorSpec("vmstat", "Paging and OOM counters", True, lambda p, s: VmstatCollector(p)),
)
SPECS = {spec.name: spec for spec in COLLECTORS}


class Scraper:
    """Run collectors in parallel; a collector that fails or overruns is reported, not fatal."""

    def __init__(self, collectors: dict[str, Collector]) -> None:
        self.collectors = collectors
        self._pool = ThreadPoolExecutor(
            max_workers=max(4, 2 * len(collectors)), thread_name_prefix="collector"
        )
        self._lock = threading.Lock()
        self._overrunning: dict[str, Future[tuple[list[Metric], float]]] = {}

    def scrape(self, selected: Iterable[str], deadline_seconds: float) -> list[Metric]:
        """Collect the selected collectors within the deadline, plus their success/duration."""
        started = time.perf_counter()
        futures: dict[str, Future[tuple[list[Metric], float]]] = {}
        skipped: list[str] = []
        for name in selected:
            if self._still_overrunning(name):
                skipped.append(name)
            else:
                futures[name] = self._pool.submit(_timed_collect, self.collectors[name])
        wait(futures.values(), timeout=deadline_seconds)
        success = GaugeMetricFamily(
            names.PERFSIGHT_SCRAPE_COLLECTOR_SUCCESS,
            "Whether a collector succeeded within the scrape deadline.",
            labels=[names.LABEL_COLLECTOR],
        )
        duration = GaugeMetricFamily(
            names.PERFSIGHT_SCRAPE_COLLECTOR_DURATION_SECONDS,
            "How long a collector took, or had taken when the deadline passed.",
            labels=[names.LABEL_COLLECTOR],
        )
        families: list[Metric] = []
        overrun_seconds = time.perf_counter() - started
        for name in skipped:
            log.error("collector %s skipped: its previous run is still overrunning", name)
            success.add_metric([name], 0.0)
            duration.add_metric([name], 0.0)
        for name, future in futures.items():
            elapsed, ok = overrun_seconds, False
            if not future.done():
                log.error(
                    "collector %s exceeded the scrape deadline of %.3fs", name, deadline_seconds
                )
                with self._lock:
                    self._overrunning[name] = future
            elif (error := future.exception()) is not None:
                log.error("collector %s failed: %s", name, _describe(error))
            else:
                metrics, elapsed = future.result()
                ok = True
                families.extend(metrics)
            success.add_metric([name], 1.0 if ok else 0.0)
            duration.add_metric([name], elapsed)
        families.extend((success, duration))
        return families

    def _still_overrunning(self, name: str) -> bool:
        with self._lock:
            future = self._overrunning.get(name)
            if future is not None and future.done():
                del self._overrunning[name]
                return False
            return future is not None

    def close(self) -> None:
        """Stop accepting work; overrunning collectors are abandoned."""
        self._pool.shutdown(wait=False, cancel_futures=True)


def _timed_collect(collector: Collector) -> tuple[list[Metric], float]:
    """Collect everything and measure how long it took."""
    started = time.perf_counter()
    metrics = list(collector.collect())
    return metrics, time.perf_counter() - started


def _describe(error: BaseException) -> str:
    """Describe an error by type and message; messages never carry config secrets here."""
    return f"{type(error).__name__}: {error}"


def build_collectors(
    enabled: Iterable[str], paths: HostPaths, settings: Settings
) -> dict[str, Collector]:
    """Instantiate the enabled collectors from the table."""
    return {name: SPECS[name].build(paths, settings) for name in enabled}
