"""Panel thresholds taken from the alerts they belong to, after perfsight.yaml's overrides."""

from pathlib import Path

from alert_rules.model import Alert
from bundle.spec import spec_of
from dashboards.style import RED, Threshold

SPEC = spec_of(Path(__file__).resolve().parent.parent)


def alert_threshold(alert: Alert) -> float:
    """Return the threshold an alert fires at: the spec's override, else its default."""
    override = SPEC.override(alert.name).threshold
    value = override if override is not None else alert.threshold
    if value is None:
        raise ValueError(f"alert {alert.name} has no threshold")
    return value


def alert_line(alert: Alert) -> Threshold:
    """Return the panel threshold (red from there up) where an alert fires."""
    return Threshold(alert_threshold(alert), RED)
