"""The exporter imports a probe kind's client library only when a module of that kind probes."""

import re
from pathlib import Path

import pytest
import requests
import yaml

from tests.harness.exporter import running_exporter
from tests.harness.origin import running_origin

# each kind's client library, by the top-level package Python imports; tcp's prober, which
# needs only the standard library, stands for its kind
LIBRARIES = {"psycopg", "pymysql", "redis", "pymemcache", "pycurl", "playwright", "dns.query",
             "exporters.probes.tcp"}
IMPORTED = re.compile(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)$", re.MULTILINE)


def imported(workdir: Path) -> set[str]:
    """Return the client libraries the exporter's `-X importtime` log shows as imported."""
    log = "".join(path.read_text() for path in workdir.glob("perfsight-*.log"))
    modules = set(IMPORTED.findall(log))
    return {library for library in LIBRARIES if library in modules}


@pytest.fixture(autouse=True)
def logging_imports(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the exporters these tests start log every import (`-X importtime`)."""
    monkeypatch.setenv("PYTHONPROFILEIMPORTTIME", "1")


def test_client_libraries_load_on_the_first_probe_of_their_kind(tmp_path: Path) -> None:
    with running_exporter(tmp_path) as url:
        assert requests.get(f"{url}/metrics", timeout=10).status_code == 200
        assert imported(tmp_path) == set()  # serving system metrics needs none of them
        with running_origin() as origin:
            answer = requests.get(f"{url}/probe", timeout=10,
                                  params={"module": "http_2xx", "target": f"{origin.url}/ok"})
        assert "probe_success 1.0" in answer.text
        assert imported(tmp_path) == {"pycurl"}


def test_listed_targets_modules_are_built_before_the_exporter_is_ready(tmp_path: Path) -> None:
    # a first probe's deadline, scheduled or asked for, must not pay for the import; an hour's
    # interval makes the first scheduled run (at a random point of it) all but never come first
    config = tmp_path / "perfsight.yml"
    config.write_text(yaml.safe_dump({"targets": [
        {"name": "web", "address": "http://127.0.0.1:9/", "module": "http_2xx",
         "interval_seconds": 3600},
        {"name": "cache", "address": "127.0.0.1:9", "module": "redis"},
    ]}))
    with running_exporter(tmp_path, f"--config.file={config}"):
        assert imported(tmp_path) == {"pycurl", "redis"}  # and no other kind's library
