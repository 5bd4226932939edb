"""USE recording rules per instance: CPU, memory, disk IO, disk space, network, file descriptors."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bundle import names as rn
from bundle.artifacts import Artifact, rule_file
from bundle.promql import select
from bundle.spec import spec_of
from exporters import names as m

PATH = "recording_rules/generated/use.yaml"
NOT_LOOPBACK = f'{m.LABEL_DEVICE}!="lo"'
# filesystems worth watching: memory-backed and read-only images left out, the same set for the
# recording rules, the alerts built on them and the dashboards
REAL_FILESYSTEMS = 'fstype!~"tmpfs|ramfs|squashfs"'


def filesystems(metric: str, host: str) -> str:
    """Select a node_filesystem_* series of the host's real (not memory-backed) filesystems."""
    return select(metric, host, REAL_FILESYSTEMS)


def use_rules(host: str) -> list[dict[str, Any]]:
    """Return the USE recording rules for the host exporter's series (selected by `host`)."""
    idle = select(m.NODE_CPU_SECONDS_TOTAL, host, f'{m.LABEL_MODE}=~"idle|iowait|steal"')
    one_mode = select(m.NODE_CPU_SECONDS_TOTAL, host, f'{m.LABEL_MODE}="idle"')

    def rate(metric: str, *matchers: str) -> str:
        return f"rate({select(metric, host, *matchers)}[5m])"

    def net(direction_a: str, direction_b: str) -> str:
        return (f"sum without ({m.LABEL_DEVICE}) ({rate(direction_a, NOT_LOOPBACK)} "
                f"+ {rate(direction_b, NOT_LOOPBACK)})")

    pairs = [
        (rn.INSTANCE_CPU_COUNT, f"count without ({m.LABEL_CPU}, {m.LABEL_MODE}) ({one_mode})"),
        (rn.INSTANCE_CPU_UTILISATION, f"1 - avg without ({m.LABEL_CPU}) "
                                      f"(sum without ({m.LABEL_MODE}) (rate({idle}[5m])))"),
        (rn.INSTANCE_LOAD1_PER_CPU,
         f"{select(m.NODE_LOAD1, host)} / {select(rn.INSTANCE_CPU_COUNT, host)}"),
        (rn.INSTANCE_PRESSURE_CPU_WAITING, rate(m.NODE_PRESSURE_CPU_WAITING_SECONDS_TOTAL)),
        (rn.INSTANCE_MEMORY_UTILISATION, f"1 - {select(m.NODE_MEMORY_MEMAVAILABLE_BYTES, host)} "
                                         f"/ {select(m.NODE_MEMORY_MEMTOTAL_BYTES, host)}"),
        (rn.INSTANCE_PRESSURE_MEMORY_WAITING,
         rate(m.NODE_PRESSURE_MEMORY_WAITING_SECONDS_TOTAL)),
        (rn.INSTANCE_MAJOR_PAGE_FAULTS, rate(m.NODE_VMSTAT_PGMAJFAULT)),
        (rn.INSTANCE_DEVICE_DISK_IO_UTILISATION, rate(m.NODE_DISK_IO_TIME_SECONDS_TOTAL)),
        (rn.INSTANCE_DEVICE_DISK_IO_SATURATION,
         rate(m.NODE_DISK_IO_TIME_WEIGHTED_SECONDS_TOTAL)),
        (rn.INSTANCE_PRESSURE_IO_WAITING, rate(m.NODE_PRESSURE_IO_WAITING_SECONDS_TOTAL)),
        (rn.INSTANCE_MOUNTPOINT_FILESYSTEM_USAGE,
         f"1 - {filesystems(m.NODE_FILESYSTEM_AVAIL_BYTES, host)} "
         f"/ {filesystems(m.NODE_FILESYSTEM_SIZE_BYTES, host)}"),
        (rn.INSTANCE_MOUNTPOINT_INODE_USAGE,
         f"1 - {filesystems(m.NODE_FILESYSTEM_FILES_FREE, host)} "
         f"/ ({filesystems(m.NODE_FILESYSTEM_FILES, host)} > 0)"),
        (rn.INSTANCE_NETWORK_RECEIVE_BYTES,
         f"sum without ({m.LABEL_DEVICE}) "
         f"({rate(m.NODE_NETWORK_RECEIVE_BYTES_TOTAL, NOT_LOOPBACK)})"),
        (rn.INSTANCE_NETWORK_TRANSMIT_BYTES,
         f"sum without ({m.LABEL_DEVICE}) "
         f"({rate(m.NODE_NETWORK_TRANSMIT_BYTES_TOTAL, NOT_LOOPBACK)})"),
        (rn.INSTANCE_NETWORK_ERRORS,
         net(m.NODE_NETWORK_RECEIVE_ERRS_TOTAL, m.NODE_NETWORK_TRANSMIT_ERRS_TOTAL)),
        (rn.INSTANCE_NETWORK_DROPS,
         net(m.NODE_NETWORK_RECEIVE_DROP_TOTAL, m.NODE_NETWORK_TRANSMIT_DROP_TOTAL)),
        (rn.INSTANCE_FILEFD_UTILISATION,
         f"{select(m.NODE_FILEFD_ALLOCATED, host)} / {select(m.NODE_FILEFD_MAXIMUM, host)}"),
    ]
    return [{"record": record, "expr": expr} for record, expr in pairs]


def generate(root: Path) -> Iterator[Artifact]:
    """Write the USE recording rules."""
    yield rule_file(PATH, {"perfsight-use": use_rules(spec_of(root).selectors["host"])})
