"""Where the host's kernel interfaces live: procfs, sysfs and the root filesystem, injectable."""

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

StatFs = Callable[[str], os.statvfs_result]
Uname = Callable[[], os.uname_result]
DEFAULT_PROCFS = Path("/proc")


@dataclass(frozen=True)
class HostPaths:
    """Roots of the host interfaces; a DaemonSet mounts the host's at /host/proc and so on."""

    procfs: Path = DEFAULT_PROCFS
    sysfs: Path = Path("/sys")
    rootfs: Path = Path("/")
    statfs: StatFs = field(default=os.statvfs, compare=False)
    uname: Uname = field(default=os.uname, compare=False)

    def proc(self, *parts: str) -> Path:
        """Return a path below procfs."""
        return self.procfs.joinpath(*parts)

    def read_proc(self, *parts: str) -> str:
        """Return the text of a file below procfs."""
        return self.proc(*parts).read_text()

    def on_rootfs(self, mountpoint: str) -> str:
        """Return where a host mount point is visible from this process."""
        return str(self.rootfs / mountpoint.lstrip("/"))
