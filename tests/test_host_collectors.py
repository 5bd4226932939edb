"""Each host collector parses the committed fixture procfs into node_exporter's metrics."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from exporters import names
from exporters.collectors.cpu import CpuCollector
from exporters.collectors.diskstats import DiskstatsCollector
from exporters.collectors.filefd import FilefdCollector
from exporters.collectors.filesystem import FilesystemCollector, parse_mounts
from exporters.collectors.loadavg import LoadavgCollector
from exporters.collectors.meminfo import MeminfoCollector
from exporters.collectors.netdev import NetdevCollector
from exporters.collectors.netstat import NetstatCollector
from exporters.collectors.pressure import PressureCollector
from exporters.collectors.processes import ProcessesCollector
from exporters.collectors.sockstat import PAGE_SIZE, SockstatCollector
from exporters.collectors.stat import StatCollector
from exporters.collectors.systime import TimeCollector
from exporters.collectors.tcpstat import TcpstatCollector, procfs_states
from exporters.collectors.uname import UnameCollector
from exporters.collectors.vmstat import VmstatCollector
from exporters.host import HostPaths
from tests.metrics import registry_of


def value(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    return registry.get_sample_value(name, labels)


def test_cpu_seconds_are_ticks_divided_by_user_hz(fixture_paths: HostPaths) -> None:
    registry = registry_of(CpuCollector(fixture_paths))
    assert value(registry, names.NODE_CPU_SECONDS_TOTAL, cpu="0", mode="user") == 13.47
    assert value(registry, names.NODE_CPU_SECONDS_TOTAL, cpu="1", mode="steal") == 13.88
    assert value(registry, names.NODE_CPU_GUEST_SECONDS_TOTAL, cpu="1", mode="nice") == 0.0
    # the aggregate "cpu " line is not a CPU of its own
    assert value(registry, names.NODE_CPU_SECONDS_TOTAL, cpu="", mode="user") is None


def test_loadavg(fixture_paths: HostPaths) -> None:
    registry = registry_of(LoadavgCollector(fixture_paths))
    assert value(registry, names.NODE_LOAD5) == 0.03
    assert value(registry, names.NODE_LOAD15) == 0.02


def test_meminfo_converts_kilobytes_and_renames_parenthesised_fields(
    fixture_paths: HostPaths,
) -> None:
    registry = registry_of(MeminfoCollector(fixture_paths))
    assert value(registry, names.NODE_MEMORY_MEMTOTAL_BYTES) == 24683656 * 1024
    assert value(registry, names.meminfo_metric("Active_anon")) == 1516 * 1024
    assert value(registry, names.meminfo_metric("HugePages_Total")) == 0


def test_vmstat_keeps_node_exporters_default_fields(fixture_paths: HostPaths) -> None:
    registry = registry_of(VmstatCollector(fixture_paths))
    assert value(registry, names.NODE_VMSTAT_PGMAJFAULT) == 1043
    assert value(registry, "node_vmstat_nr_free_pages") is None


def test_diskstats_skips_loop_devices_and_scales_units(fixture_paths: HostPaths) -> None:
    registry = registry_of(DiskstatsCollector(fixture_paths))
    assert value(registry, names.NODE_DISK_READS_COMPLETED_TOTAL, device="vda") == 31844
    assert value(registry, names.NODE_DISK_READ_BYTES_TOTAL, device="vda") == 1871410 * 512
    assert value(registry, names.NODE_DISK_READ_TIME_SECONDS_TOTAL, device="vda") == 17.243
    assert value(registry, names.NODE_DISK_FLUSH_REQUESTS_TOTAL, device="vda") == 393
    assert value(registry, names.NODE_DISK_READS_COMPLETED_TOTAL, device="loop0") is None


def test_diskstats_exclusion_is_configurable(fixture_paths: HostPaths) -> None:
    registry = registry_of(DiskstatsCollector(fixture_paths, device_exclude="^vda$"))
    assert value(registry, names.NODE_DISK_READS_COMPLETED_TOTAL, device="vda") is None
    assert value(registry, names.NODE_DISK_READS_COMPLETED_TOTAL, device="loop0") == 0


def test_mount_table_unescapes_octal_spaces() -> None:
    mounts = parse_mounts("/dev/sdb1 /mnt/my\\040disk xfs ro,relatime 0 0\n")
    assert mounts[0].mountpoint == "/mnt/my disk"
    assert "ro" in mounts[0].options


def test_filesystem_excludes_pseudo_filesystems_and_reports_space(
    fixture_paths: HostPaths,
) -> None:
    collector = FilesystemCollector(fixture_paths)
    assert sorted(m.mountpoint for m in collector.mounts()) == [
        "/", "/mnt/my disk", "/mnt/sandboxing/model_tools_env/v1/python"
    ]
    registry = registry_of(collector)
    root = {"device": "/dev/vda", "fstype": "ext4", "mountpoint": "/"}
    assert value(registry, names.NODE_FILESYSTEM_SIZE_BYTES, **root) == 1000 * 4096
    assert value(registry, names.NODE_FILESYSTEM_AVAIL_BYTES, **root) == 300 * 4096
    assert value(registry, names.NODE_FILESYSTEM_FILES_FREE, **root) == 200
    assert value(registry, names.NODE_FILESYSTEM_READONLY, **root) == 0
    disk = {"device": "/dev/sdb1", "fstype": "xfs", "mountpoint": "/mnt/my disk"}
    assert value(registry, names.NODE_FILESYSTEM_READONLY, **disk) == 1


def test_filesystem_that_fails_statfs_reports_device_error(tmp_path: Path) -> None:
    proc = tmp_path / "proc"
    (proc / "1").mkdir(parents=True)
    (proc / "1" / "mounts").write_text("nfs:/x /mnt/broken nfs rw 0 0\n")

    def failing_statfs(path: str) -> object:
        raise OSError(5, "Input/output error")

    paths = HostPaths(procfs=proc, statfs=failing_statfs)  # type: ignore[arg-type]
    registry = registry_of(FilesystemCollector(paths))
    labels = {"device": "nfs:/x", "fstype": "nfs", "mountpoint": "/mnt/broken"}
    assert value(registry, names.NODE_FILESYSTEM_DEVICE_ERROR, **labels) == 1
    assert value(registry, names.NODE_FILESYSTEM_SIZE_BYTES, **labels) is None


def test_netdev_reports_every_device_unless_excluded(fixture_paths: HostPaths) -> None:
    registry = registry_of(NetdevCollector(fixture_paths))
    assert value(registry, names.NODE_NETWORK_RECEIVE_BYTES_TOTAL, device="lo") == 69443
    assert value(registry, names.netdev_metric("transmit", "carrier"), device="lo") == 0
    excluded = registry_of(NetdevCollector(fixture_paths, device_exclude="^lo$"))
    assert value(excluded, names.NODE_NETWORK_RECEIVE_BYTES_TOTAL, device="lo") is None
    assert value(excluded, names.NODE_NETWORK_RECEIVE_BYTES_TOTAL, device="ifb0") == 0


def test_netstat_reads_snmp_netstat_and_snmp6(fixture_paths: HostPaths) -> None:
    registry = registry_of(NetstatCollector(fixture_paths))
    assert value(registry, names.netstat_metric("Tcp_ActiveOpens")) == 33
    assert value(registry, names.netstat_metric("Tcp_OutRsts")) == 6
    assert value(registry, names.netstat_metric("Udp6_InDatagrams")) == 0
    assert value(registry, names.netstat_metric("Tcp_RtoMin")) is None


def test_sockstat_reports_counts_and_bytes(fixture_paths: HostPaths) -> None:
    registry = registry_of(SockstatCollector(fixture_paths))
    text = (fixture_paths.procfs / "net" / "sockstat").read_text()
    tcp_mem = float(text.split("TCP:")[1].split("mem")[1].split()[0])
    assert value(registry, names.sockstat_metric("TCP_mem")) == tcp_mem
    assert value(registry, names.sockstat_bytes_metric("TCP_mem")) == tcp_mem * PAGE_SIZE
    assert value(registry, names.sockstat_metric("TCP6_inuse")) == 0
    assert value(registry, names.NODE_SOCKSTAT_SOCKETS_USED) is not None


def test_tcpstat_counts_states_across_ipv4_and_ipv6(fixture_paths: HostPaths) -> None:
    registry = registry_of(TcpstatCollector(procfs_states(fixture_paths)))
    assert value(registry, names.NODE_TCP_CONNECTION_STATES, state="established") == 2
    assert value(registry, names.NODE_TCP_CONNECTION_STATES, state="time_wait") == 1
    listen = value(registry, names.NODE_TCP_CONNECTION_STATES, state="listen")
    assert listen is not None and listen >= 2
    assert value(registry, names.NODE_TCP_CONNECTION_STATES, state="closing") == 0


def test_stat_counters(fixture_paths: HostPaths) -> None:
    registry = registry_of(StatCollector(fixture_paths))
    assert value(registry, names.NODE_CONTEXT_SWITCHES_TOTAL) == 715621
    assert value(registry, names.NODE_BOOT_TIME_SECONDS) == 1795871682
    assert value(registry, names.NODE_FORKS_TOTAL) == 5684
    assert value(registry, names.NODE_PROCS_RUNNING) == 1
    assert value(registry, names.NODE_INTR_TOTAL) is not None


def test_processes_counts_pid_directories_and_threads(fixture_paths: HostPaths) -> None:
    registry = registry_of(ProcessesCollector(fixture_paths))
    assert value(registry, names.NODE_PROCESSES_PIDS) == 3
    assert value(registry, names.NODE_PROCESSES_THREADS) == 82
    assert value(registry, names.NODE_PROCESSES_MAX_PROCESSES) == 32768


def test_filefd(fixture_paths: HostPaths) -> None:
    registry = registry_of(FilefdCollector(fixture_paths))
    assert value(registry, names.NODE_FILEFD_ALLOCATED) == 144
    assert value(registry, names.NODE_FILEFD_MAXIMUM) == 2466174


def test_pressure_reports_microseconds_as_seconds(fixture_paths: HostPaths) -> None:
    registry = registry_of(PressureCollector(fixture_paths))
    assert value(registry, names.NODE_PRESSURE_IO_WAITING_SECONDS_TOTAL) == 3.261244
    assert value(registry, names.NODE_PRESSURE_IO_STALLED_SECONDS_TOTAL) == 3.020442


@pytest.mark.parametrize("kernel_files", [[], ["cpu"]])
def test_pressure_is_absent_without_psi_and_does_not_fail(
    tmp_path: Path, kernel_files: list[str]
) -> None:
    (tmp_path / "pressure").mkdir()
    for resource in kernel_files:
        (tmp_path / "pressure" / resource).write_text(
            "some avg10=0.00 avg60=0.00 avg300=0.00 total=2000000\n"
        )
    registry = registry_of(PressureCollector(HostPaths(procfs=tmp_path)))
    assert value(registry, names.NODE_PRESSURE_IO_WAITING_SECONDS_TOTAL) is None
    expected = 2.0 if kernel_files else None
    assert value(registry, names.NODE_PRESSURE_CPU_WAITING_SECONDS_TOTAL) == expected


def test_uname_labels(fixture_paths: HostPaths) -> None:
    registry = registry_of(UnameCollector(fixture_paths))
    assert value(
        registry, names.NODE_UNAME_INFO, sysname="Linux", nodename="fixture-host",
        release="6.1.0-test", version="#1 SMP", machine="x86_64", domainname="(none)",
    ) == 1


def test_time_uses_the_injected_clock() -> None:
    registry = registry_of(TimeCollector(clock=lambda: 1234.5))
    assert value(registry, names.NODE_TIME_SECONDS) == 1234.5


COUNT_IN_FRESH_NETNS = """
import json, socket
from exporters.collectors.tcpstat import netlink_states, procfs_states
from exporters.host import HostPaths
listeners = [socket.create_server(("0.0.0.0", 0)) for _ in range(2)]
listeners.append(socket.create_server(("::", 0), family=socket.AF_INET6))
print(json.dumps([netlink_states(), procfs_states(HostPaths())()]))
"""


def test_netlink_and_procfs_agree_on_listening_sockets() -> None:
    # Socket tables are per network namespace. A fresh one holds only the child's listeners,
    # so nothing else on the host can open or close one between the two reads (CI once saw
    # 17 against 16 on the shared host namespace).
    child = subprocess.run(
        ["unshare", "--map-root-user", "--net", sys.executable, "-c", COUNT_IN_FRESH_NETNS],
        capture_output=True, text=True, timeout=60, check=False,
        cwd=Path(__file__).parent.parent,
    )
    if child.returncode != 0 and "unshare" in child.stderr:
        pytest.skip(f"no network namespace here: {child.stderr.strip()}")
    assert child.returncode == 0, child.stderr
    via_netlink, via_procfs = json.loads(child.stdout)
    assert via_netlink == {"10": 3}
    assert via_procfs == via_netlink
