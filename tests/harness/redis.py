"""A real redis-server (Debian package) on 127.0.0.1, a random port and a temp dir.

No RDB snapshots (`--save ''`), debug commands enabled (`DEBUG SLEEP` makes a slow server),
optional `--maxmemory` with allkeys-lru for evictions, `--requirepass` (also the primary's
password on a replica), `--replicaof` another harness server, and TLS only (`--port 0`,
`--tls-port`) with a self-signed certificate. `kill()` is a crash
(SIGKILL); `start()` brings it back on the same port.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from tests.harness.restartable import Restartable
from tests.harness.servers import Server, free_port, require_binary, running_in_tempdir


class Redis(Restartable):
    """One redis-server: started, killed and restarted on the same port."""

    def __init__(
        self, workdir: Path, *, maxmemory: str | None = None, password: str | None = None,
        replica_of: "Redis | None" = None, tls: tuple[Path, Path] | None = None,
    ) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.password = password
        self._maxmemory = maxmemory
        self._primary = replica_of
        self.tls = tls  # (certificate, key): TLS only, the certificate is its own CA

    @property
    def address(self) -> str:
        """Return the `host:port` a prober is given."""
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start the server and wait until it answers PING."""
        argv = [
            require_binary("redis-server"), "--bind", "127.0.0.1", *self._listen(),
            "--save", "", "--appendonly", "no", "--dir", str(self.workdir),
            "--enable-debug-command", "yes", "--latency-tracking", "yes",
        ]
        if self._maxmemory is not None:
            argv += ["--maxmemory", self._maxmemory, "--maxmemory-policy", "allkeys-lru"]
        if self.password is not None:
            argv += ["--requirepass", self.password, "--masterauth", self.password]
        if self._primary is not None:
            argv += ["--replicaof", "127.0.0.1", str(self._primary.port)]
        self._server = Server(f"redis-{self.port}", argv, self.workdir)
        self._server.wait_ready(self._pings)

    def _listen(self) -> list[str]:
        if self.tls is None:
            return ["--port", str(self.port)]
        cert, key = (str(path) for path in self.tls)
        return ["--port", "0", "--tls-port", str(self.port), "--tls-cert-file", cert,
                "--tls-key-file", key, "--tls-ca-cert-file", cert, "--tls-auth-clients", "no"]

    def _pings(self) -> bool:
        try:
            return bool(self.client().ping())
        except redis.RedisError:
            return False

    def client(self, timeout: float = 2.0) -> "redis.Redis":
        """Return a client with the server's password; no retries, no CLIENT SETINFO."""
        return redis.Redis(
            host="127.0.0.1", port=self.port, password=self.password, socket_timeout=timeout,
            socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 0),
            driver_info=None, ssl=self.tls is not None,
            ssl_ca_certs=None if self.tls is None else str(self.tls[0]),
        )


@contextmanager
def running_redis(
    *, maxmemory: str | None = None, password: str | None = None,
    replica_of: Redis | None = None, tls: tuple[Path, Path] | None = None,
) -> Iterator[Redis]:
    """Start a redis-server (a replica of replica_of if given) in a temp dir; always clean up."""
    with running_in_tempdir("perfsight-redis-", lambda workdir: Redis(
        workdir, maxmemory=maxmemory, password=password, replica_of=replica_of, tls=tls
    )) as server:
        yield server
