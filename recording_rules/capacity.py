"""Capacity: seconds until each finite resource runs out at its recent (linear) trend."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bundle import names as rn
from bundle.artifacts import Artifact, rule_file
from bundle.promql import rng, select
from bundle.spec import Spec, spec_of
from exporters import names as m
from recording_rules.use import filesystems

PATH = "recording_rules/generated/capacity.yaml"


def shrinking(available: str, lookback: str) -> str:
    """Return seconds until `available` reaches zero; no series while it is not shrinking."""
    return f"{available} / -(deriv({available}{lookback}) < 0)"


def capacity_rules(spec: Spec) -> list[dict[str, Any]]:
    """Return the time-to-exhaustion rules of host resources."""
    host = spec.selectors["host"]
    lookback = rng(spec.capacity.lookback_seconds)
    allocated = select(m.NODE_FILEFD_ALLOCATED, host)
    pairs = [
        (rn.INSTANCE_MOUNTPOINT_DISK_EXHAUSTION,
         shrinking(filesystems(m.NODE_FILESYSTEM_AVAIL_BYTES, host), lookback)),
        (rn.INSTANCE_MOUNTPOINT_INODE_EXHAUSTION,
         shrinking(filesystems(m.NODE_FILESYSTEM_FILES_FREE, host), lookback)),
        (rn.INSTANCE_MEMORY_EXHAUSTION,
         shrinking(select(m.NODE_MEMORY_MEMAVAILABLE_BYTES, host), lookback)),
        (rn.INSTANCE_FILEFD_EXHAUSTION,
         f"({select(m.NODE_FILEFD_MAXIMUM, host)} - {allocated}) "
         f"/ (deriv({allocated}{lookback}) > 0)"),
    ]
    return [{"record": record, "expr": expr} for record, expr in pairs]


def generate(root: Path) -> Iterator[Artifact]:
    """Write the capacity recording rules."""
    yield rule_file(PATH, {"perfsight-capacity": capacity_rules(spec_of(root))})
