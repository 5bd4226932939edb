"""The mysql prober against a real MariaDB: load, failures, TLS, replication, compatibility."""

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from exporters.names import mysql as names
from tests.harness.exposition import family_shapes, promtool_problems
from tests.harness.mariadb import (
    MAX_CONNECTIONS,
    MONITOR_GRANTS,
    MONITOR_USER,
    MariaDB,
    running_mariadb,
)
from tests.harness.mysqld_exporter import running_mysqld_exporter
from tests.harness.outage import (
    Outages,
    exporter_ahead_of_other_load,
    timed_probe,
)
from tests.harness.probe_client import (
    ProbingExporter,
    Values,
    one,
    parse,
    secret_file,
)
from tests.harness.servers import free_port, wait_until
from tests.harness.tls import self_signed_certificate

pytestmark = pytest.mark.integration

MODULE_TIMEOUT = 3.0
SLOW_TIMEOUT = 1.5
WRONG_PASSWORD = "not-the-password-5e2a"
SECRET_USER = "user-from-a-secret-91c3"
NOPRIV = "perfsight_nopriv"
NOPRIV_PASSWORD = "nopriv-password-81c3"
TLS_USER = "perfsight_tls"
TLS_PASSWORD = "tls-password-3f9d"
SECRETS = (WRONG_PASSWORD, NOPRIV_PASSWORD, TLS_PASSWORD)


def module(timeout: float = MODULE_TIMEOUT, **options: Any) -> dict[str, Any]:
    return {"prober": "mysql", "timeout_seconds": timeout, "min_interval_seconds": 0,
            "mysql": options}


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_certificate(tmp_path_factory.mktemp("mariadb-tls"))


@pytest.fixture(scope="module")
def db(certificate: tuple[Path, Path]) -> Iterator[MariaDB]:
    cert, key = certificate
    with running_mariadb(flags=[f"--ssl-cert={cert}", f"--ssl-key={key}"]) as server:
        server.execute(
            "CREATE DATABASE load_db",
            "CREATE TABLE load_db.t (id INT PRIMARY KEY, v INT) ENGINE=InnoDB",
            "INSERT INTO load_db.t SELECT seq, seq FROM load_db.seq_1_to_2000",
            f"CREATE USER '{NOPRIV}'@'%' IDENTIFIED BY '{NOPRIV_PASSWORD}'",
            f"CREATE USER '{TLS_USER}'@'%' IDENTIFIED BY '{TLS_PASSWORD}' REQUIRE SSL",
            f"GRANT {MONITOR_GRANTS} ON *.* TO '{TLS_USER}'@'%'",
        )
        yield server


@pytest.fixture(scope="module")
def exporter(
    db: MariaDB, certificate: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProbingExporter]:
    workdir = tmp_path_factory.mktemp("perfsight-mysql")
    password = secret_file(workdir, "password", db.monitor_password)
    tls_password = secret_file(workdir, "tls", TLS_PASSWORD)
    other_ca, _other_key = self_signed_certificate(workdir)
    modules = {
        "my": module(user=MONITOR_USER, password=password),
        "my_wrong": module(
            user=MONITOR_USER, password=secret_file(workdir, "wrong", WRONG_PASSWORD)
        ),
        "my_nopriv": module(
            user=NOPRIV, password=secret_file(workdir, "nopriv", NOPRIV_PASSWORD)
        ),
        "my_slow": module(SLOW_TIMEOUT, user=MONITOR_USER, password=password),
        "my_socket": module(user=MONITOR_USER, password=password, unix_socket=str(db.socket)),
        "my_tls": module(user=TLS_USER, password=tls_password,
                         tls={"ca_file": str(certificate[0])}),
        "my_tls_plain": module(user=TLS_USER, password=tls_password),
        "my_tls_wrong_ca": module(user=TLS_USER, password=tls_password,
                                  tls={"ca_file": str(other_ca)}),
        "my_secret_user": module(user=secret_file(workdir, "user", SECRET_USER),
                                 password=secret_file(workdir, "wrong", WRONG_PASSWORD)),
    }
    targets = {
        "main": (db.address, "my"),
        "down": (f"127.0.0.1:{free_port()}", "my"),
        "local": ("localhost", "my_socket"),
    }
    # answers are timed against my_slow's 1.5 s: the exporter runs ahead of the host's load
    with exporter_ahead_of_other_load(workdir, modules, targets, "my") as running:
        yield running


