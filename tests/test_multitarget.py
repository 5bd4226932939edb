"""The /probe framework: resolution, refusals, single flight, cache, deadline, self-metrics."""

import dataclasses
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest
import requests
from prometheus_client.core import GaugeMetricFamily, Metric

from exporters.config import parse_settings
from exporters.errors import ConfigError
from exporters.multitarget import base
from exporters.multitarget import runner as runner_module
from exporters.multitarget.base import Endpoint, Module, Prober, ProberKind, Target, TransitionLog
from exporters.multitarget.grouplog import GroupLog
from exporters.multitarget.runner import MAX_PENDING_PER_WORKER, ProbeRunner
from exporters.names import multitarget as names
from exporters.names import probe as probe_names
from exporters.probes.scheduler import Scheduler
from exporters.registry import Scraper
from exporters.secrets import SecretRef, parse_secret, redact
from exporters.validation import Validator
from tests.harness.exporter import serving_in_process
from tests.harness.servers import real_time_scheduling, wait_until


class CountingProber:
    """A prober that counts its runs and can be held back, to observe the runner."""

    def __init__(self) -> None:
        self.runs = 0
        self.release = threading.Event()
        self.release.set()
        self.raise_error = False
        self.closed = False

    def probe(self, target: Target, timeout_seconds: float) -> list[Metric]:
        self.runs += 1
        self.release.wait(timeout=10)
        if self.raise_error:
            raise RuntimeError("boom")
        up = GaugeMetricFamily("test_up", "up")
        up.add_metric([], 1.0)
        seen = GaugeMetricFamily("test_address", "address", labels=["address"])
        seen.add_metric([target.address], float(self.runs))
        return [up, seen]

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def prober() -> CountingProber:
    return CountingProber()


def make_kind(
    prober: CountingProber, sends_credentials: bool = False, guarded: bool = True
) -> ProberKind:
    def build(_module: Module) -> Prober:
        return prober

    return ProberKind(
        name="test", help="test", up_metric="test_up",
        parse_options=lambda check, value, path: value, build=build,
        sends_credentials=lambda _options: sends_credentials,
        endpoint=(lambda address: (address, 0)) if guarded else None,
    )


def module(name: str = "m", *, interval: float = 0.0, allow: bool = True,
           timeout: float = 5.0) -> Module:
    return Module(name, "test", timeout, interval, allow)


@pytest.fixture
def runner(prober: CountingProber) -> Iterator[ProbeRunner]:
    modules = {
        "open": module("open"),
        "cached": module("cached", interval=60),
        "closed": module("closed", allow=False),
        "quick": module("quick", timeout=0.2),
    }
    targets = {"db1": (Target("db1", "10.0.0.1:5432"), "closed")}
    probe_runner = ProbeRunner(
        modules, targets, kinds={"test": make_kind(prober)},
        guard=lambda _endpoint, t: (
            "metadata address" if t.address.startswith("169.254.") else None),
    )
    yield probe_runner
    probe_runner.close()


def values(families: list[Metric]) -> dict[str, float]:
    return {s.name: s.value for family in families for s in family.samples}


def q(**params: str) -> dict[str, list[str]]:
    return {key: [value] for key, value in params.items()}


def test_missing_or_unknown_parameters_are_400(runner: ProbeRunner) -> None:
    assert runner.answer(q(module="open"), 5).status == HTTPStatus.BAD_REQUEST
    assert runner.answer(q(target="x:1"), 5).status == HTTPStatus.BAD_REQUEST
    unknown = runner.answer(q(target="x:1", module="nope"), 5)
    assert unknown.status == HTTPStatus.BAD_REQUEST
    assert "unknown module 'nope'" in unknown.reason


def test_listed_target_uses_its_address_and_default_module(
    runner: ProbeRunner, prober: CountingProber
) -> None:
    answer = runner.answer(q(target="db1"), 5)
    assert answer.status == HTTPStatus.OK
    assert values(answer.families) == {"test_up": 1.0, "test_address": 1.0}
    assert answer.families[1].samples[0].labels == {"address": "10.0.0.1:5432"}


def test_unlisted_target_refused_when_module_only_probes_listed_ones(
    runner: ProbeRunner, prober: CountingProber
) -> None:
    answer = runner.answer(q(target="10.9.9.9:5432", module="closed"), 5)
    assert answer.status == HTTPStatus.FORBIDDEN
    assert "not listed" in answer.reason
    assert prober.runs == 0


