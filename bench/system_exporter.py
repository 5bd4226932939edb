"""Compare perfsight with Debian's node_exporter on this host: CPU, latency and memory ratios.

Both exporters run the same 16 collectors (the ones perfsight mirrors), so they produce the
series both emit; a third perfsight with every default collector (adds `process`) is measured
for information. Rounds alternate between the exporters and figures are medians over rounds,
because a 2-core machine is noisy. Run from the repo root: make bench
(or .venv/bin/python bench/system_exporter.py --scrapes 100 --rounds 3).
"""

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.harness.servers import (
    Server,
    free_port,
    http_ok,
    perfsight_argv,
    require_binary,
)

SHARED = [
    "cpu", "diskstats", "filefd", "filesystem", "loadavg", "meminfo", "netdev", "netstat",
    "pressure", "processes", "sockstat", "stat", "tcpstat", "time", "uname", "vmstat",
]
NODE = "node_exporter"
OURS = "perfsight"
FULL = "perfsight (all collectors)"
CONCURRENCY = 10
WARMUP_SCRAPES = 20
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Target:
    """One running exporter to scrape."""

    name: str
    server: Server
    url: str
    start_rss_mib: float  # VmRSS once ready, before any benchmark scrape

    @property
    def pid(self) -> int:
        """Return the exporter's process id."""
        return self.server.process.pid


@dataclass(frozen=True)
class Round:
    """One exporter's figures in one round (CPU in ms per scrape, latencies in ms)."""

    cpu_1: float
    p50_1: float
    p99_1: float
    cpu_10: float
    p50_10: float
    p99_10: float


@dataclass(frozen=True)
class Output:
    """What one scrape of an exporter serves."""

    families: dict[str, int]  # family name -> samples

    @property
    def samples(self) -> int:
        """Return the number of samples in the scrape."""
        return sum(self.families.values())

    def samples_in(self, names: set[str]) -> int:
        """Return the number of samples in the given families."""
        return sum(count for name, count in self.families.items() if name in names)


@dataclass(frozen=True)
class Summary:
    """Medians over rounds plus memory and output size of one exporter."""

    cpu_1: float
    p50_1: float
    p99_1: float
    cpu_10: float
    p50_10: float
    p99_10: float
    start_rss_mib: float
    rss_mib: float
    hwm_mib: float
    output: Output


def cpu_seconds(pid: int) -> float:
    """Return user+system CPU seconds of a process (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def memory_mib(pid: int, field: str) -> float:
    """Return VmRSS or VmHWM of a process in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} missing from /proc/{pid}/status")


def scrape_many(url: str, count: int, results: list[float], lock: threading.Lock) -> None:
    """Scrape url count times over one keep-alive session, appending latencies in ms."""
    with requests.Session() as session:
        for _ in range(count):
            started = time.perf_counter()
            response = session.get(url, timeout=30)
            response.raise_for_status()
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                results.append(elapsed)