@pytest.fixture(scope="module")
def outages(exporter: ProbingExporter) -> Outages:
    return Outages(exporter, "mysql", names.MYSQL_UP, MODULE_TIMEOUT)


def assert_no_secret(exporter: ProbingExporter, db: MariaDB, *texts: str) -> None:
    for secret in (db.monitor_password, *SECRETS):
        assert secret not in exporter.log()
        for text in texts:
            assert secret not in text


# --- load: the metrics move as the server works ------------------------------------------------


def run_load(db: MariaDB, commits: int, scans: int) -> None:
    """Commit updates one by one, scan a cached table, and run one slow query."""
    connection = db.connect("load_db")
    try:
        connection.autocommit(False)
        with connection.cursor() as cursor:
            for i in range(commits):
                cursor.execute("UPDATE t SET v = v + 1 WHERE id = %s", (i + 1,))
                connection.commit()
            for _ in range(scans):
                cursor.execute("SELECT SUM(v) FROM t")
            cursor.execute("SET SESSION long_query_time = 0.05")
            cursor.execute("SELECT SLEEP(0.1)")
        connection.commit()
    finally:
        connection.close()


BUFFER_POOL_READS = {
    names.MYSQL_GLOBAL_STATUS_INNODB_BUFFER_POOL_READ_REQUESTS: "innodb_buffer_pool_read_requests",
    names.MYSQL_GLOBAL_STATUS_INNODB_BUFFER_POOL_READS: "innodb_buffer_pool_reads",
}


def buffer_pool_reads(db: MariaDB) -> dict[str, float]:
    """Read the buffer pool's read counters from the server itself, keyed by metric name."""
    rows = {name.lower(): float(value) for name, value in db.execute(
        "SHOW GLOBAL STATUS WHERE Variable_name IN "
        "('Innodb_buffer_pool_read_requests', 'Innodb_buffer_pool_reads')"
    )}
    return {metric: rows[variable] for metric, variable in BUFFER_POOL_READS.items()}


def current_row_lock_waits(db: MariaDB) -> int:
    ((_name, value),) = db.execute("SHOW GLOBAL STATUS LIKE 'Innodb_row_lock_current_waits'")
    return int(value)


