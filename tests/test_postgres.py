"""The postgres prober against a real PostgreSQL 15: load, failures, limits, compatibility."""

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests

from exporters.collectors import postgres as postgres_prober
from exporters.collectors.postgres_options import PostgresOptions
from exporters.multitarget import kept
from exporters.multitarget.base import Module, Target
from exporters.names import postgres as names
from exporters.secrets import SecretRef
from tests.harness.exposition import family_shapes, promtool_problems
from tests.harness.outage import (
    Outages,
    exporter_ahead_of_other_load,
    lines_since,
    log_mark,
    timed_probe,
)
from tests.harness.postgres import Postgres, running_postgres
from tests.harness.postgres_exporter import running_postgres_exporter
from tests.harness.probe_client import (
    ProbingExporter,
    Values,
    one,
    parse,
    secret_file,
)
from tests.harness.prometheus import running_prometheus
from tests.harness.servers import free_port, wait_until

pytestmark = pytest.mark.integration

MODULE_TIMEOUT = 3.0
SLOW_TIMEOUT = 1.5
WRONG_PASSWORD = "not-the-password-4c1d"
NOPRIV_PASSWORD = "nopriv-password-9e7b"
NOPRIV = "perfsight_nopriv"
MONITOR = "perfsight_monitor"  # a pg_monitor role whose statements are counted
FROZEN = "perfsight_frozen"  # a role whose backend the test freezes
QUERY_GROUPS = 8


def module(timeout: float = MODULE_TIMEOUT, **options: Any) -> dict[str, Any]:
    return {"prober": "postgres", "timeout_seconds": timeout, "min_interval_seconds": 0,
            "postgres": options}


@pytest.fixture(scope="module")
def pg() -> Iterator[Postgres]:
    with running_postgres(preload_statements=True) as server:
        server.execute("CREATE EXTENSION pg_stat_statements")
        server.execute("CREATE DATABASE nostatements")
        server.execute(f"CREATE ROLE {NOPRIV} LOGIN PASSWORD '{NOPRIV_PASSWORD}'")
        for role in (MONITOR, FROZEN):
            server.execute(
                f"CREATE ROLE {role} LOGIN PASSWORD '{server.password}' IN ROLE pg_monitor"
            )
        server.execute("CREATE TABLE load (id int PRIMARY KEY, v int)")
        server.execute("INSERT INTO load SELECT g, g FROM generate_series(1, 2000) g")
        yield server


@pytest.fixture(scope="module")
def exporter(pg: Postgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProbingExporter]:
    workdir = tmp_path_factory.mktemp("perfsight-postgres")
    password = secret_file(workdir, "password", pg.password)
    modules = {
        "pg": module(user="postgres", password=password),
        "pg_wrong": module(
            user="postgres", password=secret_file(workdir, "wrong", WRONG_PASSWORD)
        ),
        "pg_nopriv": module(
            user=NOPRIV, password=secret_file(workdir, "nopriv", NOPRIV_PASSWORD)
        ),
        "pg_nostatements": module(user="postgres", password=password, database="nostatements"),
        "pg_capped": module(
            user="postgres", password=password, statements_top_n=1000, statements_max_series=8
        ),
        "pg_slow": module(SLOW_TIMEOUT, user="postgres", password=password),
        "pg_monitor": module(user=MONITOR, password=password),
        "pg_frozen": module(SLOW_TIMEOUT, user=FROZEN, password=password),
        "pg_monitor_cached": {**module(user=MONITOR, password=password),
                              "min_interval_seconds": 30},
    }
    targets = {"main": (pg.address, "pg"), "down": (f"127.0.0.1:{free_port()}", "pg")}
    # answers are timed against pg_slow's 1.5 s: the exporter runs ahead of the host's load
    with exporter_ahead_of_other_load(workdir, modules, targets, "pg") as running:
        yield running


