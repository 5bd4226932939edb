"""Debian's blackbox_exporter with a given module config, on a random port."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from tests.harness.servers import Server, free_port, http_ok, require_binary


@contextmanager
def running_blackbox_exporter(workdir: Path, modules: dict[str, Any]) -> Iterator[str]:
    """Start prometheus-blackbox-exporter with these modules; yield its base URL; stop it."""
    config = workdir / "blackbox.yml"
    config.write_text(yaml.safe_dump({"modules": modules}))
    port = free_port()
    server = Server(
        "blackbox_exporter",
        [require_binary("prometheus-blackbox-exporter"), f"--config.file={config}",
         f"--web.listen-address=127.0.0.1:{port}"],
        workdir,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        server.wait_ready(http_ok(f"{url}/metrics"))
        yield url
    finally:
        server.stop()
