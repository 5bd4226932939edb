"""The process collector ranks, caps and groups processes without ever failing a scrape."""

import re
import subprocess
import sys
import time
from collections.abc import Iterator

import psutil
import pytest

from exporters import names
from exporters.collectors.process import (
    ProcessCollector,
    ProcessDetails,
    ProcessGroup,
    ProcessStat,
    ProcfsProcesses,
    parse_stat,
)
from exporters.host import HostPaths
from tests.conftest import FIXTURE_PROC
from tests.harness.servers import wait_until
from tests.metrics import registry_of


def stat(pid: int, comm: str, cpu: float, rss: float, start: int = 1) -> ProcessStat:
    return ProcessStat(pid, start, comm, cpu, 0.0, 1, rss, rss * 2)


class TableSource:
    """A process table the test controls: processes can vanish or deny details."""

    def __init__(self, stats: list[ProcessStat]) -> None:
        self.stats = stats
        self.vanished: set[int] = set()
        self.denied: set[int] = set()
        self.cmdlines: dict[int, str] = {}

    def scan(self) -> list[ProcessStat]:
        return list(self.stats)

    def details(self, pid: int) -> ProcessDetails | None:
        if pid in self.vanished:
            return None
        if pid in self.denied:
            return ProcessDetails(None, None, None)
        return ProcessDetails(open_fds=pid % 7, read_bytes=pid * 10.0, write_bytes=pid * 20.0)

    def cmdline(self, pid: int) -> str:
        return self.cmdlines.get(pid, "")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def exported_pids(collector: ProcessCollector) -> set[str]:
    """Scrape once and return the pids exported individually."""
    return {
        sample.labels["pid"]
        for family in collector.collect()
        for sample in family.samples
        if sample.name == names.PERFSIGHT_PROCESS_RESIDENT_MEMORY_BYTES
    }


def test_parse_stat_handles_command_names_with_spaces_and_parentheses() -> None:
    text = (FIXTURE_PROC / "42" / "stat").read_text()
    parsed = parse_stat(42, text)
    assert parsed.comm == "postgres: writer"
    assert parsed.user_seconds == 2.5
    assert parsed.threads == 4
    odd = parse_stat(7, text.replace("(postgres: writer)", "(a) b (c)"))
    assert odd.comm == "a) b (c"
    assert odd.threads == 4


def test_scan_reads_the_fixture_procfs() -> None:
    stats = ProcfsProcesses(HostPaths(procfs=FIXTURE_PROC)).scan()
    assert sorted(s.comm for s in stats) == ["postgres: writer", "redis-server"]


def test_top_n_is_the_union_of_cpu_and_memory_leaders_under_a_hard_cap() -> None:
    source = TableSource(
        [stat(pid, f"p{pid}", cpu=pid, rss=1000 - pid) for pid in range(1, 101)]
    )
    collector = ProcessCollector(source, top_n=3, max_processes=100)
    assert exported_pids(collector) == {"100", "99", "98", "1", "2", "3"}
    capped = ProcessCollector(source, top_n=3, max_processes=4)
    registry = registry_of(capped)
    assert registry.get_sample_value(names.PERFSIGHT_PROCESS_OMITTED) == 96
    assert registry.get_sample_value(names.PERFSIGHT_PROCESS_SEEN) == 100
    assert len(exported_pids(capped)) == 4


def test_cpu_ranking_uses_the_rate_since_the_previous_scrape() -> None:
    clock = Clock()
    old_hog = stat(1, "old", cpu=1000.0, rss=1)
    newcomer = stat(2, "new", cpu=1.0, rss=1)
    source = TableSource([old_hog, newcomer])
    collector = ProcessCollector(source, top_n=1, max_processes=1, clock=clock)
    assert exported_pids(collector) == {"1"}  # no history yet: cumulative CPU decides
    clock.now += 10
    source.stats = [old_hog, stat(2, "new", cpu=11.0, rss=1)]  # 1 core busy for 10 s
    assert exported_pids(collector) == {"2"}


def test_vanished_and_access_denied_processes_never_fail_the_scrape() -> None:
    source = TableSource([stat(1, "gone", 5, 5), stat(2, "secret", 4, 4), stat(3, "ok", 3, 3)])
    source.vanished.add(1)
    source.denied.add(2)
    registry = registry_of(ProcessCollector(source, top_n=3))
    assert registry.get_sample_value(
        names.PERFSIGHT_PROCESS_RESIDENT_MEMORY_BYTES, {"pid": "1", "comm": "gone"}
    ) is None
    assert registry.get_sample_value(
        names.PERFSIGHT_PROCESS_THREADS, {"pid": "2", "comm": "secret"}
    ) == 1
    assert registry.get_sample_value(
        names.PERFSIGHT_PROCESS_OPEN_FDS, {"pid": "2", "comm": "secret"}
    ) is None
    assert registry.get_sample_value(
        names.PERFSIGHT_PROCESS_READ_BYTES_TOTAL, {"pid": "3", "comm": "ok"}
    ) == 30


