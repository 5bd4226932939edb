"""PrometheusRules and dashboard ConfigMaps carry exactly the generated files; overrides work."""

import functools
import subprocess
from pathlib import Path, PurePosixPath
from typing import Any

import helm_python as helm
import pytest
import yaml

from bundle.artifacts import Artifact
from bundle.deployment import is_dashboard, is_rule_file
from bundle.generate import generate_all
from tests.harness.chart import (
    ROOT,
    SOURCE_ANNOTATION,
    VALUES_FIXTURES,
    chart_copy,
    objects,
    of_kind,
    render,
)
from tests.harness.servers import require_binary

RULES_ON = {"prometheusRule": {"enabled": True}}
FIXTURE_RULES = (VALUES_FIXTURES / "rules.yaml").read_text()


@functools.cache
def generated_artifacts() -> tuple[Artifact, ...]:
    """Run the generators once for this module."""
    return tuple(generate_all(ROOT))


def promtool_check_rules(groups: list[dict[str, Any]], workdir: Path) -> None:
    path = workdir / f"rules-{len(list(workdir.iterdir()))}.yaml"
    path.write_text(yaml.safe_dump({"groups": groups}))
    result = subprocess.run([require_binary("promtool"), "check", "rules", str(path)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def rules_by_source(rendered: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    return {
        rule["metadata"]["annotations"][SOURCE_ANNOTATION]: rule["spec"]["groups"]
        for rule in of_kind(rendered, "PrometheusRule")
    }


def alerts(groups: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {rule["alert"]: rule for group in groups for rule in group["rules"] if "alert" in rule}


def test_prometheus_rules_equal_the_generated_rule_files(tmp_path: Path) -> None:
    generated = {a.path: yaml.safe_load(a.text)["groups"] for a in generated_artifacts()
                 if is_rule_file(a)}
    rendered = rules_by_source(objects(render(RULES_ON)))
    assert rendered == generated
    for groups in rendered.values():
        promtool_check_rules(groups, tmp_path)


def test_dashboard_configmaps_equal_the_generated_json() -> None:
    generated = {PurePosixPath(a.path).name: a.text for a in generated_artifacts()
                 if is_dashboard(a)}
    rendered = {
        cm["metadata"]["annotations"][SOURCE_ANNOTATION]: cm["data"]
        for cm in of_kind(objects(render()), "ConfigMap")
        if SOURCE_ANNOTATION in cm["metadata"].get("annotations", {})
    }
    assert rendered == {name: {name: text} for name, text in generated.items()}


def test_rules_without_overrides_are_carried_verbatim(tmp_path: Path) -> None:
    chart = chart_copy(tmp_path, {"rules/fixture/host.yaml": FIXTURE_RULES})
    groups = rules_by_source(objects(render(RULES_ON, chart)))["fixture/host.yaml"]
    assert groups == yaml.safe_load(FIXTURE_RULES)["groups"]


def test_alert_overrides_change_only_what_they_name(tmp_path: Path) -> None:
    chart = chart_copy(tmp_path, {"rules/fixture/host.yaml": FIXTURE_RULES})
    overrides = {
        "FixtureCPUHigh": {"threshold": 0.95, "for": "30m", "severity": "critical"},
        "FixtureExporterDown": {"enabled": False},
        "FixtureExporterAbsent": {"severity": "info"},
    }
    values = {"prometheusRule": {"enabled": True, "alertOverrides": overrides}}
    groups = rules_by_source(objects(render(values, chart)))["fixture/host.yaml"]
    original = alerts(yaml.safe_load(FIXTURE_RULES)["groups"])
    changed = alerts(groups)
    assert set(changed) == {"FixtureCPUHigh", "FixtureExporterAbsent"}
    cpu = changed["FixtureCPUHigh"]
    assert cpu["expr"] == original["FixtureCPUHigh"]["expr"].rstrip().removesuffix("0.9") + "0.95"
    assert cpu["for"] == "30m"
    assert cpu["labels"] == {"severity": "critical", "team": "sre"}
    assert cpu["annotations"] == original["FixtureCPUHigh"]["annotations"]
    absent = changed["FixtureExporterAbsent"]
    assert absent["labels"] == {"severity": "info"}
    assert absent["expr"] == original["FixtureExporterAbsent"]["expr"]
    records = [r for g in groups for r in g["rules"] if "record" in r]
    assert len(records) == 1, "disabling an alert keeps the recording rules"
    promtool_check_rules(groups, tmp_path)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"NoSuchAlert": {"enabled": False}},
         "prometheusRule.alertOverrides.NoSuchAlert: no generated alert has this name"),
        ({"FixtureExporterAbsent": {"threshold": 1}},
         "prometheusRule.alertOverrides.FixtureExporterAbsent.threshold: the alert's expression "
         "does not end with a comparison against a number"),
    ],
)
def test_impossible_overrides_fail_the_render(
    tmp_path: Path, overrides: dict[str, Any], message: str
) -> None:
    chart = chart_copy(tmp_path, {"rules/fixture/host.yaml": FIXTURE_RULES})
    values = {"prometheusRule": {"enabled": True, "alertOverrides": overrides}}
    with pytest.raises(helm.HelmRenderError) as error:
        render(values, chart)
    assert message in str(error.value)