def test_counters_move_with_real_load(exporter: ProbingExporter, db: MariaDB) -> None:
    before = exporter.values()
    server_before = buffer_pool_reads(db)
    run_load(db, commits=25, scans=30)
    server_loaded = buffer_pool_reads(db)
    holder = db.connect("load_db")
    holder.autocommit(False)
    holder.cursor().execute("UPDATE t SET v = v WHERE id = 1")  # holds the row lock
    waiter = threading.Thread(
        target=lambda: db.execute("UPDATE load_db.t SET v = v WHERE id = 1"), daemon=True
    )
    waiter.start()
    try:
        wait_until(lambda: current_row_lock_waits(db) >= 1, 5, "the update to wait on the lock")
        during = exporter.values()
    finally:
        holder.commit()
        holder.close()
        waiter.join(timeout=10)
    server_settled = buffer_pool_reads(db)
    after = exporter.values()
    server_after = buffer_pool_reads(db)

    def delta(name: str, **labels: str) -> float:
        return one(after, name, **labels) - one(before, name, **labels)

    assert one(during, names.GLOBAL_STATUS_VARIABLES["innodb_row_lock_current_waits"]) >= 1
    assert one(during, names.MYSQL_GLOBAL_STATUS_THREADS_CONNECTED) >= 3  # holder, waiter, us
    assert one(during, names.MYSQL_GLOBAL_STATUS_THREADS_RUNNING) >= 2
    assert delta(names.MYSQL_GLOBAL_STATUS_INNODB_ROW_LOCK_WAITS) >= 1
    assert delta(names.MYSQL_GLOBAL_STATUS_INNODB_ROW_LOCK_TIME) > 0
    assert delta(names.MYSQL_GLOBAL_STATUS_COMMANDS_TOTAL, command="commit") >= 25
    assert delta(names.MYSQL_GLOBAL_STATUS_COMMANDS_TOTAL, command="update") >= 26
    assert delta(names.MYSQL_GLOBAL_STATUS_COMMANDS_TOTAL, command="select") >= 31
    assert delta(names.MYSQL_GLOBAL_STATUS_QUESTIONS) >= 25 + 26 + 31
    assert delta(names.MYSQL_GLOBAL_STATUS_SLOW_QUERIES) >= 1
    # the server's own counters, read around each scrape, bracket what the exporter reports:
    # how many of them come from the server's background work is the server's business
    for name in BUFFER_POOL_READS:
        assert one(before, name) <= server_before[name]
        assert server_settled[name] <= one(after, name) <= server_after[name], name
    scans = names.MYSQL_GLOBAL_STATUS_INNODB_BUFFER_POOL_READ_REQUESTS
    assert server_loaded[scans] - server_before[scans] > 30  # each scan asks for the pages
    assert delta(scans) >= server_loaded[scans] - server_before[scans]
    total_reads = one(after, names.MYSQL_GLOBAL_STATUS_INNODB_BUFFER_POOL_READS)
    total_requests = one(after, names.MYSQL_GLOBAL_STATUS_INNODB_BUFFER_POOL_READ_REQUESTS)
    assert total_reads > 0  # the cold start read pages from disk
    assert 0.0 <= 1 - total_reads / total_requests <= 1.0
    assert one(after, names.MYSQL_GLOBAL_VARIABLES_MAX_CONNECTIONS) == MAX_CONNECTIONS
    assert one(after, names.MYSQL_UP) == 1
    (version,) = after[names.MYSQL_VERSION_INFO]
    assert "MariaDB" in dict(version)[names.LABEL_VERSION]
    pages = after[names.MYSQL_GLOBAL_STATUS_BUFFER_POOL_PAGES]
    assert {dict(labels)[names.LABEL_STATE] for labels in pages} == set(
        names.BUFFER_POOL_PAGE_STATES
    )
    assert names.MYSQL_GLOBAL_STATUS_TABLE_LOCKS_WAITED in after
    assert names.MYSQL_SLAVE_STATUS_SECONDS_BEHIND_MASTER not in after  # not a replica


def test_every_statement_carries_a_server_side_deadline(
    exporter: ProbingExporter, db: MariaDB
) -> None:
    # connected before the log starts, and finished: a probe that overran its 1.5 s would go on
    # sending statements into the log (or a failed one leave a reconnection to the next probe)
    assert one(exporter.values("main", "my_slow"), names.MYSQL_UP) == 1
    db.execute("SET GLOBAL log_output = 'TABLE'", "TRUNCATE mysql.general_log",
               "SET GLOBAL general_log = ON")
    try:
        logged = exporter.values("main", "my_slow")
    finally:
        statements = [str(text) for (text,) in db.execute(
            "SET GLOBAL general_log = OFF",
            "SELECT argument FROM mysql.general_log WHERE command_type = 'Query' "
            f"AND user_host LIKE '{MONITOR_USER}[%'",
        )]
    assert one(logged, names.MYSQL_UP) == 1
    assert len(statements) == 3, statements  # one per group, nothing else
    prefix = "SET STATEMENT max_statement_time="
    for statement in statements:
        assert statement.startswith(prefix), statement
        seconds = float(statement.removeprefix(prefix).split()[0])
        assert 0 < seconds <= SLOW_TIMEOUT * 0.8


# --- failures: each answers 200 fast, logs once, leaks no secret ------------------------------


