"""A perfsight process with /probe modules and targets, and readers for what it answers."""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.harness.exporter import running_exporter

Values = dict[str, dict[frozenset[tuple[str, str]], float]]
SCRAPE_TIMEOUT_HEADER = "X-Prometheus-Scrape-Timeout-Seconds"


def parse(text: str) -> Values:
    """Map family and sample names -> {label set: value}.

    The parser names every counter sample `<family>_total`, even counters written without it
    (postgres_exporter's), so each sample is found under its family's name too.
    """
    values: Values = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = frozenset(sample.labels.items())
            for name in {sample.name, family.name}:
                values.setdefault(name, {})[labels] = sample.value
    return values


def one(values: Values, name: str, **labels: str) -> float:
    """Return the value of the one sample with exactly these labels."""
    return values[name][frozenset(labels.items())]


@dataclass
class ProbingExporter:
    """A running perfsight with a test config, and where its log goes."""

    url: str
    workdir: Path
    default_module: str

    def probe(
        self, target: str, module: str | None = None, scrape_timeout: float | None = None
    ) -> tuple[requests.Response, float]:
        """Ask /probe once (as Prometheus with this scrape timeout); return answer and time."""
        headers = {} if scrape_timeout is None else {SCRAPE_TIMEOUT_HEADER: str(scrape_timeout)}
        started = time.monotonic()
        response = requests.get(
            f"{self.url}/probe", params={"target": target, "module": module or self.default_module},
            headers=headers, timeout=15,
        )
        return response, time.monotonic() - started

    def new_connections(
        self, connections: Callable[[], float], up_metric: str, scrape_timeout: float
    ) -> float:
        """Count server connections made by 4 probes whose deadlines differ a little each."""
        self.values("main")  # a kept client exists
        before = connections()
        for _ in range(4):
            response, _elapsed = self.probe("main", scrape_timeout=scrape_timeout)
            assert one(parse(response.text), up_metric) == 1, response.text
        return connections() - before

    def values(self, target: str = "main", module: str | None = None) -> Values:
        """Probe, require 200, and parse the answer."""
        response, _elapsed = self.probe(target, module)
        assert response.status_code == 200, response.text
        return parse(response.text)

    def log(self) -> str:
        """Return everything the exporter logged so far."""
        return "".join(path.read_text() for path in self.workdir.glob("perfsight-*.log"))


@contextmanager
def probing_exporter(
    workdir: Path, modules: dict[str, Any], targets: dict[str, tuple[str, str]],
    default_module: str,
) -> Iterator[ProbingExporter]:
    """Start perfsight with these modules and `name: (address, module)` targets."""
    config = {
        "modules": modules,
        "targets": [{"name": name, "address": address, "module": module}
                    for name, (address, module) in targets.items()],
    }
    path = workdir / "perfsight.yaml"
    path.write_text(yaml.safe_dump(config))
    with running_exporter(workdir, f"--config.file={path}") as url:
        yield ProbingExporter(url, workdir, default_module)


def secret_file(workdir: Path, name: str, value: str) -> dict[str, str]:
    """Write a secret to a file; return the `{file: PATH}` reference to it."""
    path = workdir / name
    path.write_text(value)
    return {"file": str(path)}
