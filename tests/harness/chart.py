"""Render the perfsight Helm chart with the real Helm engine (helm-python-sdk, offline)."""

import re
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import helm_python as helm
import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
CHART = ROOT / "helm" / "perfsight"
VALUES_FIXTURES = ROOT / "tests" / "fixtures" / "helm"
RELEASE = "ps"
SOURCE_ANNOTATION = "perfsight.io/source"  # marks objects embedding a generated file
NAMESPACE = "monitoring"

# Parts of the output that change with every release or every content change; golden files
# keep placeholders instead.
VOLATILE = (
    (re.compile(r"(helm\.sh/chart: perfsight-)\S+"), r"\1VERSION"),
    (re.compile(r"(app\.kubernetes\.io/version: )\S+"), r"\1VERSION"),
    (re.compile(r"(checksum/config: )[0-9a-f]{64}"), r"\1CHECKSUM"),
    (re.compile(r"(perfsight )\d+\.\d+\.\d+\S*( is installed)"), r"\1VERSION\2"),
)


def fixture_values(name: str) -> dict[str, Any]:
    """Return the values file tests/fixtures/helm/NAME.yaml."""
    values: dict[str, Any] = yaml.safe_load((VALUES_FIXTURES / f"{name}.yaml").read_text())
    return values


def render(
    values: Mapping[str, Any] | None = None, chart: Path = CHART, release: str = RELEASE
) -> dict[str, str]:
    """Render the chart; return the text of each template that produced something."""
    with helm.Chart.load(str(chart)) as loaded:
        manifests = loaded.render(dict(values or {}), name=release, namespace=NAMESPACE)
    return {path: text for path, text in sorted(manifests.items()) if text.strip()}


def objects(manifests: Mapping[str, str]) -> list[dict[str, Any]]:
    """Return every Kubernetes object in the rendered manifests (NOTES.txt excluded)."""
    return [
        document
        for path, text in manifests.items()
        if not path.endswith("NOTES.txt")
        for document in yaml.safe_load_all(text)
        if document
    ]


def of_kind(rendered: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    """Return the rendered objects of one kind."""
    return [obj for obj in rendered if obj["kind"] == kind]


def golden_text(manifests: Mapping[str, str]) -> str:
    """Return the manifests as one stable text for golden files.

    Objects embedding a generated file (PrometheusRules, dashboard ConfigMaps) are left out, so
    a new rule file or dashboard does not change the golden files; other tests compare them with
    the generated files. Versions and checksums become placeholders.
    """
    parts = []
    for path, body in manifests.items():
        if path.endswith("NOTES.txt"):
            parts.append(f"# Source: {path}\n{body.strip()}\n")
            continue
        kept = [d for d in yaml.safe_load_all(body) if d and not _embeds_generated_file(d)]
        if kept:
            text = yaml.dump_all(kept, Dumper=_BlockDumper, sort_keys=True, width=100)
            parts.append(f"# Source: {path}\n{text}")
    text = "".join(parts)
    for pattern, replacement in VOLATILE:
        text = pattern.sub(replacement, text)
    return text


class _BlockDumper(yaml.SafeDumper):
    """Dump multi-line strings (embedded config files) as readable block scalars."""


def _str_block(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _str_block)


def _embeds_generated_file(document: dict[str, Any]) -> bool:
    return SOURCE_ANNOTATION in (document["metadata"].get("annotations") or {})


def chart_copy(destination: Path, extra_files: Mapping[str, str]) -> Path:
    """Copy the chart to destination with extra files under files/ (fixture rules, dashboards)."""
    copy = destination / "perfsight"
    shutil.copytree(CHART, copy)
    for name, text in extra_files.items():
        path = copy / "files" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return copy
