"""Anomaly bands of SLO traffic, error ratio and service p95 latency: z-scores vs last week."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bundle import names as rn
from bundle.artifacts import Artifact, render_yaml
from bundle.spec import spec_of

PATH = "recording_rules/generated/anomaly.yaml"
ANOMALY_INPUTS = (rn.SLO_EVENTS_RATE5M, rn.slo_error_ratio("5m"), rn.SERVICE_LATENCY_P95_RATE5M)
# centred on this time a week ago: the hour from 1w-30m back to 1w+30m back
SEASON_OFFSET = "167h30m"


def anomaly_rules() -> list[dict[str, Any]]:
    """Return baseline, deviation and z-score rules of each anomaly input."""
    rules = []
    for series in ANOMALY_INPUTS:
        baseline, stddev = rn.anomaly_baseline(series), rn.anomaly_stddev(series)
        rules += [
            {"record": baseline, "expr": f"avg_over_time({series}[1h] offset {SEASON_OFFSET})"},
            {"record": stddev, "expr": f"stddev_over_time({series}[1w])"},
            {"record": rn.anomaly_zscore(series),
             "expr": f"({series} - {baseline}) / ({stddev} > 0)"},
        ]
    return rules


def generate(root: Path) -> Iterator[Artifact]:
    """Write the anomaly-band rules when the spec has SLOs to watch."""
    if spec_of(root).slos:
        yield Artifact(PATH, render_yaml(
            {"groups": [{"name": "perfsight-anomaly", "rules": anomaly_rules()}]}
        ))
