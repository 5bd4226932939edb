"""Spec overrides reach the generated rules; burn-rate factors follow the SLO period."""

from pathlib import Path
from typing import Any

import pytest
import yaml

from alert_rules.model import render_rules
from alert_rules.slo import PAGE_WINDOWS, TICKET_WINDOWS, burn_factor
from alert_rules.system import system_rules
from bundle.rules import rule_artifacts
from bundle.spec import parse_spec
from exporters.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def rendered(alerts: dict[str, Any]) -> dict[str, dict[str, Any]]:
    spec = parse_spec({"alerts": alerts})
    return {rule["alert"]: rule for rule in render_rules(spec, system_rules(spec))}


def test_threshold_for_severity_and_labels_are_applied() -> None:
    rule = rendered({"HostMemorySaturated": {
        "threshold": 0.95, "for": "1h", "severity": "critical", "labels": {"team": "db"},
    }})["HostMemorySaturated"]
    assert "instance:node_memory_utilisation:ratio{job=\"host\"} > 0.95" in rule["expr"]
    assert rule["for"] == "1h"
    assert rule["labels"] == {"severity": "critical", "team": "db"}


def test_defaults_without_overrides() -> None:
    rule = rendered({})["HostMemorySaturated"]
    assert "> 0.9 " in rule["expr"]
    assert (rule["for"], rule["labels"]) == ("15m", {"severity": "warning"})


def test_disabled_alert_is_left_out() -> None:
    rules = rendered({"HostDiskFillingUp": {"enabled": False}})
    assert "HostDiskFillingUp" not in rules
    assert "HostInodesFillingUp" in rules


def test_disabling_an_alert_keeps_the_recording_rules(tmp_path: Path) -> None:
    spec = yaml.safe_load((ROOT / "perfsight.yaml").read_text())
    spec["alerts"] = {"HostDiskFillingUp": {"enabled": False}, "SLOErrorBudgetBurnFast":
                      {"enabled": False}}
    (tmp_path / "perfsight.yaml").write_text(yaml.safe_dump(spec))
    variant = {a.path: a.text for a in rule_artifacts(tmp_path)}
    shipped = {a.path: a.text for a in rule_artifacts(ROOT)}
    recordings = [p for p in shipped if p.startswith("recording_rules/")]
    assert recordings
    for path in recordings:
        assert variant[path] == shipped[path], path
    assert "HostDiskFillingUp" not in variant["alert_rules/generated/system.yaml"]
    assert "SLOErrorBudgetBurnFast" not in variant["alert_rules/generated/slo.yaml"]


def test_threshold_on_an_alert_without_one_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"alerts\.ExporterDown\.threshold: this alert has no"):
        rendered({"ExporterDown": {"threshold": 1}})


@pytest.mark.parametrize(("period", "factors"), [
    ("30d", [14.4, 6, 3, 1]),
    ("28d", [13.44, 5.6, 2.8, 1]),  # never below 1x: slower burns meet the objective
    ("7d", [3.36, 1.4, 1, 1]),
])
def test_burn_factors_follow_the_period(period: str, factors: list[float]) -> None:
    spec = parse_spec({"services": [{"name": "a"}], "slos": [{
        "service": "a", "name": "x", "objective": 99.9, "period": period,
        "sli": {"kind": "probe", "selector": 'job="p"'},
    }]})
    [slo] = spec.slos
    got = [burn_factor(slo, long, share) for long, _, share in PAGE_WINDOWS + TICKET_WINDOWS]
    assert got == pytest.approx(factors, rel=1e-5)
