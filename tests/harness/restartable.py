"""A harness server that a test can crash (SIGKILL) and start again on the same port."""

from tests.harness.servers import Server


class Restartable:
    """Hold the running process, if any; subclasses define start()."""

    _server: Server | None = None

    def kill(self) -> None:
        """Crash the server (SIGKILL)."""
        if self._server is not None:
            self._server.process.kill()
            self.stop()

    def stop(self) -> None:
        """Stop the server (terminate); idempotent."""
        if self._server is not None:
            self._server.stop()
            self._server = None
