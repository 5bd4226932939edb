"""Synthetic probes: phase timing error against blackbox_exporter, and targets per core.

Part 1 injects known delays (an origin waiting before headers and between body chunks, a proxy
holding each TLS handshake flight, a slow DNS server; all in a child process that records the
delay it really applied) and asks perfsight's and blackbox_exporter's `/probe` for the same
targets, interleaving slow and undelayed runs. Error = (slow phase - delay applied) - undelayed
phase. Part 2 gives one perfsight, pinned to one CPU, N scheduled HTTP targets on a 15 s
interval against a local origin pinned to the other CPU, and reports whether every target kept
its interval and the CPU it cost.
"""

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import psutil
import requests
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from exporters.names import multitarget as runner_names
from exporters.names import probe as names
from tests.harness.blackbox_exporter import running_blackbox_exporter
from tests.harness.delay_servers import (
    DelayServers,
    RemoteRecords,
    running_delay_servers,
)
from tests.harness.exporter import running_exporter
from tests.harness.origin import running_origin
from tests.harness.probe_client import parse
from tests.harness.servers import Server, free_port, http_ok, perfsight_argv
from tests.harness.tls import self_signed_certificate

HOLD, DNS_DELAY = 0.030, 0.040
INSECURE = {"insecure_skip_verify": True}
MODULES = {
    "http_2xx": {"prober": "http"},
    "http_tls": {"prober": "http", "http": {"tls_config": INSECURE}},
    "dns_udp": {"prober": "dns", "dns": {"query_name": "origin.test", "query_type": "A",
                                         "preferred_ip_protocol": "ip4"}},
}
BLACKBOX_MODULES = {
    "http_2xx": {"prober": "http", "http": {"preferred_ip_protocol": "ip4"}},
    "http_tls": {"prober": "http", "http": {"tls_config": INSECURE,
                                            "preferred_ip_protocol": "ip4"}},
    "dns_udp": {"prober": "dns", "dns": {"query_name": "origin.test", "query_type": "A",
                                         "preferred_ip_protocol": "ip4"}},
}


def phase_of(base: str, module: str, target: str, family: str, phase: str) -> float:
    """Ask one exporter's /probe; return one phase."""
    text = requests.get(f"{base}/probe", params={"module": module, "target": target},
                        timeout=10).text
    return parse(text)[family][frozenset({("phase", phase)})]


def scenarios(servers: DelayServers) -> dict[str, tuple[Callable[[str], float],
                                                        Callable[[str], float],
                                                        RemoteRecords, RemoteRecords]]:
    """Name -> (slow probe, undelayed probe, slow server's record, undelayed server's record)."""
    http = names.PROBE_HTTP_DURATION_SECONDS
    tls_held = f"https://127.0.0.1:{servers.held_proxy}/ok"
    tls_direct = f"https://127.0.0.1:{servers.direct_proxy}/ok"
    return {
        "processing (80 ms before headers)": (
            lambda b: phase_of(b, "http_2xx", f"{servers.origin}/slow?ttfb_ms=80", http,
                               "processing"),
            lambda b: phase_of(b, "http_2xx", f"{servers.origin}/slow?ttfb_ms=0", http,
                               "processing"),
            servers.recorder("origin"), servers.recorder("origin"),
        ),
        "transfer (4 chunks, 25 ms apart)": (
            lambda b: phase_of(b, "http_2xx", f"{servers.origin}/chunks?count=4&gap_ms=25",
                               http, "transfer"),
            lambda b: phase_of(b, "http_2xx", f"{servers.origin}/chunks?count=4&gap_ms=0",
                               http, "transfer"),
            servers.recorder("origin"), servers.recorder("origin"),
        ),
        "tls (2 flights held 30 ms)": (
            lambda b: phase_of(b, "http_tls", tls_held, http, "tls"),
            lambda b: phase_of(b, "http_tls", tls_direct, http, "tls"),
            servers.recorder("held_proxy"), servers.recorder("direct_proxy"),
        ),
        "dns request (answer after 40 ms)": (
            lambda b: phase_of(b, "dns_udp", f"127.0.0.1:{servers.slow_dns}",
                               names.PROBE_DNS_DURATION_SECONDS, "request"),
            lambda b: phase_of(b, "dns_udp", f"127.0.0.1:{servers.fast_dns}",
                               names.PROBE_DNS_DURATION_SECONDS, "request"),
            servers.recorder("slow_dns"), servers.recorder("fast_dns"),
        ),
    }


def net_of_hold(probe: Callable[[str], float], base_url: str, record: RemoteRecords) -> float:
    """Probe through one exporter; return the phase minus the delay the server applied."""
    known = len(record.all())
    measured = probe(base_url)
    return measured - record.next_applied(known)


