"""A real Prometheus (Debian package) scraping given targets, with its HTTP API wrapped."""

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
import yaml

from tests.harness.servers import Server, free_port, http_ok, require_binary, wait_until


class Prometheus:
    """Query and inspect a running Prometheus."""

    def __init__(self, url: str, server: Server) -> None:
        self.url = url
        self.server = server

    def query(self, expr: str, at: float | None = None) -> list[dict[str, Any]]:
        """Run an instant query (now, or at a Unix time) and return its result vector."""
        params: dict[str, str | float] = {"query": expr} if at is None else {"query": expr,
                                                                             "time": at}
        response = requests.get(f"{self.url}/api/v1/query", params=params, timeout=10)
        body = response.json()
        if body.get("status") != "success":
            raise AssertionError(f"query {expr!r} failed: {body}")
        result: list[dict[str, Any]] = body["data"]["result"]
        return result

    def query_range(self, expr: str, start: float, end: float, step: float) -> dict[str, Any]:
        """Run a range query and return the whole API answer (status, data or error)."""
        params: dict[str, str | float] = {"query": expr, "start": start, "end": end, "step": step}
        response = requests.get(f"{self.url}/api/v1/query_range", params=params, timeout=30)
        answer: dict[str, Any] = response.json()
        return answer

    def metric_names(self, selector: str, seconds: float) -> set[str]:
        """Return the names of the series matching selector with samples in the last seconds."""
        end = time.time()
        params: dict[str, str | float] = {"match[]": selector, "start": end - seconds, "end": end}
        response = requests.get(f"{self.url}/api/v1/label/__name__/values", params=params,
                                timeout=10)
        names: list[str] = response.json()["data"]
        return set(names)

    def active_targets(self) -> list[dict[str, Any]]:
        """Return the active scrape targets."""
        response = requests.get(f"{self.url}/api/v1/targets", timeout=10)
        targets: list[dict[str, Any]] = response.json()["data"]["activeTargets"]
        return targets

    def wait_for_healthy_targets(self, count: int, timeout: float = 60) -> None:
        """Wait until `count` targets have been scraped successfully."""
        wait_until(
            lambda: sum(t["health"] == "up" for t in self.active_targets()) >= count,
            timeout, f"{count} healthy targets",
        )

    def wait_for_series(self, expr: str, timeout: float = 60) -> list[dict[str, Any]]:
        """Wait until a query returns at least one series and return them."""
        found: list[dict[str, Any]] = []

        def has_series() -> bool:
            found[:] = self.query(expr)
            return bool(found)

        wait_until(has_series, timeout, f"series for {expr}")
        return found


@contextmanager
def running_prometheus(
    workdir: Path, scrape_configs: Sequence[dict[str, Any]], interval: str = "1s",
    rule_files: Sequence[Path] = (),
    alertmanager: str | None = None,
) -> Iterator[Prometheus]:
    """Start Prometheus on a random 127.0.0.1 port with a temp TSDB; stop it afterwards.

    `alertmanager` (host:port) makes Prometheus send its alerts there.
    """
    port = free_port()
    config: dict[str, Any] = {
        "global": {"scrape_interval": interval, "evaluation_interval": interval},
        "scrape_configs": list(scrape_configs),
        "rule_files": [str(path) for path in rule_files],
    }
    if alertmanager:
        config["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": [alertmanager]}]}]}
    config_path = workdir / "prometheus.yml"
    config_path.write_text(yaml.safe_dump(config))
    server = Server(
        "prometheus",
        [
            require_binary("prometheus"),
            f"--config.file={config_path}",
            f"--storage.tsdb.path={workdir / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        workdir,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        server.wait_ready(http_ok(f"{url}/-/ready"))
        yield Prometheus(url, server)
    finally:
        server.stop()
