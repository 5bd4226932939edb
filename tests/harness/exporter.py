"""`perfsight serve` from this checkout, started as a real process on a random port."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
