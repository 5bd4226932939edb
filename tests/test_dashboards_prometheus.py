"""Every dashboard query runs on a real Prometheus (and VictoriaMetrics) and returns data.

One Prometheus with the generated rules scrapes, every second, perfsight's exporter (job
``perfsight``, the spec's host selector), an instrumented HTTP service under steady traffic
(job ``checkout``, the spec's example SLOs) and Debian's node_exporter (job ``node``);
VictoriaMetrics scrapes the same. Panels are queried as Grafana would, with ``$job`` set to
the jobs under test and the other variables to "All".
"""

import contextlib
import itertools
import string
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from alert_rules import probes as probe_alerts
from bundle import names as rn
from bundle.spec import ProbeSli, spec_of
from exporters.names import probe as pn
from tests.dashboard_queries import (
    ROOT,
    PanelQuery,
    all_queries,
    metric_names,
    substitute,
)
from tests.harness.blackbox_exporter import running_blackbox_exporter
from tests.harness.bundle import generate_variant
from tests.harness.exporter import running_exporter
from tests.harness.mariadb import MONITOR_USER, MariaDB, running_mariadb
from tests.harness.memcached import Memcached, running_memcached
from tests.harness.mysqld_exporter import running_mysqld_exporter
from tests.harness.node_exporter import running_node_exporter
from tests.harness.page_origin import running_page_origin
from tests.harness.postgres import Postgres, running_postgres
from tests.harness.postgres_exporter import running_postgres_exporter
from tests.harness.probe_client import secret_file
from tests.harness.prometheus import Prometheus, running_prometheus
from tests.harness.redis import Redis, running_redis
from tests.harness.redis_exporter import running_redis_exporter
from tests.harness.servers import started_ahead_of_other_load, wait_until
from tests.harness.service import running_instrumented_service
from tests.harness.victoria import running_victoria_metrics

pytestmark = pytest.mark.integration

# job names as the spec's selectors expect them
PERFSIGHT_JOB, SERVICE_JOB, PROBE_JOB = "perfsight", "checkout", "probe"
POSTGRES_JOB, MYSQL_JOB, REDIS_JOB, MEMCACHED_JOB = "postgres", "mysql", "redis", "memcached"
# a headless Chromium load of a local test page, every 5 s (not every second: Chromium is heavy)
BROWSER_JOB, BROWSER_INTERVAL = "browser", "5s"
# the same page, also loaded by the exporter's scheduler; each load may take the interval
# (the scheduler's deadline), which a busy host needs for Chromium (3 s failed at load 12)
SCHEDULED_PAGE_INTERVAL = 6
PERFSIGHT_JOBS = "|".join((PERFSIGHT_JOB, SERVICE_JOB, PROBE_JOB, POSTGRES_JOB, MYSQL_JOB,
                           REDIS_JOB, MEMCACHED_JOB, BROWSER_JOB))
# the Go exporters perfsight is compatible with
NODE_JOB, POSTGRES_EXPORTER_JOB = "node", "postgres_exporter"
MYSQLD_EXPORTER_JOB, REDIS_EXPORTER_JOB = "mysqld_exporter", "redis_exporter"
BLACKBOX_EXPORTER_JOB = "blackbox_exporter"
WINDOW_SECONDS = 60
DATA_TIMEOUT = 30

