"""mixin/mixin.libsonnet evaluated with the jsonnet binding reproduces the generated files."""

import json
import subprocess
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any

import _jsonnet
import yaml

from bundle.artifacts import render_json
from bundle.deployment import is_dashboard, is_rule_file, spec_selectors
from bundle.generate import generate_all
from tests.harness.servers import require_binary

ROOT = Path(__file__).resolve().parent.parent
MIXIN = ROOT / "mixin"
FIXTURE_RULES = ROOT / "tests" / "fixtures" / "helm" / "rules.yaml"
EVALUATE = """
local mixin = (import 'mixin.libsonnet') + { _config+:: %s };
{
  alerts: mixin.prometheusAlerts,
  rules: mixin.prometheusRules,
  dashboards: mixin.grafanaDashboards,
}
"""


def evaluate(config: dict[str, Any], generated: dict[str, str] | None = None) -> dict[str, Any]:
    """Evaluate the mixin with _config overrides; `generated` replaces files in generated/."""

    def load(base: str, relative: str) -> tuple[str, bytes]:
        path = (Path(base) / relative).resolve()
        if generated is not None and path.parent == MIXIN / "generated":
            return str(path), generated[path.name].encode()
        return str(path), path.read_bytes()

    snippet = EVALUATE % json.dumps(config)
    result: dict[str, Any] = json.loads(
        _jsonnet.evaluate_snippet(str(MIXIN / "evaluate.jsonnet"), snippet, import_callback=load)
    )
    return result


def flattened(groups: Iterable[dict[str, Any]]) -> list[tuple[str, str]]:
    """Return (group name, rule as sorted JSON) pairs, order-independent."""
    return sorted((g["name"], json.dumps(r, sort_keys=True)) for g in groups for r in g["rules"])


def test_mixin_reproduces_generated_rules_and_dashboards(tmp_path: Path) -> None:
    artifacts = list(generate_all(ROOT))
    generated_groups = [
        g for a in artifacts if is_rule_file(a) for g in yaml.safe_load(a.text)["groups"]
    ]
    dashboards = {
        PurePosixPath(a.path).name: json.loads(a.text) for a in artifacts if is_dashboard(a)
    }
    mixin = evaluate({})
    assert all("alert" in r for g in mixin["alerts"]["groups"] for r in g["rules"])
    assert all("record" in r for g in mixin["rules"]["groups"] for r in g["rules"])
    combined = mixin["alerts"]["groups"] + mixin["rules"]["groups"]
    assert flattened(combined) == flattened(generated_groups)
    assert mixin["dashboards"] == dashboards
    for kind in ("alerts", "rules"):
        path = tmp_path / f"{kind}.yaml"
        path.write_text(yaml.safe_dump(mixin[kind]))
        result = subprocess.run([require_binary("promtool"), "check", "rules", str(path)],
                                capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr


def test_selectors_default_to_the_spec_and_rewrite_every_expression() -> None:
    groups = yaml.safe_load(FIXTURE_RULES.read_text())["groups"]
    generated = {
        "alerts.json": render_json({"groups": groups}),
        "rules.json": render_json({"groups": []}),
        "dashboards.json": render_json({"dashboards": {}}),
        "selectors.json": render_json({"selectors": {"host": 'job="perfsight"',
                                                     "redis": 'job="redis"'}}),
    }
    unchanged = evaluate({}, generated)
    assert unchanged["alerts"]["groups"] == groups
    mixin = evaluate({"selectors": {"host": 'job="node", cluster="eu"'}}, generated)
    exprs = {r.get("alert", r.get("record")): r["expr"]
             for g in mixin["alerts"]["groups"] for r in g["rules"]}
    assert exprs["FixtureExporterDown"] == 'up{job="node", cluster="eu"} == 0'
    assert exprs["FixtureExporterAbsent"] == 'absent(up{job="node", cluster="eu"})'
    assert all('job="perfsight"' not in expr for expr in exprs.values())
    on_disk = json.loads((MIXIN / "generated" / "selectors.json").read_text())["selectors"]
    assert on_disk == spec_selectors(ROOT)


def test_config_rewrites_selectors_and_adds_alert_labels() -> None:
    groups = yaml.safe_load(FIXTURE_RULES.read_text())["groups"]
    dashboard = {"panels": [{"targets": [{"expr": 'up{job="perfsight"}', "legendFormat": "job"}]}],
                 "templating": {"list": [{"query": 'label_values(up{job="perfsight"}, instance)'}]}}
    generated = {
        "alerts.json": render_json({"groups": groups}),
        "rules.json": render_json({"groups": []}),
        "dashboards.json": render_json({"dashboards": {"host.json": dashboard}}),
        "selectors.json": render_json({"selectors": {}}),
    }
    config = {"selectorReplacements": {'job="perfsight"': 'job="node"'},
              "alertLabels": {"team": "db"}}
    mixin = evaluate(config, generated)
    rules = [r for g in mixin["alerts"]["groups"] for r in g["rules"]]
    alert_exprs = {r["alert"]: r["expr"] for r in rules if "alert" in r}
    assert alert_exprs["FixtureExporterDown"] == 'up{job="node"} == 0'
    assert alert_exprs["FixtureExporterAbsent"] == 'absent(up{job="node"})'
    assert all(r["labels"]["team"] == "db" for r in rules if "alert" in r)
    assert "team" not in next(r for r in rules if "record" in r).get("labels", {})
    (host,) = mixin["dashboards"].values()
    assert host["panels"][0]["targets"][0] == {"expr": 'up{job="node"}', "legendFormat": "job"}
    assert host["templating"]["list"][0]["query"] == 'label_values(up{job="node"}, instance)'
    untouched = evaluate({}, generated)
    assert untouched["dashboards"]["host.json"] == dashboard
