"""Detached processes recorded in pid files, so a later command can stop exactly what it started."""

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.harness.servers import wait_until


@dataclass(frozen=True)
class Started:
    """One process the demo started: its pid, its kernel start time, how to stop it, its order."""

    name: str
    pid: int
    start_time: str
    stop_signal: int
    sequence: int

    def line(self) -> str:
        """Render the pid file line."""
        return f"{self.pid} {self.start_time} {self.stop_signal} {self.sequence}\n"


def start_time(pid: int) -> str | None:
    """Return the process' start time in clock ticks (field 22 of /proc/PID/stat), or None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def spawn(
    name: str, argv: Sequence[str], state: Path, *, user: str | None = None,
    stop_signal: int = signal.SIGTERM,
) -> Started:
    """Start argv in its own session with its log in state/logs; write state/pids/NAME.pid."""
    (state / "logs").mkdir(exist_ok=True)
    (state / "pids").mkdir(exist_ok=True)
    sequence = len(list((state / "pids").glob("*.pid")))
    with (state / "logs" / f"{name}.log").open("ab") as log:
        process = subprocess.Popen(
            list(argv), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            cwd=state, start_new_session=True, user=user,
        )
    started = Started(name, process.pid, start_time(process.pid) or "?", stop_signal, sequence)
    (state / "pids" / f"{name}.pid").write_text(started.line())
    return started


def wait_ready(started: Started, state: Path, check: Callable[[], bool], timeout: float) -> None:
    """Wait until check holds; fail with the log's tail if the process died first."""

    def alive_and_ready() -> bool:
        if not is_running(started):
            log = (state / "logs" / f"{started.name}.log").read_text(errors="replace")
            raise RuntimeError(f"{started.name} exited early:\n{log[-3000:]}")
        return check()

    wait_until(alive_and_ready, timeout, f"{started.name} to become ready")


def recorded(state: Path) -> list[Started]:
    """Return the processes recorded in state/pids, most recently started first."""
    found = []
    for path in (state / "pids").glob("*.pid") if (state / "pids").is_dir() else []:
        pid, start, stop_signal, sequence = path.read_text().split()
        found.append(Started(path.stem, int(pid), start, int(stop_signal), int(sequence)))
    return sorted(found, key=lambda started: started.sequence, reverse=True)


def is_running(started: Started) -> bool:
    """Tell whether the recorded process still runs (same pid and same start time)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(started.pid, os.WNOHANG)  # reap it if it is our own exited child
    current = start_time(started.pid)
    if current is None or current != started.start_time:
        return False
    state = Path(f"/proc/{started.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return state != "Z"


def stop(started: Started, state: Path, timeout: float = 15) -> bool:
    """Stop one recorded process (its signal, then SIGKILL after timeout); remove its pid file."""
    if is_running(started):
        os.kill(started.pid, started.stop_signal)
        deadline = time.monotonic() + timeout
        while is_running(started) and time.monotonic() < deadline:
            time.sleep(0.05)
        if is_running(started):
            os.kill(started.pid, signal.SIGKILL)
            wait_until(lambda: not is_running(started), 5, f"{started.name} to die")
        was_running = True
    else:
        was_running = False
    (state / "pids" / f"{started.name}.pid").unlink(missing_ok=True)
    return was_running