# Queries that legitimately return nothing in a minute-old test on an idle host:
# (dashboard uid, panel title, query refId) -> why.
WEEK_OLD = "compares with a week ago: the test's Prometheus is a minute old"
NO_DATA_ALLOWED: dict[tuple[str, str, str], str] = {
    ("perfsight-resources", "Process groups: CPU", "A"):
        "the embedded default config defines no process groups",
    ("perfsight-capacity", "Disk space: forecast vs actual", "B"):
        "the forecast was made an hour ago: the test's Prometheus is a minute old",
    ("perfsight-capacity", "Memory: forecast vs actual", "B"):
        "the forecast was made an hour ago: the test's Prometheus is a minute old",
    ("perfsight-errors", "5xx ratio: this week vs last week", "B"): WEEK_OLD,
    ("perfsight-errors", "SLO error ratio with anomaly band", "B"): WEEK_OLD,
    ("perfsight-errors", "SLO error ratio with anomaly band", "C"): WEEK_OLD,
    ("perfsight-executive", "p95 latency vs last week", "B"): WEEK_OLD,
    ("perfsight-throughput", "Growth: today vs yesterday", "B"):
        "compares with a day ago: the test's Prometheus is a minute old",
    ("perfsight-executive", "Firing alerts", "A"):
        "every alert waits its `for:` duration (minutes) before it fires",
    ("perfsight-databases", "Standby WAL lag", "A"): "the test's PostgreSQL has no standby",
    ("perfsight-databases", "MySQL replica lag", "A"): "the test's MariaDB has no replica",
    ("perfsight-probes", "Certificate expiry", "A"): "the test's probe targets are plain HTTP",
    **dict.fromkeys([("perfsight-capacity", "Time to exhaustion", "A"),
                     ("perfsight-executive", "Capacity runway", "A"),
                     *(("perfsight-capacity", "Time to exhaustion over time", ref)
                       for ref in string.ascii_uppercase[:len(rn.EXHAUSTION_RECORDS)])],
                    "time-to-exhaustion series exist only while a resource shrinks, which on "
                    "a shared test host depends on other processes"),
}
# The example spec's probe SLO reads probe_success of https://www.example.com (job "probe"):
# the test probes nothing on the internet, so that SLO's panels stay empty.
PROBE_SLO_PANEL_PREFIXES = tuple(
    f"{slo.service} {slo.name}:" for slo in spec_of(ROOT).slos if isinstance(slo.sli, ProbeSli)
)


def allowed_without_data(query: PanelQuery) -> bool:
    """Return whether a query is allowed to come back empty in this test."""
    return query.key in NO_DATA_ALLOWED or (
        query.dashboard == rn.DASHBOARD_SLOS and query.panel.startswith(PROBE_SLO_PANEL_PREFIXES)
    )


@dataclass(frozen=True)
class Backends:
    """The running servers the panel queries go to."""

    prometheus: Prometheus
    victoria: Prometheus


def go_exporter_rule_files(workdir: Path) -> list[Path]:
    """Generate the rules of a spec whose selectors pick the Go exporters' jobs.

    That is what a user of node_exporter, postgres_exporter, … writes in perfsight.yaml; SLOs
    are left out (the main rules have them) so no series is recorded twice.
    """
    root = workdir / "go-exporters-spec"
    root.mkdir()
    selectors = {"host": NODE_JOB, "postgres": POSTGRES_EXPORTER_JOB, "mysql": MYSQLD_EXPORTER_JOB,
                 "redis": REDIS_EXPORTER_JOB}
    changes = {"selectors": {key: f'job="{job}"' for key, job in selectors.items()}, "slos": []}
    return generate_variant(root, changes).rule_files


def static(job: str, url: str) -> dict[str, Any]:
    """Return a scrape config of one target."""
    return {"job_name": job, "static_configs": [{"targets": [url.removeprefix("http://")]}]}


def probe_job(job: str, exporter: str, target: str, module: str) -> dict[str, Any]:
    """Return a scrape config of one /probe target (the README's relabeling)."""
    return {
        "job_name": job, "metrics_path": "/probe", "params": {"module": [module]},
        "static_configs": [{"targets": [target]}],
        "relabel_configs": [
            {"source_labels": ["__address__"], "target_label": "__param_target"},
            {"source_labels": ["__param_target"], "target_label": "instance"},
            {"target_label": "__address__", "replacement": exporter.removeprefix("http://")},
        ],
    }


@dataclass(frozen=True)
class Servers:
    """The real servers perfsight's probers watch."""

    pg: Postgres
    db: MariaDB
    redis: Redis
    memcached: Memcached
    service: str