def accuracy(workdir: Path, runs: int) -> None:
    """Print the median and p90 absolute timing error per phase for both exporters."""
    cert = self_signed_certificate(workdir)
    config = workdir / "perfsight.yaml"
    config.write_text(yaml.safe_dump({"modules": MODULES}))
    with ExitStack() as stack:
        servers = stack.enter_context(running_delay_servers(cert, HOLD, DNS_DELAY))
        exporters = {
            "perfsight": stack.enter_context(running_exporter(workdir, f"--config.file={config}",
                                                              "--collector.disable-defaults")),
            "blackbox_exporter": stack.enter_context(
                running_blackbox_exporter(workdir, BLACKBOX_MODULES)),
        }
        print(f"Timing error vs injected delay, {runs} interleaved pairs, ms "
              "(median error | p90 of |error|):")
        print(f"  {'phase':36} {'perfsight':>18} {'blackbox_exporter':>20}")
        for name, (slow, base, slow_record, base_record) in scenarios(servers).items():
            cells = []
            for url in exporters.values():
                errors = sorted(
                    net_of_hold(slow, url, slow_record) - net_of_hold(base, url, base_record)
                    for _ in range(runs)
                )
                absolute = sorted(abs(e) for e in errors)
                p90 = absolute[min(len(absolute) - 1, int(0.9 * len(absolute)))]
                cells.append(f"{1000 * statistics.median(errors):+6.2f} | {1000 * p90:5.2f}")
            print(f"  {name:36} {cells[0]:>18} {cells[1]:>20}")


def capacity(workdir: Path, targets: int, interval: float, window: float) -> None:
    """Run N scheduled HTTP targets on one pinned CPU; print kept intervals and CPU."""
    cpus = sorted(os.sched_getaffinity(0))
    probe_cpu, origin_cpu = cpus[-1], cpus[0]
    os.sched_setaffinity(0, {origin_cpu})  # this process serves the origin's threads
    with running_origin() as origin:
        config = workdir / "scheduled.yaml"
        config.write_text(yaml.safe_dump({"targets": [
            {"name": f"t{i}", "address": f"{origin.url}/ok?t={i}", "module": "http_2xx",
             "location": "bench", "interval_seconds": interval} for i in range(targets)
        ]}))
        port = free_port()
        server = Server("perfsight-bench", ["taskset", "-c", str(probe_cpu), *perfsight_argv(
            "serve", f"--web.listen-address=127.0.0.1:{port}", f"--config.file={config}",
            "--collector.disable-defaults")], workdir)
        url = f"http://127.0.0.1:{port}"
        try:
            server.wait_ready(http_ok(f"{url}/-/ready"))
            process = psutil.Process(server.process.pid)
            time.sleep(interval)  # every target has had its first, jittered, turn
            # the server counts runs as the request arrives: time the window between requests
            started, before_cpu = time.monotonic(), sum(process.cpu_times()[:2])
            before_runs = runs_per_target(url)
            time.sleep(max(0.0, started + window - time.monotonic()))
            elapsed, cpu = time.monotonic() - started, sum(process.cpu_times()[:2]) - before_cpu
            after_runs = runs_per_target(url)
        finally:
            server.stop()
    done = [after_runs.get(t, 0) - before_runs.get(t, 0) for t in (f"t{i}" for i in range(targets))]
    expected = elapsed / interval
    probes = sum(done)
    print(f"\nScheduled HTTP targets on one CPU ({targets} targets, {interval:g} s interval, "
          f"{elapsed:.0f} s measured):")
    print(f"  probes run: {probes} (expected {targets * expected:.0f}); per target min "
          f"{min(done)}, max {max(done)} (expected {expected:.1f})")
    print(f"  perfsight CPU: {cpu:.1f} s over {elapsed:.0f} s = {100 * cpu / elapsed:.1f}% of one "
          f"core; {1000 * cpu / max(probes, 1):.2f} ms CPU per probe")
    print(f"  => one core keeps about {interval / (cpu / max(probes, 1)):.0f} targets on a "
          f"{interval:g} s interval (CPU-bound estimate)")


def runs_per_target(url: str) -> dict[str, float]:
    """Read every target's scheduled run count from /metrics."""
    text = requests.get(f"{url}/metrics", timeout=60).text
    runs = re.compile(
        rf'^{names.PERFSIGHT_PROBE_SCHEDULED_RUNS_TOTAL}{{.*{runner_names.LABEL_TARGET}="([^"]+)"'
        r".*} (\S+)$", re.MULTILINE,
    )
    return {target: float(count) for target, count in runs.findall(text)}


def main() -> None:
    """Run both parts."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30, help="interleaved pairs per phase")
    parser.add_argument("--targets", type=int, default=1000)
    parser.add_argument("--interval", type=float, default=15.0)
    parser.add_argument("--window", type=float, default=30.0, help="seconds measured")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="perfsight-bench-probes-") as directory:
        accuracy(Path(directory), args.runs)
        capacity(Path(directory), args.targets, args.interval, args.window)


if __name__ == "__main__":
    main()
