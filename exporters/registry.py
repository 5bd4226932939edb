"""The one collector table, and the scrape that runs collectors in isolation under a deadline."""

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
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
from exporters.collectors.tcpstat import TcpstatCollector, netlink_states, procfs_states
from exporters.collectors.uname import UnameCollector
from exporters.collectors.vmstat import VmstatCollector
from exporters.config import Settings
from exporters.host import DEFAULT_PROCFS, HostPaths

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
        "tcpstat", "TCP connections by state", True,
        lambda p, s: TcpstatCollector(
            netlink_states if p.procfs == DEFAULT_PROCFS else procfs_states(p)
        ),
    ),
    CollectorSpec("time", "System clock", True, lambda p, s: TimeCollector()),
    CollectorSpec("uname", "Kernel identity", True, lambda p, s: UnameCollector(p)),
    CollectorSpec("vmstat", "Paging and OOM counters", True, lambda p, s: VmstatCollector(p)),
)
SPECS = {spec.name: spec for spec in COLLECTORS}


class _Round:
    """One scrape's shared work list: workers take collectors from it one at a time."""

    def __init__(self, selected: list[str]) -> None:
        self.pending = deque(selected)
        self.results: dict[str, tuple[list[Metric], float] | BaseException] = {}
        self.running: dict[int, tuple[str, float]] = {}  # worker -> (collector, started)
        self.starting = 0  # workers submitted but not yet running
        self.changed = threading.Condition()

    def busy(self) -> bool:
        """Return whether collectors are still waiting or running."""
        return bool(self.pending or self.running or self.starting)

    def stalled(self, now: float, threshold: float) -> bool:
        """Return whether work waits while every worker is stuck past the threshold."""
        return bool(self.pending) and not self.starting and all(
            now - began > threshold for _, began in self.running.values()
        )


class Scraper:
    """Run collectors under a deadline; one that fails or overruns is reported, not fatal.

    One worker runs the collectors one after another, which costs a single thread hand-off per
    scrape. When every worker has been on its current collector for longer than the stall
    threshold, another worker takes over the rest of the list, so a hung collector delays the
    others by at most that threshold and never past the deadline. A collector still running
    when its deadline passed is not started again until that run returns.
    """

    def __init__(self, collectors: dict[str, Collector]) -> None:
        self.collectors = collectors
        self._pool = ThreadPoolExecutor(
            max_workers=len(collectors) + 2, thread_name_prefix="collector"
        )
        self._lock = threading.Lock()
        self._overrunning: set[str] = set()

    def scrape(self, selected: Iterable[str], deadline_seconds: float) -> list[Metric]:
        """Collect the selected collectors within the deadline, plus their success/duration."""
        started = time.perf_counter()
        selected = list(selected)
        with self._lock:
            skipped = {name for name in selected if name in self._overrunning}
        work = _Round([name for name in selected if name not in skipped])
        self._supervise(work, started + deadline_seconds, stall_threshold(deadline_seconds))
        with work.changed:
            work.pending.clear()  # abandoned workers stop after their current collector
            results = dict(work.results)
            late = {name: began for name, began in work.running.values()}
            with self._lock:
                self._overrunning.update(late)
        return self._report(selected, skipped, results, late, deadline_seconds)

    def _report(
        self,
        selected: list[str],
        skipped: set[str],
        results: dict[str, tuple[list[Metric], float] | BaseException],
        late: dict[str, float],
        deadline_seconds: float,
    ) -> list[Metric]:
        """Turn a round's outcome into metric families and error log lines."""
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
        now = time.perf_counter()
        for name in selected:
            result = results.get(name)
            elapsed, ok = 0.0, False
            if name in skipped:
                log.error("collector %s skipped: its previous run is still overrunning", name)
            elif isinstance(result, BaseException):
                log.error("collector %s failed: %s", name, _describe(result))
            elif result is None:
                elapsed = now - late.get(name, now)
                log.error(
                    "collector %s exceeded the scrape deadline of %.3fs", name, deadline_seconds
                )
            else:
                metrics, elapsed = result
                families.extend(metrics)
                ok = True
            success.add_metric([name], 1.0 if ok else 0.0)
            duration.add_metric([name], elapsed)
        families.extend((success, duration))
        return families

    def _supervise(self, work: _Round, deadline: float, stall: float) -> None:
        """Start a worker, add one whenever all are stalled; return when done or at deadline."""
        with work.changed:
            self._add_worker(work)
            while work.busy():
                now = time.perf_counter()
                if now >= deadline:
                    return
                if work.stalled(now, stall):
                    self._add_worker(work)
                work.changed.wait(timeout=min(deadline - now, stall))

    def _add_worker(self, work: _Round) -> None:
        work.starting += 1
        self._pool.submit(self._drain, work)

    def _drain(self, work: _Round) -> None:
        """Run collectors from the round until none is left."""
        me = threading.get_ident()
        with work.changed:
            work.starting -= 1
        while True:
            with work.changed:
                if not work.pending:
                    return
                name = work.pending.popleft()
                work.running[me] = (name, time.perf_counter())
            result: tuple[list[Metric], float] | BaseException
            try:
                result = _timed_collect(self.collectors[name])
            except Exception as error:
                result = error
            with work.changed:
                work.results[name] = result
                del work.running[me]
                with self._lock:
                    self._overrunning.discard(name)
                if not work.busy():
                    work.changed.notify_all()

    def close(self) -> None:
        """Stop accepting work; overrunning collectors are abandoned."""
        self._pool.shutdown(wait=False, cancel_futures=True)


def stall_threshold(deadline_seconds: float) -> float:
    """Return how long one collector may hold up the others: a quarter deadline, at most 1 s."""
    return min(1.0, deadline_seconds / 4)


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
