"""What the chart hands the exporter works: its flags start it, its configs pass check-config."""

import subprocess
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from exporters.multitarget.kinds import KINDS_BY_NAME
from exporters.names import NODE_LOAD1
from exporters.names.postgres import PG_UP
from tests.harness.chart import fixture_values, objects, of_kind, render
from tests.harness.servers import Server, free_port, http_ok, perfsight_argv

HOST_MOUNTS = {"/host/proc": "/proc", "/host/sys": "/sys", "/host/root": "/"}


def container_args(values: dict[str, Any], kind: str) -> list[str]:
    (workload,) = of_kind(objects(render(values)), kind)
    (container,) = workload["spec"]["template"]["spec"]["containers"]
    args: list[str] = container["args"]
    return args


@pytest.mark.integration
def test_host_exporter_starts_with_the_daemonset_flags(tmp_path: Path) -> None:
    values = {"system": {"disableCollectors": ["tcpstat"], "enableCollectors": ["process"],
                         "config": {"collectors": {"process": {"top_n": 2}}}}}
    args = container_args(values, "DaemonSet")
    config_map = next(c for c in of_kind(objects(render(values)), "ConfigMap")
                      if "config.yaml" in c.get("data", {}))
    config = tmp_path / "config.yaml"
    config.write_text(config_map["data"]["config.yaml"])
    port = free_port()

    def localised(arg: str) -> str:
        if arg.startswith("--web.listen-address="):
            return f"--web.listen-address=127.0.0.1:{port}"
        for mount, host in HOST_MOUNTS.items():
            arg = arg.replace(f"={mount}", f"={host}")
        return arg.replace("=/etc/perfsight/config/config.yaml", f"={config}")

    local = [localised(arg) for arg in args]
    assert local[0] == "serve" and "--no-collector.tcpstat" in local
    server = Server("perfsight-chart-flags", perfsight_argv(*local), tmp_path)
    try:
        server.wait_ready(http_ok(f"http://127.0.0.1:{port}/-/ready"), timeout=30)
        landing = requests.get(f"http://127.0.0.1:{port}/", timeout=5).text
        assert "tcpstat" not in landing and "process" in landing
    finally:
        server.stop()


@pytest.mark.integration
def test_database_exporter_answers_probes_with_the_deployment_flags(tmp_path: Path) -> None:
    closed_port = free_port()  # nothing listens there: the probe must report the target down
    values = {"system": {"enabled": False}, "databases": {
        "enabled": True, "modules": {"pg": {"prober": "postgres", "timeout_seconds": 2}},
        "targets": [{"name": "orders-db", "module": "pg", "address": f"127.0.0.1:{closed_port}"}],
    }}
    values["dashboards"] = {"enabled": False}
    (config_map,) = of_kind(objects(render(values)), "ConfigMap")
    config = tmp_path / "config.yaml"
    config.write_text(config_map["data"]["config.yaml"])
    port = free_port()
    args = [f"--web.listen-address=127.0.0.1:{port}" if a.startswith("--web.listen-address=")
            else a.replace("=/etc/perfsight/config/config.yaml", f"={config}")
            for a in container_args(values, "Deployment")]
    assert "--collector.disable-defaults" in args
    server = Server("perfsight-chart-databases", perfsight_argv(*args), tmp_path)
    try:
        server.wait_ready(http_ok(f"http://127.0.0.1:{port}/-/ready"), timeout=30)
        probe = requests.get(f"http://127.0.0.1:{port}/probe",
                             params={"target": "orders-db", "module": "pg"}, timeout=10)
        assert probe.status_code == 200
        assert f"{PG_UP} 0" in probe.text
        metrics = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
        assert NODE_LOAD1 not in metrics, "host collectors are off in the database Deployment"
    finally:
        server.stop()


@pytest.mark.parametrize("name", ["everything", "minimal"])
def test_multi_target_config_passes_check_config(tmp_path: Path, name: str) -> None:
    rendered = objects(render(fixture_values(name)))
    configs = [c for c in of_kind(rendered, "ConfigMap")
               if c["metadata"]["labels"].get("app.kubernetes.io/component")
               in {"probe", "databases"}]
    assert configs
    checked = 0
    for config_map in configs:
        config = yaml.safe_load(config_map["data"]["config.yaml"])
        # Only prober kinds that exist can be checked; the others are not built yet.
        modules = {k: m for k, m in config["modules"].items() if m["prober"] in KINDS_BY_NAME}
        if not modules:
            continue
        targets = [t for t in config["targets"] if t["module"] in modules]
        path = tmp_path / f"{config_map['metadata']['name']}.yaml"
        path.write_text(yaml.safe_dump({"modules": modules, "targets": targets}))
        result = subprocess.run(perfsight_argv("check-config", str(path)),
                                capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
        checked += 1
    assert checked, "no module of an existing prober kind in the fixture"
