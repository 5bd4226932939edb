"""Check a prober's failure behaviour: up 0 answered fast, one log line per outage, recovery."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from tests.harness.probe_client import ProbingExporter, one, parse, probing_exporter
from tests.harness.restartable import Restartable
from tests.harness.servers import real_time_scheduling, started_ahead_of_other_load, wait_until


@contextmanager
def exporter_ahead_of_other_load(
    workdir: Path, modules: dict[str, Any], targets: dict[str, tuple[str, str]],
    default_module: str,
) -> Iterator[ProbingExporter]:
    """Start a probing exporter whose every thread runs under real-time scheduling.

    Tests time its answers against module timeouts of 1-1.5 s; the servers it probes keep
    ordinary scheduling.
    """
    with started_ahead_of_other_load(
        probing_exporter(workdir, modules, targets, default_module)
    ) as running:
        yield running


def timed_probe(
    exporter: ProbingExporter, target: str, module: str | None = None,
    scrape_timeout: float | None = None,
) -> tuple[requests.Response, float]:
    """Probe once from a real-time thread, so the clock stops when the answer arrives."""
    with real_time_scheduling():
        return exporter.probe(target, module, scrape_timeout)


def log_mark(exporter: ProbingExporter) -> int:
    """Return how many lines the exporter has logged so far, for `lines_since`."""
    return len(exporter.log().splitlines())


def lines_since(exporter: ProbingExporter, mark: int) -> list[str]:
    """Return the lines the exporter logged after `log_mark` returned mark."""
    # a line being written at the mark counted as one before it: it is left out whole
    return exporter.log().splitlines()[mark:]


@dataclass(frozen=True)
class Outages:
    """How one prober kind reports a target through a running exporter."""

    exporter: ProbingExporter
    kind: str
    up_metric: str
    fast_seconds: float

    def mark(self) -> int:
        """Return a mark: `lines(..., since=mark)` then counts only lines logged after now."""
        return log_mark(self.exporter)

    def lines(self, module: str, target: str, what: str, since: int = 0) -> list[str]:
        """Return the log lines `<kind> module M target T <what>` (`is down`, `recovered`)."""
        return [line for line in lines_since(self.exporter, since)
                if f"{self.kind} module {module} target {target} {what}" in line]

    def probe_down(self, target: str, module: str) -> str:
        """Probe a failing target: 200, within fast_seconds, up 0; return the body."""
        response, elapsed = timed_probe(self.exporter, target, module)
        assert response.status_code == 200, response.text
        assert elapsed < self.fast_seconds, elapsed
        assert one(parse(response.text), self.up_metric) == 0
        return response.text

    def probe_up(self, target: str, module: str) -> None:
        """Probe a healthy target: up 1."""
        assert one(self.exporter.values(target, module), self.up_metric) == 1

    def up_again(self, target: str, module: str) -> None:
        """Probe until the target is up 1: a thawed server catches up at its own pace.

        On a loaded host its first answers can miss a 1-1.5 s module timeout; those probes are
        still down, so they log nothing new and the one `recovered` line stays one.
        """
        wait_until(lambda: one(self.exporter.values(target, module), self.up_metric) == 1, 30,
                   f"module {module} target {target} to be up again")

    def down_at_start_killed_and_restarted(
        self, server: Restartable, target: str, module: str
    ) -> None:
        """Down before its first start, up, crashed, up again: one line per change each way."""
        for outage in (1, 2):
            for _ in range(3):
                self.probe_down(target, module)
            assert len(self.lines(module, target, "is down")) == outage
            server.start()
            self.probe_up(target, module)
            assert len(self.lines(module, target, "recovered")) == outage
            if outage == 1:
                server.kill()
