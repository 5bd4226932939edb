"""Debian's redis_exporter against a harness redis-server, on a random port."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.harness.listening import serving
from tests.harness.redis import Redis
from tests.harness.servers import require_binary


@contextmanager
def running_redis_exporter(server: Redis, workdir: Path) -> Iterator[str]:
    """Start redis_exporter for server (password from the environment); yield its URL."""
    binary = require_binary("prometheus-redis-exporter")
    env = {} if server.password is None else {"REDIS_PASSWORD": server.password}
    with serving("redis_exporter", lambda port: [
        binary, f"-redis.addr=redis://{server.address}",
        f"-web.listen-address=127.0.0.1:{port}", "-redis-only-metrics",
    ], workdir, env=env) as url:
        yield url
