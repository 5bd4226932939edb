"""What an alert is (metadata and runbook) and how spec overrides turn it into rule YAML."""

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bundle import names as rn
from bundle.artifacts import Artifact, rule_file
from bundle.promql import number
from bundle.spec import Spec, spec_of
from exporters.errors import ConfigError

# a forecast to run out alerts only once this share of the resource is in use: a normal
# daily ramp from 5% to 20% extrapolates to the limit too
FORECAST_FLOOR = 0.5
ON_INSTANCE = f"on ({rn.LABEL_INSTANCE}, {rn.LABEL_JOB})"


def near_limit(
    utilisation: str, exhaustion: str, horizon: int, on: str = ON_INSTANCE
) -> Callable[[float], str]:
    """Return: usage above the threshold, or past the floor and forecast to reach the limit."""
    return lambda t: (f"{utilisation} > {number(t)} or ({utilisation} > {FORECAST_FLOOR} and "
                      f"{on} {exhaustion} < {horizon})")


@dataclass(frozen=True)
class Runbook:
    """The page runbooks/<AlertName>.md: meaning, impact, diagnosis, mitigation."""

    meaning: str
    impact: str
    diagnose: str
    mitigate: str


@dataclass(frozen=True)
class Alert:
    """One alert: its defaults, annotations (Go templates) and runbook."""

    name: str
    severity: str
    for_: str
    summary: str
    description: str
    dashboard: str
    runbook: Runbook
    threshold: float | None = None
    threshold_meaning: str = ""


@dataclass(frozen=True)
class AlertRule:
    """One rule of an alert: the expression builder (given the threshold) and fixed labels."""

    alert: Alert
    expr: Callable[[float], str]
    labels: Mapping[str, str] = field(default_factory=dict)


def constant(expr: str) -> Callable[[float], str]:
    """Return an expression builder for an alert without a threshold."""
    return lambda _: expr


def render_rules(spec: Spec, rules: Iterable[AlertRule]) -> list[dict[str, Any]]:
    """Return the rule dicts of enabled alerts, overrides applied, in input order."""
    rendered = []
    for rule in rules:
        alert = rule.alert
        override = spec.override(alert.name)
        if override.threshold is not None and alert.threshold is None:
            raise ConfigError("perfsight.yaml", [
                f"alerts.{alert.name}.threshold: this alert has no threshold"
            ])
        if not override.enabled:
            continue
        threshold = override.threshold if override.threshold is not None else alert.threshold
        rendered.append({
            "alert": alert.name,
            "expr": rule.expr(threshold if threshold is not None else 0.0),
            "for": override.for_ or alert.for_,
            "labels": {
                "severity": override.severity or alert.severity, **rule.labels,
                **override.labels,
            },
            "annotations": {
                "summary": alert.summary,
                "description": alert.description,
                "runbook_url": f"{spec.links.runbook_base_url}/{alert.name}.md",
                "dashboard_url": f"{spec.links.dashboard_base_url}/d/{alert.dashboard}",
            },
        })
    return rendered


def alert_file(
    path: str, group: str, rules_of: Callable[[Spec], Iterable[AlertRule]]
) -> Callable[[Path], Iterator[Artifact]]:
    """Return the generator writing one alert group, overrides of the root's spec applied."""

    def generate(root: Path) -> Iterator[Artifact]:
        spec = spec_of(root)
        yield rule_file(path, {group: render_rules(spec, rules_of(spec))})

    return generate


def rule_group(name: str, rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return a one-group list, or nothing when every rule of the group is disabled."""
    return [{"name": name, "rules": rules}] if rules else []
