"""Filesystem space and inodes for mounted filesystems (node_exporter's filesystem collector)."""

import logging
import os
import re
from collections.abc import Iterator
from typing import NamedTuple

from prometheus_client.core import GaugeMetricFamily, Metric

from exporters import names
from exporters.host import HostPaths

DEFAULT_MOUNT_POINTS_EXCLUDE = (
    r"^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)"
)
DEFAULT_FS_TYPES_EXCLUDE = (
    r"^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|"
    r"iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|"
    r"sysfs|tracefs)$"
)
LABELS = [names.LABEL_DEVICE, names.LABEL_FSTYPE, names.LABEL_MOUNTPOINT]
log = logging.getLogger(__name__)


class Mount(NamedTuple):
    """One line of the mount table."""

    device: str
    mountpoint: str
    fstype: str
    options: frozenset[str]


def parse_mounts(text: str) -> list[Mount]:
    """Parse /proc/<pid>/mounts, decoding the octal escapes the kernel uses for spaces."""
    mounts = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 4:
            device, mountpoint = (_unescape(part) for part in parts[:2])
            mounts.append(Mount(device, mountpoint, parts[2], frozenset(parts[3].split(","))))
    return mounts


def _unescape(field: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda match: chr(int(match.group(1), 8)), field)


class FilesystemCollector:
    """Report size, free space and inodes of every real mounted filesystem."""

    def __init__(
        self,
        paths: HostPaths,
        mount_points_exclude: str = DEFAULT_MOUNT_POINTS_EXCLUDE,
        fs_types_exclude: str = DEFAULT_FS_TYPES_EXCLUDE,
    ) -> None:
        self._paths = paths
        self._mount_points_exclude = re.compile(mount_points_exclude)
        self._fs_types_exclude = re.compile(fs_types_exclude)

    def mounts(self) -> list[Mount]:
        """Return the mounts left after the exclusions, one per mount point."""
        seen: dict[str, Mount] = {}
        for mount in parse_mounts(self._paths.read_proc("1", "mounts")):
            if self._mount_points_exclude.search(mount.mountpoint):
                continue
            if self._fs_types_exclude.search(mount.fstype):
                continue
            seen[mount.mountpoint] = mount
        return list(seen.values())

    def collect(self) -> Iterator[Metric]:
        """Yield node_filesystem_* gauges for each mount."""
        families = {
            name: GaugeMetricFamily(name, doc, labels=LABELS)
            for name, doc in (
                (names.NODE_FILESYSTEM_SIZE_BYTES, "Filesystem size in bytes."),
                (names.NODE_FILESYSTEM_FREE_BYTES, "Filesystem free space in bytes."),
                (names.NODE_FILESYSTEM_AVAIL_BYTES, "Filesystem space available to non-root."),
                (names.NODE_FILESYSTEM_FILES, "Filesystem total file nodes."),
                (names.NODE_FILESYSTEM_FILES_FREE, "Filesystem total free file nodes."),
                (names.NODE_FILESYSTEM_READONLY, "Filesystem read-only status."),
                (names.NODE_FILESYSTEM_DEVICE_ERROR, "Whether an error occurred reading stats."),
            )
        }
        for mount in self.mounts():
            labels = [mount.device, mount.fstype, mount.mountpoint]
            readonly = 1.0 if "ro" in mount.options else 0.0
            try:
                stat = self._paths.statfs(self._paths.on_rootfs(mount.mountpoint))
            except OSError as error:
                log.debug("statfs %s failed: %s", mount.mountpoint, error.strerror)
                families[names.NODE_FILESYSTEM_DEVICE_ERROR].add_metric(labels, 1.0)
                families[names.NODE_FILESYSTEM_READONLY].add_metric(labels, readonly)
                continue
            readonly = 1.0 if stat.f_flag & os.ST_RDONLY else readonly
            for name, value in (
                (names.NODE_FILESYSTEM_SIZE_BYTES, stat.f_blocks * stat.f_frsize),
                (names.NODE_FILESYSTEM_FREE_BYTES, stat.f_bfree * stat.f_frsize),
                (names.NODE_FILESYSTEM_AVAIL_BYTES, stat.f_bavail * stat.f_frsize),
                (names.NODE_FILESYSTEM_FILES, stat.f_files),
                (names.NODE_FILESYSTEM_FILES_FREE, stat.f_ffree),
                (names.NODE_FILESYSTEM_READONLY, readonly),
                (names.NODE_FILESYSTEM_DEVICE_ERROR, 0),
            ):
                families[name].add_metric(labels, float(value))
        yield from families.values()
