"""The one table of artifact generators; each takes the repository root and yields files."""

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from bundle.artifacts import Artifact
from bundle.deployment import deployment_artifacts
from bundle.rules import rule_artifacts
from dashboards.generate import dashboard_artifacts

# Directories whose marked files belong to generation (stale ones are removed).
OUTPUT_DIRS = ("recording_rules", "alert_rules", "alertmanager", "runbooks", "dashboards", "mixin",
               "helm")

Generator = Callable[[Path], Iterable[Artifact]]

GENERATORS: tuple[Generator, ...] = (
    dashboard_artifacts,
    rule_artifacts,  # recording/alert rules, runbooks, Alertmanager example (bundle/rules.py)
    deployment_artifacts,  # last: copies the others' rules and dashboards into helm/ and mixin/
)


def generate_all(root: Path) -> Iterator[Artifact]:
    """Run every generator in table order."""
    for generator in GENERATORS:
        yield from generator(root)
