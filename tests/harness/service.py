"""Start the instrumented test service as a real process and send it steady traffic."""

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import cycle
from pathlib import Path

import requests

from tests.harness.servers import Server, free_port, http_ok

ROOT = Path(__file__).resolve().parent.parent.parent
# mostly fast successes, some slow ones, one failure in ten
TRAFFIC = ("/", "/", "/", "/", "/", "/", "/slow", "/", "/slow", "/fail")


@contextmanager
def running_instrumented_service(workdir: Path) -> Iterator[str]:
    """Start the service on a random port, request it in a loop; yield its base URL."""
    port = free_port()
    # run from the checkout, where `bundle` and `dashboards` live (only `exporters` is installed)
    start = (f"import runpy, sys; sys.path.insert(0, {str(ROOT)!r}); "
             "runpy.run_module('tests.harness.instrumented_service', run_name='__main__')")
    server = Server("instrumented-service", [sys.executable, "-c", start, str(port)], workdir)
    url = f"http://127.0.0.1:{port}"
    stop = threading.Event()

    def send() -> None:
        with requests.Session() as session:
            for path in cycle(TRAFFIC):
                if stop.wait(0.02):
                    return
                session.get(f"{url}{path}", timeout=5)

    client = threading.Thread(target=send, daemon=True)
    try:
        server.wait_ready(http_ok(f"{url}/metrics"))
        client.start()
        yield url
    finally:
        stop.set()
        if client.is_alive():
            client.join(timeout=10)
        server.stop()
