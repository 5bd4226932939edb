"""The busiest processes and configured process groups: CPU, memory, threads, fds and I/O.

Ranking every process is the hot path, so it reads ``/proc/<pid>/stat`` directly (one read per
process; psutil's per-process objects measured 8x slower here). Only the processes that will be
exported are then opened with psutil for their file descriptors and I/O counters.
"""

import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

import psutil
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from exporters import names
from exporters.host import HostPaths

USER_HZ = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
T = TypeVar("T")


@dataclass(frozen=True)
class ProcessStat:
    """What one read of /proc/<pid>/stat tells about a process."""

    pid: int
    start_ticks: int
    comm: str
    user_seconds: float
    system_seconds: float
    threads: int
    resident_bytes: float
    virtual_bytes: float

    @property
    def cpu_seconds(self) -> float:
        """Return user plus system CPU seconds."""
        return self.user_seconds + self.system_seconds


@dataclass(frozen=True)
class ProcessDetails:
    """What costs more to learn: open descriptors, I/O bytes and the command line."""

    open_fds: int | None
    read_bytes: float | None
    write_bytes: float | None


class ProcessSource(Protocol):
    """Where processes come from: the host's procfs in production, a table in tests."""

    def scan(self) -> list[ProcessStat]:
        """Return every live process, cheaply."""
        ...

    def details(self, pid: int) -> ProcessDetails | None:
        """Return the costly details of one process, or None if it is gone."""
        ...

    def cmdline(self, pid: int) -> str:
        """Return the command line of one process, or '' if it is unreadable."""
        ...


def parse_stat(pid: int, text: str) -> ProcessStat:
    """Parse /proc/<pid>/stat; the command name may itself hold spaces and parentheses."""
    comm = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()
    # fields[0] is field 3 (state) of proc(5)
    return ProcessStat(
        pid=pid,
        start_ticks=int(fields[19]),
        comm=comm,
        user_seconds=int(fields[11]) / USER_HZ,
        system_seconds=int(fields[12]) / USER_HZ,
        threads=int(fields[17]),
        resident_bytes=float(int(fields[21]) * PAGE_SIZE),
        virtual_bytes=float(fields[20]),
    )


class ProcfsProcesses:
    """Read processes from a procfs; psutil (bound to the same procfs) supplies the details."""

    def __init__(self, paths: HostPaths) -> None:
        self._paths = paths

    def scan(self) -> list[ProcessStat]:
        """Return every process whose stat file could be read; vanished ones are skipped."""
        stats = []
        for entry in os.scandir(self._paths.procfs):
            if not entry.name.isdigit():
                continue
            try:
                with open(os.path.join(entry.path, "stat")) as stat_file:
                    stats.append(parse_stat(int(entry.name), stat_file.read()))
            except (OSError, ValueError, IndexError):
                continue  # exited between listing and reading, or a kernel thread mid-exit
        return stats

    def details(self, pid: int) -> ProcessDetails | None:
        """Return fds and I/O of one process; fields the kernel denies us are None."""
        try:
            process = psutil.Process(pid)
            with process.oneshot():
                open_fds = _denied_is_none(process.num_fds)
                io = _denied_is_none(process.io_counters)
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            return None
        return ProcessDetails(
            open_fds=open_fds,
            read_bytes=float(io.read_bytes) if io is not None else None,
            write_bytes=float(io.write_bytes) if io is not None else None,
        )

    def cmdline(self, pid: int) -> str:
        """Return the NUL-separated command line joined by spaces."""
        try:
            raw = self._paths.proc(str(pid), "cmdline").read_bytes()
        except OSError:
            return ""
        return raw.rstrip(b"\0").replace(b"\0", b" ").decode(errors="replace")


def _denied_is_none(read: Callable[[], T]) -> T | None:
    try:
        return read()
    except psutil.AccessDenied:
        return None


@dataclass(frozen=True)
class ProcessGroup:
    """A named set of processes matched by exact command name or command-line regex."""

    name: str
    comm: frozenset[str] = frozenset()
    cmdline: re.Pattern[str] | None = None

    def matches(self, stat: ProcessStat, cmdline: Callable[[], str]) -> bool:
        """Return whether a process belongs to this group."""
        if stat.comm in self.comm:
            return True
        return self.cmdline is not None and self.cmdline.search(cmdline()) is not None


