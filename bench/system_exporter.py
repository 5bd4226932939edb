"""Compare perfsight with Debian's node_exporter on this host: CPU, latency and memory ratios.

Both exporters run the same 16 collectors (the ones perfsight mirrors), so they produce the
series both emit. Rounds alternate between the exporters and figures are medians over rounds,
because a 2-core machine is noisy. Run: make bench (or python bench/system_exporter.py).
"""

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests
from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.harness.servers import Server, free_port, http_ok, perfsight_argv, require_binary

SHARED = [
    "cpu", "diskstats", "filefd", "filesystem", "loadavg", "meminfo", "netdev", "netstat",
    "pressure", "processes", "sockstat", "stat", "tcpstat", "time", "uname", "vmstat",
]
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Round:
    """One exporter's figures in one round."""

    cpu_ms: float
    p50_1: float
    p99_1: float
    p50_10: float
    p99_10: float


def cpu_seconds(pid: int) -> float:
    """Return user+system CPU seconds of a process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def memory_mb(pid: int, field: str) -> float:
    """Return VmRSS or VmHWM of a process in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def latencies(url: str, scrapes: int, concurrency: int) -> list[float]:
    """Scrape url `scrapes` times from `concurrency` threads; return each latency in ms."""
    results: list[float] = []
    lock = threading.Lock()

    def worker(count: int) -> None:
        with requests.Session() as session:
            for _ in range(count):
                started = time.perf_counter()
                session.get(url, timeout=30).raise_for_status()
                with lock:
                    results.append((time.perf_counter() - started) * 1000)

    threads = [threading.Thread(target=worker, args=(scrapes // concurrency,))
               for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def percentile(values: list[float], q: float) -> float:
    """Return the q-th percentile (0-100) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def measure(server: Server, url: str, scrapes: int) -> Round:
    """Measure one round against a running exporter."""
    before = cpu_seconds(server.process.pid)
    single = latencies(url, scrapes, 1)
    cpu_ms = (cpu_seconds(server.process.pid) - before) / scrapes * 1000
    parallel = latencies(url, scrapes, 10)
    return Round(cpu_ms, percentile(single, 50), percentile(single, 99),
                 percentile(parallel, 50), percentile(parallel, 99))


def start(name: str, argv: list[str], port: int, workdir: Path) -> tuple[Server, str]:
    """Start an exporter and wait until it serves metrics."""
    server = Server(name, argv, workdir)
    url = f"http://127.0.0.1:{port}/metrics"
    server.wait_ready(http_ok(url))
    return server, url


def families(url: str) -> set[str]:
    """Return the metric family names one scrape serves."""
    text = requests.get(url, timeout=30).text
    return {family.name for family in text_string_to_metric_families(text)}


def median(rounds: list[Round], pick: Callable[[Round], float]) -> float:
    """Return the median of one figure across rounds."""
    return statistics.median(pick(r) for r in rounds)


def main() -> int:
    """Run the benchmark and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scrapes", type=int, default=100, help="scrapes per round")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        node_port, ours_port, full_port = free_port(), free_port(), free_port()
        collectors = [f"--collector.{name}" for name in SHARED]
        node, node_url = start("node_exporter", [
            require_binary("prometheus-node-exporter"),
            f"--web.listen-address=127.0.0.1:{node_port}",
            "--collector.disable-defaults", *collectors], node_port, workdir)
        ours, ours_url = start("perfsight", perfsight_argv(
            "serve", f"--web.listen-address=127.0.0.1:{ours_port}",
            "--collector.disable-defaults", *collectors), ours_port, workdir)
        full, full_url = start("perfsight-full", perfsight_argv(
            "serve", f"--web.listen-address=127.0.0.1:{full_port}"), full_port, workdir)
        try:
            shared = families(node_url) & families(ours_url)
            for url in (node_url, ours_url, full_url):
                latencies(url, 20, 1)  # warm up
            results: dict[str, list[Round]] = {"node_exporter": [], "perfsight": [],
                                               "perfsight (all collectors)": []}
            for _ in range(args.rounds):
                results["node_exporter"].append(measure(node, node_url, args.scrapes))
                results["perfsight"].append(measure(ours, ours_url, args.scrapes))
                results["perfsight (all collectors)"].append(
                    measure(full, full_url, args.scrapes))
            rss = {"node_exporter": memory_mb(node.process.pid, "VmHWM"),
                   "perfsight": memory_mb(ours.process.pid, "VmHWM"),
                   "perfsight (all collectors)": memory_mb(full.process.pid, "VmHWM")}
        finally:
            for server in (node, ours, full):
                server.stop()
    report(results, rss, len(shared), args)
    return 0


def report(results: dict[str, list[Round]], rss: dict[str, float], shared: int,
           args: argparse.Namespace) -> None:
    """Print the table, the ratios and the targets."""
    print(f"{args.rounds} alternating rounds x {args.scrapes} scrapes; medians over rounds; "
          f"{shared} metric families served by both")
    print(f"{'exporter':28} {'CPU ms/scrape':>13} {'p50 1':>7} {'p99 1':>7} "
          f"{'p50 10':>7} {'p99 10':>7} {'peak RSS MB':>11}")
    for name, rounds in results.items():
        print(f"{name:28} {median(rounds, lambda r: r.cpu_ms):13.2f} "
              f"{median(rounds, lambda r: r.p50_1):7.2f} {median(rounds, lambda r: r.p99_1):7.2f} "
              f"{median(rounds, lambda r: r.p50_10):7.2f} "
              f"{median(rounds, lambda r: r.p99_10):7.2f} {rss[name]:11.1f}")
    node, ours = results["node_exporter"], results["perfsight"]

    def ratio(pick: Callable[[Round], float]) -> float:
        return median(ours, pick) / median(node, pick)

    cpu, p99_1, p99_10 = ratio(lambda r: r.cpu_ms), ratio(lambda r: r.p99_1), ratio(
        lambda r: r.p99_10)
    print(f"ratios perfsight/node_exporter: CPU {cpu:.2f}x, "
          f"p50(1) {ratio(lambda r: r.p50_1):.2f}x, p99(1) {p99_1:.2f}x, "
          f"p50(10) {ratio(lambda r: r.p50_10):.2f}x, p99(10) {p99_10:.2f}x, "
          f"RSS {rss['perfsight'] / rss['node_exporter']:.2f}x")
    targets = [("CPU per scrape <= 0.5x node_exporter", cpu <= 0.5),
               ("peak RSS <= 32 MB", rss["perfsight"] <= 32),
               ("p99 <= 1x node_exporter (1 and 10 scrapers)", max(p99_1, p99_10) <= 1)]
    for target, met in targets:
        print(f"  {'PASS' if met else 'MISS'}  {target}")


if __name__ == "__main__":
    sys.exit(main())
