"""Scheduled probes: configured targets probed on their interval, histograms per phase."""

import subprocess
from pathlib import Path

import pytest
import requests
import yaml
from prometheus_client.core import GaugeMetricFamily, Metric

from exporters.config import parse_settings
from exporters.errors import ConfigError
from exporters.multitarget.base import Module, Target
from exporters.multitarget.runner import ProbeRunner
from exporters.names import browser as bw
from exporters.names import probe as names
from exporters.probes.scheduler import BUCKETS, Job, Scheduler, SchedulerSettings
from tests.harness.exporter import running_exporter
from tests.harness.origin import running_origin
from tests.harness.probe_client import parse
from tests.harness.servers import real_time_scheduling, require_binary, wait_until

LABELS = {"target": "web", "module": "http_2xx", "prober": "http", "location": "eu-west"}


def families(success: float, phases: dict[str, float]) -> list[Metric]:
    up = GaugeMetricFamily(names.PROBE_SUCCESS, "up")
    up.add_metric([], success)
    phase = GaugeMetricFamily(names.PROBE_HTTP_DURATION_SECONDS, "phases", labels=["phase"])
    for name, seconds in phases.items():
        phase.add_metric([name], seconds)
    return [up, phase]


def job(name: str = "web") -> Job:
    module = Module("http_2xx", "http", 5.0, 0.0, True)
    return Job(Target(name, "http://x", "eu-west", 15.0), module, 15.0)


def page_job() -> Job:
    """Return a scheduled browser target, `page`, loaded every minute."""
    return Job(Target("page", "http://x", "eu-west", 60.0),
               Module("browser", "browser", 10.0, 0.0, False), 60.0)


def layout_shift(score: float) -> Metric:
    """Return the browser prober's CLS gauge with this score."""
    return GaugeMetricFamily(bw.PROBE_BROWSER_CUMULATIVE_LAYOUT_SHIFT, "cls", value=score)


def collected(scheduler: Scheduler) -> dict[str, dict[frozenset[tuple[str, str]], float]]:
    values: dict[str, dict[frozenset[tuple[str, str]], float]] = {}
    for family in scheduler.collect():
        for sample in family.samples:
            values.setdefault(sample.name, {})[frozenset(sample.labels.items())] = sample.value
    return values


def test_results_become_histograms_counters_and_last_result_gauges() -> None:
    scheduler = Scheduler(ProbeRunner({}, {}))
    scheduler.record(job(), families(1, {"connect": 0.004, "processing": 0.3}), 0.31)
    scheduler.record(job(), families(0, {"connect": 0.004, "processing": 0.0}), 0.01)
    values = collected(scheduler)
    key = frozenset(LABELS.items())
    assert values[names.PERFSIGHT_PROBE_SCHEDULED_RUNS_TOTAL][key] == 2
    assert values[names.PERFSIGHT_PROBE_SCHEDULED_FAILURES_TOTAL][key] == 1
    assert values[names.PERFSIGHT_PROBE_SCHEDULED_LAST_SUCCESS][key] == 0
    buckets = values[names.PERFSIGHT_PROBE_PHASE_DURATION_SECONDS + "_bucket"]
    processing = {**LABELS, "phase": "processing"}
    assert buckets[frozenset({**processing, "le": "0.2"}.items())] == 1  # the 0.0 one
    assert buckets[frozenset({**processing, "le": "0.5"}.items())] == 2
    assert buckets[frozenset({**processing, "le": "+Inf"}.items())] == 2
    total = values[names.PERFSIGHT_PROBE_SCHEDULED_DURATION_SECONDS + "_sum"][key]
    assert total == pytest.approx(0.32)
    assert len(BUCKETS) >= 12  # fine enough for a heat map


def test_browser_timings_become_phase_histograms_of_scheduled_browser_targets() -> None:
    scheduler = Scheduler(ProbeRunner({}, {}))
    lcp = GaugeMetricFamily(bw.PROBE_BROWSER_LARGEST_CONTENTFUL_PAINT_SECONDS, "lcp", value=1.3)
    scheduler.record(page_job(), [*families(1, {}), lcp, layout_shift(0.2)], 1.6)
    counts = collected(scheduler)[names.PERFSIGHT_PROBE_PHASE_DURATION_SECONDS + "_count"]
    labels = {"target": "page", "module": "browser", "prober": "browser", "location": "eu-west"}
    assert set(counts) == {frozenset({**labels, "phase": "largest_contentful_paint"}.items())}
    buckets = collected(scheduler)[names.PERFSIGHT_PROBE_PHASE_DURATION_SECONDS + "_bucket"]
    phase = {**labels, "phase": "largest_contentful_paint"}
    assert buckets[frozenset({**phase, "le": "1.0"}.items())] == 0
    assert buckets[frozenset({**phase, "le": "2.0"}.items())] == 1
    # the layout shift score gets a histogram of its own, on buckets around 0.1 and 0.25
    shifts = collected(scheduler)[bw.PERFSIGHT_PROBE_BROWSER_CUMULATIVE_LAYOUT_SHIFT + "_bucket"]
    assert shifts[frozenset({**labels, "le": "0.15"}.items())] == 0
    assert shifts[frozenset({**labels, "le": "0.25"}.items())] == 1
    assert len(shifts) == 9  # eight bounds and +Inf
    sums = collected(scheduler)[bw.PERFSIGHT_PROBE_BROWSER_CUMULATIVE_LAYOUT_SHIFT + "_sum"]
    assert sums == {frozenset(labels.items()): pytest.approx(0.2)}


