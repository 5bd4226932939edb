"""A real Prometheus scrapes `perfsight serve` and gets node_exporter-shaped host metrics."""

from pathlib import Path

import pytest

from tests.harness.exporter import running_exporter
from tests.harness.prometheus import running_prometheus

pytestmark = pytest.mark.integration


def test_prometheus_scrapes_perfsight(tmp_path: Path) -> None:
    with running_exporter(tmp_path) as exporter:
        target = exporter.removeprefix("http://")
        # a 1 s interval caps the scrape timeout at 1 s, which perfsight turns into a 0.5 s
        # deadline: a /proc walk on a loaded host could miss it; 3 s leaves 2.5 s
        scrape = {"job_name": "perfsight", "scrape_interval": "3s", "scrape_timeout": "3s",
                  "static_configs": [{"targets": [target]}]}
        with running_prometheus(tmp_path, [scrape]) as prometheus:
            prometheus.wait_for_healthy_targets(1)
            up = prometheus.query('up{job="perfsight"}')
            assert [float(s["value"][1]) for s in up] == [1.0]
            cpu = prometheus.wait_for_series("rate(node_cpu_seconds_total[1m])")
            assert {s["metric"]["mode"] for s in cpu} >= {"user", "system", "idle"}
            assert all(float(s["value"][1]) >= 0 for s in cpu)
            avail = prometheus.wait_for_series("node_filesystem_avail_bytes")
            assert any(s["metric"]["mountpoint"] == "/" for s in avail)
            failed = prometheus.query("perfsight_scrape_collector_success == 0")
            assert failed == [], f"collectors failing under Prometheus: {failed}"
