"""Side by side with Debian's node_exporter: every shared metric has the same type and labels."""

import subprocess

import pytest
import requests

from exporters import names
from tests.harness.exporter import running_exporter
from tests.harness.exposition import family_shapes
from tests.harness.node_exporter import running_node_exporter
from tests.harness.servers import require_binary

pytestmark = pytest.mark.integration

# Families dashboards and rules lean on most: they must be among the shared ones.
MUST_SHARE = {  # as exposed: counters with their _total
    "node_cpu_seconds_total", "node_load1", "node_memory_MemAvailable_bytes",
    "node_disk_read_bytes_total", "node_disk_io_time_seconds_total",
    "node_filesystem_avail_bytes", "node_filesystem_files_free",
    "node_network_receive_bytes_total", "node_network_transmit_errs_total",
    "node_netstat_Tcp_RetransSegs", "node_sockstat_TCP_tw", "node_procs_blocked",
    "node_context_switches_total", "node_filefd_allocated",
    "node_pressure_cpu_waiting_seconds_total",
    "node_boot_time_seconds", "node_uname_info", "node_vmstat_pgmajfault",
}


def scrape(url: str) -> str:
    response = requests.get(f"{url}/metrics", timeout=10)
    response.raise_for_status()
    return response.text


@pytest.fixture(scope="module")
def node_exporter_text(tmp_path_factory: pytest.TempPathFactory) -> str:
    with running_node_exporter(tmp_path_factory.mktemp("node_exporter")) as url:
        return scrape(url)


@pytest.fixture(scope="module")
def perfsight_text(tmp_path_factory: pytest.TempPathFactory) -> str:
    with running_exporter(tmp_path_factory.mktemp("perfsight")) as url:
        return scrape(url)


def test_shared_metrics_match_node_exporter_in_type_and_labels(
    node_exporter_text: str, perfsight_text: str
) -> None:
    theirs = family_shapes(node_exporter_text)
    ours = family_shapes(perfsight_text)
    own_process = {name for name in ours if name.startswith("process_")}
    shared = sorted(set(theirs) & set(ours) - own_process)
    mismatched = {name: (theirs[name], ours[name]) for name in shared if theirs[name] != ours[name]}
    print(f"\n{len(shared)} metric families shared with node_exporter, all matching:")
    for name in shared:
        print(f"  {name} {ours[name][0]} {sorted(ours[name][1])}")
    assert mismatched == {}
    assert set(shared) >= MUST_SHARE, f"not shared: {MUST_SHARE - set(shared)}"


def test_promtool_check_metrics_is_clean_apart_from_the_verbatim_allow_list(
    perfsight_text: str,
) -> None:
    result = subprocess.run(
        [require_binary("promtool"), "check", "metrics"],
        input=perfsight_text, capture_output=True, text=True, check=False,
    )
    problems = [line for line in result.stderr.splitlines() if line.strip()]
    unexpected = [line for line in problems if line.split()[0] not in names.NODE_VERBATIM_NAMES]
    assert unexpected == [], "\n".join(unexpected)
    allowed = [line for line in problems if line.split()[0] in names.NODE_VERBATIM_NAMES]
    print(f"\npromtool: {len(allowed)} warnings, all on allow-listed node_exporter names")
    assert all("camelCase" in line for line in allowed)
