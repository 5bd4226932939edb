"""Every rule artifact from perfsight.yaml: rules, alerts, runbooks, Alertmanager config."""

from collections.abc import Iterator
from pathlib import Path

from alert_rules import alertmanager_config, runbooks
from alert_rules import anomaly as anomaly_alerts
from alert_rules import caches as cache_alerts
from alert_rules import databases as database_alerts
from alert_rules import probes as probe_alerts
from alert_rules import slo as slo_alerts
from alert_rules import system as system_alerts
from bundle.artifacts import Artifact
from recording_rules import anomaly as anomaly_records
from recording_rules import caches as cache_records
from recording_rules import capacity as capacity_records
from recording_rules import costs as cost_records
from recording_rules import databases as database_records
from recording_rules import red as red_records
from recording_rules import slo as slo_records
from recording_rules import use as use_records

RULE_GENERATORS = (
    use_records.generate,
    slo_records.generate,
    capacity_records.generate,
    cost_records.generate,
    anomaly_records.generate,
    database_records.generate,
    cache_records.generate,
    red_records.generate,
    system_alerts.generate,
    slo_alerts.generate,
    anomaly_alerts.generate,
    database_alerts.generate,
    cache_alerts.generate,
    probe_alerts.generate,
    runbooks.generate,
    alertmanager_config.generate,
)


def rule_artifacts(root: Path) -> Iterator[Artifact]:
    """Run the rule generators in order."""
    for generator in RULE_GENERATORS:
        yield from generator(root)
