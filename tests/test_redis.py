"""The redis prober against a real redis-server 7: load, failures, options, compatibility."""

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from exporters.collectors.redis import RedisProber
from exporters.collectors.redis_options import RedisOptions
from exporters.multitarget import kept
from exporters.multitarget.base import Module, Target
from exporters.multitarget.settings import parse_modules
from exporters.names import redis as names
from exporters.secrets import SecretRef
from exporters.validation import Validator
from tests.harness.exposition import family_shapes, promtool_problems
from tests.harness.outage import Outages, exporter_ahead_of_other_load, timed_probe
from tests.harness.probe_client import ProbingExporter, one, parse, secret_file
from tests.harness.redis import Redis, running_redis
from tests.harness.redis_exporter import running_redis_exporter
from tests.harness.servers import real_time_scheduling, wait_until
from tests.harness.tls import self_signed_certificate

pytestmark = pytest.mark.integration

PASSWORD = "redis-password-7d41"
LIMITED_USER, LIMITED_PASSWORD = "limited", "limited-s3cret"
WRONG_PASSWORD = "not-the-password-2b9e"
MAXMEMORY_BYTES = 4 * 1024 * 1024
MODULE_TIMEOUT = 3.0
SLOW_TIMEOUT = 1.0
FAST_ANSWER = 1.0  # seconds: a failing probe answers well within this


def module(timeout: float = MODULE_TIMEOUT, **options: Any) -> dict[str, Any]:
    return {"prober": "redis", "timeout_seconds": timeout, "min_interval_seconds": 0,
            "redis": options}


@pytest.fixture(scope="module")
def server() -> Iterator[Redis]:
    with running_redis(maxmemory=str(MAXMEMORY_BYTES), password=PASSWORD) as running:
        yield running


@pytest.fixture(scope="module")
def replica(server: Redis) -> Iterator[Redis]:
    with running_redis(password=PASSWORD, replica_of=server) as running:
        yield running


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_certificate(tmp_path_factory.mktemp("redis-tls"))


@pytest.fixture(scope="module")
def tls_server(certificate: tuple[Path, Path]) -> Iterator[Redis]:
    with running_redis(password=PASSWORD, tls=certificate) as running:
        yield running


@pytest.fixture(scope="module")
def late(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Redis]:
    """A server whose port the exporter knows before it first starts."""
    late_server = Redis(tmp_path_factory.mktemp("redis-late"), password=PASSWORD)
    try:
        yield late_server
    finally:
        late_server.stop()


@pytest.fixture(scope="module")
def exporter(
    *, server: Redis, replica: Redis, late: Redis, tls_server: Redis,
    certificate: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ProbingExporter]:
    workdir = tmp_path_factory.mktemp("perfsight-redis")
    password = secret_file(workdir, "password", PASSWORD)
    other_ca, _other_key = self_signed_certificate(workdir)
    modules = {
        "rd": module(password=password),
        "rd_wrong": module(password=secret_file(workdir, "wrong", WRONG_PASSWORD)),
        "rd_slow": module(SLOW_TIMEOUT, password=password),
        "rd_cached": {**module(password=password), "min_interval_seconds": 30},
        "rd_tls": module(password=password, tls=True, tls_ca_file=str(certificate[0])),
        "rd_tls_wrong_ca": module(password=password, tls=True, tls_ca_file=str(other_ca)),
        "rd_limited": module(username=LIMITED_USER,
                             password=secret_file(workdir, "limited", LIMITED_PASSWORD)),
    }
    targets = {"main": (server.address, "rd"), "replica": (replica.address, "rd"),
               "late": (late.address, "rd"), "tls": (tls_server.address, "rd_tls")}
    # answers are timed against 1 s: the exporter runs ahead of the host's load
    with exporter_ahead_of_other_load(workdir, modules, targets, "rd") as running:
        yield running


def assert_no_secret(exporter: ProbingExporter, *texts: str) -> None:
    for secret in (PASSWORD, WRONG_PASSWORD):
        assert secret not in exporter.log()
        for text in texts:
            assert secret not in text


@pytest.fixture(scope="module")
def outages(exporter: ProbingExporter) -> Outages:
    return Outages(exporter, "redis", names.REDIS_UP, FAST_ANSWER)


# --- load: the metrics move as the server works ------------------------------------------------