def exporter_config(workdir: Path, servers: Servers, page: str) -> Path:
    """Write a perfsight config: one /probe target per server, scheduled HTTP and page probes."""

    def module(kind: str, **options: Any) -> dict[str, Any]:
        return {"prober": kind, "timeout_seconds": 5, "min_interval_seconds": 0, kind: options}

    config = {
        "modules": {
            "pg": module("postgres", user="postgres",
                         password=secret_file(workdir, "pg", servers.pg.password)),
            "my": module("mysql", user=MONITOR_USER,
                         password=secret_file(workdir, "my", servers.db.monitor_password)),
            "rd": module("redis"),
            "mc": module("memcached"),
            "web": {**module("browser", settle_seconds=0.2), "timeout_seconds": 30},
        },
        "targets": [
            {"name": "pg", "address": servers.pg.address, "module": "pg"},
            {"name": "my", "address": servers.db.address, "module": "my"},
            {"name": "rd", "address": servers.redis.address, "module": "rd"},
            {"name": "mc", "address": servers.memcached.address, "module": "mc"},
            *({"name": f"checkout-{where}", "address": f"{servers.service}/",
               "module": "http_2xx", "location": where, "interval_seconds": 1}
              for where in ("DE", "US")),
            {"name": "home-DE", "address": page, "module": "web", "location": "DE",
             "interval_seconds": SCHEDULED_PAGE_INTERVAL},
        ],
    }
    path = workdir / "perfsight.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


@contextlib.contextmanager
def traffic(servers: Servers) -> Iterator[None]:
    """Send every server a steady load (cache hits and misses, table reads) until the end."""
    servers.pg.execute("CREATE TABLE load AS SELECT g AS id FROM generate_series(1, 1000) g")
    servers.db.execute("CREATE DATABASE load_db",
                       "CREATE TABLE load_db.t (id INT PRIMARY KEY) ENGINE=InnoDB",
                       "INSERT INTO load_db.t SELECT seq FROM load_db.seq_1_to_1000")
    stop = threading.Event()

    def send() -> None:
        with servers.redis.client() as redis, contextlib.closing(
                servers.memcached.client()) as memcached, servers.pg.connect() as pg, \
                servers.db.connect("load_db") as db:
            for key in itertools.cycle(("k1", "k2", "k3", "absent")):
                if stop.wait(0.02):
                    return
                if key != "absent":
                    redis.set(key, "v")
                    memcached.set(key, b"v")
                redis.get(key)
                memcached.get(key)
                pg.execute("SELECT count(*) FROM load")
                with db.cursor() as cursor:
                    cursor.execute("SELECT count(*) FROM t")

    client = threading.Thread(target=send, daemon=True)
    client.start()
    try:
        yield
    finally:
        stop.set()
        client.join(timeout=10)


@pytest.fixture(scope="module")
def backends(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backends]:
    workdir = tmp_path_factory.mktemp("dashboards")
    with contextlib.ExitStack() as stack:
        enter = stack.enter_context
        pg = enter(running_postgres(preload_statements=True))
        pg.execute("CREATE EXTENSION pg_stat_statements")
        servers = Servers(pg, enter(running_mariadb()), enter(running_redis(maxmemory="64mb")),
                          enter(running_memcached()),
                          enter(running_instrumented_service(workdir)))
        enter(traffic(servers))
        # a page with an image (LCP), a layout shift (CLS) and a 100 ms long task (TBT)
        page = f"{enter(running_page_origin()).url}/page?id=dashboards&shift=1&block_ms=100"
        config = exporter_config(workdir, servers, page)
        # its scheduled probes have 1 s deadlines: the exporter runs ahead of the host's load
        exporter = enter(started_ahead_of_other_load(
            running_exporter(workdir, f"--config.file={config}")))
        browser = {**probe_job(BROWSER_JOB, exporter, page, "web"),
                   "scrape_interval": BROWSER_INTERVAL, "scrape_timeout": BROWSER_INTERVAL}
        scrapes = [
            static(PERFSIGHT_JOB, exporter),
            *(probe_job(job, exporter, target, module) for job, target, module in (
                (POSTGRES_JOB, "pg", "pg"), (MYSQL_JOB, "my", "my"), (REDIS_JOB, "rd", "rd"),
                (MEMCACHED_JOB, "mc", "mc"), (PROBE_JOB, f"{servers.service}/", "http_2xx"))),
            static(SERVICE_JOB, servers.service),
            static(NODE_JOB, enter(running_node_exporter(workdir))),
            static(POSTGRES_EXPORTER_JOB, enter(running_postgres_exporter(pg, workdir))),
            static(MYSQLD_EXPORTER_JOB, enter(running_mysqld_exporter(servers.db, workdir))),
            static(REDIS_EXPORTER_JOB, enter(running_redis_exporter(servers.redis, workdir))),
            probe_job(BLACKBOX_EXPORTER_JOB, enter(running_blackbox_exporter(workdir)),
                      f"{servers.service}/", "http_2xx"),
            browser,
        ]
        (workdir / "spec").mkdir()
        rules = (generate_variant(workdir / "spec", {}).rule_files
                 + go_exporter_rule_files(workdir))
        prometheus = enter(running_prometheus(workdir, scrapes, rule_files=rules))
        victoria = enter(running_victoria_metrics(workdir, scrapes))
        prometheus.wait_for_healthy_targets(len(scrapes))
        # 4s rate windows; the browser job's gauges need no rate, its panels are polled below
        enough = (f'count(count_over_time(up{{job!="{BROWSER_JOB}"}}[1m]) >= 6) == '
                  f"{len(scrapes) - 1}")
        wait_until(lambda: bool(prometheus.query(enough)), DATA_TIMEOUT, "six scrapes each")
        yield Backends(prometheus, victoria)


