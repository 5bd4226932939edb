"""Copy generated rules and dashboards into the Helm chart and the mixin; write the chart README.

Helm's `.Files` cannot reach outside the chart and jsonnet-bundler vendors only `mixin/`, so both
carry their own copies of what the other generators produce. The copies are taken from those
generators' output in the same run (not from disk), so one `make dashboards` is always enough.
"""

import json
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from bundle.alertmanager_crd import alertmanager_config_spec
from bundle.artifacts import Artifact, render_json
from bundle.chart_readme import chart_readme
from exporters.errors import ConfigError

CHART = PurePosixPath("helm/perfsight")
CHART_RULES = CHART / "files" / "rules"
CHART_DASHBOARDS = CHART / "files" / "dashboards"
MIXIN_GENERATED = PurePosixPath("mixin/generated")
RULE_DIRS = ("recording_rules", "alert_rules")
DASHBOARD_DIR = "dashboards"
ALERTMANAGER_DIR = "alertmanager"
CHART_ALERTMANAGER = CHART / "files" / "alertmanager"


def deployment_artifacts(root: Path) -> Iterator[Artifact]:
    """Yield the chart's and the mixin's copies of every generated rule file and dashboard."""
    upstream = _upstream_artifacts(root)
    rules = sorted((a for a in upstream if is_rule_file(a)), key=lambda a: a.path)
    dashboards = sorted((a for a in upstream if is_dashboard(a)), key=lambda a: a.path)
    _require_unique_names(dashboards)
    for artifact in rules:
        yield Artifact(str(CHART_RULES / artifact.path), artifact.text)
    for artifact in dashboards:
        yield Artifact(str(CHART_DASHBOARDS / PurePosixPath(artifact.path).name), artifact.text)
    yield from chart_alertmanager(upstream)
    yield chart_readme(root / str(CHART))
    yield from mixin_data(rules, dashboards)
    yield Artifact(str(MIXIN_GENERATED / "selectors.json"),
                   render_json({"selectors": spec_selectors(root)}))


def spec_selectors(root: Path) -> dict[str, str]:
    """Return the selectors perfsight.yaml sets (exporter -> label matchers), as written."""
    path = root / "perfsight.yaml"
    spec = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
    selectors = (spec or {}).get("selectors") or {}
    return {str(key): str(value) for key, value in selectors.items()}


def chart_alertmanager(upstream: Iterable[Artifact]) -> Iterator[Artifact]:
    """Yield the generated Alertmanager routing as an AlertmanagerConfig spec for the chart."""
    for artifact in upstream:
        path = PurePosixPath(artifact.path)
        data = yaml.safe_load(artifact.text) if path.suffix in {".yml", ".yaml"} else None
        if path.parts[0] == ALERTMANAGER_DIR and isinstance(data, dict) and "route" in data:
            spec = alertmanager_config_spec(data, artifact.path)
            yield Artifact(str(CHART_ALERTMANAGER / "spec.json"), render_json(spec))
            return


def is_rule_file(artifact: Artifact) -> bool:
    """Tell whether an artifact is a Prometheus rule file (not a promtool test file)."""
    path = PurePosixPath(artifact.path)
    if path.parts[0] not in RULE_DIRS or path.suffix != ".yaml":
        return False
    data = yaml.safe_load(artifact.text)
    return isinstance(data, dict) and "groups" in data and "tests" not in data


def is_dashboard(artifact: Artifact) -> bool:
    """Tell whether an artifact is a generated Grafana dashboard."""
    path = PurePosixPath(artifact.path)
    return path.parts[0] == DASHBOARD_DIR and path.suffix == ".json"


def mixin_data(rules: Iterable[Artifact], dashboards: Iterable[Artifact]) -> Iterator[Artifact]:
    """Yield the mixin's data: alert groups, recording groups and dashboards as JSON."""
    alert_groups: list[dict[str, Any]] = []
    record_groups: list[dict[str, Any]] = []
    for artifact in rules:
        for group in yaml.safe_load(artifact.text)["groups"]:
            alert_groups.extend(_group_subset(group, "alert"))
            record_groups.extend(_group_subset(group, "record"))
    yield Artifact(str(MIXIN_GENERATED / "alerts.json"), render_json({"groups": alert_groups}))
    yield Artifact(str(MIXIN_GENERATED / "rules.json"), render_json({"groups": record_groups}))
    by_name = {PurePosixPath(a.path).name: json.loads(a.text) for a in dashboards}
    yield Artifact(str(MIXIN_GENERATED / "dashboards.json"), render_json({"dashboards": by_name}))


def _group_subset(group: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    """Return the group with only its `kind` rules (alert or record), or nothing if none."""
    rules = [rule for rule in group["rules"] if kind in rule]
    return [{**group, "rules": rules}] if rules else []


def _require_unique_names(dashboards: Iterable[Artifact]) -> None:
    """Fail when two dashboards share a file name (they would share a ConfigMap key)."""
    seen: dict[str, str] = {}
    problems = []
    for artifact in dashboards:
        name = PurePosixPath(artifact.path).name
        if name in seen:
            problems.append(f"{artifact.path}: same file name as {seen[name]}")
        seen[name] = artifact.path
    if problems:
        raise ConfigError("dashboards", problems)


def _upstream_artifacts(root: Path) -> list[Artifact]:
    """Return what every other generator in the table produces."""
    from bundle.generate import GENERATORS  # noqa: PLC0415 — the table imports this module

    return [a for gen in GENERATORS if gen is not deployment_artifacts for a in gen(root)]
