"""Check a prober's failure behaviour: up 0 answered fast, one log line per outage, recovery."""

from dataclasses import dataclass

from tests.harness.probe_client import ProbingExporter, one, parse
from tests.harness.restartable import Restartable


@dataclass(frozen=True)
class Outages:
    """How one prober kind reports a target through a running exporter."""

    exporter: ProbingExporter
    kind: str
    up_metric: str
    fast_seconds: float

    def lines(self, module: str, target: str, what: str) -> list[str]:
        """Return the log lines `<kind> module M target T <what>` (`is down`, `recovered`)."""
        return [line for line in self.exporter.log().splitlines()
                if f"{self.kind} module {module} target {target} {what}" in line]

    def probe_down(self, target: str, module: str) -> str:
        """Probe a failing target: 200, within fast_seconds, up 0; return the body."""
        response, elapsed = self.exporter.probe(target, module)
        assert response.status_code == 200, response.text
        assert elapsed < self.fast_seconds, elapsed
        assert one(parse(response.text), self.up_metric) == 0
        return response.text

    def probe_up(self, target: str, module: str) -> None:
        """Probe a healthy target: up 1."""
        assert one(self.exporter.values(target, module), self.up_metric) == 1

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
