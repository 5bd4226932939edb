"""`make demo` starts the whole stack on loopback; `make demo-stop` leaves nothing running."""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import requests

from demo.processes import is_running, recorded
from demo.stack import RULES, SELECTOR_KEY, job_names
from exporters.multitarget.kinds import KINDS_BY_NAME
from tests.harness.servers import wait_until

ROOT = Path(__file__).resolve().parent.parent


def demo(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "demo", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False)


@pytest.mark.integration
def test_demo_starts_scrapes_and_stops_everything() -> None:
    # PostgreSQL runs as user postgres, which cannot enter pytest's private tmp_path.
    state = Path(tempfile.mkdtemp(prefix="perfsight-demo-test-"))
    state.chmod(0o755)
    started = demo("start", "--state-dir", str(state), "--scrape-interval", "1s")
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        urls: dict[str, str] = {}
        for line in started.stdout.splitlines():
            if "http://" in line:
                name, _, url = line.strip().rpartition(" ")
                urls[name.strip()] = url
        prometheus = urls["Prometheus"]
        processes = recorded(state)
        assert {p.name for p in processes} == {
            "postgres", "redis", "http-origin", "alertmanager", "perfsight", "prometheus"}
        assert all(is_running(p) for p in processes)
        jobs = job_names()
        samples = ("postgres", "redis", "http")  # the kinds of the demo's sample targets
        expected_up = {jobs["host"]} | {
            jobs[SELECTOR_KEY[kind]] for kind in samples if kind in KINDS_BY_NAME}

        def targets_up() -> bool:
            body = requests.get(f"{prometheus}/api/v1/targets", timeout=5).json()
            up = {t["labels"]["job"] for t in body["data"]["activeTargets"] if t["health"] == "up"}
            return expected_up <= up

        wait_until(targets_up, 30, f"{expected_up} up in Prometheus")
        groups = requests.get(f"{prometheus}/api/v1/rules", timeout=5).json()["data"]["groups"]
        loaded = {Path(group["file"]) for group in groups}
        assert loaded == set(RULES.rglob("*.yaml")), "every generated rule file is loaded"
        alertmanagers = requests.get(f"{prometheus}/api/v1/alertmanagers", timeout=5).json()
        assert alertmanagers["data"]["activeAlertmanagers"], "alerts go to the demo Alertmanager"
    finally:
        stopped = demo("stop", "--state-dir", str(state))
    assert stopped.returncode == 0, stopped.stderr
    # Reverse start order: Prometheus first, PostgreSQL (whose client the exporter is) last.
    assert stopped.stdout.strip() == ("stopped 6 processes: prometheus, perfsight, alertmanager, "
                                      "http-origin, redis, postgres")
    assert not any(is_running(p) for p in processes)
    assert not list((state / "pids").glob("*.pid"))
    again = demo("stop", "--state-dir", str(state))
    assert "stopped 0 processes" in again.stdout
    shutil.rmtree(state)
