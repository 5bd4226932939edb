"""The Helm chart's README: a values table built from the `# --` comments in values.yaml."""

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bundle.artifacts import Artifact, render_markdown
from exporters.errors import ConfigError

KEY_LINE = re.compile(r"^(?P<indent> *)(?P<key>[A-Za-z0-9_.-]+):")
DOC_PREFIX = "# -- "

INTRO = """\
# perfsight Helm chart

Deploys the perfsight exporters and ships the generated Prometheus rules and Grafana
dashboards: the host exporter as a DaemonSet (host `/proc`, `/sys` and `/` mounted read-only),
the probe exporter and the database/cache exporter as Deployments answering
`/probe?target=NAME&module=MODULE`, ServiceMonitors or PodMonitors (or plain scrape configs),
one PrometheusRule per generated rule file, one ConfigMap per generated dashboard for the
Grafana sidecar, and optionally an AlertmanagerConfig, NetworkPolicies and PodDisruptionBudgets.

```sh
helm install perfsight ./helm/perfsight -n monitoring \\
  --set serviceMonitor.enabled=true --set serviceMonitor.labels.release=kube-prometheus-stack \\
  --set prometheusRule.enabled=true --set prometheusRule.labels.release=kube-prometheus-stack
```

The image is built from the repository's `Dockerfile`. Pods run as uid 65534 with a read-only
root filesystem and no capabilities; the host exporter then reads the host's `/proc` without
the rights to other users' process I/O counters and open files, which the process collector
reports as absent rather than failing. `system.hostPID` lets it see host processes at all.

`files/rules/` and `files/dashboards/` are copies that `make dashboards` writes from the
generated `recording_rules/`, `alert_rules/` and `dashboards/` (Helm cannot read files outside
the chart); do not edit them. `values.schema.json` rejects unknown keys and wrong types.

## Alert overrides

`prometheusRule.alertOverrides.ALERT` takes `enabled`, `severity`, `for`, extra `labels`, and
`threshold` with `replaces`, applied when the chart renders; the recording rules an alert uses
are always kept. `threshold: 0.95, replaces: 0.9` rewrites every comparison against 0.9 in the
alert's expression (`… > 0.9` becomes `… > 0.95`, `> 10.9` and `> 0.95` are left alone).
Naming the old number is deliberate: generated expressions can hold several numbers (a
minimum-volume guard next to a z-score, an IO-time floor next to a utilisation limit), and a
chart cannot tell which one is "the" threshold. If the number is not in the expression — say
the default changed in a later release — the render fails and lists the numbers it compares
against, instead of silently changing the wrong one; so does an override naming no generated
alert. Thresholds derived from others (hysteresis bands, SLO burn-rate factors) are changed in
`perfsight.yaml`, where the generator knows every place a threshold is used.

## Alertmanager

`alertmanagerConfig.enabled` creates an AlertmanagerConfig with the generated routing and
inhibitions from `alertmanager/alertmanager.yml` (page on `severity=critical`, ticket otherwise;
critical inhibits warning, an exporter or database down inhibits what depends on it). Fill the
receivers by the generated names, e.g. `alertmanagerConfig.receivers.page.pagerdutyConfigs`.
The operator adds a `namespace` matcher to these routes and inhibitions by default, so they apply
to alerts carrying this release's namespace.

## Values
"""


@dataclass(frozen=True)
class DocumentedValue:
    """One documented key of values.yaml."""

    path: str
    description: str
    default: Any


def chart_readme(chart: Path) -> Artifact:
    """Return the chart README generated from the chart's values.yaml."""
    values_text = (chart / "values.yaml").read_text(encoding="utf-8")
    rows = [
        f"| `{value.path}` | {_type_name(value.default)} | `{_compact(value.default)}` "
        f"| {value.description} |"
        for value in documented_values(values_text)
    ]
    table = "| key | type | default | description |\n|---|---|---|---|\n" + "\n".join(rows)
    relative = chart.relative_to(chart.parent.parent)
    return Artifact(f"{relative.as_posix()}/README.md", render_markdown(INTRO + "\n" + table))


def documented_values(text: str) -> list[DocumentedValue]:
    """Return every key preceded by a `# --` comment, with its dotted path and default."""
    data = yaml.safe_load(text)
    stack: list[tuple[int, str]] = []
    pending: str | None = None
    found: list[DocumentedValue] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(DOC_PREFIX):
            pending = stripped.removeprefix(DOC_PREFIX)
            continue
        match = KEY_LINE.match(line)
        if match is None:
            continue
        indent = len(match["indent"])
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, match["key"]))
        if pending is not None:
            path = [key for _, key in stack]
            found.append(DocumentedValue(".".join(path), pending, _lookup(data, path)))
            pending = None
    _require_documented(data, {value.path for value in found})
    return found


def _require_documented(data: Any, documented: set[str], prefix: str = "") -> None:
    """Fail when a leaf of values.yaml is neither documented nor under a documented key."""
    missing = []
    for key, value in data.items():
        path = f"{prefix}{key}"
        if path in documented:
            continue
        if isinstance(value, dict) and value:
            try:
                _require_documented(value, documented, f"{path}.")
            except ConfigError as error:
                missing.extend(error.problems)
        else:
            missing.append(f"{path}: no `# --` comment")
    if missing:
        raise ConfigError("helm/perfsight/values.yaml", missing)


def _lookup(data: Any, path: list[str]) -> Any:
    for key in path:
        data = data[key]
    return data


def _type_name(value: Any) -> str:
    names = {bool: "bool", int: "int", float: "number", str: "string", list: "list", dict: "object"}
    return names.get(type(value), "string")


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True).replace("|", "\\|")
