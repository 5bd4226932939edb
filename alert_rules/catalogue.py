"""Every alert the bundle defines, for runbooks and coverage checks."""

from alert_rules import anomaly, databases, slo, system
from alert_rules.model import Alert

ALERTS: tuple[Alert, ...] = (
    system.ALERTS + slo.ALERTS + anomaly.ALERTS + databases.ALERTS
)
