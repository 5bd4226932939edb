"""The generated dashboards' PromQL: every query, Grafana variables substituted, names it reads."""

import json
import pkgutil
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import promql_parser
import yaml

import bundle.names
import exporters.names

ROOT = Path(__file__).resolve().parent.parent
JSON_DIR = ROOT / "dashboards" / "json"
RULE_DIRS = (ROOT / "recording_rules", ROOT / "alert_rules")
HISTOGRAM_SUFFIXES = ("_bucket", "_count", "_sum")
# Grafana's built-in variables, with the values used when a query runs outside Grafana
# (scrape interval 1 s: $__rate_interval is four scrapes).
GRAFANA_BUILTINS = {
    "__rate_interval": "4s", "__interval": "1s", "__interval_ms": "1000", "__range": "1m",
    "__range_s": "60", "__range_ms": "60000", "__all": ".*",
}
# $name, ${name}, ${name:format}, [[name]]; not regex back-references like $1 or ${1}
VARIABLE = re.compile(r"\$\{([A-Za-z_]\w*)(?::\w+)?\}|\$([A-Za-z_]\w*)|\[\[([A-Za-z_]\w*)\]\]")
LABEL_VALUES = re.compile(r"^label_values\((.*),\s*\w+\)$", re.DOTALL)


@dataclass(frozen=True)
class PanelQuery:
    """One PromQL expression and where it comes from."""

    dashboard: str
    panel: str
    expr: str
    ref: str = "A"

    @property
    def where(self) -> str:
        """Return a readable location for failure messages."""
        return f"{self.dashboard} / {self.panel} / {self.ref}"

    @property
    def key(self) -> tuple[str, str, str]:
        """Return (dashboard uid, panel title, query refId)."""
        return self.dashboard, self.panel, self.ref


def dashboards() -> dict[str, dict[str, Any]]:
    """Return every generated dashboard JSON by file name."""
    return {path.name: json.loads(path.read_text(encoding="utf-8"))
            for path in sorted(JSON_DIR.glob("*.json"))}


def panels(dashboard: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Yield every panel, including those nested in collapsed rows."""
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def panel_queries(dashboard: Mapping[str, Any]) -> Iterator[PanelQuery]:
    """Yield the PromQL of every panel target of a dashboard."""
    for panel in panels(dashboard):
        for target in panel.get("targets", []):
            yield PanelQuery(dashboard["uid"], panel["title"], target["expr"], target["refId"])


def other_queries(dashboard: Mapping[str, Any]) -> Iterator[PanelQuery]:
    """Yield the PromQL of annotations and of label_values() template variables."""
    for annotation in dashboard["annotations"]["list"]:
        if "expr" in annotation:
            yield PanelQuery(dashboard["uid"], f"annotation {annotation['name']}",
                             annotation["expr"])
    for variable in dashboard["templating"]["list"]:
        match = LABEL_VALUES.match(str(variable.get("query", "")))
        if match:
            yield PanelQuery(dashboard["uid"], f"variable {variable['name']}", match.group(1))


def all_queries() -> list[PanelQuery]:
    """Return every panel query of every dashboard."""
    return [q for board in dashboards().values() for q in panel_queries(board)]


def used_variables(text: str) -> set[str]:
    """Return the names of the Grafana variables referenced in text."""
    return {next(g for g in match.groups() if g) for match in VARIABLE.finditer(text)}


def substitute(expr: str, values: Mapping[str, str]) -> str:
    """Replace Grafana variables by values (builtins included); unknown ones raise KeyError."""
    merged = {**GRAFANA_BUILTINS, **values}
    return VARIABLE.sub(lambda m: merged[next(g for g in m.groups() if g)], expr)


def metric_names(expr: str) -> set[str]:
    """Return every metric or recording-rule name a PromQL expression selects."""
    found: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            if node.name:
                found.add(node.name)
            found.update(m.value for m in node.matchers.matchers if m.name == "__name__")

    promql_parser.walk(promql_parser.parse(expr), visit)
    return found


def _constants(module: ModuleType) -> set[str]:
    names: set[str] = set()
    for key, value in vars(module).items():
        if key.isupper() and not key.startswith("LABEL_"):
            if isinstance(value, str):
                names.add(value)
            elif isinstance(value, frozenset):
                names.update(v for v in value if isinstance(v, str))
            elif isinstance(value, dict):  # field -> name tables (INFO_GAUGES, …)
                names.update(v for v in value.values() if isinstance(v, str))
    return names


def recorded_names() -> set[str]:
    """Return every recording rule the generated rule files define."""
    records: set[str] = set()
    for directory in RULE_DIRS:
        for path in sorted(directory.glob("**/*.y*ml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for group in data.get("groups", []):
                records.update(r["record"] for r in group.get("rules", []) if "record" in r)
    return records


def known_names() -> set[str]:
    """Return every name perfsight's exporters and generated rules produce (plus `up`, ALERTS)."""
    modules = [exporters.names, bundle.names] + [
        __import__(f"exporters.names.{m.name}", fromlist=["_"])
        for m in pkgutil.iter_modules(exporters.names.__path__)
    ]
    names = set().union(*(_constants(module) for module in modules)) | recorded_names()
    return names | {base + suffix for base in names for suffix in HISTOGRAM_SUFFIXES}
