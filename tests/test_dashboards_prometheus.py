"""Every dashboard query runs on a real Prometheus (and VictoriaMetrics) and returns data.

One Prometheus with the generated rules scrapes, every second, perfsight's exporter (job
``perfsight``, the spec's host selector), an instrumented HTTP service under steady traffic
(job ``checkout``, the spec's example SLOs) and Debian's node_exporter (job ``node``);
VictoriaMetrics scrapes the same. Panels are queried as Grafana would, with ``$job`` set to
the jobs under test and the other variables to "All".
"""

import contextlib
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from bundle import names as rn
from bundle.spec import ProbeSli, spec_of
from recording_rules import capacity as capacity_records
from recording_rules import use as use_records
from tests.dashboard_queries import (
    ROOT,
    PanelQuery,
    all_queries,
    metric_names,
    substitute,
)
from tests.harness.exporter import running_exporter
from tests.harness.node_exporter import running_node_exporter
from tests.harness.postgres import Postgres, running_postgres
from tests.harness.postgres_exporter import running_postgres_exporter
from tests.harness.prometheus import Prometheus, running_prometheus
from tests.harness.servers import wait_until
from tests.harness.service import running_instrumented_service
from tests.harness.victoria import running_victoria_metrics

pytestmark = pytest.mark.integration

# job names as the spec's selectors expect them
PERFSIGHT_JOB, POSTGRES_JOB, SERVICE_JOB = "perfsight", "postgres", "checkout"
PERFSIGHT_JOBS = f"{PERFSIGHT_JOB}|{POSTGRES_JOB}|{SERVICE_JOB}"
# the Go exporters perfsight is compatible with
NODE_JOB, POSTGRES_EXPORTER_JOB = "node", "postgres_exporter"
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
    **dict.fromkeys([("perfsight-capacity", "Time to exhaustion", "A"),
                     ("perfsight-executive", "Capacity runway", "A"),
                     *(("perfsight-capacity", "Time to exhaustion over time", ref)
                       for ref in "ABCD")],
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


def rule_files(workdir: Path) -> list[Path]:
    """Copy the generated rule files, each group evaluated at the test's 1 s interval.

    Some groups set their own interval (the SLO groups: 1m); at that pace a one-minute test
    would see one evaluation at best.
    """
    paths = []
    for source in sorted(p for d in ("recording_rules", "alert_rules")
                         for p in (ROOT / d).glob("generated/*.yaml")):
        rules = yaml.safe_load(source.read_text(encoding="utf-8"))
        for group in rules["groups"]:
            group.pop("interval", None)
        path = workdir / f"{source.parent.parent.name}-{source.name}"
        path.write_text(yaml.safe_dump(rules), encoding="utf-8")
        paths.append(path)
    return paths


def node_host_rule_files(workdir: Path) -> list[Path]:
    """Generate the host rules of a spec whose host selector picks node_exporter's job.

    That is what a user running node_exporter instead of perfsight's exporter writes in
    perfsight.yaml; the rules it yields carry job="node".
    """
    spec = yaml.safe_load((ROOT / "perfsight.yaml").read_text(encoding="utf-8"))
    spec["selectors"]["host"] = f'job="{NODE_JOB}"'
    root = workdir / "node-spec"
    root.mkdir()
    (root / "perfsight.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    paths = []
    for artifact in [*use_records.generate(root), *capacity_records.generate(root)]:
        path = root / Path(artifact.path).name
        path.write_text(artifact.text, encoding="utf-8")
        paths.append(path)
    return paths


def static(job: str, url: str) -> dict[str, Any]:
    """Return a scrape config of one target."""
    return {"job_name": job, "static_configs": [{"targets": [url.removeprefix("http://")]}]}


def postgres_probe(job: str, exporter: str, target: str, module: str) -> dict[str, Any]:
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


def exporter_config(workdir: Path, pg: Postgres) -> Path:
    """Write a perfsight config probing pg as target `main` with module `pg`."""
    password = workdir / "pg-password"
    password.write_text(pg.password, encoding="utf-8")
    config = {
        "modules": {"pg": {"prober": "postgres", "timeout_seconds": 5, "min_interval_seconds": 0,
                           "postgres": {"user": "postgres", "password": {"file": str(password)}}}},
        "targets": [{"name": "main", "address": pg.address, "module": "pg"}],
    }
    path = workdir / "perfsight.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def backends(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backends]:
    workdir = tmp_path_factory.mktemp("dashboards")
    with contextlib.ExitStack() as stack:
        pg = stack.enter_context(running_postgres(preload_statements=True))
        pg.execute("CREATE EXTENSION pg_stat_statements")
        exporter = stack.enter_context(
            running_exporter(workdir, f"--config.file={exporter_config(workdir, pg)}"))
        scrapes = [
            static(PERFSIGHT_JOB, exporter),
            postgres_probe(POSTGRES_JOB, exporter, "main", "pg"),
            static(SERVICE_JOB, stack.enter_context(running_instrumented_service(workdir))),
            static(NODE_JOB, stack.enter_context(running_node_exporter(workdir))),
            static(POSTGRES_EXPORTER_JOB,
                   stack.enter_context(running_postgres_exporter(pg, workdir))),
        ]
        rules = rule_files(workdir) + node_host_rule_files(workdir)
        prometheus = stack.enter_context(running_prometheus(workdir, scrapes, rule_files=rules))
        victoria = stack.enter_context(running_victoria_metrics(workdir, scrapes))
        prometheus.wait_for_healthy_targets(len(scrapes))
        enough = f"count(count_over_time(up[1m]) >= 6) == {len(scrapes)}"  # 4s rate windows
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


@pytest.mark.parametrize(("job", "home"), [(NODE_JOB, rn.DASHBOARD_RESOURCES),
                                           (POSTGRES_EXPORTER_JOB, rn.DASHBOARD_DATABASES)])
def test_panels_on_metrics_a_go_exporter_shares_return_data(
    backends: Backends, job: str, home: str
) -> None:
    prometheus = backends.prometheus
    their_names = {s["metric"]["__name__"] for s in prometheus.query(
        f'group by (__name__) ({{job="{job}"}})')}
    values = {name: ".*" for name in ("job", "instance", "service", "location", "datasource")}
    shared = [q for q in all_queries() if not allowed_without_data(q)
              and metric_names(substitute(q.expr, values)) <= their_names]
    print(f"\n{len(shared)} of {len(all_queries())} panel queries on metrics {job} shares")
    at_home = [q for q in all_queries() if q.dashboard == home]
    assert len([q for q in shared if q.dashboard == home]) >= len(at_home) / 2
    missing = without_data(prometheus, shared, job)
    assert not missing, "no data:\n" + "\n".join(q.where for q in missing)