def run(backend: Prometheus, query: PanelQuery, job: str) -> dict[str, Any]:
    """Run a panel query over the last minute with Grafana's variables filled in."""
    expr = substitute(query.expr, {"job": job, "instance": ".*", "service": ".*",
                                   "location": ".*", "datasource": ""})
    end = time.time()
    return backend.query_range(expr, end - WINDOW_SECONDS, end, 1)


def has_data(answer: Mapping[str, Any]) -> bool:
    return answer.get("status") == "success" and bool(answer["data"]["result"])


def without_data(backend: Prometheus, queries: list[PanelQuery], job: str) -> list[PanelQuery]:
    """Return the queries still without data once every query had its chance (polled)."""
    missing = list(queries)

    def all_have_data() -> bool:
        missing[:] = [q for q in missing if not has_data(run(backend, q, job))]
        return not missing

    with contextlib.suppress(TimeoutError):
        wait_until(all_have_data, DATA_TIMEOUT, "data for every panel")
    return missing


def test_every_panel_query_returns_data_from_perfsight(backends: Backends) -> None:
    queries = all_queries()
    assert queries
    errors = [(q.where, a) for q in queries
              if (a := run(backends.prometheus, q, PERFSIGHT_JOBS))["status"] != "success"]
    assert not errors, errors
    expected = [q for q in queries if not allowed_without_data(q)]
    missing = without_data(backends.prometheus, expected, PERFSIGHT_JOBS)
    print(f"\n{len(queries)} panel queries, {len(queries) - len(expected)} allowed without data")
    assert not missing, "no data:\n" + "\n".join(q.where for q in missing)


def test_no_data_allow_list_names_real_queries() -> None:
    assert set(NO_DATA_ALLOWED) <= {q.key for q in all_queries()}


def test_every_panel_query_runs_on_victoria_metrics(backends: Backends) -> None:
    queries = all_queries()
    answers = [(q, run(backends.victoria, q, PERFSIGHT_JOBS)) for q in queries]
    errors = [(q.where, q.expr, a) for q, a in answers if a.get("status") != "success"]
    assert not errors, errors
    with_data = sum(has_data(a) for _, a in answers)
    print(f"\nVictoriaMetrics: {len(queries)} queries without error, {with_data} with data")
    assert with_data > 0


# (job, the dashboard made for it, how many of its queries it must feed at least)
@pytest.mark.parametrize(("job", "home", "at_least"), [
    (NODE_JOB, rn.DASHBOARD_RESOURCES, 30), (POSTGRES_EXPORTER_JOB, rn.DASHBOARD_DATABASES, 10),
    (MYSQLD_EXPORTER_JOB, rn.DASHBOARD_DATABASES, 10),
    (REDIS_EXPORTER_JOB, rn.DASHBOARD_CACHES, 10),
    (BLACKBOX_EXPORTER_JOB, rn.DASHBOARD_PROBES, 4),
])
def test_panels_on_metrics_a_go_exporter_shares_return_data(
    backends: Backends, job: str, home: str, at_least: int
) -> None:
    prometheus = backends.prometheus
    values = {name: ".*" for name in ("job", "instance", "service", "location", "datasource")}

    def shared_queries() -> list[PanelQuery]:
        # names seen over the last window, not at one instant: one failed scrape of a loaded
        # exporter marks all its series stale at once (CI saw redis_exporter's 10 panels drop
        # to 3 between two calls)
        their_names = prometheus.metric_names(f'{{job="{job}"}}', WINDOW_SECONDS)
        return [q for q in all_queries() if not allowed_without_data(q)
                and metric_names(substitute(q.expr, values)) <= their_names]

    # the recording rules over the exporter's series appear after their first evaluations,
    # which a loaded host delays
    wait_until(lambda: sum(q.dashboard == home for q in shared_queries()) >= at_least,
               DATA_TIMEOUT, f"{at_least} {home} panel queries on {job}'s metrics")
    shared = shared_queries()
    print(f"\n{len(shared)} of {len(all_queries())} panel queries on metrics {job} shares")
    at_home = [q for q in shared if q.dashboard == home]
    print(f"{len(at_home)} of them on {home}")
    assert len(at_home) >= at_least
    missing = without_data(prometheus, shared, job)
    assert not missing, "no data:\n" + "\n".join(q.where for q in missing)


