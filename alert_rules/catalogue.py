"""Every alert the bundle defines, for runbooks and coverage checks."""

from alert_rules import anomaly, caches, databases, probes, slo, system
from alert_rules.model import Alert

ALERTS: tuple[Alert, ...] = (
    system.ALERTS + slo.ALERTS + anomaly.ALERTS + databases.ALERTS + caches.ALERTS
    + probes.ALERTS
)
