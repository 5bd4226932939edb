"""Start the demo stack on 127.0.0.1: sample targets, the exporter, Alertmanager and Prometheus."""

import os
import pwd
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import redis
import yaml

from bundle.artifacts import is_generated
from bundle.deployment import spec_selectors
from demo.processes import Started, is_running, recorded, spawn, stop, wait_ready
from exporters.multitarget.kinds import KINDS_BY_NAME
from tests.harness.servers import free_port, http_ok, require_binary

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "helm" / "perfsight" / "files" / "rules"  # the generated rule files, copied there
ALERTMANAGER_DIR = ROOT / "alertmanager"
PG_BIN = Path("/usr/lib/postgresql/15/bin")
PG_OS_USER = "postgres"
READY_TIMEOUT = 60.0
# Selector key in perfsight.yaml for each prober kind.
SELECTOR_KEY = {"postgres": "postgres", "mysql": "mysql", "redis": "redis",
                "memcached": "memcached", "http": "probe", "tcp": "probe", "dns": "probe",
                "browser": "probe"}


@dataclass(frozen=True)
class SampleTarget:
    """One sample target the demo starts and the module that probes it."""

    name: str
    kind: str
    address: str
    options: dict[str, Any]


@dataclass
class Stack:
    """What one `make demo` started: its processes and the URLs to print."""

    state: Path
    scrape_interval: str
    started: list[Started] = field(default_factory=list)
    urls: dict[str, str] = field(default_factory=dict)
    not_yet: list[str] = field(default_factory=list)

    def run(self, name: str, argv: list[str], ready: Callable[[], bool], *,
            user: str | None = None, stop_signal: int = signal.SIGTERM) -> None:
        """Start one process and wait until it is ready."""
        process = spawn(name, argv, self.state, user=user, stop_signal=stop_signal)
        self.started.append(process)
        wait_ready(process, self.state, ready, READY_TIMEOUT)


def start(state: Path, scrape_interval: str = "5s") -> Stack:
    """Start everything; on any failure stop what was started and re-raise."""
    state.mkdir(parents=True, exist_ok=True)
    if any(is_running(process) for process in recorded(state)):
        raise RuntimeError(f"a demo already runs from {state}: run `make demo-stop` first")
    stop_all(state)  # clears pid files left by processes that have died since
    stack = Stack(state, scrape_interval)
    try:
        targets = [start_postgres(stack), start_redis(stack), start_origin(stack)]
        start_alertmanager(stack)
        exporter = start_exporter(stack, targets)
        start_prometheus(stack, exporter, targets)
    except BaseException:
        stop_all(state)
        raise
    (state / "urls.txt").write_text(describe(stack))
    return stack


def stop_all(state: Path) -> list[str]:
    """Stop every process recorded in state (most recent first); return the names stopped."""
    return [process.name for process in recorded(state) if stop(process, state)]


def start_postgres(stack: Stack) -> SampleTarget:
    """Initialise and start PostgreSQL 15 (trust auth on 127.0.0.1 only)."""
    port = free_port()
    datadir = stack.state / "postgres"
    as_root = os.geteuid() == 0
    user = PG_OS_USER if as_root else None
    if not datadir.exists():
        datadir.mkdir(mode=0o700)
        if as_root:
            account = pwd.getpwnam(PG_OS_USER)
            os.chown(datadir, account.pw_uid, account.pw_gid)
        initdb = subprocess.run(
            [str(PG_BIN / "initdb"), "-D", str(datadir), "-U", "postgres", "--auth=trust",
             "--encoding=UTF8", "--no-sync"],
            check=False, capture_output=True, text=True, user=user, cwd=stack.state,
        )
        if initdb.returncode != 0:
            raise RuntimeError(f"initdb failed (the state dir must be reachable by user "
                               f"{PG_OS_USER}):\n{initdb.stderr}")
    argv = [str(PG_BIN / "postgres"), "-D", str(datadir), "-c", "listen_addresses=127.0.0.1",
            "-c", f"port={port}", "-c", "unix_socket_directories=", "-c", "fsync=off"]

    def accepts() -> bool:
        try:
            with psycopg.connect(host="127.0.0.1", port=port, user="postgres", connect_timeout=1):
                return True
        except psycopg.OperationalError:
            return False

    stack.run("postgres", argv, accepts, user=user, stop_signal=signal.SIGINT)  # fast shutdown
    stack.urls["PostgreSQL"] = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    return SampleTarget("orders-db", "postgres", f"127.0.0.1:{port}", {"user": "postgres"})