def test_a_kept_session_serves_scrapes_whose_deadlines_differ(
    exporter: ProbingExporter, db: MariaDB
) -> None:
    connection = db.connect()

    def connections() -> float:
        with connection.cursor() as cursor:
            cursor.execute("SHOW GLOBAL STATUS LIKE 'Connections'")
            return float(cursor.fetchall()[0][1])

    try:
        made = exporter.new_connections(connections, names.MYSQL_UP, MODULE_TIMEOUT)
    finally:
        connection.close()
    assert made == 0


def test_server_down_is_up_0_fast_and_logged_once(
    exporter: ProbingExporter, db: MariaDB, outages: Outages
) -> None:
    for _ in range(3):
        response, elapsed = exporter.probe("down")
        assert response.status_code == 200
        assert elapsed < MODULE_TIMEOUT
        assert parse(response.text) == {names.MYSQL_UP: {frozenset(): 0.0}}
    (line,) = outages.lines("my", "down", "is down")
    assert "2003 Can't connect to MySQL server" in line
    assert "Connection refused" in line
    assert_no_secret(exporter, db, response.text)


def test_wrong_password_is_up_0_without_the_password_anywhere(
    exporter: ProbingExporter, db: MariaDB, outages: Outages
) -> None:
    aborted = names.MYSQL_GLOBAL_STATUS_ABORTED_CONNECTS
    before = one(exporter.values(), aborted)
    for _ in range(2):
        response, elapsed = exporter.probe("main", "my_wrong")
        assert response.status_code == 200
        assert elapsed < MODULE_TIMEOUT
        assert parse(response.text) == {names.MYSQL_UP: {frozenset(): 0.0}}
    (line,) = outages.lines("my_wrong", "main", "is down")
    assert f"1045 Access denied for user '{MONITOR_USER}'" in line
    assert one(exporter.values(), aborted) - before >= 2  # the server counted both attempts
    assert_no_secret(exporter, db, response.text)


def test_a_user_name_from_a_secret_reference_is_redacted_too(
    exporter: ProbingExporter, db: MariaDB, outages: Outages
) -> None:
    assert one(exporter.values("main", "my_secret_user"), names.MYSQL_UP) == 0
    (line,) = outages.lines("my_secret_user", "main", "is down")
    assert "1045 Access denied for user '<redacted>'" in line  # the server names the user
    assert SECRET_USER not in exporter.log()


def test_permissionless_user_loses_only_the_denied_group(
    exporter: ProbingExporter, db: MariaDB
) -> None:
    values = exporter.values("main", "my_nopriv")
    assert one(values, names.MYSQL_UP) == 1
    assert names.MYSQL_GLOBAL_STATUS_QUESTIONS in values
    assert names.MYSQL_GLOBAL_VARIABLES_MAX_CONNECTIONS in values
    exporter.values("main", "my_nopriv")
    left_out = [line for line in exporter.log().splitlines()
                if "module my_nopriv target main: metrics left out" in line]
    assert len(left_out) == 1, left_out  # logged when it starts, not on every probe
    assert "replication (OperationalError: 1227 Access denied" in left_out[0]
    assert "SLAVE MONITOR" in left_out[0]
    assert "module my target main: metrics left out" not in exporter.log()
    assert_no_secret(exporter, db)


def test_frozen_server_is_up_0_at_the_deadline_then_recovers(
    exporter: ProbingExporter, db: MariaDB, outages: Outages
) -> None:
    assert one(exporter.values("main", "my_slow"), names.MYSQL_UP) == 1  # connection kept
    mark = outages.mark()  # what earlier probes of my_slow logged is not this outage's
    db.freeze()
    try:
        response, elapsed = timed_probe(exporter, "main", "my_slow")
    finally:
        db.thaw()
    assert response.status_code == 200
    assert SLOW_TIMEOUT * 0.5 < elapsed < SLOW_TIMEOUT + 0.5
    assert parse(response.text) == {names.MYSQL_UP: {frozenset(): 0.0}}
    (line,) = outages.lines("my_slow", "main", "is down", since=mark)
    assert "timed out" in line
    outages.up_again("main", "my_slow")
    recovered = outages.lines("my_slow", "main", "recovered", since=mark)
    assert len(recovered) == 1, recovered
    assert_no_secret(exporter, db, response.text)