def test_guard_refusal_is_403_counted_and_never_probes(
    runner: ProbeRunner, prober: CountingProber
) -> None:
    answer = runner.answer(q(target="169.254.169.254:80", module="open"), 5)
    assert answer.status == HTTPStatus.FORBIDDEN
    assert answer.reason == "metadata address"
    assert prober.runs == 0
    refused = {
        s.labels["module"]: s.value
        for family in runner.collect() for s in family.samples
        if s.name == names.PERFSIGHT_PROBE_REFUSED_TOTAL
    }
    assert refused == {"open": 1.0}


def test_uncached_module_probes_every_time(runner: ProbeRunner, prober: CountingProber) -> None:
    for _ in range(3):
        assert runner.answer(q(target="a:1", module="open"), 5).status == HTTPStatus.OK
    assert prober.runs == 3


def test_min_interval_serves_cached_result(runner: ProbeRunner, prober: CountingProber) -> None:
    first = runner.answer(q(target="a:1", module="cached"), 5)
    second = runner.answer(q(target="a:1", module="cached"), 5)
    other = runner.answer(q(target="b:1", module="cached"), 5)
    assert prober.runs == 2  # a:1 once, b:1 once
    assert values(first.families) == values(second.families)
    assert values(other.families)["test_address"] == 2.0


