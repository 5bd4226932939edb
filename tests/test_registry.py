"""A failing or hanging collector is reported as such while every other one is still served."""

import threading
import time
from collections.abc import Iterator

import pytest
from prometheus_client.core import GaugeMetricFamily, Metric

from exporters import names
from exporters.cli import build_parser, enabled_collectors
from exporters.collectors.base import Collector
from exporters.registry import COLLECTORS, Scraper
from tests.harness.servers import real_time_scheduling


class Constant:
    def __init__(self, name: str) -> None:
        self.name = name
        self.calls = 0

    def collect(self) -> Iterator[Metric]:
        self.calls += 1
        yield GaugeMetricFamily(self.name, "constant", value=1.0)


class Raising:
    def collect(self) -> Iterator[Metric]:
        raise RuntimeError("disk on fire")


class Hanging:
    def __init__(self) -> None:
        self.release = threading.Event()
        self.started = 0

    def collect(self) -> Iterator[Metric]:
        self.started += 1
        self.release.wait(30)
        yield GaugeMetricFamily("late", "never in time", value=1.0)


def samples(families: list[Metric]) -> dict[tuple[str, str], float]:
    return {
        (sample.name, sample.labels.get("collector", "")): sample.value
        for family in families
        for sample in family.samples
    }


@pytest.fixture
def hanging() -> Iterator[Hanging]:
    collector = Hanging()
    yield collector
    collector.release.set()


def test_raising_and_hanging_collectors_fail_alone_within_the_deadline(
    hanging: Hanging, caplog: pytest.LogCaptureFixture
) -> None:
    collectors: dict[str, Collector] = {
        "good": Constant("good_metric"), "raises": Raising(), "hangs": hanging,
    }
    scraper = Scraper(collectors)
    # the deadline is timed: the scrape and the worker threads it starts run ahead of other load
    with real_time_scheduling():
        started = time.monotonic()
        result = samples(scraper.scrape(collectors, deadline_seconds=0.5))
        elapsed = time.monotonic() - started
    assert elapsed < 2.0
    assert result[("good_metric", "")] == 1.0
    assert result[(names.PERFSIGHT_SCRAPE_COLLECTOR_SUCCESS, "good")] == 1.0
    assert result[(names.PERFSIGHT_SCRAPE_COLLECTOR_SUCCESS, "raises")] == 0.0
    assert result[(names.PERFSIGHT_SCRAPE_COLLECTOR_SUCCESS, "hangs")] == 0.0
    assert result[(names.PERFSIGHT_SCRAPE_COLLECTOR_DURATION_SECONDS, "hangs")] > 0.4
    assert ("late", "") not in result
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert any("raises failed: RuntimeError: disk on fire" in e for e in errors)
    assert any("hangs exceeded the scrape deadline" in e for e in errors)


def test_a_collector_still_overrunning_is_not_started_again(hanging: Hanging) -> None:
    scraper = Scraper({"hangs": hanging, "good": Constant("good_metric")})
    for _ in range(3):
        with real_time_scheduling():  # "good" must run, on a worker, within 0.2 s
            result = samples(scraper.scrape(["hangs", "good"], deadline_seconds=0.2))
        assert result[(names.PERFSIGHT_SCRAPE_COLLECTOR_SUCCESS, "hangs")] == 0.0
        assert result[(names.PERFSIGHT_SCRAPE_COLLECTOR_SUCCESS, "good")] == 1.0
    assert hanging.started == 1
    hanging.release.set()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        result = samples(scraper.scrape(["hangs"], deadline_seconds=1.0))
        if result[(names.PERFSIGHT_SCRAPE_COLLECTOR_SUCCESS, "hangs")] == 1.0:
            break
    assert result[(names.PERFSIGHT_SCRAPE_COLLECTOR_SUCCESS, "hangs")] == 1.0


def test_concurrent_scrapes_each_get_complete_results() -> None:
    collector = Constant("good_metric")
    scraper = Scraper({"good": collector})
    results: list[dict[tuple[str, str], float]] = []

    def scrape() -> None:
        results.append(samples(scraper.scrape(["good"], deadline_seconds=5)))

    threads = [threading.Thread(target=scrape) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 10
    assert all(r[("good_metric", "")] == 1.0 for r in results)
    assert collector.calls == 10


def test_collector_flags_come_from_the_table() -> None:
    parser = build_parser()
    every = enabled_collectors(parser.parse_args(["serve"]))
    assert every == [spec.name for spec in COLLECTORS if spec.default_enabled]
    without_cpu = enabled_collectors(parser.parse_args(["serve", "--no-collector.cpu"]))
    assert "cpu" not in without_cpu and "meminfo" in without_cpu
    only = enabled_collectors(
        parser.parse_args(["serve", "--collector.disable-defaults", "--collector.loadavg"])
    )
    assert only == ["loadavg"]


def test_a_hung_collector_holds_up_the_rest_only_for_the_stall_threshold(
    hanging: Hanging,
) -> None:
    collectors: dict[str, Collector] = {"hangs": hanging, "after": Constant("after_metric")}
    scraper = Scraper(collectors)
    deadline = 3.0
    started = time.monotonic()
    result = samples(scraper.scrape(["hangs", "after"], deadline_seconds=deadline))
    assert time.monotonic() - started < deadline + 1
    assert result[(names.PERFSIGHT_SCRAPE_COLLECTOR_SUCCESS, "after")] == 1.0
    assert result[(names.PERFSIGHT_SCRAPE_COLLECTOR_SUCCESS, "hangs")] == 0.0
    # "after" ran on a second worker once the first was stuck past the 0.75 s threshold
    assert result[("after_metric", "")] == 1.0
