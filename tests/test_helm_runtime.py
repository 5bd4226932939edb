"""What the chart hands the exporter works: its flags start it, its configs pass check-config."""

import subprocess
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from exporters.multitarget.kinds import KINDS_BY_NAME
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