def test_concurrent_scrapes_share_one_run(runner: ProbeRunner, prober: CountingProber) -> None:
    prober.release.clear()
    answers: list[Any] = []
    threads = [
        threading.Thread(target=lambda: answers.append(runner.answer(q(target="a:1",
                                                                      module="open"), 5)))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    def joined() -> bool:  # the other two scrapes arrived while the first run is held
        return any(s.name == names.PERFSIGHT_PROBE_CACHE_HITS_TOTAL and s.value == 2
                   for family in runner.collect() for s in family.samples)

    assert wait_for(lambda: prober.runs == 1 and joined())
    prober.release.set()
    for thread in threads:
        thread.join(timeout=10)
    assert prober.runs == 1
    assert [values(a.families)["test_up"] for a in answers] == [1.0, 1.0, 1.0]


def test_overrunning_probe_answers_down_within_the_timeout(
    runner: ProbeRunner, prober: CountingProber
) -> None:
    prober.release.clear()
    # timed ahead of the host's load, with the pool threads the answer starts (they inherit it)
    with real_time_scheduling():
        started = time.monotonic()
        answer = runner.answer(q(target="a:1", module="quick"), 5)
        elapsed = time.monotonic() - started
    prober.release.set()
    assert answer.status == HTTPStatus.OK
    assert values(answer.families) == {"test_up": 0.0}
    assert elapsed < 1.0


def test_scrape_deadline_caps_the_module_timeout(
    runner: ProbeRunner, prober: CountingProber
) -> None:
    prober.release.clear()
    with real_time_scheduling():  # as above
        started = time.monotonic()
        answer = runner.answer(q(target="a:1", module="open"), 0.1)
        elapsed = time.monotonic() - started
    prober.release.set()
    assert values(answer.families) == {"test_up": 0.0}
    assert elapsed < 1.0


def test_raising_prober_is_reported_down_and_counted(
    runner: ProbeRunner, prober: CountingProber
) -> None:
    prober.raise_error = True
    answer = runner.answer(q(target="a:1", module="open"), 5)
    assert values(answer.families) == {"test_up": 0.0}
    stats = {
        (s.name, s.labels.get("target")): s.value
        for family in runner.collect() for s in family.samples
    }
    assert stats[(names.PERFSIGHT_PROBE_ERRORS_TOTAL, "a:1")] == 1.0
    assert stats[(names.PERFSIGHT_PROBE_RUNS_TOTAL, "a:1")] == 1.0


def test_close_closes_probers(runner: ProbeRunner, prober: CountingProber) -> None:
    runner.answer(q(target="a:1", module="open"), 5)
    runner.close()
    assert prober.closed


def test_hung_targets_cannot_queue_a_run_per_address(prober: CountingProber) -> None:
    prober.release.clear()
    pending = runner_module.MAX_PENDING_PER_WORKER  # one worker
    # timed ahead of the host's load, with the probe and guard threads it starts on submit
    with real_time_scheduling():
        probe_runner = ProbeRunner({"quick": module("quick", timeout=0.5)}, {},
                                   kinds={"test": make_kind(prober)}, max_workers=1)
        try:
            for index in range(pending + 20):
                answer = probe_runner.answer(q(target=f"hung{index}:1", module="quick"), 5)
                assert values(answer.families) == {"test_up": 0.0}
            started = time.monotonic()
            refused = probe_runner.answer(q(target="one-more:1", module="quick"), 5)
            # answered down at once, not queued until the module's timeout
            assert time.monotonic() - started < 0.25
            assert values(refused.families) == {"test_up": 0.0}
            prober.release.set()
            assert wait_for(lambda: prober.runs == pending)
            time.sleep(0.2)  # nothing else was queued behind them
            assert prober.runs == pending
            errors = {s.labels["target"]: s.value for family in probe_runner.collect()
                      for s in family.samples if s.name == names.PERFSIGHT_PROBE_ERRORS_TOTAL}
            assert errors["one-more:1"] == 1.0
        finally:
            prober.release.set()
            probe_runner.close()


def test_finished_runs_of_unlisted_addresses_are_forgotten(
    runner: ProbeRunner, prober: CountingProber
) -> None:
    for index in range(runner_module.MAX_TRACKED_TARGETS + 50):
        runner.answer(q(target=f"h{index}:1", module="open"), 5)
    assert len(runner._runs) <= runner_module.MAX_TRACKED_TARGETS
    cached = runner.answer(q(target="kept:1", module="cached"), 5)
    for index in range(runner_module.MAX_TRACKED_TARGETS + 50):
        runner.answer(q(target=f"i{index}:1", module="open"), 5)
    runs = prober.runs
    assert runner.answer(q(target="kept:1", module="cached"), 5).families == cached.families
    assert prober.runs == runs  # a run still within its min_interval is kept


def test_scheduled_targets_share_the_runners_prober(prober: CountingProber) -> None:
    builds: list[str] = []
    kind = make_kind(prober)

    def build(module: Module) -> Prober:
        builds.append(module.name)
        return prober

    scheduled = Target("t", "a:1", interval_seconds=0.05)
    probe_runner = ProbeRunner({"open": module("open")}, {"t": (scheduled, "open")},
                               kinds={"test": dataclasses.replace(kind, build=build)})
    scheduler = Scheduler(probe_runner)
    try:
        scheduler.start()
        assert wait_for(lambda: prober.runs >= 2)
        probe_runner.answer(q(target="t"), 5)
    finally:
        scheduler.close()
        probe_runner.close()
    assert builds == ["open"]
    assert prober.closed


class SlowProber(CountingProber):
    """A prober that takes 0.3 s."""

    def probe(self, target: Target, timeout_seconds: float) -> list[Metric]:
        time.sleep(0.3)
        return super().probe(target, timeout_seconds)


def test_scheduled_durations_are_the_probes_own_when_a_cached_run_serves_them() -> None:
    prober = SlowProber()
    scheduled = Target("t", "a:1", interval_seconds=0.5)
    probe_runner = ProbeRunner({"cached": module("cached", interval=60)},
                               {"t": (scheduled, "cached")}, kinds={"test": make_kind(prober)})
    scheduler = Scheduler(probe_runner)

    def durations() -> tuple[float, float]:
        found = {s.name: s.value for family in scheduler.collect() for s in family.samples
                 if s.name.startswith(probe_names.PERFSIGHT_PROBE_SCHEDULED_DURATION_SECONDS)}
        return (found.get(f"{probe_names.PERFSIGHT_PROBE_SCHEDULED_DURATION_SECONDS}_count", 0.0),
                found.get(f"{probe_names.PERFSIGHT_PROBE_SCHEDULED_DURATION_SECONDS}_sum", 0.0))

    try:
        scheduler.start()
        assert wait_for(lambda: durations()[0] >= 3)
    finally:
        scheduler.close()
        probe_runner.close()
    count, total = durations()
    assert prober.runs == 1  # the later turns were served from the cached run
    assert total / count >= 0.29  # each the 0.3 s of that run, not the cache's instant reply


def wait_for(condition: Callable[[], bool], seconds: float = 5) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_config_reports_every_module_and_target_problem() -> None:
    with pytest.raises(ConfigError) as error:
        parse_settings({
            "modules": {"bad name!": {}, "m1": {"prober": "nope", "timeout_seconds": -1}},
            "targets": [
                {"name": "t", "address": "a:1", "module": "missing"},
                {"name": "t", "module": 3},
                "not a mapping",
            ],
        })
    problems = error.value.problems
    assert "modules.bad name!: module names use letters, digits, '_', '.', '-'" in problems
    assert any(p.startswith("modules.m1.prober: must be one of") for p in problems)
    assert "targets[0].module: unknown module 'missing'" in problems
    assert "targets[1].module: must be a non-empty string" in problems
    assert "targets[1].address: required" in problems
    assert "targets[2]: must be a mapping" in problems


def test_secret_references(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    check = Validator()
    assert parse_secret(check, "hunter2", "p") is None
    assert parse_secret(check, {"env": "A", "file": "/x"}, "q") is None
    assert check.problems == [
        "p: must be a reference {env: NAME} or {file: PATH}, not a literal secret",
        "q: needs exactly one of 'env' or 'file'",
    ]
    secret_file = tmp_path / "pw"
    secret_file.write_text("s3cret\n")
    assert SecretRef(file=str(secret_file)).read() == "s3cret"
    monkeypatch.setenv("PERFSIGHT_TEST_SECRET", "from-env")
    ref = SecretRef(env="PERFSIGHT_TEST_SECRET")
    assert ref.read() == "from-env"
    assert "from-env" not in repr(ref)
    monkeypatch.setenv("PERFSIGHT_TEST_SECRET", "from-env\nX-Injected: 1")
    with pytest.raises(LookupError, match="PERFSIGHT_TEST_SECRET holds a line break") as refused:
        ref.read()
    assert "from-env" not in str(refused.value)
    monkeypatch.delenv("PERFSIGHT_TEST_SECRET")
    with pytest.raises(LookupError, match="PERFSIGHT_TEST_SECRET is not set"):
        ref.read()
    redacted = redact("auth failed for s3cret@host", ["s3cret", ""])
    assert redacted == "auth failed for <redacted>@host"
    assert os.environ.get("PERFSIGHT_TEST_SECRET") is None


@pytest.fixture
def server_url(runner: ProbeRunner) -> Iterator[str]:
    with serving_in_process(Scraper({}), probes=runner) as base:
        yield base


def test_probe_endpoint_over_http(server_url: str) -> None:
    ok = requests.get(f"{server_url}/probe", params={"target": "a:1", "module": "open"},
                      timeout=10)
    assert ok.status_code == 200
    assert 'test_address{address="a:1"} 1.0' in ok.text
    bad = requests.get(f"{server_url}/probe", params={"target": "a:1", "module": "x"}, timeout=10)
    assert (bad.status_code, bad.text) == (400, "unknown module 'x'\n")
    refused = requests.get(
        f"{server_url}/probe", params={"target": "169.254.169.254:80", "module": "open"},
        timeout=10,
    )
    assert (refused.status_code, refused.text) == (403, "metadata address\n")
    own = requests.get(f"{server_url}/metrics", timeout=10).text
    assert f'{names.PERFSIGHT_PROBE_RUNS_TOTAL}{{module="open",target="a:1"}} 1.0' in own
    assert f'{names.PERFSIGHT_PROBE_REFUSED_TOTAL}{{module="open"}} 1.0' in own


def test_transition_logs_remember_a_bounded_number_of_targets(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    transitions, groups = TransitionLog("test"), GroupLog("test")
    first = Target("first", "first:1")
    transitions.report(first, "down")
    groups.report(first, {"g": "denied"})
    for index in range(base.MAX_REMEMBERED_TARGETS):
        transitions.report(Target(f"t{index}", f"t{index}:1"), "down")
        groups.report(Target(f"t{index}", f"t{index}:1"), {"g": "denied"})
    caplog.clear()
    transitions.report(first, "down")  # forgotten: logged as a new failure, not remembered
    groups.report(first, {"g": "denied"})
    assert [r.getMessage() for r in caplog.records] == [
        "test target first is down: down", "test target first: metrics left out: g (denied)",
    ]
    caplog.clear()
    transitions.report(first, "down")  # the most recent ones are still remembered
    groups.report(first, {"g": None})
    assert [r.getMessage() for r in caplog.records] == ["test target first: metrics back: g"]


def test_a_password_in_an_unlisted_url_stays_out_of_labels_and_logs(
    runner: ProbeRunner, prober: CountingProber, caplog: pytest.LogCaptureFixture
) -> None:
    address = "https://alice:s3cret-pw@example.test:8443/health?token=t0ken&x=a@b"
    masked = "https://<redacted>@example.test:8443/health?token=<redacted>&x=<redacted>"
    prober.release.clear()
    answer = runner.answer(q(target=address, module="quick"), 5)  # overruns: logged by name
    prober.release.set()
    assert values(answer.families) == {"test_up": 0.0}
    labels = {s.labels.get("target") for family in runner.collect() for s in family.samples}
    assert labels == {masked}
    assert "s3cret-pw" not in caplog.text and "t0ken" not in caplog.text
    assert "example.test" in caplog.text
    probed = runner.answer(q(target=address, module="open"), 5).families
    assert probed[1].samples[0].labels == {"address": address}  # the prober gets it all
    caplog.clear()
    TransitionLog("browser").report(Target("page", address), f"Page.goto: net::ERR at {address}")
    assert caplog.messages == [f"browser target page is down: Page.goto: net::ERR at {masked}"]
    caplog.clear()
    refused = runner.answer(q(target=address, module="closed"), 5)  # listed targets only
    assert refused.status == HTTPStatus.FORBIDDEN and masked in refused.reason
    assert "s3cret-pw" not in refused.reason + caplog.text
    assert "t0ken" not in refused.reason + caplog.text


def test_a_guard_still_resolving_at_the_deadline_answers_down(prober: CountingProber) -> None:
    def slow_guard(_endpoint: Endpoint, _target: Target) -> str | None:
        time.sleep(2)  # a resolver that does not answer
        return None

    # timed ahead of the host's load, with the guard thread the answer starts (it inherits it)
    with real_time_scheduling():
        probe_runner = ProbeRunner({"open": module("open")}, {}, guard=slow_guard,
                                   kinds={"test": make_kind(prober)})
        try:
            started = time.monotonic()
            answer = probe_runner.answer(q(target="slow.example:1", module="open"), 0.3)
            assert time.monotonic() - started < 0.6
        finally:
            probe_runner.close()
    assert answer.status == HTTPStatus.OK
    assert values(answer.families) == {"test_up": 0.0}
    assert prober.runs == 0  # an address not checked is never probed


def test_kinds_without_an_endpoint_are_not_guarded(prober: CountingProber) -> None:
    probe_runner = ProbeRunner({"open": module("open")}, {}, guard=lambda _e, _t: "refused",
                               kinds={"test": make_kind(prober, guarded=False)})
    try:
        answer = probe_runner.answer(q(target="db.example:5432", module="open"), 5)
    finally:
        probe_runner.close()
    assert answer.status == HTTPStatus.OK
    assert prober.runs == 1


def test_hanging_address_checks_are_capped_and_others_answered_at_once(
    prober: CountingProber,
) -> None:
    release = threading.Event()
    checked: list[str] = []

    def hanging_guard(_endpoint: Endpoint, target: Target) -> str | None:
        checked.append(target.address)
        release.wait(10)  # a resolver that does not answer
        return None

    probe_runner = ProbeRunner({"open": module("open")}, {}, guard=hanging_guard, max_workers=1,
                               kinds={"test": make_kind(prober)})
    try:
        for index in range(MAX_PENDING_PER_WORKER):  # each gives up; its check stays pending
            answer = probe_runner.answer(q(target=f"hang{index}.example:1", module="open"), 0.05)
            assert values(answer.families) == {"test_up": 0.0}
        with real_time_scheduling():  # timed ahead of the host's load
            started = time.monotonic()
            crowded = probe_runner.answer(q(target="ok.example:1", module="open"), 5)
            elapsed = time.monotonic() - started
        assert elapsed < 1  # not queued behind the hanging checks
        assert values(crowded.families) == {"test_up": 0.0}
        assert "ok.example:1" not in checked
        release.set()
        wait_until(lambda: values(probe_runner.answer(
            q(target="ok.example:1", module="open"), 5).families).get("test_up") == 1,
            5, "the hanging checks to drain")
    finally:
        release.set()
        probe_runner.close()
    assert "ok.example:1" in checked
    assert prober.runs >= 1