def test_groups_match_by_comm_or_cmdline_and_stay_monotonic_when_members_exit() -> None:
    source = TableSource(
        [stat(10, "postgres", 5, 100), stat(11, "postgres", 7, 50), stat(12, "python3", 1, 10)]
    )
    source.cmdlines[12] = "python3 -m celery worker"
    groups = [
        ProcessGroup("db", comm=frozenset({"postgres"})),
        ProcessGroup("workers", cmdline=re.compile("celery")),
    ]
    collector = ProcessCollector(source, groups=groups)
    registry = registry_of(collector)
    cpu = {"groupname": "db", "mode": "user"}
    assert registry.get_sample_value(names.NAMEDPROCESS_NUM_PROCS, {"groupname": "db"}) == 2
    assert registry.get_sample_value(names.NAMEDPROCESS_CPU_SECONDS_TOTAL, cpu) == 12
    assert registry.get_sample_value(names.NAMEDPROCESS_NUM_PROCS, {"groupname": "workers"}) == 1
    source.stats = [stat(10, "postgres", 6, 100), source.stats[2]]  # pid 11 exited
    registry = registry_of(collector)
    assert registry.get_sample_value(names.NAMEDPROCESS_NUM_PROCS, {"groupname": "db"}) == 1
    assert registry.get_sample_value(names.NAMEDPROCESS_CPU_SECONDS_TOTAL, cpu) == 13


@pytest.fixture
def busy_child() -> Iterator[subprocess.Popen[bytes]]:
    child = subprocess.Popen(
        [sys.executable, "-c", "import time\nend=time.time()+30\nwhile time.time()<end: pass"]
    )
    yield child
    child.kill()
    child.wait()


class _TheseProcesses(ProcfsProcesses):
    """The real procfs, narrowed to some processes (a busy host has busier ones than ours)."""

    def __init__(self, pids: set[int]) -> None:
        super().__init__(HostPaths())
        self._pids = pids

    def scan(self) -> list[ProcessStat]:
        """Return the chosen processes' stats, read from /proc."""
        return [stat for stat in super().scan() if stat.pid in self._pids]


def test_a_busy_real_process_is_ranked_first(busy_child: subprocess.Popen[bytes]) -> None:
    # the busy child against an idle one (this test process is not idle: other tests' threads
    # may run in it, and at load 12 they could outpace the child's share of the CPUs)
    idle = subprocess.Popen(["sleep", "60"])
    try:
        rank_against(busy_child, idle)
    finally:
        idle.kill()
        idle.wait()


def rank_against(busy_child: subprocess.Popen[bytes], idle: subprocess.Popen[bytes]) -> None:
    """Assert the collector's top-1 by CPU, among the busy and the idle child, is the busy one."""
    processes = _TheseProcesses({busy_child.pid, idle.pid})
    collector = ProcessCollector(processes, top_n=1, max_processes=2)

    def cpu_ticks(process: subprocess.Popen[bytes]) -> float:
        times = psutil.Process(process.pid).cpu_times()
        return float(times.user + times.system)

    # a first collect ranks by CPU used so far: on a loaded host the busy child may not have
    # been given its first tick yet, and a tie would let the idle one in
    wait_until(lambda: cpu_ticks(busy_child) > cpu_ticks(idle), 30,
               "the busy child to have used more CPU than the idle one")
    child = str(busy_child.pid)
    deadline = time.monotonic() + 10
    samples: dict[tuple[str, str], float] = {}
    while time.monotonic() < deadline and (child, names.PERFSIGHT_PROCESS_OPEN_FDS) not in samples:
        time.sleep(0.3)
        samples = {
            (sample.labels["pid"], sample.name): sample.value
            for family in collector.collect()
            for sample in family.samples
            if "pid" in sample.labels
        }
    assert samples[(child, names.PERFSIGHT_PROCESS_OPEN_FDS)] >= 3
    assert samples[(child, names.PERFSIGHT_PROCESS_RESIDENT_MEMORY_BYTES)] > 1_000_000
    assert {pid for pid, _name in samples} == {child}  # top 1 by CPU and by RSS: not the idle one