def test_hits_misses_and_commands_move_with_real_load(
    exporter: ProbingExporter, server: Redis
) -> None:
    client = server.client()
    before = exporter.values()
    for i in range(200):
        client.set(f"load:{i}", "x" * 10)
    for i in range(300):
        client.get(f"load:{i % 200}")
    for i in range(100):
        client.get(f"absent:{i}")
    after = exporter.values()

    def delta(name: str, **labels: str) -> float:
        key = frozenset(labels.items())  # a command never called yet has no series
        return after[name][key] - before.get(name, {}).get(key, 0.0)

    hits, misses = delta(names.REDIS_KEYSPACE_HITS_TOTAL), delta(names.REDIS_KEYSPACE_MISSES_TOTAL)
    assert (hits, misses) == (300, 100)  # the probes themselves touch no key
    assert hits / (hits + misses) == 0.75
    total_hits = one(after, names.REDIS_KEYSPACE_HITS_TOTAL)
    total = total_hits + one(after, names.REDIS_KEYSPACE_MISSES_TOTAL)
    assert 0.0 <= total_hits / total <= 1.0
    assert delta(names.REDIS_COMMANDS_TOTAL, cmd="set") == 200
    assert delta(names.REDIS_COMMANDS_TOTAL, cmd="get") == 400
    assert delta(names.REDIS_COMMANDS_PROCESSED_TOTAL) >= 600
    assert delta(names.REDIS_COMMANDS_DURATION_SECONDS_TOTAL, cmd="get") > 0
    assert one(after, names.REDIS_DB_KEYS, db="db0") == client.dbsize()
    assert one(after, names.REDIS_UP) == 1


def test_capacity_latency_and_instance(exporter: ProbingExporter, server: Redis) -> None:
    client = server.client()
    maxclients = int(str(client.config_get("maxclients")["maxclients"]))  # connects the client
    for _ in range(3):  # GETs of its own for the latency percentiles, whatever ran before
        client.get("latency")
    slow_before = client.slowlog_len()
    values = exporter.values()
    slow_after = client.slowlog_len()  # a command may pass 10 ms between the reads under load
    assert one(values, names.REDIS_CONFIG_MAXCLIENTS) == maxclients
    assert one(values, names.REDIS_MEMORY_MAX_BYTES) == MAXMEMORY_BYTES
    assert 0 < one(values, names.REDIS_MEMORY_USED_BYTES) <= MAXMEMORY_BYTES
    assert one(values, names.REDIS_MEM_FRAGMENTATION_RATIO) > 0
    assert one(values, names.REDIS_CONNECTED_CLIENTS) >= 2  # the prober's and ours
    assert one(values, names.REDIS_BLOCKED_CLIENTS) == 0
    assert slow_before <= one(values, names.REDIS_SLOWLOG_LENGTH) <= slow_after
    assert one(values, names.REDIS_AOF_ENABLED) == 0
    assert one(values, names.REDIS_RDB_LAST_SAVE_TIMESTAMP_SECONDS) > 1.6e9
    (info,) = values[names.REDIS_INSTANCE_INFO]
    assert dict(info)["role"] == "master"
    assert dict(info)["redis_version"] == client.info("server")["redis_version"]
    quantiles = {key: one(values, names.REDIS_LATENCY_PERCENTILES_USEC, cmd="get", quantile=key)
                 for key in ("50", "99", "99.9")}
    assert 0 < quantiles["50"] <= quantiles["99"] <= quantiles["99.9"]
    calls = one(values, f"{names.REDIS_LATENCY_PERCENTILES_USEC}_count", cmd="get")
    assert calls == one(values, names.REDIS_COMMANDS_TOTAL, cmd="get")


def test_evictions_with_small_maxmemory(exporter: ProbingExporter, server: Redis) -> None:
    client = server.client()
    before = one(exporter.values(), names.REDIS_EVICTED_KEYS_TOTAL)
    pipeline = client.pipeline(transaction=False)
    for i in range(3000):  # 6 MB of values into 4 MB
        pipeline.set(f"fill:{i}", "v" * 2048)
    pipeline.execute()

    def replicas_caught_up() -> bool:
        # writes a replica has not read yet sit in the primary's replication buffer, which
        # used_memory counts beyond maxmemory (a loaded run saw 5.3 MB); wait until it is read
        replication = client.info("replication")
        replicas = [value for key, value in replication.items()
                    if key.startswith("slave") and isinstance(value, dict)]
        offset = replication["master_repl_offset"]
        return all(replica["offset"] == offset for replica in replicas)

    wait_until(replicas_caught_up, 20, "the replica to read the primary's writes")
    after = exporter.values()
    evicted = one(after, names.REDIS_EVICTED_KEYS_TOTAL)
    # the server evicts before any command while over maxmemory, the probe's own included
    assert before < evicted <= client.info("stats")["evicted_keys"]
    assert one(after, names.REDIS_MEMORY_USED_BYTES) <= MAXMEMORY_BYTES * 1.1


