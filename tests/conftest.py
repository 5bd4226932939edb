"""Shared fixtures: the fixture host tree and a pinned clock/statfs/uname for golden output."""

import os
from pathlib import Path

import pytest

from exporters.host import HostPaths

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_PROC = FIXTURES / "host" / "proc"


def fixed_statfs(path: str) -> os.statvfs_result:
    """Return a fixed statvfs for every mount; 'broken' mounts raise like a stale NFS."""
    if "broken" in path:
        raise OSError(5, "Input/output error")
    # bsize, frsize, blocks, bfree, bavail, files, ffree, favail, flag, namemax
    return os.statvfs_result((4096, 4096, 1000, 400, 300, 500, 200, 200, 0, 255))


def fixed_uname() -> os.uname_result:
    """Return a fixed kernel identity."""
    return os.uname_result(("Linux", "fixture-host", "6.1.0-test", "#1 SMP", "x86_64"))


@pytest.fixture
def fixture_paths() -> HostPaths:
    """Host paths pointing at the committed fixture procfs, with pinned statfs and uname."""
    return HostPaths(
        procfs=FIXTURE_PROC,
        sysfs=FIXTURES / "host" / "sys",
        rootfs=Path("/"),
        statfs=fixed_statfs,
        uname=fixed_uname,
    )


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add --update-golden, which rewrites golden files instead of comparing with them."""
    parser.addoption(
        "--update-golden", action="store_true", help="rewrite golden files from current output"
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """Whether golden files are to be rewritten."""
    return bool(request.config.getoption("--update-golden"))