def test_killed_server_is_up_0_then_recovers_after_restart(tmp_path: Path) -> None:
    with running_mariadb() as crashy:
        modules = {"my": module(user=MONITOR_USER,
                                password=secret_file(tmp_path, "pw", crashy.monitor_password))}
        targets = {"crashy": (crashy.address, "my")}
        with exporter_ahead_of_other_load(tmp_path, modules, targets, "my") as exporter:
            assert one(exporter.values("crashy"), names.MYSQL_UP) == 1
            crashy.kill()
            for _ in range(2):
                response, elapsed = exporter.probe("crashy")
                assert response.status_code == 200
                assert elapsed < MODULE_TIMEOUT
                assert one(parse(response.text), names.MYSQL_UP) == 0
            crashy.start()
            assert one(exporter.values("crashy"), names.MYSQL_UP) == 1  # first probe after
            log = exporter.log()
            assert log.count("target crashy is down") == 1
            assert log.count("target crashy recovered") == 1
            assert crashy.monitor_password not in log


# --- how to reach the server: unix socket, TLS ---------------------------------------------------


def test_unix_socket_module(exporter: ProbingExporter) -> None:
    values = exporter.values("local", "my_socket")
    assert one(values, names.MYSQL_UP) == 1
    assert names.MYSQL_GLOBAL_STATUS_THREADS_CONNECTED in values


def test_tls_verified_against_the_ca(
    exporter: ProbingExporter, db: MariaDB, outages: Outages
) -> None:
    assert one(exporter.values("main", "my_tls"), names.MYSQL_UP) == 1
    assert one(exporter.values("main", "my_tls_plain"), names.MYSQL_UP) == 0  # REQUIRE SSL
    assert one(exporter.values("main", "my_tls_wrong_ca"), names.MYSQL_UP) == 0
    (plain,) = outages.lines("my_tls_plain", "main", "is down")
    assert f"1045 Access denied for user '{TLS_USER}'" in plain
    (wrong_ca,) = outages.lines("my_tls_wrong_ca", "main", "is down")
    assert "CERTIFICATE_VERIFY_FAILED" in wrong_ca
    assert_no_secret(exporter, db)


# --- lint and compatibility ----------------------------------------------------------------------


def test_promtool_check_metrics_is_clean(exporter: ProbingExporter) -> None:
    response, _elapsed = exporter.probe("main")
    assert promtool_problems(response.text) == []


def compare_with_mysqld_exporter(ours_text: str, db: MariaDB, workdir: Path) -> list[str]:
    """Return the families both emit, asserting each has the same type and label names."""
    with running_mysqld_exporter(db, workdir) as url:
        theirs_text = requests.get(f"{url}/metrics", timeout=10).text
    assert "mysql_up 1" in theirs_text
    ours, theirs = family_shapes(ours_text), family_shapes(theirs_text)
    shared = sorted(set(ours) & set(theirs))
    mismatched = {name: (theirs[name], ours[name]) for name in shared if theirs[name] != ours[name]}
    assert mismatched == {}
    return shared


def test_shared_metrics_match_mysqld_exporter(exporter: ProbingExporter, db: MariaDB,
                                              tmp_path: Path) -> None:
    response, _elapsed = exporter.probe("main")
    shared = compare_with_mysqld_exporter(response.text, db, tmp_path)
    print(f"\n{len(shared)} metric families shared with mysqld_exporter, all matching")
    ours = family_shapes(response.text)
    # every family perfsight emits on a primary, mysqld_exporter emits too
    assert set(ours) == set(shared), set(ours) - set(shared)
    must_share = {names.MYSQL_UP, names.MYSQL_VERSION_INFO,
                  names.MYSQL_GLOBAL_STATUS_COMMANDS_TOTAL,
                  names.MYSQL_GLOBAL_STATUS_INNODB_BUFFER_POOL_READS,
                  names.MYSQL_GLOBAL_VARIABLES_MAX_CONNECTIONS}
    assert must_share <= set(shared), must_share - set(shared)


