"""A harness server that a test can crash (SIGKILL), freeze (SIGSTOP) and start again."""

import signal

from tests.harness.servers import Server, freeze


class Restartable:
    """Hold the running process, if any; subclasses define start()."""

    _server: Server | None = None

    def start(self) -> None:
        """Start the server and wait until it answers."""
        raise NotImplementedError

    def kill(self) -> None:
        """Crash the server (SIGKILL)."""
        if self._server is not None:
            self._server.process.kill()
            self.stop()

    def freeze(self) -> None:
        """Stop the process without ending it: the kernel still accepts connections."""
        assert self._server is not None
        freeze(self._server.process)

    def thaw(self) -> None:
        """Let a frozen process run again."""
        assert self._server is not None
        self._server.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        """Stop the server (terminate); idempotent."""
        if self._server is not None:
            self._server.stop()
            self._server = None
