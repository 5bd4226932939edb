"""The exporter imports a probe kind's client library only when a module of that kind probes."""

import re
import sys
from pathlib import Path

import requests
import yaml

from tests.harness.origin import running_origin
from tests.harness.servers import Server, free_port, http_ok

# each kind's client library, by the top-level package Python imports; tcp's prober, which
# needs only the standard library, stands for its kind
LIBRARIES = {"psycopg", "pymysql", "redis", "pymemcache", "pycurl", "playwright", "dns.query",
             "exporters.probes.tcp"}
IMPORTED = re.compile(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)$", re.MULTILINE)


def imported(log: str) -> set[str]:
    """Return the client libraries an `-X importtime` log shows as imported."""
    modules = set(IMPORTED.findall(log))
    return {library for library in LIBRARIES if library in modules}


def started(tmp_path: Path, *flags: str) -> tuple[Server, str]:
    """Start the exporter logging its imports; return it and its URL once it is ready."""
    port = free_port()
    argv = [sys.executable, "-X", "importtime", "-m", "exporters", "serve",
            f"--web.listen-address=127.0.0.1:{port}", *flags]
    server = Server(f"perfsight-{port}", argv, tmp_path)
    url = f"http://127.0.0.1:{port}"
    try:
        server.wait_ready(http_ok(f"{url}/-/ready"))
    except BaseException:
        server.stop()
        raise
    return server, url


def test_client_libraries_load_on_the_first_probe_of_their_kind(tmp_path: Path) -> None:
    server, url = started(tmp_path)
    try:
        assert requests.get(f"{url}/metrics", timeout=10).status_code == 200
        assert imported(server.log()) == set()  # serving system metrics needs none of them
        with running_origin() as origin:
            answer = requests.get(f"{url}/probe", timeout=10,
                                  params={"module": "http_2xx", "target": f"{origin.url}/ok"})
        assert "probe_success 1.0" in answer.text
        assert imported(server.log()) == {"pycurl"}
    finally:
        server.stop()


def test_listed_targets_modules_are_built_before_the_exporter_is_ready(tmp_path: Path) -> None:
    # a first probe's deadline, scheduled or asked for, must not pay for the import; an hour's
    # interval makes the first scheduled run (at a random point of it) all but never come first
    config = tmp_path / "perfsight.yml"
    config.write_text(yaml.safe_dump({"targets": [
        {"name": "web", "address": "http://127.0.0.1:9/", "module": "http_2xx",
         "interval_seconds": 3600},
        {"name": "cache", "address": "127.0.0.1:9", "module": "redis"},
    ]}))
    server, _url = started(tmp_path, f"--config.file={config}")
    try:
        assert imported(server.log()) == {"pycurl", "redis"}  # and no other kind's library
    finally:
        server.stop()
