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
from exporters.names import probe as names
from exporters.probes.scheduler import BUCKETS, Job, Scheduler
from tests.harness.exporter import running_exporter
from tests.harness.origin import running_origin
from tests.harness.probe_client import parse
from tests.harness.servers import require_binary, wait_until

LABELS = {"target": "web", "module": "http_2xx", "location": "eu-west"}


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


def test_the_series_cap_drops_new_series_and_counts_them() -> None:
    scheduler = Scheduler(ProbeRunner({}, {}), max_series=3)
    scheduler.record(job("a"), families(1, {"connect": 0.001, "tls": 0.002}), 0.01)
    scheduler.record(job("b"), families(1, {"connect": 0.001}), 0.01)
    values = collected(scheduler)
    dropped = values[names.PERFSIGHT_PROBE_SCHEDULED_SERIES_DROPPED_TOTAL]
    assert dropped[frozenset()] == 1  # b: no room for its target series, result left out
    runs = values[names.PERFSIGHT_PROBE_SCHEDULED_RUNS_TOTAL]
    assert [dict(labels)["target"] for labels in runs] == ["a"]


def test_interval_seconds_is_validated_with_its_path() -> None:
    with pytest.raises(ConfigError) as error:
        parse_settings({"targets": [{"name": "w", "address": "http://x", "module": "http_2xx",
                                     "interval_seconds": 0}]})
    assert "targets[0].interval_seconds" in error.value.render()
    settings = parse_settings({"targets": [{"name": "w", "address": "http://x",
                                            "module": "http_2xx", "interval_seconds": 15}]})
    assert settings.targets["w"][0].interval_seconds == 15


@pytest.mark.integration
def test_the_exporter_probes_scheduled_targets_on_their_interval(tmp_path: Path) -> None:
    with running_origin() as origin:
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
