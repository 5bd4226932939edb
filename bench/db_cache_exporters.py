"""Compare perfsight's /probe database probers with the Go exporters on the same servers.

One function per peer (`PEERS`): each starts a real server, perfsight and the Go exporter in
the same run and prints scrape latency p50/p99, exporter CPU per scrape, queries sent to the
server per scrape, and what 3 concurrent scrapers in one interval cost the server. Rounds
alternate between the exporters and figures are medians over rounds. Run from the repo root:
.venv/bin/python bench/db_cache_exporters.py [--scrapes 200 --rounds 3 --peer postgres]
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
from decimal import Decimal
from pathlib import Path

import psutil
import redis
import requests
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.harness.exporter import running_exporter
from tests.harness.postgres import Postgres, running_postgres
from tests.harness.postgres_exporter import running_postgres_exporter
from tests.harness.redis import running_redis
from tests.harness.redis_exporter import running_redis_exporter

TICKS = os.sysconf("SC_CLK_TCK")
WARMUP_SCRAPES = 20
CONCURRENT_SCRAPERS = 3


@dataclass(frozen=True)
class Endpoint:
    """One exporter endpoint to scrape, and the process that serves it."""

    name: str
    url: str
    pid: int


@dataclass(frozen=True)
class Figures:
    """One endpoint's figures in one round (milliseconds)."""

    p50: float
    p99: float
    cpu_per_scrape: float


def pid_listening_on(url: str) -> int:
    """Return the pid of the process listening on the URL's port."""
    port = int(url.rsplit(":", 1)[1].split("/", 1)[0])
    for connection in psutil.net_connections(kind="tcp"):
        listening = connection.status == psutil.CONN_LISTEN
        if listening and connection.laddr and connection.laddr.port == port:
            assert connection.pid is not None
            return connection.pid
    raise LookupError(f"nothing listens on port {port}")


def cpu_seconds(pid: int) -> float:
    """Return the user + system CPU time a process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def scrape(session: requests.Session, endpoint: Endpoint) -> None:
    response = session.get(endpoint.url, timeout=10)
    response.raise_for_status()


def measure(endpoint: Endpoint, scrapes: int) -> Figures:
    """Scrape sequentially over one keep-alive session; return latency and CPU per scrape."""
    latencies: list[float] = []
    with requests.Session() as session:
        cpu_before = cpu_seconds(endpoint.pid)
        for _ in range(scrapes):
            started = time.perf_counter()
            scrape(session, endpoint)
            latencies.append((time.perf_counter() - started) * 1000)
        cpu = (cpu_seconds(endpoint.pid) - cpu_before) * 1000 / scrapes
    centiles = statistics.quantiles(latencies, n=100)
    return Figures(p50=centiles[49], p99=centiles[98], cpu_per_scrape=cpu)


def concurrently(endpoint: Endpoint, scrapers: int) -> None:
    """Let `scrapers` threads scrape once at the same moment."""
    barrier = threading.Barrier(scrapers)

    def one() -> None:
        with requests.Session() as session:
            barrier.wait()
            scrape(session, endpoint)

    threads = [threading.Thread(target=one) for _ in range(scrapers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def compare(endpoints: list[Endpoint], scrapes: int, rounds: int) -> dict[str, Figures]:
    """Warm up, then measure each endpoint once per round, rotating who goes first."""
    with requests.Session() as session:
        for endpoint in endpoints:
            for _ in range(WARMUP_SCRAPES):
                scrape(session, endpoint)
    per_round: dict[str, list[Figures]] = {endpoint.name: [] for endpoint in endpoints}
    for index in range(rounds):
        order = endpoints[index % len(endpoints):] + endpoints[:index % len(endpoints)]
        for endpoint in order:
            per_round[endpoint.name].append(measure(endpoint, scrapes))
    return {
        name: Figures(
            p50=statistics.median(f.p50 for f in figures),
            p99=statistics.median(f.p99 for f in figures),
            cpu_per_scrape=statistics.median(f.cpu_per_scrape for f in figures),
        )
        for name, figures in per_round.items()
    }


def report(results: dict[str, Figures], ours: str, theirs: str) -> list[str]:
    """Return the latency and CPU lines, with ours/theirs ratios."""
    lines = [f"  {'':34} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms/scrape':>14}"]
    for name, figures in results.items():
        lines.append(f"  {name:34} {figures.p50:8.2f} {figures.p99:8.2f} "
                     f"{figures.cpu_per_scrape:14.2f}")
    a, b = results[ours], results[theirs]
    lines.append(f"  ratio {ours} / {theirs}: p50 {a.p50 / b.p50:.2f}x, p99 {a.p99 / b.p99:.2f}x,"
                 f" CPU {a.cpu_per_scrape / b.cpu_per_scrape:.2f}x")
    return lines


@contextmanager
def temp_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="perfsight-bench-") as name:
        yield Path(name)


# --- PostgreSQL: perfsight `prober: postgres` against postgres_exporter ----------------------
OURS_ROLE = "bench_perfsight"
GO_ROLE = "bench_postgres_exporter"


def statement_calls(pg: Postgres, role: str) -> int:
    """Return the statements `role` ran since the last reset, from pg_stat_statements."""
    with pg.connect() as connection:
        row = connection.execute(
            "SELECT COALESCE(sum(calls), 0) FROM pg_stat_statements WHERE userid = %s::regrole",
            (role,),
        ).fetchone()
    assert row is not None
    calls = row[0]
    assert isinstance(calls, Decimal | int)
    return int(calls)


def queries_per_scrape(pg: Postgres, endpoint: Endpoint, role: str, scrapes: int) -> float:
    """Reset pg_stat_statements, scrape, and count the role's statements per scrape."""
    pg.execute("SELECT pg_stat_statements_reset()")
    with requests.Session() as session:
        for _ in range(scrapes):
            scrape(session, endpoint)
    return statement_calls(pg, role) / scrapes


