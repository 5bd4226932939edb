"""Debian's node_exporter, started as a real process on a random port."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.harness.listening import serving
from tests.harness.servers import require_binary


@contextmanager
def running_node_exporter(workdir: Path) -> Iterator[str]:
    """Start node_exporter with perfsight's collector set; yield its base URL; stop it."""
    binary = require_binary("prometheus-node-exporter")
    with serving("node_exporter", lambda port: [
        binary, f"--web.listen-address=127.0.0.1:{port}",
        "--no-collector.systemd",  # needs a system bus the test host may not have
        "--collector.tcpstat", "--collector.processes",
    ], workdir) as url:
        yield url