# --- replication: a real replica, delayed on purpose --------------------------------------------


def replica_values(exporter: ProbingExporter) -> Values:
    return exporter.values("replica")


def lag_of(exporter: ProbingExporter, channel: dict[str, str]) -> float | None:
    """Return the replica's Seconds_Behind_Master, None while the server reports NULL."""
    series = replica_values(exporter).get(names.MYSQL_SLAVE_STATUS_SECONDS_BEHIND_MASTER, {})
    return series.get(frozenset(channel.items()))


def test_replication_lag_on_a_delayed_replica(db: MariaDB, tmp_path: Path) -> None:
    # the lag is visible (>= 1 s) for about delay - 1 s: long enough for polls by probe at load
    delay = 6
    with running_mariadb(server_id=2) as replica:
        replica.execute(f"CREATE USER '{NOPRIV}'@'%' IDENTIFIED BY '{NOPRIV_PASSWORD}'")
        replica.replicate_from(db, delay_seconds=delay)
        modules = {
            "my": module(user=MONITOR_USER,
                         password=secret_file(tmp_path, "pw", replica.monitor_password)),
            "my_nopriv": module(user=NOPRIV,
                                password=secret_file(tmp_path, "np", NOPRIV_PASSWORD)),
        }
        targets = {"replica": (replica.address, "my"), "primary": (db.address, "my")}
        with exporter_ahead_of_other_load(tmp_path, modules, targets, "my") as exporter:
            channel = {names.LABEL_MASTER_HOST: "127.0.0.1", names.LABEL_MASTER_UUID: "",
                       names.LABEL_CHANNEL_NAME: "", names.LABEL_CONNECTION_NAME: ""}
            key = frozenset(channel.items())
            lag = names.MYSQL_SLAVE_STATUS_SECONDS_BEHIND_MASTER
            io_running = names.MYSQL_SLAVE_STATUS_SLAVE_IO_RUNNING
            running = (io_running, names.MYSQL_SLAVE_STATUS_SLAVE_SQL_RUNNING)
            wait_until(lambda: all(replica_values(exporter).get(name, {}).get(key) == 1
                                   for name in running), 10, "the replica to connect")
            values = replica_values(exporter)
            assert one(values, names.MYSQL_SLAVE_STATUS_SQL_DELAY, **channel) == delay
            assert one(values, lag, **channel) == 0  # nothing to apply yet

            db.execute("CREATE DATABASE lag_db", "CREATE TABLE lag_db.t (id INT PRIMARY KEY)",
                       "INSERT INTO lag_db.t SELECT seq FROM lag_db.seq_1_to_100")
            wait_until(lambda: (lag_of(exporter, channel) or 0) >= 1, 10,
                       "the delayed replica to lag")
            wait_until(lambda: replica.execute("SELECT COUNT(*) FROM information_schema.tables "
                                               "WHERE table_schema = 'lag_db'") == [(1,)]
                       and lag_of(exporter, channel) == 0, delay + 15, "the replica to catch up")

            denied = exporter.values("replica", "my_nopriv")
            assert one(denied, names.MYSQL_UP) == 1
            assert lag not in denied
            assert names.MYSQL_GLOBAL_STATUS_QUESTIONS in denied
            assert lag not in exporter.values("primary")
            replica_text = exporter.probe("replica")[0].text
        shared = compare_with_mysqld_exporter(replica_text, replica, tmp_path)
        db.execute("DROP DATABASE lag_db")
    replication = [name for name in shared if name.startswith("mysql_slave_status_")]
    assert len(replication) == len(names.SLAVE_STATUS_COLUMNS), replication
    print(f"\n{len(replication)} replication families shared with mysqld_exporter, all matching")