def queries_for_concurrent_scrapes(pg: Postgres, endpoint: Endpoint, role: str) -> int:
    """Reset pg_stat_statements, let 3 scrapers hit the endpoint at once, count statements."""
    pg.execute("SELECT pg_stat_statements_reset()")
    concurrently(endpoint, CONCURRENT_SCRAPERS)
    return statement_calls(pg, role)


def bench_postgres(args: argparse.Namespace) -> list[str]:
    """Benchmark perfsight's postgres prober against postgres_exporter on one server."""
    with ExitStack() as stack:
        pg = stack.enter_context(running_postgres(preload_statements=True))
        pg.execute("CREATE EXTENSION pg_stat_statements")
        for role in (OURS_ROLE, GO_ROLE):
            pg.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{pg.password}' IN ROLE pg_monitor")
        workdir = stack.enter_context(temp_dir())
        password = workdir / "password"
        password.write_text(pg.password)
        options = {"user": OURS_ROLE, "password": {"file": str(password)}}
        config = {
            "modules": {
                "pg": {"prober": "postgres", "min_interval_seconds": 0, "postgres": options},
                "pg_cached": {"prober": "postgres", "min_interval_seconds": 5,
                              "postgres": options},
            },
            "targets": [{"name": "db", "address": pg.address, "module": "pg"}],
        }
        (workdir / "perfsight.yaml").write_text(yaml.safe_dump(config))
        ours_url = stack.enter_context(running_exporter(
            workdir, f"--config.file={workdir / 'perfsight.yaml'}",
            "--collector.disable-defaults",
        ))
        go_url = stack.enter_context(running_postgres_exporter(pg, workdir, user=GO_ROLE))
        ours = Endpoint("perfsight /probe (postgres)", f"{ours_url}/probe?target=db&module=pg",
                        pid_listening_on(ours_url))
        cached = Endpoint("perfsight /probe, min_interval 5 s",
                          f"{ours_url}/probe?target=db&module=pg_cached", ours.pid)
        go = Endpoint("postgres_exporter 0.11", f"{go_url}/metrics", pid_listening_on(go_url))
        results = compare([ours, go], args.scrapes, args.rounds)
        lines = ["PostgreSQL 15 (same server, same run):", *report(results, ours.name, go.name)]
        lines.append(
            f"  queries per scrape (pg_stat_statements calls): {ours.name} "
            f"{queries_per_scrape(pg, ours, OURS_ROLE, 20):.1f}, {go.name} "
            f"{queries_per_scrape(pg, go, GO_ROLE, 20):.1f}"
        )
        lines.append(
            f"  {CONCURRENT_SCRAPERS} concurrent scrapers, server queries in total: {cached.name} "
            f"{queries_for_concurrent_scrapes(pg, cached, OURS_ROLE)}, {go.name} "
            f"{queries_for_concurrent_scrapes(pg, go, GO_ROLE)}"
        )
        return lines


