"""The HTTP front: collector filters, encodings, deadlines from Prometheus' timeout header."""

import gzip
import threading
from collections.abc import Iterator

import pytest
import requests
from prometheus_client.core import GaugeMetricFamily, Metric

from exporters import names
from exporters.registry import Scraper
from exporters.server import scrape_deadline, select_collectors
from tests.harness.exporter import serving_in_process
from tests.harness.servers import real_time_scheduling, started_ahead_of_other_load


class Constant:
    def __init__(self, name: str) -> None:
        self.name = name

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(self.name, "constant", value=1.0)


class Slow:
    def __init__(self) -> None:
        self.release = threading.Event()

    def collect(self) -> Iterator[Metric]:
        self.release.wait(10)
        yield GaugeMetricFamily("slow_metric", "slow", value=1.0)


@pytest.fixture
def slow() -> Iterator[Slow]:
    collector = Slow()
    yield collector
    collector.release.set()


@pytest.fixture
def url(slow: Slow) -> Iterator[str]:
    scraper = Scraper({"cpu": Constant("cpu_metric"), "meminfo": Constant("mem_metric"),
                       "slow": slow})
    # its threads answer timed scrapes ahead of other load
    with started_ahead_of_other_load(serving_in_process(scraper)) as base:
        yield base


def test_collect_and_exclude_filter_collectors(url: str) -> None:
    only_cpu = requests.get(f"{url}/metrics", params={"collect[]": "cpu"}, timeout=10).text
    assert "cpu_metric 1.0" in only_cpu and "mem_metric" not in only_cpu
    assert names.PERFSIGHT_BUILD_INFO in only_cpu
    without = requests.get(
        f"{url}/metrics", params={"exclude[]": ["slow", "cpu"]}, timeout=10
    ).text
    assert "mem_metric 1.0" in without and "cpu_metric" not in without


@pytest.mark.parametrize(
    "params",
    [{"collect[]": "nope"}, {"exclude[]": "nope"}, {"collect[]": "cpu", "exclude[]": "meminfo"}],
)
def test_bad_filters_are_400(url: str, params: dict[str, str]) -> None:
    response = requests.get(f"{url}/metrics", params=params, timeout=10)
    assert response.status_code == 400


def test_gzip_and_openmetrics_on_request(url: str) -> None:
    response = requests.get(
        f"{url}/metrics", params={"collect[]": "cpu"}, stream=True, timeout=10,
        headers={"Accept-Encoding": "gzip",
                 "Accept": "application/openmetrics-text; version=1.0.0"},
    )
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Content-Type"].startswith("application/openmetrics-text")
    body = gzip.decompress(response.raw.read()).decode()
    assert body.endswith("# EOF\n")


def test_prometheus_timeout_header_bounds_the_scrape(url: str) -> None:
    with real_time_scheduling():
        response = requests.get(
            f"{url}/metrics", headers={"X-Prometheus-Scrape-Timeout-Seconds": "1"}, timeout=10
        )
    assert response.status_code == 200
    assert response.elapsed.total_seconds() < 2.5
    assert 'perfsight_scrape_collector_success{collector="slow"} 0.0' in response.text
    assert 'perfsight_scrape_collector_success{collector="cpu"} 1.0' in response.text


def test_landing_health_and_unknown_paths(url: str) -> None:
    landing = requests.get(url, timeout=10)
    assert "collect[]=meminfo" in landing.text
    assert requests.get(f"{url}/-/healthy", timeout=10).status_code == 200
    assert requests.get(f"{url}/-/ready", timeout=10).status_code == 200
    assert requests.get(f"{url}/nope", timeout=10).status_code == 404


@pytest.mark.parametrize(
    ("header", "expected"),
    [(None, 9.5), ("10", 9.5), ("0.4", 0.2), ("garbage", 9.5), ("-3", 9.5), ("inf", 9.5),
     ("nan", 9.5)],
)
def test_scrape_deadline(header: str | None, expected: float) -> None:
    assert scrape_deadline(header, 10.0) == pytest.approx(expected)


def test_select_keeps_table_order() -> None:
    assert select_collectors({"collect[]": ["b", "a"]}, ["a", "b", "c"]) == (["a", "b"], None)