def test_replication_on_primary_and_replica(exporter: ProbingExporter, server: Redis) -> None:
    def linked() -> bool:
        values = exporter.values("replica")
        return values.get(names.REDIS_MASTER_LINK_UP, {}).get(frozenset(master.items()), 0) == 1

    master = {names.LABEL_MASTER_HOST: "127.0.0.1", names.LABEL_MASTER_PORT: str(server.port)}
    wait_until(linked, 20, "the replica to link to its primary")
    server.client().set("replicated", "1")
    # the replica first: the primary's offset read after it is never behind it (the other way
    # round, the primary's periodic replication PING can move both between the two probes)
    replica = exporter.values("replica")
    primary = exporter.values("main")
    assert one(primary, names.REDIS_CONNECTED_SLAVES) == 1
    (slave,) = primary[names.REDIS_CONNECTED_SLAVE_OFFSET_BYTES]
    assert dict(slave)[names.LABEL_SLAVE_STATE] == "online"
    lag_bytes = one(primary, names.REDIS_MASTER_REPL_OFFSET) - one(
        replica, names.REDIS_SLAVE_REPL_OFFSET, **master)
    assert lag_bytes >= 0
    assert dict(next(iter(replica[names.REDIS_INSTANCE_INFO])))["role"] == "slave"
    assert names.REDIS_SLAVE_INFO in replica and names.REDIS_SLAVE_INFO not in primary


def test_a_kept_client_serves_scrapes_whose_deadlines_differ(
    exporter: ProbingExporter, server: Redis
) -> None:
    # a scrape timeout at the module timeout leaves each probe a slightly different budget
    with server.client() as client:
        made = exporter.new_connections(
            lambda: float(client.info("stats")["total_connections_received"]),
            names.REDIS_UP, MODULE_TIMEOUT)
    assert made == 0


def test_concurrent_scrapers_cost_one_round(exporter: ProbingExporter, server: Redis) -> None:
    client = server.client()
    client.config_resetstat()
    barrier = threading.Barrier(3)
    answers: list[int] = []

    def scrape() -> None:
        barrier.wait()
        answers.append(exporter.probe("main", "rd_cached")[0].status_code)

    scrapers = [threading.Thread(target=scrape) for _ in range(3)]
    for scraper in scrapers:
        scraper.start()
    for scraper in scrapers:
        scraper.join(timeout=10)
    assert answers == [200, 200, 200]
    assert client.info("commandstats")["cmdstat_info"]["calls"] == 1


# --- failures: redis_up 0, 200 fast, one log line, no secret, recovery -------------------------


def test_down_at_start_killed_and_restarted(
    exporter: ProbingExporter, outages: Outages, late: Redis
) -> None:
    outages.down_at_start_killed_and_restarted(late, "late", "rd")
    assert_no_secret(exporter)


def test_wrong_password(exporter: ProbingExporter, outages: Outages) -> None:
    bodies = [outages.probe_down("main", "rd_wrong") for _ in range(2)]
    (line,) = outages.lines("rd_wrong", "main", "is down")
    assert "AuthenticationError" in line or "WRONGPASS" in line, line
    assert_no_secret(exporter, *bodies)


def test_permissionless_user_loses_only_the_denied_families(
    exporter: ProbingExporter, server: Redis
) -> None:
    with server.client() as admin:  # everything but CONFIG and SLOWLOG
        admin.acl_setuser(LIMITED_USER, enabled=True, passwords=[f"+{LIMITED_PASSWORD}"],
                          keys=["*"], commands=["+@all", "-config", "-slowlog"])
    values = exporter.values("main", "rd_limited")
    assert one(values, names.REDIS_UP) == 1
    assert names.REDIS_MEMORY_USED_BYTES in values
    assert names.REDIS_CONFIG_MAXCLIENTS not in values
    assert names.REDIS_SLOWLOG_LENGTH not in values
    exporter.values("main", "rd_limited")
    left_out = [line for line in exporter.log().splitlines()
                if "module rd_limited target main: metrics left out" in line]
    assert len(left_out) == 1, left_out  # logged when it starts, not on every probe
    assert "config" in left_out[0] and "slowlog" in left_out[0], left_out[0]
    assert "NoPermissionError" in left_out[0], left_out[0]
    assert "module rd target main: metrics left out" not in exporter.log()
    assert LIMITED_PASSWORD not in exporter.log()
    assert_no_secret(exporter)


def test_tls(exporter: ProbingExporter, outages: Outages) -> None:
    outages.probe_up("tls", "rd_tls")
    plain = outages.probe_down("tls", "rd")  # plain text to a TLS-only port
    untrusted = outages.probe_down("tls", "rd_tls_wrong_ca")
    (line,) = outages.lines("rd_tls_wrong_ca", "tls", "is down")
    assert "certificate verify failed" in line, line
    assert len(outages.lines("rd", "tls", "is down")) == 1
    assert_no_secret(exporter, plain, untrusted)