# --- Redis: perfsight `prober: redis` against redis_exporter ---------------------------------
# the bench's own CONFIG RESETSTAT counts itself; its INFO reply does not yet count itself
BENCH_COMMAND = "cmdstat_config|resetstat"


def redis_commands(client: "redis.Redis") -> int:
    """Return the commands the server ran since CONFIG RESETSTAT, the bench's own left out."""
    stats = client.info("commandstats")
    return sum(int(value["calls"]) for key, value in stats.items() if key != BENCH_COMMAND)


def redis_commands_per_scrape(client: "redis.Redis", endpoint: Endpoint, scrapes: int) -> float:
    """Reset the server's command stats, scrape, and count commands per scrape."""
    client.config_resetstat()
    with requests.Session() as session:
        for _ in range(scrapes):
            scrape(session, endpoint)
    return redis_commands(client) / scrapes


def redis_commands_for_concurrent_scrapes(client: "redis.Redis", endpoint: Endpoint) -> int:
    """Reset the server's command stats, let 3 scrapers hit the endpoint at once, count."""
    client.config_resetstat()
    concurrently(endpoint, CONCURRENT_SCRAPERS)
    return redis_commands(client)


def bench_redis(args: argparse.Namespace) -> list[str]:
    """Benchmark perfsight's redis prober against redis_exporter on one server."""
    with ExitStack() as stack:
        server = stack.enter_context(running_redis())
        client = server.client()
        for i in range(1000):  # some keys and per-command stats to report
            client.set(f"bench:{i}", "v")
            client.get(f"bench:{i % 500}")
        workdir = stack.enter_context(temp_dir())
        config = {
            "modules": {
                "rd": {"prober": "redis", "min_interval_seconds": 0},
                "rd_cached": {"prober": "redis", "min_interval_seconds": 5},
            },
            "targets": [{"name": "cache", "address": server.address, "module": "rd"}],
        }
        (workdir / "perfsight.yaml").write_text(yaml.safe_dump(config))
        ours_url = stack.enter_context(running_exporter(
            workdir, f"--config.file={workdir / 'perfsight.yaml'}",
            "--collector.disable-defaults",
        ))
        go_url = stack.enter_context(running_redis_exporter(server, workdir))
        ours = Endpoint("perfsight /probe (redis)", f"{ours_url}/probe?target=cache&module=rd",
                        pid_listening_on(ours_url))
        cached = Endpoint("perfsight /probe, min_interval 5 s",
                          f"{ours_url}/probe?target=cache&module=rd_cached", ours.pid)
        go = Endpoint("redis_exporter 1.45", f"{go_url}/metrics", pid_listening_on(go_url))
        scrape(requests.Session(), cached)  # connected, so the round below is steady state
        cache_expires = time.monotonic() + 5
        results = compare([ours, go], args.scrapes, args.rounds)
        lines = ["Redis 7.0 (same server, same run):", *report(results, ours.name, go.name)]
        lines.append(
            f"  commands per scrape (INFO commandstats): {ours.name} "
            f"{redis_commands_per_scrape(client, ours, 20):.1f}, {go.name} "
            f"{redis_commands_per_scrape(client, go, 20):.1f}"
        )
        time.sleep(max(0.0, cache_expires - time.monotonic()))
        lines.append(
            f"  {CONCURRENT_SCRAPERS} concurrent scrapers, server commands in total: {cached.name} "
            f"{redis_commands_for_concurrent_scrapes(client, cached)}, {go.name} "
            f"{redis_commands_for_concurrent_scrapes(client, go)}"
        )
        return lines


PEERS: dict[str, Callable[[argparse.Namespace], list[str]]] = {
    "postgres": bench_postgres,
    "redis": bench_redis,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scrapes", type=int, default=200, help="sequential scrapes per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (medians are reported)")
    parser.add_argument("--peer", choices=sorted(PEERS), action="append",
                        help="peer to benchmark (repeatable; default: all)")
    args = parser.parse_args()
    for name in args.peer or sorted(PEERS):
        started = time.monotonic()
        for line in PEERS[name](args):
            print(line, flush=True)
        print(f"  ({name}: {time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
