"""A real vmalert (Debian victoria-metrics) evaluating rule files against a datasource."""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from tests.harness.servers import Server, free_port, http_ok, require_binary


@contextmanager
def running_vmalert(
    workdir: Path, rule_files: Sequence[Path], datasource: str, notifier: str
) -> Iterator[str]:
    """Start vmalert (writing recordings back to the datasource); yield its URL; stop it."""
    port = free_port()
    server = Server(
        "vmalert",
        [
            require_binary("vmalert"),
            *[f"-rule={path}" for path in rule_files],
            f"-datasource.url={datasource}",
            f"-remoteWrite.url={datasource}",
            f"-notifier.url={notifier}",
            "-evaluationInterval=1s",
            f"-httpListenAddr=127.0.0.1:{port}",
        ],
        workdir,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        server.wait_ready(http_ok(f"{url}/api/v1/rules"))
        yield url
    finally:
        server.stop()


def rules_answer(url: str) -> dict[str, Any]:
    """Return vmalert's Prometheus-compatible /api/v1/rules answer."""
    answer: dict[str, Any] = requests.get(f"{url}/api/v1/rules", timeout=10).json()
    return answer
