"""A real Alertmanager (Debian prometheus-alertmanager), clustering off, with its API wrapped."""

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from tests.harness.servers import Server, free_port, http_ok, require_binary


class Alertmanager:
    """Post alerts to and read alerts from a running Alertmanager (API v2)."""

    def __init__(self, url: str, server: Server) -> None:
        self.url = url
        self.server = server

    @property
    def address(self) -> str:
        """Return host:port, as Prometheus' alerting config wants it."""
        return self.url.removeprefix("http://")

    def post(self, alerts: Sequence[Mapping[str, Mapping[str, str]]]) -> None:
        """Send alerts as Prometheus would (each a mapping with labels and annotations)."""
        response = requests.post(f"{self.url}/api/v2/alerts", json=list(alerts), timeout=10)
        response.raise_for_status()

    def alerts(self, **labels: str) -> list[dict[str, Any]]:
        """Return the alerts whose labels include the given ones, inhibited ones too."""
        matchers = [f'{key}="{value}"' for key, value in labels.items()]
        response = requests.get(f"{self.url}/api/v2/alerts", params={"filter": matchers},
                                timeout=10)
        response.raise_for_status()
        found: list[dict[str, Any]] = response.json()
        return found


@contextmanager
def running_alertmanager(workdir: Path, config: Path) -> Iterator[Alertmanager]:
    """Start Alertmanager with a config file on a random port; stop it afterwards."""
    port = free_port()
    server = Server(
        "alertmanager",
        [
            require_binary("prometheus-alertmanager"),
            f"--config.file={config}",
            f"--storage.path={workdir / 'alertmanager-data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
        ],
        workdir,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        server.wait_ready(http_ok(f"{url}/-/ready"))
        yield Alertmanager(url, server)
    finally:
        server.stop()