@dataclass
class _GroupTotals:
    """Counters of a group that stay monotonic as member processes come and go."""

    exited: dict[str, float] = field(default_factory=dict)
    last_seen: dict[tuple[int, int], dict[str, float]] = field(default_factory=dict)

    def update(self, members: dict[tuple[int, int], dict[str, float]]) -> dict[str, float]:
        """Fold in this scrape's members and return the group's running totals."""
        for key, counters in self.last_seen.items():
            if key not in members:
                for name, value in counters.items():
                    self.exited[name] = self.exited.get(name, 0.0) + value
        self.last_seen = members
        totals = dict(self.exited)
        for counters in members.values():
            for name, value in counters.items():
                totals[name] = totals.get(name, 0.0) + value
        return totals


class ProcessCollector:
    """Report the top processes by CPU and memory, and totals per configured group."""

    def __init__(
        self,
        source: ProcessSource,
        top_n: int = 5,
        max_processes: int = 20,
        groups: Sequence[ProcessGroup] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._source = source
        self._top_n = top_n
        self._max_processes = max_processes
        self._groups = tuple(groups)
        self._clock = clock
        self._lock = threading.Lock()
        self._previous: dict[tuple[int, int], tuple[float, float]] = {}
        self._group_totals = {group.name: _GroupTotals() for group in self._groups}

    def collect(self) -> Iterator[Metric]:
        """Yield per-process top-N families, group families and the omitted count."""
        stats = self._source.scan()
        with self._lock:
            rates = self._cpu_rates(stats)
            selected = self._select(stats, rates)
            yield from self._top_families(selected)
            if self._groups:
                yield from self._group_families(stats)
        yield GaugeMetricFamily(
            names.PERFSIGHT_PROCESS_SEEN, "Processes seen in this scrape.", value=len(stats)
        )
        yield GaugeMetricFamily(
            names.PERFSIGHT_PROCESS_OMITTED,
            "Processes seen but not exported individually because of the series cap.",
            value=len(stats) - len(selected),
        )

    def _cpu_rates(self, stats: Iterable[ProcessStat]) -> dict[tuple[int, int], float]:
        """Return CPU cores used since the previous scrape, per (pid, start time)."""
        now = self._clock()
        current: dict[tuple[int, int], tuple[float, float]] = {}
        rates: dict[tuple[int, int], float] = {}
        for stat in stats:
            key = (stat.pid, stat.start_ticks)
            current[key] = (now, stat.cpu_seconds)
            before = self._previous.get(key)
            if before is not None and now > before[0]:
                rates[key] = (stat.cpu_seconds - before[1]) / (now - before[0])
            else:
                rates[key] = 0.0
        self._previous = current
        return rates

    def _select(
        self, stats: list[ProcessStat], rates: dict[tuple[int, int], float]
    ) -> list[ProcessStat]:
        """Return the union of the top N by CPU rate and by resident memory, capped."""
        by_cpu = sorted(
            stats, key=lambda s: (rates[(s.pid, s.start_ticks)], s.cpu_seconds), reverse=True
        )
        by_memory = sorted(stats, key=lambda s: s.resident_bytes, reverse=True)
        chosen: dict[int, ProcessStat] = {}
        for stat in by_cpu[: self._top_n] + by_memory[: self._top_n]:
            if len(chosen) >= self._max_processes:
                break
            chosen.setdefault(stat.pid, stat)
        return list(chosen.values())

    def _top_families(self, selected: list[ProcessStat]) -> Iterator[Metric]:
        labels = [names.LABEL_PID, names.LABEL_COMM]
        cpu = CounterMetricFamily(
            names.PERFSIGHT_PROCESS_CPU_SECONDS_TOTAL,
            "CPU seconds used by a top process, by mode.",
            labels=[*labels, names.LABEL_MODE],
        )
        rss = GaugeMetricFamily(
            names.PERFSIGHT_PROCESS_RESIDENT_MEMORY_BYTES, "Resident memory of a top process.",
            labels=labels,
        )
        threads = GaugeMetricFamily(
            names.PERFSIGHT_PROCESS_THREADS, "Threads of a top process.", labels=labels
        )
        fds = GaugeMetricFamily(
            names.PERFSIGHT_PROCESS_OPEN_FDS, "Open file descriptors of a top process.",
            labels=labels,
        )
        read = CounterMetricFamily(
            names.PERFSIGHT_PROCESS_READ_BYTES_TOTAL, "Bytes a top process read from storage.",
            labels=labels,
        )
        write = CounterMetricFamily(
            names.PERFSIGHT_PROCESS_WRITE_BYTES_TOTAL, "Bytes a top process wrote to storage.",
            labels=labels,
        )
        for stat in selected:
            details = self._source.details(stat.pid)
            if details is None:
                continue  # exited since the scan
            ident = [str(stat.pid), stat.comm]
            cpu.add_metric([*ident, "user"], stat.user_seconds)
            cpu.add_metric([*ident, "system"], stat.system_seconds)
            rss.add_metric(ident, stat.resident_bytes)
            threads.add_metric(ident, float(stat.threads))
            if details.open_fds is not None:
                fds.add_metric(ident, float(details.open_fds))
            if details.read_bytes is not None and details.write_bytes is not None:
                read.add_metric(ident, details.read_bytes)
                write.add_metric(ident, details.write_bytes)
        yield from (cpu, rss, threads, fds, read, write)

    def _group_families(self, stats: list[ProcessStat]) -> Iterator[Metric]:
        members: dict[str, dict[tuple[int, int], dict[str, float]]] = {
            group.name: {} for group in self._groups
        }
        gauges: dict[str, dict[str, float]] = {
            group.name: {"procs": 0.0, "resident": 0.0, "virtual": 0.0, "threads": 0.0,
                         "fds": 0.0}
            for group in self._groups
        }
        for stat in stats:
            group = self._group_of(stat)
            if group is None:
                continue
            details = self._source.details(stat.pid)
            if details is None:
                continue
            members[group.name][(stat.pid, stat.start_ticks)] = {
                "user": stat.user_seconds,
                "system": stat.system_seconds,
                "read": details.read_bytes or 0.0,
                "write": details.write_bytes or 0.0,
            }
            gauge = gauges[group.name]
            gauge["procs"] += 1
            gauge["resident"] += stat.resident_bytes
            gauge["virtual"] += stat.virtual_bytes
            gauge["threads"] += stat.threads
            gauge["fds"] += details.open_fds or 0
        yield from _group_metric_families(
            {name: self._group_totals[name].update(m) for name, m in members.items()}, gauges
        )

    def _group_of(self, stat: ProcessStat) -> ProcessGroup | None:
        for group in self._groups:
            if group.matches(stat, lambda: self._source.cmdline(stat.pid)):
                return group
        return None


def _group_metric_families(
    totals: dict[str, dict[str, float]], gauges: dict[str, dict[str, float]]
) -> Iterator[Metric]:
    """Build process-exporter's namedprocess_namegroup_* families."""
    label = [names.LABEL_GROUPNAME]
    cpu = CounterMetricFamily(
        names.NAMEDPROCESS_CPU_SECONDS_TOTAL, "CPU seconds used by the group, by mode.",
        labels=[*label, names.LABEL_MODE],
    )
    memory = GaugeMetricFamily(
        names.NAMEDPROCESS_MEMORY_BYTES, "Memory of the group, by type.",
        labels=[*label, names.LABEL_MEMTYPE],
    )
    procs = GaugeMetricFamily(
        names.NAMEDPROCESS_NUM_PROCS, "Processes in the group.", labels=label
    )
    threads = GaugeMetricFamily(
        names.NAMEDPROCESS_NUM_THREADS, "Threads in the group.", labels=label
    )
    fds = GaugeMetricFamily(
        names.NAMEDPROCESS_OPEN_FILEDESC, "Open file descriptors of the group.", labels=label
    )
    read = CounterMetricFamily(
        names.NAMEDPROCESS_READ_BYTES_TOTAL, "Bytes the group read from storage.", labels=label
    )
    write = CounterMetricFamily(
        names.NAMEDPROCESS_WRITE_BYTES_TOTAL, "Bytes the group wrote to storage.", labels=label
    )
    for group, total in sorted(totals.items()):
        gauge = gauges[group]
        cpu.add_metric([group, "user"], total.get("user", 0.0))
        cpu.add_metric([group, "system"], total.get("system", 0.0))
        memory.add_metric([group, "resident"], gauge["resident"])
        memory.add_metric([group, "virtual"], gauge["virtual"])
        procs.add_metric([group], gauge["procs"])
        threads.add_metric([group], gauge["threads"])
        fds.add_metric([group], gauge["fds"])
        read.add_metric([group], total.get("read", 0.0))
        write.add_metric([group], total.get("write", 0.0))
    yield from (cpu, memory, procs, threads, fds, read, write)
