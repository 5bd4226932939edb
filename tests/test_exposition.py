"""Our text renderer writes exactly what prometheus_client's generate_latest writes."""

from collections.abc import Iterator

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    InfoMetricFamily,
    Metric,
    SummaryMetricFamily,
    UnknownMetricFamily,
)
from prometheus_client.exposition import generate_latest

from exporters.exposition import render_text
from exporters.host import HostPaths
from tests.metrics import registry_of
from tests.test_golden import fixture_collectors


class Assorted:
    def collect(self) -> Iterator[Metric]:
        gauge = GaugeMetricFamily("g", 'help with \\ and\nnewline', labels=["a", "b"])
        gauge.add_metric(['quote " back \\ slash', "new\nline"], 1e-7)
        gauge.add_metric(["x", "y"], float("nan"))
        yield gauge
        yield CounterMetricFamily("c_total", "counter", value=123456789012.0)
        yield UnknownMetricFamily("u", "untyped", value=float("inf"))
        yield HistogramMetricFamily(
            "h_seconds", "hist", buckets=[("0.1", 1.0), ("+Inf", 3.0)], sum_value=0.7
        )
        yield SummaryMetricFamily("s", "summary", count_value=2, sum_value=1.5)
        yield InfoMetricFamily("i", "info", value={"version": "1"})


def test_assorted_types_and_escapes_match_prometheus_client() -> None:
    registry = registry_of(Assorted())
    assert render_text(registry.collect()).decode() == generate_latest(registry).decode()


class Frozen:
    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterator[Metric]:
        yield from self.families


def test_fixture_host_matches_prometheus_client(fixture_paths: HostPaths) -> None:
    families = [f for c in fixture_collectors(fixture_paths) for f in c.collect()]
    assert render_text(families) == generate_latest(registry_of(Frozen(families)))
