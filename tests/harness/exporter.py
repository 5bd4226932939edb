"""`perfsight serve` from this checkout, started as a real process on a random port."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from exporters.multitarget.runner import ProbeRunner
from exporters.registry import Scraper
from exporters.server import ExporterHTTPServer
from exporters.webconfig import WebConfig
from tests.harness.servers import Server, free_port, http_ok, perfsight_argv


@contextmanager
def running_exporter(
    workdir: Path, *flags: str, scheme: str = "http", verify: str | bool = True
) -> Iterator[str]:
    """Start the exporter with extra flags; yield its base URL; stop it afterwards."""
    port = free_port()
    server = Server(
        f"perfsight-{port}",
        perfsight_argv("serve", f"--web.listen-address=127.0.0.1:{port}", *flags),
        workdir,
    )
    url = f"{scheme}://127.0.0.1:{port}"
    try:
        server.wait_ready(http_ok(f"{url}/-/ready", verify=verify))
        yield url
    finally:
        server.stop()


@contextmanager
def serving_in_process(
    scraper: Scraper, probes: ProbeRunner | None = None, web: WebConfig | None = None
) -> Iterator[str]:
    """Serve a scraper (and probes) from this process on a random port; yield the base URL."""
    server = ExporterHTTPServer(
        ("127.0.0.1", 0), scraper, web or WebConfig(), probes=probes, default_timeout_seconds=10.0
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.url
    finally:
        server.shutdown()
        server.server_close()
        scraper.close()
