"""The bundle spec perfsight.yaml: parse YAML → validate every field at once → typed dataclasses."""

from pathlib import Path
from typing import Any

import yaml

from bundle.spec_checks import SpecValidator
from bundle.spec_model import (
    AlertOverride,
    Anomaly,
    Capacity,
    Costs,
    Dependency,
    LatencySli,
    Links,
    ProbeSli,
    RatioSli,
    Receivers,
    Service,
    Sli,
    Slo,
    Spec,
)
from exporters.errors import ConfigError

__all__ = [
    "AlertOverride", "Anomaly", "Capacity", "Costs", "Dependency", "LatencySli", "Links",
    "ProbeSli", "RatioSli", "Receivers", "Service", "Sli", "Slo", "Spec", "load_spec", "parse_spec",
    "spec_of",
]


def load_spec(path: Path) -> Spec:
    """Read and validate a spec file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(str(path), [f"cannot read file: {error.strerror}"]) from error
    except yaml.YAMLError as error:
        raise ConfigError(str(path), [f"not valid YAML: {error}"]) from error
    return parse_spec(data, source=str(path))


def parse_spec(data: Any, source: str = "perfsight.yaml") -> Spec:
    """Validate parsed YAML into a Spec, raising one ConfigError listing every problem."""
    check = SpecValidator()
    top = check.mapping(data, "", {
        "links", "selectors", "services", "dependencies", "slos", "alerts", "capacity",
        "costs", "anomaly", "alertmanager",
    })
    dependencies = check.dependencies(top.get("dependencies"))
    services = check.services(top.get("services"), {d.name for d in dependencies})
    spec = Spec(
        selectors=check.selectors(top.get("selectors")),
        links=check.links(top.get("links")),
        services=services,
        dependencies=dependencies,
        slos=check.slos(top.get("slos"), {s.name for s in services}),
        alerts=check.alerts(top.get("alerts")),
        capacity=check.capacity(top.get("capacity")),
        costs=check.costs(top.get("costs"), {s.name for s in services}),
        anomaly=check.anomaly(top.get("anomaly")),
        receivers=check.receivers(top.get("alertmanager")),
    )
    if check.problems:
        raise ConfigError(source, check.problems)
    return spec


def spec_of(root: Path) -> Spec:
    """Return the validated spec of a checkout (its perfsight.yaml)."""
    return load_spec(root / "perfsight.yaml")
