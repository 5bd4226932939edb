"""A real single-node VictoriaMetrics (Debian package) scraping given targets."""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from tests.harness.prometheus import Prometheus
from tests.harness.servers import Server, free_port, http_ok, require_binary


@contextmanager
def running_victoria_metrics(
    workdir: Path, scrape_configs: Sequence[dict[str, Any]], interval: str = "1s"
) -> Iterator[Prometheus]:
    """Start VictoriaMetrics on a random port; yield its Prometheus-compatible API; stop it."""
    port = free_port()
    config_path = workdir / "vm-scrape.yml"
    config_path.write_text(yaml.safe_dump({
        "global": {"scrape_interval": interval}, "scrape_configs": list(scrape_configs),
    }))
    server = Server(
        "victoria-metrics",
        [
            require_binary("victoria-metrics"),
            f"-httpListenAddr=127.0.0.1:{port}",
            f"-storageDataPath={workdir / 'vm-data'}",
            f"-promscrape.config={config_path}",
            "-search.latencyOffset=0s",  # serve samples as soon as they are scraped
        ],
        workdir,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        server.wait_ready(http_ok(f"{url}/health"))
        yield Prometheus(url, server)
    finally:
        server.stop()
