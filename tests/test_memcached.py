"""The memcached prober against a real memcached: load, evictions, failures, options."""

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from exporters.multitarget.settings import parse_modules
from exporters.names import memcached as names
from exporters.validation import Validator
from tests.harness.exposition import promtool_problems
from tests.harness.memcached import MEMORY_MEGABYTES, Memcached, running_memcached
from tests.harness.outage import Outages, exporter_ahead_of_other_load
from tests.harness.probe_client import ProbingExporter, one

pytestmark = pytest.mark.integration

MODULE_TIMEOUT = 3.0
SLOW_TIMEOUT = 1.0
FAST_ANSWER = 1.0  # seconds: a failing probe answers well within this
LIMIT_BYTES = MEMORY_MEGABYTES * 1024 * 1024


def module(timeout: float = MODULE_TIMEOUT) -> dict[str, Any]:
    return {"prober": "memcached", "timeout_seconds": timeout, "min_interval_seconds": 0}


@pytest.fixture(scope="module")
def server() -> Iterator[Memcached]:
    with running_memcached() as running:
        yield running


@pytest.fixture(scope="module")
def late(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Memcached]:
    """A server whose port the exporter knows before it first starts."""
    late_server = Memcached(tmp_path_factory.mktemp("memcached-late"))
    try:
        yield late_server
    finally:
        late_server.stop()


@pytest.fixture(scope="module")
def exporter(
    server: Memcached, late: Memcached, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProbingExporter]:
    workdir = tmp_path_factory.mktemp("perfsight-memcached")
    modules = {"mc": module(), "mc_slow": module(SLOW_TIMEOUT)}
    targets = {"main": (server.address, "mc"), "late": (late.address, "mc")}
    # answers are timed against 1 s: the exporter runs ahead of the host's load
    with exporter_ahead_of_other_load(workdir, modules, targets, "mc") as running:
        yield running


@pytest.fixture(scope="module")
def outages(exporter: ProbingExporter) -> Outages:
    return Outages(exporter, "memcached", names.MEMCACHED_UP, FAST_ANSWER)


def command(values: dict[str, Any], name: str, status: str) -> float:
    return one(values, names.MEMCACHED_COMMANDS_TOTAL, command=name, status=status)


def test_hits_misses_and_items_move_with_real_load(
    exporter: ProbingExporter, server: Memcached
) -> None:
    client = server.client()
    before = exporter.values()
    try:
        for i in range(100):
            client.set(f"load:{i}", b"x" * 10, noreply=False)
        for i in range(150):
            client.get(f"load:{i % 100}")
        for i in range(50):
            client.get(f"absent:{i}")
    finally:
        client.close()
    after = exporter.values()
    hits = command(after, "get", "hit") - command(before, "get", "hit")
    misses = command(after, "get", "miss") - command(before, "get", "miss")
    assert (hits, misses) == (150, 50)  # the probes themselves get nothing
    assert hits / (hits + misses) == 0.75
    assert command(after, "set", "hit") - command(before, "set", "hit") == 100
    assert one(after, names.MEMCACHED_CURRENT_ITEMS) == 100
    assert one(after, names.MEMCACHED_ITEMS_TOTAL) - one(before, names.MEMCACHED_ITEMS_TOTAL) == 100
    assert one(after, names.MEMCACHED_LIMIT_BYTES) == LIMIT_BYTES
    assert 0 < one(after, names.MEMCACHED_CURRENT_BYTES) <= LIMIT_BYTES
    assert one(after, names.MEMCACHED_MAX_CONNECTIONS) == 1024  # memcached's default -c
    assert one(after, names.MEMCACHED_CURRENT_CONNECTIONS) >= 1
    assert one(after, names.MEMCACHED_CONNECTIONS_TOTAL) >= 2
    (version,) = after[names.MEMCACHED_VERSION]
    assert dict(version)[names.LABEL_VERSION].startswith("1.")


def test_a_kept_client_serves_scrapes_whose_deadlines_differ(
    exporter: ProbingExporter, server: Memcached
) -> None:
    client = server.client()
    try:
        made = exporter.new_connections(
            lambda: float(client.stats()[b"total_connections"]), names.MEMCACHED_UP,
            MODULE_TIMEOUT)
    finally:
        client.close()
    assert made == 0


def test_evictions_with_small_memory(exporter: ProbingExporter, server: Memcached) -> None:
    before = one(exporter.values(), names.MEMCACHED_ITEMS_EVICTED_TOTAL)
    client = server.client()
    try:
        # 4 MB into 2 MB, each set answered, so all are stored before the probe
        client.set_many({f"fill:{i}": b"v" * 2048 for i in range(2000)}, noreply=False)
    finally:
        client.close()
    after = exporter.values()
    assert one(after, names.MEMCACHED_ITEMS_EVICTED_TOTAL) > before
    assert one(after, names.MEMCACHED_CURRENT_BYTES) <= LIMIT_BYTES


def test_down_at_start_killed_and_restarted(outages: Outages, late: Memcached) -> None:
    outages.down_at_start_killed_and_restarted(late, "late", "mc")


def test_frozen_server_answers_down_within_the_timeout(
    outages: Outages, server: Memcached
) -> None:
    outages.probe_up("main", "mc_slow")
    mark = outages.mark()  # what earlier probes of mc_slow logged is not this outage's
    server.freeze()
    try:
        for _ in range(2):  # each answered at the module's timeout
            replace(outages, fast_seconds=SLOW_TIMEOUT + 0.5).probe_down("main", "mc_slow")
    finally:
        server.thaw()
    (line,) = outages.lines("mc_slow", "main", "is down", since=mark)
    assert "timed out" in line, line
    outages.up_again("main", "mc_slow")
    assert len(outages.lines("mc_slow", "main", "recovered", since=mark)) == 1


def test_options_problems_carry_their_full_path() -> None:
    check = Validator()
    parse_modules(check, {"cache": {"prober": "memcached", "memcached": {"password": "x"}}})
    assert check.problems == ["modules.cache.memcached.password: unknown field"]


def test_promtool_check_metrics_is_clean_apart_from_memcached_exporter_names(
    exporter: ProbingExporter,
) -> None:
    response, _elapsed = exporter.probe("main")
    unexpected = promtool_problems(response.text, names.MEMCACHED_VERBATIM_NAMES)
    assert unexpected == [], "\n".join(unexpected)
