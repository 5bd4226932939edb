"""Debian's blackbox_exporter with an `http_2xx` module (or given modules), on a random port."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from tests.harness.listening import serving
from tests.harness.servers import require_binary


@contextmanager
def running_blackbox_exporter(
    workdir: Path, modules: dict[str, Any] | None = None
) -> Iterator[str]:
    """Start blackbox_exporter with these modules (default `http_2xx`); yield its base URL."""
    config = workdir / "blackbox.yml"
    default = {"http_2xx": {"prober": "http", "timeout": "5s"}}
    config.write_text(yaml.safe_dump({"modules": modules or default}))
    binary = require_binary("prometheus-blackbox-exporter")
    with serving("blackbox_exporter", lambda port: [
        binary, f"--config.file={config}", f"--web.listen-address=127.0.0.1:{port}",
    ], workdir, ready_path="/-/healthy") as url:
        yield url
