"""PrometheusRules and dashboard ConfigMaps carry exactly the generated files; overrides work."""

import functools
import json
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
        "FixtureCPUHigh": {"threshold": 0.95, "replaces": 0.9, "for": "30m",
                           "severity": "critical", "labels": {"page": "yes"}},
        "FixtureExporterDown": {"enabled": False},
        "FixtureExporterAbsent": {"severity": "info"},
        "FixtureDiskBusy": {"threshold": 20, "replaces": 10},
    }
    values = {"prometheusRule": {"enabled": True, "alertOverrides": overrides}}
    groups = rules_by_source(objects(render(values, chart)))["fixture/host.yaml"]
    original = alerts(yaml.safe_load(FIXTURE_RULES)["groups"])
    changed = alerts(groups)
    assert set(changed) == {"FixtureCPUHigh", "FixtureExporterAbsent", "FixtureDiskBusy"}
    cpu = changed["FixtureCPUHigh"]
    assert cpu["expr"] == original["FixtureCPUHigh"]["expr"].replace("> 0.9", "> 0.95")
    assert cpu["for"] == "30m"
    assert cpu["labels"] == {"severity": "critical", "team": "sre", "page": "yes"}
    assert cpu["annotations"] == original["FixtureCPUHigh"]["annotations"]
    disk = changed["FixtureDiskBusy"]["expr"]
    assert disk == original["FixtureDiskBusy"]["expr"].replace("> 10 and", "> 20 and")
    assert disk.endswith("> 0.9 and rate(node_disk_reads_completed_total[5m]) > 10.9")
    absent = changed["FixtureExporterAbsent"]
    assert absent["labels"] == {"severity": "info"}
    assert absent["expr"] == original["FixtureExporterAbsent"]["expr"]
    records = [r for g in groups for r in g["rules"] if "record" in r]
    assert len(records) == 1, "disabling an alert keeps the recording rules"
    promtool_check_rules(groups, tmp_path)


def test_threshold_override_rewrites_only_the_named_number(tmp_path: Path) -> None:
    chart = chart_copy(tmp_path, {"rules/fixture/host.yaml": FIXTURE_RULES})
    overrides = {"FixtureDiskBusy": {"threshold": 0.8, "replaces": 0.9}}
    values = {"prometheusRule": {"enabled": True, "alertOverrides": overrides}}
    groups = rules_by_source(objects(render(values, chart)))["fixture/host.yaml"]
    expr = alerts(groups)["FixtureDiskBusy"]["expr"]
    assert expr == alerts(yaml.safe_load(FIXTURE_RULES)["groups"])["FixtureDiskBusy"][
        "expr"].replace("> 0.9 and", "> 0.8 and")
    assert expr.endswith("> 10.9"), "0.9 inside 10.9 is another number"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"NoSuchAlert": {"enabled": False}},
         "prometheusRule.alertOverrides.NoSuchAlert: no generated alert has this name"),
        ({"FixtureCPUHigh": {"threshold": 0.5, "replaces": 0.8}},
         "prometheusRule.alertOverrides.FixtureCPUHigh.replaces: no comparison against 0.8 in the "
         "alert's expression (it compares against: > 0.9)"),
        ({"FixtureExporterAbsent": {"threshold": 1, "replaces": 0}},
         "(it compares against: no number)"),
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


def test_every_generated_alert_takes_overrides(tmp_path: Path) -> None:
    names = {rule["alert"] for a in generated_artifacts() if is_rule_file(a)
             for group in yaml.safe_load(a.text)["groups"] for rule in group["rules"]
             if "alert" in rule}
    override = {"severity": "info", "for": "1m", "labels": {"owner": "chart-test"}}
    values = {"prometheusRule": {"enabled": True,
                                 "alertOverrides": dict.fromkeys(names, override)}}
    rendered = rules_by_source(objects(render(values)))
    seen = set()
    for groups in rendered.values():
        for rule in (r for group in groups for r in group["rules"] if "alert" in r):
            assert rule["for"] == "1m"
            assert rule["labels"]["severity"] == "info"
            assert rule["labels"]["owner"] == "chart-test"
            seen.add(rule["alert"])
        promtool_check_rules(groups, tmp_path)
    assert seen == names


def test_embedded_objects_fit_the_kubernetes_object_size_limit() -> None:
    values = {"prometheusRule": {"enabled": True}}
    embedded = [obj for obj in objects(render(values))
                if SOURCE_ANNOTATION in obj["metadata"].get("annotations", {})]
    assert embedded
    for obj in embedded:
        size = len(json.dumps(obj))
        assert size < 1_000_000, f"{obj['metadata']['name']}: {size} bytes (ConfigMaps hold 1 MiB)"
