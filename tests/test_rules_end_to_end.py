"""End to end: Prometheus evaluates the generated rules on the perfsight exporter's metrics and
sends alerts to a real Alertmanager; stopping the exporter makes ExporterDown arrive there."""

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from bundle import names
from tests.harness.alertmanager import Alertmanager, running_alertmanager
from tests.harness.bundle import generate_variant, rule_problems
from tests.harness.exporter import running_exporter
from tests.harness.prometheus import Prometheus, running_prometheus
from tests.harness.servers import started_ahead_of_other_load, wait_until

pytestmark = pytest.mark.integration

# ExporterDown fires at once instead of after 5 minutes; receivers point at a closed port
SPEC_CHANGES = {
    "alerts": {"ExporterDown": {"for": "0s"}},
    "alertmanager": {"page_url": "http://127.0.0.1:9/page", "ticket_url": "http://127.0.0.1:9/t"},
}


@dataclass
class Stack:
    prometheus: Prometheus
    alertmanager: Alertmanager
    exporter_address: str
    exporter: ExitStack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("rules-e2e")
    generated = generate_variant(workdir, SPEC_CHANGES)
    with ExitStack() as servers:
        manager = servers.enter_context(
            running_alertmanager(workdir, generated.alertmanager_config))
        exporter = ExitStack()
        servers.enter_context(exporter)
        # scraped every second: it answers ahead of other load
        url = exporter.enter_context(started_ahead_of_other_load(running_exporter(workdir)))
        address = url.removeprefix("http://")
        prometheus = servers.enter_context(running_prometheus(
            workdir, [{"job_name": "perfsight", "static_configs": [{"targets": [address]}]}],
            rule_files=generated.rule_files, alertmanager=manager.address,
        ))
        prometheus.wait_for_healthy_targets(1)
        yield Stack(prometheus, manager, address, exporter)


def test_every_generated_rule_evaluates_without_error(stack: Stack) -> None:
    answer: dict[str, Any] = {}

    def all_evaluated() -> bool:
        answer.update(requests.get(f"{stack.prometheus.url}/api/v1/rules", timeout=10).json())
        problems, _ = rule_problems(answer)
        return not any(" unknown " in p for p in problems)

    wait_until(all_evaluated, 60, "every rule to be evaluated once")
    problems, total = rule_problems(answer)
    assert total > 50
    assert not problems


@pytest.mark.parametrize("record", [
    names.INSTANCE_CPU_COUNT, names.INSTANCE_CPU_UTILISATION, names.INSTANCE_LOAD1_PER_CPU,
    names.INSTANCE_MEMORY_UTILISATION, names.INSTANCE_MOUNTPOINT_FILESYSTEM_USAGE,
    names.INSTANCE_NETWORK_RECEIVE_BYTES, names.INSTANCE_NETWORK_ERRORS,
    names.INSTANCE_FILEFD_UTILISATION,
])
def test_use_recording_rules_cover_the_exporter(stack: Stack, record: str) -> None:
    series = stack.prometheus.wait_for_series(f'{record}{{instance="{stack.exporter_address}"}}')
    values = [float(s["value"][1]) for s in series]
    assert all(v >= 0 for v in values), values


def test_stopped_exporter_alert_reaches_alertmanager_and_inhibits(stack: Stack) -> None:
    instance = stack.exporter_address
    # a scrape that missed its deadline on a loaded host fires it too, until the next one lands
    wait_until(lambda: not stack.alertmanager.alerts(alertname=names.ALERT_EXPORTER_DOWN,
                                                     instance=instance),
               60, "no ExporterDown while the exporter runs")
    stack.exporter.close()  # the fault: the exporter process is gone

    wait_until(
        lambda: bool(stack.alertmanager.alerts(alertname=names.ALERT_EXPORTER_DOWN,
                                               instance=instance)),
        60, "ExporterDown in Alertmanager",
    )
    [down] = stack.alertmanager.alerts(alertname=names.ALERT_EXPORTER_DOWN, instance=instance)
    assert down["labels"]["severity"] == "critical"
    assert down["labels"]["exporter"] == "host"
    assert down["annotations"]["runbook_url"].endswith("/ExporterDown.md")
    assert instance in down["annotations"]["summary"]

    stack.alertmanager.post([{
        "labels": {"alertname": names.ALERT_CPU_SATURATED, "severity": "warning",
                   "instance": instance, "job": "perfsight"},
        "annotations": {"summary": "cpu"},
    }])
    wait_until(
        lambda: [a["status"]["state"] for a in stack.alertmanager.alerts(
            alertname=names.ALERT_CPU_SATURATED, instance=instance)] == ["suppressed"],
        15, "HostCpuSaturated of the down instance to be inhibited",
    )