def latencies(url: str, scrapes: int, concurrency: int) -> list[float]:
    """Scrape url `scrapes` times from `concurrency` threads; return each latency in ms."""
    results: list[float] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            scrape_many(url, scrapes // concurrency, results, lock)
        except BaseException as error:  # re-raised in the main thread below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def percentile(values: list[float], q: float) -> float:
    """Return the q-th percentile (0-100) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def timed_batch(target: Target, scrapes: int, concurrency: int) -> tuple[float, list[float]]:
    """Run one batch; return the exporter's CPU ms per scrape and the latencies."""
    before = cpu_seconds(target.pid)
    values = latencies(target.url, scrapes, concurrency)
    cpu_ms = (cpu_seconds(target.pid) - before) * 1000 / len(values)
    return cpu_ms, values


def measure(target: Target, scrapes: int) -> Round:
    """Measure one round against a running exporter: 1 scraper, then 10 concurrent."""
    cpu_1, single = timed_batch(target, scrapes, 1)
    cpu_10, parallel = timed_batch(target, scrapes, CONCURRENCY)
    return Round(cpu_1, percentile(single, 50), percentile(single, 99),
                 cpu_10, percentile(parallel, 50), percentile(parallel, 99))


def read_output(url: str) -> Output:
    """Scrape once and count the samples of each metric family."""
    text = requests.get(url, timeout=30).text
    return Output({family.name: len(family.samples)
                   for family in text_string_to_metric_families(text)})


def median(rounds: list[Round], pick: Callable[[Round], float]) -> float:
    """Return the median of one figure across rounds."""
    return statistics.median(pick(r) for r in rounds)


def summarize(target: Target, rounds: list[Round]) -> Summary:
    """Combine an exporter's rounds with its memory (read now) and one scrape's output."""
    return Summary(
        median(rounds, lambda r: r.cpu_1), median(rounds, lambda r: r.p50_1),
        median(rounds, lambda r: r.p99_1), median(rounds, lambda r: r.cpu_10),
        median(rounds, lambda r: r.p50_10), median(rounds, lambda r: r.p99_10),
        target.start_rss_mib, memory_mib(target.pid, "VmRSS"), memory_mib(target.pid, "VmHWM"),
        read_output(target.url),
    )


@contextmanager
def running(name: str, argv: list[str], port: int, workdir: Path) -> Iterator[Target]:
    """Start an exporter, wait until it serves metrics, and always stop it."""
    server = Server(name, argv, workdir)
    try:
        url = f"http://127.0.0.1:{port}/metrics"
        server.wait_ready(http_ok(url))
        yield Target(name, server, url, memory_mib(server.process.pid, "VmRSS"))
    finally:
        server.stop()


def exporter_argvs() -> dict[str, list[str]]:
    """Return the command lines (without the listen address) of the three exporters."""
    shared = [f"--collector.{name}" for name in SHARED]
    return {
        NODE: [require_binary("prometheus-node-exporter"), "--collector.disable-defaults",
               *shared, "--no-collector.systemd"],
        OURS: perfsight_argv("serve", "--collector.disable-defaults", *shared),
        FULL: perfsight_argv("serve"),
    }


def run_rounds(targets: list[Target], scrapes: int, rounds: int) -> dict[str, list[Round]]:
    """Warm up, then run alternating rounds, rotating which exporter goes first."""
    for target in targets:
        latencies(target.url, WARMUP_SCRAPES, 1)
        latencies(target.url, WARMUP_SCRAPES, CONCURRENCY)
    results: dict[str, list[Round]] = {target.name: [] for target in targets}
    for index in range(rounds):
        order = targets[index % len(targets):] + targets[:index % len(targets)]
        for target in order:
            results[target.name].append(measure(target, scrapes))
        print(f"  round {index + 1}/{rounds} done", file=sys.stderr, flush=True)
    return results


def benchmark(scrapes: int, rounds: int) -> dict[str, Summary]:
    """Start the exporters, measure them, and return their summaries (servers stopped)."""
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        targets = []
        for name, argv in exporter_argvs().items():
            port = free_port()
            listen = [*argv, f"--web.listen-address=127.0.0.1:{port}"]
            targets.append(stack.enter_context(running(name, listen, port, Path(tmp))))
        results = run_rounds(targets, scrapes, rounds)
        return {target.name: summarize(target, results[target.name]) for target in targets}


def print_table(summaries: dict[str, Summary], shared: set[str]) -> None:
    """Print one row of figures per exporter."""
    print(f"{'exporter':27} {'CPU ms/scrape':>13} {'p50 1':>7} {'p99 1':>7} "
          f"{'CPU ms@10':>9} {'p50 10':>7} {'p99 10':>7} {'RSS0 MiB':>8} {'RSS MiB':>7} "
          f"{'peak MiB':>8} "
          f"{'samples':>7} {'shared':>6}")
    for name, s in summaries.items():
        print(f"{name:27} {s.cpu_1:13.2f} {s.p50_1:7.2f} {s.p99_1:7.2f} {s.cpu_10:9.2f} "
              f"{s.p50_10:7.2f} {s.p99_10:7.2f} {s.start_rss_mib:8.1f} {s.rss_mib:7.1f} "
              f"{s.hwm_mib:8.1f} "
              f"{s.output.samples:7d} {s.output.samples_in(shared):6d}")
    print("latencies in ms; RSS0 = VmRSS once ready, RSS = VmRSS after the run, peak = VmHWM;"
          " 'shared' = samples in the metric families both exporters serve")


def ratios(ours: Summary, node: Summary) -> dict[str, float]:
    """Return perfsight/node_exporter ratios of each figure."""
    return {
        "CPU/scrape": ours.cpu_1 / node.cpu_1,
        "p50(1)": ours.p50_1 / node.p50_1,
        "p99(1)": ours.p99_1 / node.p99_1,
        "p50(10)": ours.p50_10 / node.p50_10,
        "p99(10)": ours.p99_10 / node.p99_10,
        "RSS": ours.rss_mib / node.rss_mib,
        "peak RSS": ours.hwm_mib / node.hwm_mib,
    }


def print_ratios(label: str, values: dict[str, float]) -> None:
    """Print one line of ratios."""
    print(f"{label}: " + ", ".join(f"{key} {value:.2f}x" for key, value in values.items()))


def print_targets(ours: Summary, values: dict[str, float]) -> None:
    """Print PASS or MISS for each target (informational: never fails the run)."""
    checks = [
        (f"CPU per scrape <= 0.5x node_exporter ({values['CPU/scrape']:.2f}x)",
         values["CPU/scrape"] <= 0.5),
        (f"RSS after the run <= 32 MiB ({ours.rss_mib:.1f})", ours.rss_mib <= 32),
        (f"peak RSS (VmHWM) <= 32 MiB ({ours.hwm_mib:.1f})", ours.hwm_mib <= 32),
        (f"p99 <= 1x node_exporter, 1 scraper ({values['p99(1)']:.2f}x)",
         values["p99(1)"] <= 1),
        (f"p99 <= 1x node_exporter, 10 scrapers ({values['p99(10)']:.2f}x)",
         values["p99(10)"] <= 1),
    ]
    print("targets (perfsight with the 16 shared collectors):")
    for text, met in checks:
        print(f"  {'PASS' if met else 'MISS'}  {text}")


def report(summaries: dict[str, Summary], scrapes: int, rounds: int) -> None:
    """Print the table, the ratios and the targets."""
    shared = set(summaries[NODE].output.families) & set(summaries[OURS].output.families)
    print(f"{rounds} alternating rounds x {scrapes} scrapes (1 scraper, then {CONCURRENCY} "
          f"concurrent) per exporter; medians over rounds; {len(shared)} metric families "
          f"served by both node_exporter and perfsight")
    print_table(summaries, shared)
    values = ratios(summaries[OURS], summaries[NODE])
    print_ratios("ratios perfsight (16 shared)/node_exporter", values)
    print_ratios("for information, perfsight (all collectors)/node_exporter",
                 ratios(summaries[FULL], summaries[NODE]))
    print_targets(summaries[OURS], values)


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scrapes", type=int, default=200,
                        help="scrapes per exporter per round and per mode (default 200)")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds (default 5)")
    args = parser.parse_args()
    if args.scrapes < CONCURRENCY or args.rounds < 1:
        parser.error(f"--scrapes must be >= {CONCURRENCY} and --rounds >= 1")
    return args


def main() -> int:
    """Run the benchmark and print the comparison; exit 0 unless something crashed."""
    args = parse_args()
    started = time.monotonic()
    summaries = benchmark(args.scrapes, args.rounds)
    report(summaries, args.scrapes, args.rounds)
    print(f"took {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
