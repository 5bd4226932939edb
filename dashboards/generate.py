"""Load every ``dashboards/*.dashboard.py`` source and render its JSON into ``dashboards/json/``."""

import importlib.util
from collections.abc import Iterator
from pathlib import Path

from bundle.artifacts import Artifact, render_json
from dashboards.style import Dashboard

SOURCE_SUFFIX = ".dashboard.py"
JSON_DIR = "dashboards/json"


def dashboard_sources(root: Path) -> list[Path]:
    """Return the dashboard source files in name order."""
    return sorted((root / "dashboards").glob(f"*{SOURCE_SUFFIX}"))


def load_dashboard(source: Path) -> Dashboard:
    """Import one source file by path and return its module-level ``dashboard``."""
    name = source.name.removesuffix(SOURCE_SUFFIX)
    spec = importlib.util.spec_from_file_location(f"dashboards.sources.{name}", source)
    if spec is None or spec.loader is None:
        raise ImportError(f"{source}: cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    dashboard = getattr(module, "dashboard", None)
    if not isinstance(dashboard, Dashboard):
        raise TypeError(f"{source}: must define `dashboard` as a dashboards.style.Dashboard")
    return dashboard


def dashboard_artifacts(root: Path) -> Iterator[Artifact]:
    """Yield ``dashboards/json/<name>.json`` for every dashboard source."""
    for source in dashboard_sources(root):
        name = source.name.removesuffix(SOURCE_SUFFIX)
        yield Artifact(f"{JSON_DIR}/{name}.json", render_json(load_dashboard(source).to_json()))
