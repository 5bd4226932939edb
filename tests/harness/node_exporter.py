"""Debian's node_exporter, started as a real process on a random port."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.harness.servers import Server, free_port, http_ok, require_binary


@contextmanager
def running_node_exporter(workdir: Path) -> Iterator[str]:
    """Start node_exporter with perfsight's collector set; yield its base URL; stop it."""
    port = free_port()
    server = Server(
        "node_exporter",
        [
            require_binary("prometheus-node-exporter"),
            f"--web.listen-address=127.0.0.1:{port}",
            "--no-collector.systemd",  # needs a system bus the test host may not have
            "--collector.tcpstat",
            "--collector.processes",
        ],
        workdir,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        server.wait_ready(http_ok(f"{url}/metrics"))
        yield url
    finally:
        server.stop()
