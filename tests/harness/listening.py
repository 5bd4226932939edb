"""A server process given a free 127.0.0.1 port, ready once an HTTP path answers 200."""

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from tests.harness.servers import Server, free_port, http_ok


@contextmanager
def serving(
    name: str, argv: Callable[[int], Sequence[str]], workdir: Path, *,
    ready_path: str = "/metrics", env: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """Start argv(port) on a free port; yield its base URL once ready_path answers; stop it."""
    port = free_port()
    server = Server(f"{name}-{port}", argv(port), workdir, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        server.wait_ready(http_ok(f"{url}{ready_path}"))
        yield url
    finally:
        server.stop()
