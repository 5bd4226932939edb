"""Debian's blackbox_exporter with an `http_2xx` module, on a random port."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from tests.harness.listening import serving
from tests.harness.servers import require_binary


@contextmanager
def running_blackbox_exporter(workdir: Path) -> Iterator[str]:
    """Start blackbox_exporter with module `http_2xx`; yield its base URL; stop it."""
    config = workdir / "blackbox.yml"
    config.write_text(yaml.safe_dump({"modules": {"http_2xx": {"prober": "http",
                                                               "timeout": "5s"}}}))
    binary = require_binary("prometheus-blackbox-exporter")
    with serving("blackbox_exporter", lambda port: [
        binary, f"--config.file={config}", f"--web.listen-address=127.0.0.1:{port}",
    ], workdir, ready_path="/-/healthy") as url:
        yield url
