"""Debian's redis_exporter against a harness redis-server, on a random port."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.harness.redis import Redis
from tests.harness.servers import Server, free_port, http_ok, require_binary


@contextmanager
def running_redis_exporter(server: Redis, workdir: Path) -> Iterator[str]:
    """Start redis_exporter for server (password from the environment); yield its URL."""
    port = free_port()
    argv = [
        require_binary("prometheus-redis-exporter"), f"-redis.addr=redis://{server.address}",
        f"-web.listen-address=127.0.0.1:{port}", "-redis-only-metrics",
    ]
    env = {} if server.password is None else {"REDIS_PASSWORD": server.password}
    exporter = Server(f"redis_exporter-{port}", argv, workdir, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        exporter.wait_ready(http_ok(f"{url}/metrics"))
        yield url
    finally:
        exporter.stop()
