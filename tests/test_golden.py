"""The whole exposition for the fixture host, compared byte for byte with a committed file.

Rewrite it after an intended change with: .venv/bin/pytest tests/test_golden.py --update-golden
"""

from pathlib import Path

from exporters.collectors.base import Collector
from exporters.collectors.process import ProcessCollector, ProcessDetails, ProcfsProcesses
from exporters.collectors.systime import TimeCollector
from exporters.config import Settings
from exporters.host import HostPaths
from exporters.registry import COLLECTORS, build_collectors
from tests.metrics import exposition

GOLDEN = Path(__file__).parent / "golden" / "host.prom"


class FixtureProcesses(ProcfsProcesses):
    """The fixture procfs' processes, with fixed details instead of the live host's."""

    def details(self, pid: int) -> ProcessDetails:
        return ProcessDetails(open_fds=pid % 100, read_bytes=pid * 1024.0, write_bytes=2048.0)


def fixture_collectors(paths: HostPaths) -> list[Collector]:
    pinned: dict[str, Collector] = {
        "time": TimeCollector(clock=lambda: 1_700_000_000.0),
        "process": ProcessCollector(FixtureProcesses(paths)),
    }
    built = build_collectors(
        [spec.name for spec in COLLECTORS if spec.name not in pinned], paths, Settings()
    )
    return [pinned.get(spec.name) or built[spec.name] for spec in COLLECTORS]


def test_fixture_host_exposition_matches_golden_file(
    fixture_paths: HostPaths, update_golden: bool
) -> None:
    actual = exposition(*fixture_collectors(fixture_paths))
    if update_golden:
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(actual)
    assert actual == GOLDEN.read_text(), "run pytest tests/test_golden.py --update-golden"
