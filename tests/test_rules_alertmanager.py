"""The generated Alertmanager config: amtool-clean, routes by severity, inhibitions hold."""

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from alert_rules.catalogue import ALERTS
from bundle import names
from tests.harness.alertmanager import Alertmanager, running_alertmanager
from tests.harness.servers import require_binary, wait_until

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "alertmanager" / "alertmanager.yml"


def amtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([require_binary("amtool"), *args], capture_output=True, text=True,
                          check=False)


def test_amtool_check_config() -> None:
    result = amtool("check-config", str(CONFIG))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("labels", "receiver"),
    [
        pytest.param(["alertname=ExporterDown", "severity=critical"], "page", id="critical pages"),
        pytest.param(["alertname=SLOErrorBudgetBurnFast", "severity=critical",
                      "service=checkout"], "page", id="a fast SLO burn pages"),
        pytest.param(["alertname=SLOErrorBudgetBurnSlow", "severity=warning"], "ticket",
                     id="a slow SLO burn opens a ticket"),
        pytest.param(["alertname=SLOTrafficAnomaly", "severity=info"], "ticket",
                     id="info opens a ticket"),
        pytest.param(["alertname=Unknown"], "ticket", id="anything else opens a ticket"),
    ],
)
def test_amtool_routes(labels: list[str], receiver: str) -> None:
    result = amtool("config", "routes", "test", f"--config.file={CONFIG}",
                    f"--verify.receivers={receiver}", *labels)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_runbook() -> None:
    alert_names: set[str] = set()
    for path in (ROOT / "alert_rules" / "generated").glob("*.yaml"):
        for group in yaml.safe_load(path.read_text())["groups"]:
            alert_names.update(rule["alert"] for rule in group["rules"])
    missing = sorted(n for n in alert_names if not (ROOT / "runbooks" / f"{n}.md").is_file())
    assert not missing, f"alerts without runbooks/<name>.md: {missing}"


def test_catalogue_lists_every_named_alert() -> None:
    assert sorted(a.name for a in ALERTS) == sorted(names.ALERT_NAMES)


@pytest.fixture(scope="module")
def alertmanager(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Alertmanager]:
    workdir = tmp_path_factory.mktemp("alertmanager")
    with running_alertmanager(workdir, CONFIG) as server:
        yield server


def alert(name: str, severity: str, **labels: str) -> dict[str, dict[str, str]]:
    return {"labels": {"alertname": name, "severity": severity, **labels},
            "annotations": {"summary": f"test {name}"}}


def state_of(manager: Alertmanager, **labels: str) -> str:
    found = manager.alerts(**labels)
    assert len(found) == 1, found
    state: str = found[0]["status"]["state"]
    return state


def settled(manager: Alertmanager, expected: dict[str, tuple[dict[str, str], str]]) -> None:
    """Wait until every alert (by labels) shows its expected state."""
    wait_until(
        lambda: all(state_of(manager, **labels) == state for labels, state in expected.values()),
        15, f"alert states {expected}",
    )


@pytest.mark.integration
def test_critical_inhibits_warning_of_the_same_alert_and_instance(
    alertmanager: Alertmanager,
) -> None:
    alertmanager.post([
        alert("HostDiskFillingUp", "critical", instance="a:1", mountpoint="/"),
        alert("HostDiskFillingUp", "warning", instance="a:1", mountpoint="/data"),
        alert("HostDiskFillingUp", "warning", instance="b:1", mountpoint="/"),
    ])
    settled(alertmanager, {
        "critical": ({"instance": "a:1", "severity": "critical"}, "active"),
        "same instance": ({"instance": "a:1", "severity": "warning"}, "suppressed"),
        "other instance": ({"instance": "b:1", "severity": "warning"}, "active"),
    })


@pytest.mark.integration
def test_instance_down_inhibits_its_other_alerts(alertmanager: Alertmanager) -> None:
    alertmanager.post([
        alert("ExporterDown", "critical", instance="h9:10099", job="perfsight"),
        alert("HostCpuSaturated", "warning", instance="h9:10099", job="perfsight"),
        alert("HostCpuSaturated", "warning", instance="h8:10099", job="perfsight"),
    ])
    settled(alertmanager, {
        "down": ({"alertname": "ExporterDown", "instance": "h9:10099"}, "active"),
        "same": ({"alertname": "HostCpuSaturated", "instance": "h9:10099"}, "suppressed"),
        "other": ({"alertname": "HostCpuSaturated", "instance": "h8:10099"}, "active"),
    })


@pytest.mark.integration
def test_database_down_inhibits_slo_burn_of_dependent_services(
    alertmanager: Alertmanager,
) -> None:
    alertmanager.post([
        alert("ExporterDown", "critical", instance="db1:9187", job="postgres"),
        alert("SLOErrorBudgetBurnFast", "critical", service="checkout", slo="availability"),
        alert("SLOErrorBudgetBurnFast", "critical", service="homepage", slo="reachability"),
    ])
    settled(alertmanager, {
        "dependent": ({"service": "checkout"}, "suppressed"),
        "independent": ({"service": "homepage"}, "active"),
    })