def test_slow_server_answers_down_within_the_timeout(
    exporter: ProbingExporter, outages: Outages, server: Redis
) -> None:
    assert one(exporter.values("main", "rd_slow"), names.REDIS_UP) == 1
    mark = outages.mark()  # what earlier probes of rd_slow logged is not this outage's
    pause_ms = 4000  # a probe of rd_slow takes its 1 s timeout
    with real_time_scheduling():  # so the probe starts well inside the pause
        # once CLIENT PAUSE has answered, the server answers no other client until it ends
        server.client(timeout=10).execute_command(  # type: ignore[no-untyped-call]
            "CLIENT", "PAUSE", pause_ms, "ALL")
        response, elapsed = timed_probe(exporter, "main", "rd_slow")
    assert response.status_code == 200
    assert elapsed < SLOW_TIMEOUT + 0.5, elapsed
    assert one(parse(response.text), names.REDIS_UP) == 0
    (line,) = outages.lines("rd_slow", "main", "is down", since=mark)
    assert "Timeout" in line, line
    outages.up_again("main", "rd_slow")  # once the pause has ended
    assert len(outages.lines("rd_slow", "main", "recovered", since=mark)) == 1
    assert_no_secret(exporter, response.text)


# --- options, exposition, compatibility --------------------------------------------------------


def test_kept_clients_are_capped_per_module(
    server: Redis, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(kept, "MAX_KEPT_CLIENTS", 1)
    password = SecretRef(file=secret_file(tmp_path, "capped", PASSWORD)["file"])
    prober = RedisProber(Module(  # db 5: ours only
        "capped", "redis", 5.0, 0.0, False, RedisOptions(password=password, db=5)))
    addresses = [server.address, f"localhost:{server.port}"]

    def kept_connections() -> int:
        clients = server.client().client_list()
        return sum(1 for client in clients if (client["name"], client["db"]) == ("perfsight", "5"))

    try:
        for address in addresses:
            up = prober.probe(Target(address, address), MODULE_TIMEOUT)[0]
            assert (up.name, up.samples[0].value) == (names.REDIS_UP, 1)
        wait_until(lambda: kept_connections() == 1, 5, "the older client to be closed")
    finally:
        prober.close()
    wait_until(lambda: kept_connections() == 0, 5, "close() to close every client")


def test_options_problems_carry_their_full_path() -> None:
    check = Validator()
    parse_modules(check, {"cache": {"prober": "redis", "redis": {
        "password": "literal", "username": {"env": ""}, "db": -1, "tls": "yes",
        "tls_ca_file": "relative.pem", "colour": "blue",
    }}})
    assert sorted(check.problems) == sorted([
        "modules.cache.redis.colour: unknown field",
        "modules.cache.redis.password: must be a reference {env: NAME} or {file: PATH}, "
        "not a literal secret",
        "modules.cache.redis.username.env: must be a non-empty string",
        "modules.cache.redis.db: must be a database number (0 or more), got -1",
        "modules.cache.redis.tls: must be true or false, got 'yes'",
        "modules.cache.redis.tls_ca_file: must be an absolute path, got 'relative.pem'",
    ])


def test_only_modules_that_log_in_are_kept_to_listed_targets() -> None:
    check = Validator()
    modules = parse_modules(check, {
        "with-password": {"prober": "redis", "redis": {"password": {"env": "REDIS_PASSWORD"}}},
        "with-user": {"prober": "redis", "redis": {"username": "monitor"}},
        "open": {"prober": "redis"},
        "kept": {"prober": "redis", "allow_unlisted_targets": False},
    })
    assert check.problems == []
    unlisted = {name: module.allow_unlisted_targets for name, module in modules.items()
                if module.kind == "redis"}
    # as redis_exporter: the passwordless embedded module probes any address
    assert unlisted == {"redis": True, "with-password": False, "with-user": False,
                        "open": True, "kept": False}


def test_promtool_check_metrics_is_clean(exporter: ProbingExporter) -> None:
    response, _elapsed = exporter.probe("main")
    assert promtool_problems(response.text) == []


def test_shared_metrics_match_redis_exporter(
    exporter: ProbingExporter, server: Redis, tmp_path: Path
) -> None:
    with running_redis_exporter(server, tmp_path) as url:
        theirs_text = requests.get(f"{url}/metrics", timeout=10).text
    assert "redis_up 1" in theirs_text
    ours = family_shapes(exporter.probe("main")[0].text)
    theirs = family_shapes(theirs_text)
    shared = sorted(set(ours) & set(theirs))
    mismatched = {name: (ours[name], theirs[name]) for name in shared
                  if ours[name] != theirs[name]}
    assert mismatched == {}
    only_ours = sorted(set(ours) - set(theirs))
    assert only_ours == [], only_ours  # every name we emit is one redis_exporter emits
    print(f"\n{len(shared)} metric families shared with redis_exporter, all matching")
