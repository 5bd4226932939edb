"""A real memcached (Debian package) on 127.0.0.1, a random port, small memory, no UDP.

`kill()` is a crash (SIGKILL); `start()` brings it back, empty, on the same port.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pymemcache.client.base import Client

from tests.harness.restartable import Restartable
from tests.harness.servers import Server, free_port, require_binary, running_in_tempdir

MEMORY_MEGABYTES = 2  # the least memcached takes with its default 1 MB item size limit


class Memcached(Restartable):
    """One memcached: started, killed and restarted on the same port."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()

    @property
    def address(self) -> str:
        """Return the `host:port` a prober is given."""
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start memcached and wait until it answers `version`."""
        argv = [require_binary("memcached"), "-l", "127.0.0.1", "-p", str(self.port),
                "-m", str(MEMORY_MEGABYTES), "-U", "0"]
        if os.geteuid() == 0:
            argv += ["-u", "root"]
        self._server = Server(f"memcached-{self.port}", argv, self.workdir)
        self._server.wait_ready(self._answers)

    def _answers(self) -> bool:
        client = self.client()
        try:
            return bool(client.version())
        except OSError:
            return False
        finally:
            client.close()

    def client(self) -> Client:
        """Return a client; the caller closes it."""
        return Client(("127.0.0.1", self.port), connect_timeout=2, timeout=2)


@contextmanager
def running_memcached() -> Iterator[Memcached]:
    """Start memcached in a temp dir; always stop it and remove the dir."""
    with running_in_tempdir("perfsight-memcached-", Memcached) as server:
        yield server