@pytest.fixture(scope="module")
def outages(exporter: ProbingExporter) -> Outages:
    return Outages(exporter, "postgres", names.PG_UP, MODULE_TIMEOUT)


def assert_no_secret(exporter: ProbingExporter, pg: Postgres, *texts: str) -> None:
    for secret in (pg.password, WRONG_PASSWORD, NOPRIV_PASSWORD):
        assert secret not in exporter.log()
        for text in texts:
            assert secret not in text


# --- load: the metrics move as the database works ----------------------------------------------


def run_load(pg: Postgres, commits: int, rollbacks: int) -> None:
    """Commit, roll back and read a cached table; each connection closes, flushing its stats."""
    with pg.connect() as connection:
        connection.autocommit = False
        for i in range(commits):
            connection.execute("UPDATE load SET v = v + 1 WHERE id = %s", (i + 1,))
            connection.commit()
        for i in range(rollbacks):
            connection.execute("UPDATE load SET v = v + 1 WHERE id = %s", (i + 1,))
            connection.rollback()
        for _ in range(30):
            connection.execute("SELECT sum(v) FROM load").fetchone()
        connection.commit()


def cause_deadlock(pg: Postgres) -> int:
    """Two transactions update two rows in opposite order; return how many were aborted."""
    barrier = threading.Barrier(2, timeout=10)
    aborted: list[int] = []

    def worker(first: int, second: int) -> None:
        with pg.connect() as connection:
            connection.execute("SET deadlock_timeout = '50ms'")
            try:
                with connection.transaction():
                    connection.execute("UPDATE load SET v = v WHERE id = %s", (first,))
                    barrier.wait()
                    connection.execute("UPDATE load SET v = v WHERE id = %s", (second,))
            except psycopg.errors.DeadlockDetected:
                aborted.append(1)

    threads = [threading.Thread(target=worker, args=pair) for pair in ((1, 2), (2, 1))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    return len(aborted)


def spill_to_temp_file(pg: Postgres) -> None:
    with pg.connect() as connection:
        connection.execute("SET work_mem = '64kB'")
        connection.execute(
            "SELECT count(*) FROM (SELECT g FROM generate_series(1, 100000) g ORDER BY g DESC) s"
        ).fetchone()


BLOCKS = (names.PG_STAT_DATABASE_BLKS_HIT, names.PG_STAT_DATABASE_BLKS_READ)


def blocks(pg: Postgres) -> dict[str, float]:
    """Read the postgres database's block counters from the server itself, keyed by metric."""
    with pg.connect() as connection:
        row = connection.execute(
            "SELECT blks_hit, blks_read FROM pg_stat_database WHERE datname = 'postgres'"
        ).fetchone()
    assert row is not None
    return {name: float(str(value)) for name, value in zip(BLOCKS, row, strict=True)}


def test_counters_move_with_real_load(exporter: ProbingExporter, pg: Postgres) -> None:
    db = {names.LABEL_DATNAME: "postgres"}
    before = exporter.values()
    server_before = blocks(pg)
    labels = next(iter(k for k in before[names.PG_STAT_DATABASE_XACT_COMMIT]
                       if ("datname", "postgres") in k))
    run_load(pg, commits=40, rollbacks=7)
    assert cause_deadlock(pg) == 1
    spill_to_temp_file(pg)

    def counted() -> bool:
        # each backend's statistics reach pg_stat_database when it exits, after its client left
        now = exporter.values()
        return now[names.PG_STAT_DATABASE_DEADLOCKS][labels] >= 1 and (
            now[names.PG_STAT_DATABASE_XACT_ROLLBACK][labels]
            - before[names.PG_STAT_DATABASE_XACT_ROLLBACK][labels] >= 7
        ) and (
            now[names.PG_STAT_DATABASE_TEMP_BYTES][labels]
            > before[names.PG_STAT_DATABASE_TEMP_BYTES][labels]
        )

    wait_until(counted, 30, "the load to show in pg_stat_database")
    server_settled = blocks(pg)
    after = exporter.values()
    server_after = blocks(pg)

    def delta(name: str) -> float:
        return after[name][labels] - before[name][labels]

    assert delta(names.PG_STAT_DATABASE_XACT_COMMIT) >= 40
    assert delta(names.PG_STAT_DATABASE_XACT_ROLLBACK) >= 7
    assert delta(names.PG_STAT_DATABASE_DEADLOCKS) == 1
    assert delta(names.PG_STAT_DATABASE_TEMP_BYTES) > 0
    assert delta(names.STAT_DATABASE_COUNTERS["tup_updated"]) >= 40
    # the server's own counters, read around each scrape, bracket what the exporter reports:
    # how many blocks autovacuum or a new backend's catalog reads add is the server's business
    for name in BLOCKS:
        assert before[name][labels] <= server_before[name]
        assert server_settled[name] <= after[name][labels] <= server_after[name], name
    hits, reads = delta(names.PG_STAT_DATABASE_BLKS_HIT), delta(names.PG_STAT_DATABASE_BLKS_READ)
    assert hits + reads >= 30  # each of the 30 scans asks for the table's blocks
    total_hits = after[names.PG_STAT_DATABASE_BLKS_HIT][labels]
    total_ratio = total_hits / (total_hits + after[names.PG_STAT_DATABASE_BLKS_READ][labels])
    assert 0.0 <= total_ratio <= 1.0
    assert one(after, names.PG_UP) == 1
    assert one(after, names.PG_SETTINGS_MAX_CONNECTIONS) == 50  # the harness's setting
    assert one(after, names.PG_DATABASE_SIZE_BYTES, **db) > 1_000_000
    assert one(after, names.PG_DATABASE_WRAPAROUND_AGE_DATFROZENXID, **db) > 0
    assert one(after, names.PG_REPLICATION_IS_REPLICA) == 0
    (static,) = after[names.PG_STATIC]
    assert dict(static)[names.LABEL_SHORT_VERSION].startswith("15.")
    assert names.PG_STAT_BGWRITER_CHECKPOINTS_TIMED_TOTAL in after


def sleep_until_canceled(connection: psycopg.Connection[Any]) -> None:
    with contextlib.suppress(psycopg.Error):  # canceled by the test (or closed under it)
        connection.execute("SELECT pg_sleep(30)")


def test_open_transaction_lock_and_long_query_are_seen(
    exporter: ProbingExporter, pg: Postgres
) -> None:
    holder = pg.connect()
    sleeper = pg.connect()
    sleeping = threading.Thread(target=sleep_until_canceled, args=(sleeper,), daemon=True)
    sleeping.start()
    try:
        holder.autocommit = False
        holder.execute("LOCK TABLE load IN ACCESS EXCLUSIVE MODE")  # now idle in transaction
        query_age = names.PG_STAT_ACTIVITY_OLDEST_QUERY_AGE_SECONDS
        idle = {"datname": "postgres", "state": names.STATE_IDLE_IN_TRANSACTION}

        def aged(values: Values) -> bool:
            durations = values.get(names.PG_STAT_ACTIVITY_MAX_TX_DURATION, {})
            return (one(values, query_age, datname="postgres") > 0.3
                    and durations.get(frozenset(idle.items()), 0.0) > 0.3)

        wait_until(lambda: aged(exporter.values()), 30, "the query and the transaction to age")
        values = exporter.values()
        assert one(values, names.PG_STAT_ACTIVITY_COUNT, **idle) >= 1
        assert one(values, names.PG_STAT_ACTIVITY_MAX_TX_DURATION, **idle) > 0.3
        assert one(values, names.PG_STAT_ACTIVITY_COUNT, datname="postgres", state="active") >= 1
        assert one(values, names.PG_LOCKS_COUNT, datname="postgres",
                   mode="accessexclusivelock") >= 1
        assert one(values, query_age, datname="postgres") < 30
    finally:
        holder.close()
        sleeper.cancel_safe()
        sleeping.join(timeout=10)
        sleeper.close()
    wait_until(lambda: one(exporter.values(), names.PG_LOCKS_COUNT, datname="postgres",
                           mode="accessexclusivelock") == 0, 30, "the lock to be released")


# --- pg_stat_statements -------------------------------------------------------------------------


def statement_series(values: Values) -> int:
    families = (names.PG_STAT_STATEMENTS_CALLS_TOTAL, names.PG_STAT_STATEMENTS_SECONDS_TOTAL,
                names.PG_STAT_STATEMENTS_ROWS_TOTAL, names.PG_STAT_STATEMENTS_MEAN_SECONDS)
    return sum(len(values.get(name, {})) for name in families)


def test_statements_top_n_present_where_the_extension_exists(exporter: ProbingExporter) -> None:
    values = exporter.values()
    calls = values[names.PG_STAT_STATEMENTS_CALLS_TOTAL]
    assert 0 < len(calls) <= 20
    assert {key for key, _value in next(iter(calls))} == {"user", "datname", "queryid"}
    seconds = values[names.PG_STAT_STATEMENTS_SECONDS_TOTAL]
    totals = list(seconds.values())
    assert all(total >= 0 for total in totals)
    for labels, count in calls.items():
        mean = values[names.PG_STAT_STATEMENTS_MEAN_SECONDS][labels]
        assert mean == pytest.approx(seconds[labels] / count, rel=1e-6)


def test_statements_capped_by_max_series_keep_the_top_by_total_time(
    exporter: ProbingExporter, pg: Postgres
) -> None:
    pg.execute("SELECT pg_stat_statements_reset()")
    pg.execute("SELECT pg_sleep(1.2)")  # two statements far slower than anything else
    pg.execute("SELECT pg_sleep(1.0)::text")
    with pg.connect() as connection:
        heavy = {str(row[0]) for row in connection.execute(
            "SELECT queryid FROM pg_stat_statements WHERE query LIKE 'SELECT pg_sleep%'")}
    assert len(heavy) == 2
    values = exporter.values("main", "pg_capped")
    calls = values[names.PG_STAT_STATEMENTS_CALLS_TOTAL]
    assert {dict(labels)["queryid"] for labels in calls} == heavy  # 8 series / 4 families
    assert statement_series(values) == 8


def test_statements_absent_without_the_extension(exporter: ProbingExporter, pg: Postgres) -> None:
    values = exporter.values("main", "pg_nostatements")
    assert one(values, names.PG_UP) == 1
    assert statement_series(values) == 0
    assert names.PG_STAT_DATABASE_XACT_COMMIT in values
    assert "module pg_nostatements target main: metrics left out: statements (" in exporter.log()
    assert_no_secret(exporter, pg)


def monitor_statements(pg: Postgres) -> int:
    """Count the monitor's query groups' statement calls.

    A probe slower than a tenth of its budget (a loaded host) refits statement_timeout with
    one `set_config` before a later group; how many is up to the host's load, so those are left
    out here (test_postgres_timeout.py shows when they are sent).
    """
    with pg.connect() as connection:
        row = connection.execute(
            "SELECT COALESCE(sum(calls), 0)::int FROM pg_stat_statements"
            " WHERE userid = %s::regrole AND NOT query LIKE 'SELECT set_config(%%'",
            (MONITOR,),
        ).fetchone()
    assert row is not None
    return int(str(row[0]))


def test_one_round_of_queries_per_probe_and_per_interval(
    exporter: ProbingExporter, pg: Postgres
) -> None:
    assert one(exporter.values("main", "pg_monitor"), names.PG_UP) == 1  # connected
    pg.execute("SELECT pg_stat_statements_reset()")
    for _ in range(5):
        assert one(exporter.values("main", "pg_monitor"), names.PG_UP) == 1
    assert monitor_statements(pg) == 5 * QUERY_GROUPS  # one statement per group, nothing else

    pg.execute("SELECT pg_stat_statements_reset()")  # pg_monitor_cached never probed yet
    answers: list[int] = []
    barrier = threading.Barrier(3)

    def scrape() -> None:
        barrier.wait()
        answers.append(exporter.probe("main", "pg_monitor_cached")[0].status_code)

    threads = [threading.Thread(target=scrape) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [200, 200, 200]
    assert monitor_statements(pg) == QUERY_GROUPS  # three scrapers, one round of queries
    assert one(exporter.values("main", "pg_monitor_cached"), names.PG_UP) == 1
    assert monitor_statements(pg) == QUERY_GROUPS  # and a fourth within 30 s: none


# --- failures: each answers 200 fast, logs once, leaks no secret ------------------------------


def test_server_down_is_up_0_fast_and_logged_once(
    exporter: ProbingExporter, pg: Postgres, outages: Outages
) -> None:
    for _ in range(3):
        response, elapsed = exporter.probe("down")
        assert response.status_code == 200
        assert elapsed < MODULE_TIMEOUT
        assert parse(response.text) == {names.PG_UP: {frozenset(): 0.0}}
    lines = outages.lines("pg", "down", "is down")
    assert len(lines) == 1, lines
    assert "Connection refused" in lines[0]
    assert_no_secret(exporter, pg, response.text)


def test_wrong_password_is_up_0_without_the_password_anywhere(
    exporter: ProbingExporter, pg: Postgres
) -> None:
    response, elapsed = exporter.probe("main", "pg_wrong")
    assert response.status_code == 200
    assert elapsed < MODULE_TIMEOUT
    assert one(parse(response.text), names.PG_UP) == 0
    assert "password authentication failed" in exporter.log()
    assert_no_secret(exporter, pg, response.text)


def test_permissionless_user_loses_only_the_denied_group(
    exporter: ProbingExporter, pg: Postgres
) -> None:
    pg.execute("REVOKE SELECT ON pg_catalog.pg_locks FROM PUBLIC")
    try:
        values = exporter.values("main", "pg_nopriv")
    finally:
        pg.execute("GRANT SELECT ON pg_catalog.pg_locks TO PUBLIC")
    assert one(values, names.PG_UP) == 1
    assert names.PG_LOCKS_COUNT not in values
    assert names.PG_STAT_DATABASE_XACT_COMMIT in values
    assert names.PG_STAT_ACTIVITY_COUNT in values
    assert ("module pg_nopriv target main: metrics left out: locks (InsufficientPrivilege"
            in exporter.log())
    assert names.PG_LOCKS_COUNT in exporter.values("main", "pg_nopriv")
    assert "module pg_nopriv target main: metrics back: locks" in exporter.log()
    assert_no_secret(exporter, pg)


def test_slow_server_cancels_queries_at_the_deadline(
    exporter: ProbingExporter, pg: Postgres
) -> None:
    first = log_mark(exporter)
    assert one(exporter.values("main", "pg_slow"), names.PG_UP) == 1  # connection kept
    # and every group answered: a group the warm-up left out is not logged again if the fault
    # fails it alike
    assert [line for line in lines_since(exporter, first)
            if "module pg_slow target main: metrics left out" in line] == []
    mark = log_mark(exporter)

    def failures() -> list[str]:
        # the server cancels at statement_timeout; a backend the host's load wakes late can be
        # cut off first by the prober's own watchdog (at 0.9 of the deadline): then it is down
        return [line for line in lines_since(exporter, mark)
                if "module pg_slow target main" in line
                and ("statement timeout" in line or " is down" in line)]

    server_mark = len(pg.log())

    def canceled_by_the_server() -> bool:
        return "canceling statement due to statement timeout" in pg.log()[server_mark:]

    blocker = pg.connect()
    try:
        blocker.autocommit = False
        # a catalog lock every statistics view waits on: queries outlive statement_timeout
        blocker.execute("LOCK TABLE pg_catalog.pg_database IN ACCESS EXCLUSIVE MODE")
        response, elapsed = timed_probe(exporter, "main", "pg_slow")
        # the runner answers at the deadline even when a loaded server cancels a little later:
        # the lock stays until the server has canceled and the probe has logged it, so no
        # query gets through
        wait_until(lambda: canceled_by_the_server() and bool(failures()), 30,
                   "the server to cancel the probe's queries and the probe to log it")
    finally:
        blocker.close()
    assert response.status_code == 200
    assert elapsed < SLOW_TIMEOUT + 0.5
    values = parse(response.text)
    assert one(values, names.PG_UP) == 0 or names.PG_LOCKS_COUNT not in values
    assert len(failures()) == 1, failures()  # one line names every group left out
    # the lock goes when the server has processed the blocker's disconnection
    wait_until(lambda: names.PG_LOCKS_COUNT in exporter.values("main", "pg_slow"), 10,
               "every group back once the lock is gone")
    assert one(exporter.values("main", "pg_slow"), names.PG_UP) == 1
    assert_no_secret(exporter, pg, response.text)


def test_frozen_backend_is_cut_off_by_the_prober_itself(
    exporter: ProbingExporter, pg: Postgres, outages: Outages
) -> None:
    assert one(exporter.values("main", "pg_frozen"), names.PG_UP) == 1  # connection kept
    mark = outages.mark()
    with pg.connect() as connection:
        row = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE usename = %s", (FROZEN,)
        ).fetchone()
    assert row is not None
    backend = int(str(row[0]))
    os.kill(backend, signal.SIGSTOP)  # answers nothing, not even a cancel: TCP stays up
    try:
        response, elapsed = timed_probe(exporter, "main", "pg_frozen")
        assert response.status_code == 200
        assert elapsed < SLOW_TIMEOUT + 0.5
        assert one(parse(response.text), names.PG_UP) == 0
        # the probe itself gives up (not only the runner): its failure line is logged while
        # the backend is still frozen
        wait_until(lambda: bool(outages.lines("pg_frozen", "main", "is down", since=mark)), 3,
                   "the prober to give up on the frozen backend")
    finally:
        os.kill(backend, signal.SIGCONT)
    outages.up_again("main", "pg_frozen")  # a new connection
    assert outages.lines("pg_frozen", "main", "recovered", since=mark)


def test_kept_connections_are_capped_per_module(
    pg: Postgres, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(kept, "MAX_KEPT_CLIENTS", 2)
    role = "perfsight_capped"
    pg.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{pg.password}'")
    password = tmp_path / "pw"
    password.write_text(pg.password)
    prober = postgres_prober.PostgresProber(Module(
        "capped", "postgres", 5.0, 0.0, False,
        PostgresOptions(user=role, password=SecretRef(file=str(password))),
    ))
    addresses = [pg.address, f"localhost:{pg.port}", f"{pg.socket_dir}:{pg.port}"]

    def backends() -> int:
        with pg.connect() as connection:
            row = connection.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE usename = %s", (role,)
            ).fetchone()
        assert row is not None
        return int(str(row[0]))

    try:
        for address in addresses:
            families = prober.probe(Target(address, address), MODULE_TIMEOUT)
            assert families[0].samples[0].value == 1
        wait_until(lambda: backends() == 2, 5, "the oldest connection to be closed")
        families = prober.probe(Target(addresses[0], addresses[0]), MODULE_TIMEOUT)
        assert families[0].samples[0].value == 1  # reconnected, evicting the next oldest
        wait_until(lambda: backends() == 2, 5, "two connections kept")
    finally:
        prober.close()
    wait_until(lambda: backends() == 0, 5, "close() to close every connection")


def test_crash_then_restart_recovers_and_unloaded_extension_is_absent(
    tmp_path: Path,
) -> None:
    with running_postgres() as crashy:
        # created but not in shared_preload_libraries: the view exists, querying it fails
        crashy.execute("CREATE EXTENSION pg_stat_statements")
        modules = {"pg": module(
            user="postgres", password=secret_file(tmp_path, "pw", crashy.password)
        )}
        targets = {"crashy": (crashy.address, "pg")}
        # probes are timed against the module's 3 s: the exporter runs ahead of the host's load
        with exporter_ahead_of_other_load(tmp_path, modules, targets, "pg") as exporter:
            values = exporter.values("crashy")
            assert one(values, names.PG_UP) == 1
            assert statement_series(values) == 0
            assert "shared_preload_libraries" in exporter.log()
            crashy.stop("immediate")
            for _ in range(2):
                response, elapsed = exporter.probe("crashy")
                assert response.status_code == 200
                assert elapsed < MODULE_TIMEOUT
                assert one(parse(response.text), names.PG_UP) == 0
            crashy.start()
            assert one(exporter.values("crashy"), names.PG_UP) == 1  # first probe after restart
            log = exporter.log()
            assert log.count("target crashy is down") == 1
            assert log.count("target crashy recovered") == 1
            assert crashy.password not in log


def test_embedded_module_works_from_the_libpq_environment(
    pg: Postgres, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGUSER", "postgres")
    monkeypatch.setenv("PGPASSWORD", pg.password)  # inherited by the exporter process
    targets = {"db": (pg.address, "postgres")}
    with exporter_ahead_of_other_load(tmp_path, {}, targets, "pg") as exporter:
        values = exporter.values("db", "postgres")
        assert one(values, names.PG_UP) == 1
        assert pg.password not in exporter.log()


# --- lint and compatibility ----------------------------------------------------------------------


def test_promtool_check_metrics_is_clean_apart_from_postgres_exporter_names(
    exporter: ProbingExporter,
) -> None:
    response, _elapsed = exporter.probe("main")
    unexpected = promtool_problems(response.text, names.POSTGRES_VERBATIM_NAMES)
    assert unexpected == [], "\n".join(unexpected)


def scrape_postgres_exporter(pg: Postgres, workdir: Path) -> str:
    """Run Debian's postgres_exporter against pg and return one scrape."""
    with running_postgres_exporter(pg, workdir) as url:
        text = requests.get(f"{url}/metrics", timeout=10).text
    assert "pg_up 1" in text
    return text


@pytest.fixture(scope="module")
def postgres_exporter_text(pg: Postgres, tmp_path_factory: pytest.TempPathFactory) -> str:
    return scrape_postgres_exporter(pg, tmp_path_factory.mktemp("postgres_exporter"))


def shapes_without_server_label(text: str) -> dict[str, tuple[str, frozenset[str]]]:
    """Family shapes; postgres_exporter's `server` label (its DSN's host:port) left out.

    Under /probe the target is Prometheus' `instance` label instead.
    """
    shapes = family_shapes(text)
    return {name: (kind, labels - {"server"}) for name, (kind, labels) in shapes.items()}


def test_shared_metrics_match_postgres_exporter(
    exporter: ProbingExporter, postgres_exporter_text: str
) -> None:
    response, _elapsed = exporter.probe("main")
    ours = family_shapes(response.text)
    theirs = shapes_without_server_label(postgres_exporter_text)
    shared = sorted(set(ours) & set(theirs))
    mismatched = {name: (theirs[name], ours[name]) for name in shared if theirs[name] != ours[name]}
    print(f"\n{len(shared)} metric families shared with postgres_exporter, all matching")
    assert mismatched == {}
    must_share = {names.PG_UP, names.PG_STATIC, names.PG_STAT_DATABASE_XACT_COMMIT,
                  names.PG_STAT_DATABASE_BLKS_HIT, names.PG_LOCKS_COUNT,
                  names.PG_STAT_ACTIVITY_COUNT, names.PG_DATABASE_SIZE_BYTES,
                  names.PG_SETTINGS_MAX_CONNECTIONS, names.PG_STAT_BGWRITER_CHECKPOINTS_TIMED_TOTAL}
    assert must_share <= set(shared), must_share - set(shared)


def test_prometheus_scrapes_probe_with_the_readme_relabeling(
    exporter: ProbingExporter, tmp_path: Path
) -> None:
    host_port = exporter.url.removeprefix("http://")
    scrape = {
        "job_name": "postgres",
        "metrics_path": "/probe",
        "params": {"module": ["pg"]},
        "static_configs": [{"targets": ["main"]}],
        "relabel_configs": [
            {"source_labels": ["__address__"], "target_label": "__param_target"},
            {"source_labels": ["__param_target"], "target_label": "instance"},
            {"target_label": "__address__", "replacement": host_port},
        ],
    }
    with running_prometheus(tmp_path, [scrape]) as prometheus:
        series = prometheus.wait_for_series(
            f'{names.PG_STAT_DATABASE_XACT_COMMIT}{{datname="postgres"}}', timeout=30
        )
        assert series[0]["metric"]["instance"] == "main"
        assert prometheus.query(f"{names.PG_UP} == 1")


# --- replication: a real streaming standby -------------------------------------------------------


def test_replication_lag_on_primary_and_standby(pg: Postgres, tmp_path: Path) -> None:
    with running_postgres(preload_statements=True, standby_of=pg) as standby:
        password = secret_file(tmp_path, "pw", pg.password)
        modules = {"pg": module(user="postgres", password=password)}
        targets = {"primary": (pg.address, "pg"), "standby": (standby.address, "pg")}
        with exporter_ahead_of_other_load(tmp_path, modules, targets, "pg") as exporter:
            lag_bytes = names.PG_STAT_REPLICATION_PG_WAL_LSN_DIFF
            wait_until(lambda: bool(exporter.values("primary").get(lag_bytes)), 10,
                       "the standby to stream")
            (labels,) = exporter.values("primary")[lag_bytes]
            assert dict(labels)["state"] == "streaming"
            standby_values = exporter.values("standby")
            assert one(standby_values, names.PG_REPLICATION_IS_REPLICA) == 1
            assert one(standby_values, names.PG_REPLICATION_LAG_SECONDS) >= 0
            assert names.PG_STAT_REPLICATION_PG_WAL_LSN_DIFF not in standby_values

            standby.execute("SELECT pg_wal_replay_pause()")
            try:
                pg.execute("INSERT INTO load SELECT g, g FROM generate_series(100001, 101000) g")
                wait_until(lambda: one(exporter.values("primary"), lag_bytes, **dict(labels)) > 0
                           and one(exporter.values("standby"),
                                   names.PG_REPLICATION_REPLAY_LAG_BYTES) > 0,
                           10, "replay lag while replay is paused")
            finally:
                standby.execute("SELECT pg_wal_replay_resume()")
                pg.execute("DELETE FROM load WHERE id > 100000")
            wait_until(lambda: one(exporter.values("standby"),
                                   names.PG_REPLICATION_REPLAY_LAG_BYTES) == 0,
                       10, "the standby to catch up")
            primary_text = exporter.probe("primary")[0].text
        theirs = shapes_without_server_label(scrape_postgres_exporter(pg, tmp_path))
    ours = family_shapes(primary_text)
    replication = sorted(name for name in set(ours) & set(theirs)
                         if name.startswith("pg_stat_replication"))
    assert replication, "postgres_exporter shares no pg_stat_replication family"
    print(f"\nwith a standby attached, shared and matching: {replication} {ours[replication[0]]}")
    mismatched = {name: (theirs[name], ours[name]) for name in replication
                  if theirs[name] != ours[name]}
    assert mismatched == {}