def start_redis(stack: Stack) -> SampleTarget:
    """Start Redis without persistence."""
    port = free_port()
    argv = [require_binary("redis-server"), "--port", str(port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--dir", str(stack.state)]

    def pings() -> bool:
        try:
            return bool(redis.Redis(host="127.0.0.1", port=port, socket_timeout=1).ping())
        except redis.RedisError:
            return False

    stack.run("redis", argv, pings)
    stack.urls["Redis"] = f"redis://127.0.0.1:{port}"
    return SampleTarget("sessions", "redis", f"127.0.0.1:{port}", {})


def start_origin(stack: Stack) -> SampleTarget:
    """Serve a small static site with Python's http.server."""
    port = free_port()
    site = stack.state / "www"
    site.mkdir(exist_ok=True)
    (site / "index.html").write_text("<!doctype html><title>shop</title><h1>perfsight demo</h1>\n")
    argv = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
            "--directory", str(site)]
    url = f"http://127.0.0.1:{port}/"
    stack.run("http-origin", argv, http_ok(url))
    stack.urls["HTTP origin"] = url
    return SampleTarget("shop", "http", url, {})


def start_alertmanager(stack: Stack) -> None:
    """Start Alertmanager with the generated routing config, or a minimal one if none exists."""
    port = free_port()
    config = stack.state / "alertmanager.yml"
    config.write_text(yaml.safe_dump(alertmanager_config()))
    argv = [require_binary("prometheus-alertmanager"), f"--config.file={config}",
            f"--storage.path={stack.state / 'alertmanager-data'}",
            f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="]
    url = f"http://127.0.0.1:{port}"
    stack.run("alertmanager", argv, http_ok(f"{url}/-/ready"))
    stack.urls["Alertmanager"] = url


def alertmanager_config() -> dict[str, Any]:
    """Return the generated Alertmanager config, or one null receiver before it exists."""
    for path in sorted(ALERTMANAGER_DIR.glob("*.y*ml")):
        data = yaml.safe_load(path.read_text())
        if is_generated(path) and isinstance(data, dict) and "route" in data:
            return data
    return {"route": {"receiver": "null"}, "receivers": [{"name": "null"}]}


def start_exporter(stack: Stack, targets: list[SampleTarget]) -> str:
    """Start `perfsight serve` with a /probe module for each sample whose prober exists."""
    port = free_port()
    probed = [t for t in targets if t.kind in KINDS_BY_NAME]
    stack.not_yet = [f"{t.name} ({t.kind} prober not yet built)" for t in targets
                     if t not in probed]
    config = {
        "modules": {t.kind: {"prober": t.kind, t.kind: t.options} for t in probed},
        "targets": [{"name": t.name, "module": t.kind, "address": t.address} for t in probed],
    }
    config_path = stack.state / "perfsight.yaml"
    config_path.write_text(yaml.safe_dump(config))
    argv = [sys.executable, "-m", "exporters", "serve",
            f"--web.listen-address=127.0.0.1:{port}", f"--config.file={config_path}"]
    url = f"http://127.0.0.1:{port}"
    stack.run("perfsight", argv, http_ok(f"{url}/-/ready"))
    stack.urls["perfsight exporter"] = f"{url}/metrics"
    for target in probed:
        query = f"target={target.name}&module={target.kind}"
        stack.urls[f"probe {target.name}"] = f"{url}/probe?{query}"
    return f"127.0.0.1:{port}"


def start_prometheus(stack: Stack, exporter: str, targets: list[SampleTarget]) -> None:
    """Start Prometheus with the generated rules, Alertmanager and a job per probed target."""
    port = free_port()
    jobs = job_names()
    scrape_configs: list[dict[str, Any]] = [
        {"job_name": jobs["host"], "static_configs": [{"targets": [exporter]}]}
    ]
    for target in targets:
        if target.kind not in KINDS_BY_NAME:
            continue
        scrape_configs.append({
            "job_name": f"{jobs[SELECTOR_KEY[target.kind]]}-{target.name}",
            "metrics_path": "/probe",
            "params": {"target": [target.name], "module": [target.kind]},
            "static_configs": [{"targets": [exporter]}],
            "relabel_configs": [
                {"target_label": "job", "replacement": jobs[SELECTOR_KEY[target.kind]]},
                {"target_label": "instance", "replacement": target.name},
            ],
        })
    alertmanager = stack.urls["Alertmanager"].removeprefix("http://")
    config = {
        "global": {"scrape_interval": stack.scrape_interval,
                   "evaluation_interval": stack.scrape_interval},
        "rule_files": [str(path) for path in sorted(RULES.rglob("*.yaml"))],
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": [alertmanager]}]}]},
        "scrape_configs": scrape_configs,
    }
    config_path = stack.state / "prometheus.yml"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    argv = [require_binary("prometheus"), f"--config.file={config_path}",
            f"--storage.tsdb.path={stack.state / 'prometheus-data'}",
            f"--web.listen-address=127.0.0.1:{port}"]
    url = f"http://127.0.0.1:{port}"
    stack.run("prometheus", argv, http_ok(f"{url}/-/ready"))
    stack.urls["Prometheus"] = url


def job_names() -> dict[str, str]:
    """Return the job name of each selector in perfsight.yaml (default: the key itself)."""
    keys = {"host", *SELECTOR_KEY.values()}
    names = {key: key for key in keys}
    for key, selector in spec_selectors(ROOT).items():
        match = re.search(r'job="([^"]+)"', selector)
        if match:
            names[key] = match[1]
    return names


def describe(stack: Stack) -> str:
    """Return the URL listing printed at the end of `make demo`."""
    width = max(len(name) for name in stack.urls)
    lines = [f"  {name:<{width}}  {url}" for name, url in stack.urls.items()]
    lines += [f"  {'not yet':<{width}}  {item}" for item in stack.not_yet]
    lines.append(f"  {'Grafana':<{width}}  not started: import dashboards/json/*.json into yours")
    rules = len(list(RULES.rglob("*.yaml")))
    return (f"perfsight demo running from {stack.state} ({rules} generated rule files loaded)\n"
            + "\n".join(lines) + "\nStop it with `make demo-stop`.\n")
