"""Start real servers from installed binaries on 127.0.0.1, poll readiness, always stop them."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager, suppress
from pathlib import Path
from typing import IO, Protocol, TypeVar

import requests


@contextmanager
def real_time_scheduling() -> Iterator[None]:
    """Run this thread, and threads and processes it starts, under SCHED_RR where allowed."""
    # Real-time threads run ahead of every ordinary one, and the kernel's real-time throttling
    # still leaves the others 5 %. nice -10 is the fallback without the privilege.
    policy, param = os.sched_getscheduler(0), os.sched_getparam(0)
    before = os.getpriority(os.PRIO_PROCESS, 0)
    try:
        os.sched_setscheduler(0, os.SCHED_RR, os.sched_param(10))
    except PermissionError:
        with suppress(PermissionError):
            os.setpriority(os.PRIO_PROCESS, 0, -10)
    try:
        yield
    finally:
        os.sched_setscheduler(0, policy, param)
        os.setpriority(os.PRIO_PROCESS, 0, before)


Entered = TypeVar("Entered")


@contextmanager
def started_ahead_of_other_load(servers: AbstractContextManager[Entered]) -> Iterator[Entered]:
    """Start servers (enter their context) under real-time scheduling; yield what it gives.

    Tests time their answers: on a loaded host their threads would wait in the run queue, and
    the time would measure the load, not the code. Processes and threads they start inherit
    SCHED_RR; this thread returns to its own policy once they are started.
    """
    with ExitStack() as stack:
        with real_time_scheduling():
            started = stack.enter_context(servers)
        yield started


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def require_binary(name: str) -> str:
    """Return the path of a binary `make deps` installs, failing loudly when it is missing."""
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"{name} is not installed: run `make deps` (apt-get as root)")
    return path


def freeze(process: subprocess.Popen[bytes]) -> None:
    """SIGSTOP a process and wait until every thread of it has stopped.

    The signal is delivered asynchronously; on a loaded host a thread can still run (and
    answer a request) after kill() returned, so a test must not probe before it took effect.
    """
    process.send_signal(signal.SIGSTOP)

    def every_thread_stopped() -> bool:
        states = []
        for stat in Path(f"/proc/{process.pid}/task").glob("*/stat"):
            try:
                text = stat.read_text()
            except OSError:
                continue  # a thread that exited meanwhile
            states.append(text[text.rindex(")") + 2])
        return bool(states) and all(state in "tT" for state in states)

    wait_until(every_thread_stopped, 10, f"process {process.pid} to stop")


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll check every 50 ms until it holds; raise with `what` after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    if not check():  # a poller starved past the deadline still looks once more
        raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


def http_ok(url: str, **kwargs: object) -> Callable[[], bool]:
    """Return a check that url answers 200."""

    def check() -> bool:
        try:
            return requests.get(url, timeout=1, **kwargs).status_code == 200  # type: ignore[arg-type]
        except requests.RequestException:
            return False

    return check


class Server:
    """A child process with its log captured in a temp dir; stop() is idempotent."""

    def __init__(
        self, name: str, argv: Sequence[str], workdir: Path,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.name = name
        self.log_path = workdir / f"{name}.log"
        self._log: IO[bytes] = self.log_path.open("wb")
        self.process = subprocess.Popen(
            list(argv), stdout=self._log, stderr=subprocess.STDOUT, cwd=workdir,
            env=None if env is None else {**os.environ, **env},
        )

    def wait_ready(self, check: Callable[[], bool], timeout: float = 30) -> None:
        """Wait until check holds, failing early with the log if the process died."""

        def alive_and_ready() -> bool:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.log()}")
            return check()

        wait_until(alive_and_ready, timeout, f"{self.name} to become ready")

    def log(self) -> str:
        """Return what the server printed so far."""
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        """Terminate the process (kill after 10 s) and close its log."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def perfsight_argv(*args: str) -> list[str]:
    """Return the command line running this checkout's exporter."""
    return [sys.executable, "-m", "exporters", *args]


class Startable(Protocol):
    """A harness server: start() waits until it answers, stop() is idempotent."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


Started = TypeVar("Started", bound=Startable)


@contextmanager
def running_in_tempdir(prefix: str, make: Callable[[Path], Started]) -> Iterator[Started]:
    """Start the server make() builds in a new temp dir; always stop it and remove the dir."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    server: Started | None = None
    try:
        server = make(workdir)
        server.start()
        yield server
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