def test_probe_alerts_read_the_live_scheduler_and_browser_series(backends: Backends) -> None:
    # the rules of a spec whose probe selector is the browser job, every threshold at 0
    spec = spec_of(ROOT)
    spec = replace(spec, selectors={**spec.selectors, "probe": f'job="{BROWSER_JOB}"'})
    rules = {(r.alert.name, i): r for i, r in enumerate(probe_alerts.probe_rules(spec))}

    def fired(name: str, threshold: float = 0, at: float | None = None) -> list[dict[str, str]]:
        exprs = [rule.expr(threshold) for (alert, _), rule in rules.items() if alert == name]
        return [s["metric"] for expr in exprs for s in backends.prometheus.query(expr, at)]

    slow = {(m[rn.LABEL_JOB], m["target"], m.get("location")) for m in fired(rn.ALERT_PROBE_SLOW)}
    # one series per scheduled HTTP target and location, plus the browser /probe target; the
    # scheduled page load is judged by its LCP only
    scheduled_http = {(PERFSIGHT_JOB, f"checkout-{where}", where) for where in ("DE", "US")}
    assert {s for s in slow if s[0] == PERFSIGHT_JOB} == scheduled_http, slow
    assert any(job == BROWSER_JOB for job, _, _ in slow), slow
    wait_until(lambda: any(m[rn.LABEL_JOB] == PERFSIGHT_JOB for m in fired(rn.ALERT_BROWSER_LCP)),
               DATA_TIMEOUT, "the scheduled page's LCP histogram")
    lcp = fired(rn.ALERT_BROWSER_LCP)
    probed = [m for m in lcp if m[rn.LABEL_JOB] == BROWSER_JOB]
    assert [m["target"] for m in probed] == [m["instance"] for m in probed], lcp
    assert len(probed) == 1 and "/page?id=dashboards" in probed[0]["target"], lcp
    scheduled = {(m["target"], m["location"]) for m in lcp if m[rn.LABEL_JOB] == PERFSIGHT_JOB}
    assert scheduled == {("home-DE", "DE")}, lcp
    # whatever the page's score (its shift may land before the first paint), every series
    # fires below a threshold of -1: both rules read live series (promtool tests the values)
    shifts = {(m[rn.LABEL_JOB], m["target"], m.get("location"))
              for m in fired(rn.ALERT_BROWSER_CLS, -1)}
    assert shifts == {(BROWSER_JOB, probed[0]["target"], probed[0].get("location")),
                      (PERFSIGHT_JOB, "home-DE", "DE")}, shifts
    # a scheduled run can miss its 1 s deadline on a loaded host: at one instant, the alert
    # fires for exactly the scheduled targets whose last run failed, and for no other
    at = time.time()
    last = backends.prometheus.query(
        f'{pn.PERFSIGHT_PROBE_SCHEDULED_LAST_SUCCESS}{{{rn.LABEL_JOB}="{PERFSIGHT_JOB}"}}', at
    )
    failed = {m["metric"]["target"] for m in last if float(m["value"][1]) == 0}
    assert len(failed) < len(last), last  # some succeed, so the alert must tell them apart
    failing = {m["target"] for m in fired(rn.ALERT_PROBE_FAILING, at=at)
               if m[rn.LABEL_JOB] == PERFSIGHT_JOB}
    assert failing == failed, last