def exported_series(scheduler: Scheduler) -> int:
    return sum(sample.name != names.PERFSIGHT_PROBE_SCHEDULED_SERIES_DROPPED_TOTAL
               for family in scheduler.collect() for sample in family.samples)


def test_the_series_cap_counts_exported_series_and_drops_what_does_not_fit() -> None:
    page = Scheduler(ProbeRunner({}, {}))
    page.record(page_job(), [*families(1, {}), layout_shift(0.2)], 1.6)
    # the score's histogram is counted too: room for the target's own series only drops it
    capped = Scheduler(ProbeRunner({}, {}), SchedulerSettings(max_series=exported_series(page) - 1))
    capped.record(page_job(), [*families(1, {}), layout_shift(0.2)], 1.6)
    assert exported_series(capped) == exported_series(page) - 11
    uncapped = Scheduler(ProbeRunner({}, {}))
    uncapped.record(job("a"), families(1, {"connect": 0.001, "tls": 0.002}), 0.01)
    one_target = exported_series(uncapped)
    assert one_target > 40  # two phase histograms and the target's own: dozens of series
    scheduler = Scheduler(ProbeRunner({}, {}), SchedulerSettings(max_series=one_target + 5))
    scheduler.record(job("a"), families(1, {"connect": 0.001, "tls": 0.002}), 0.01)
    scheduler.record(job("b"), families(1, {"connect": 0.001}), 0.01)
    scheduler.record(job("a"), families(1, {"connect": 0.001, "dns": 0.002}), 0.01)
    values = collected(scheduler)
    dropped = values[names.PERFSIGHT_PROBE_SCHEDULED_SERIES_DROPPED_TOTAL]
    assert dropped[frozenset()] == 2  # b's target series, then a's new dns phase
    runs = values[names.PERFSIGHT_PROBE_SCHEDULED_RUNS_TOTAL]
    assert [dict(labels)["target"] for labels in runs] == ["a"]
    assert exported_series(scheduler) == one_target


def test_interval_seconds_is_validated_with_its_path() -> None:
    with pytest.raises(ConfigError) as error:
        parse_settings({"targets": [{"name": "w", "address": "http://x", "module": "http_2xx",
                                     "interval_seconds": 0}]})
    assert "targets[0].interval_seconds" in error.value.render()
    settings = parse_settings({"targets": [{"name": "w", "address": "http://x",
                                            "module": "http_2xx", "interval_seconds": 15}]})
    assert settings.targets["w"][0].interval_seconds == 15


def test_the_scheduler_limits_are_settings_validated_with_their_paths() -> None:
    settings = parse_settings({"probe_scheduler": {"max_concurrent": 8, "max_series": 500}})
    assert settings.probe_scheduler == SchedulerSettings(max_concurrent=8, max_series=500)
    assert parse_settings({}).probe_scheduler == SchedulerSettings()
    with pytest.raises(ConfigError) as error:
        parse_settings({"probe_scheduler": {"max_concurrent": 0, "max_series": "many", "x": 1}})
    message = error.value.render()
    for path in ("probe_scheduler.max_concurrent", "probe_scheduler.max_series",
                 "probe_scheduler.x"):
        assert path in message


@pytest.mark.integration
def test_the_exporter_probes_scheduled_targets_on_their_interval(tmp_path: Path) -> None:
    # every run of web must meet its 1 s deadline: origin and exporter run ahead of other load
    with real_time_scheduling(), running_origin() as origin:
        config = tmp_path / "perfsight.yaml"
        config.write_text(yaml.safe_dump({"targets": [
            {"name": "web", "address": f"{origin.url}/ok", "module": "http_2xx",
             "location": "eu-west", "interval_seconds": 1},
            {"name": "down", "address": "http://127.0.0.1:1/", "module": "http_2xx",
             "location": "eu-west", "interval_seconds": 1},
            {"name": "on-demand", "address": f"{origin.url}/ok", "module": "http_2xx"},
        ]}))
        with running_exporter(
            tmp_path, f"--config.file={config}", "--collector.disable-defaults"
        ) as url:
            runs = names.PERFSIGHT_PROBE_SCHEDULED_RUNS_TOTAL

            def metrics() -> dict[str, dict[frozenset[tuple[str, str]], float]]:
                return parse(requests.get(f"{url}/metrics", timeout=10).text)

            def ran_twice() -> bool:
                counts = metrics().get(runs, {})
                return len(counts) == 2 and min(counts.values()) >= 2

            wait_until(ran_twice, 10, "two scheduled runs of each scheduled target")
            text = requests.get(f"{url}/metrics", timeout=10).text
    values = parse(text)
    web = frozenset(LABELS.items())
    down = frozenset({**LABELS, "target": "down"}.items())
    assert values[names.PERFSIGHT_PROBE_SCHEDULED_LAST_SUCCESS][web] == 1
    assert values[names.PERFSIGHT_PROBE_SCHEDULED_LAST_SUCCESS][down] == 0
    assert values[names.PERFSIGHT_PROBE_SCHEDULED_FAILURES_TOTAL][web] == 0
    assert values[names.PERFSIGHT_PROBE_SCHEDULED_FAILURES_TOTAL][down] >= 2
    phases = {dict(labels)["phase"] for labels in
              values[names.PERFSIGHT_PROBE_PHASE_DURATION_SECONDS + "_count"]
              if dict(labels)["target"] == "web"}
    assert phases == set(names.HTTP_PHASES)
    assert all(dict(labels)["target"] != "on-demand" for labels in values[runs])
    checked = subprocess.run([require_binary("promtool"), "check", "metrics"], input=text,
                             capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
