"""The exporter's config file: parse YAML, validate every field at once, build typed settings.

An absent file means the embedded defaults: this host's system and process metrics.
"""

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from exporters.collectors.diskstats import DEFAULT_DEVICE_EXCLUDE
from exporters.collectors.filesystem import DEFAULT_FS_TYPES_EXCLUDE, DEFAULT_MOUNT_POINTS_EXCLUDE
from exporters.collectors.process import ProcessGroup
from exporters.errors import ConfigError
from exporters.multitarget.base import Module, Target
from exporters.multitarget.settings import default_modules, parse_modules, parse_targets
from exporters.probes.guard import GuardSettings, parse_guard
from exporters.probes.scheduler import SchedulerSettings, parse_scheduler
from exporters.validation import Validator

DEFAULT_SCRAPE_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class ProcessSettings:
    """How the process collector picks what to export."""

    top_n: int = 5
    max_processes: int = 20
    groups: tuple[ProcessGroup, ...] = ()


@dataclass(frozen=True)
class Settings:
    """Everything the config file can set; the defaults are the embedded configuration."""

    scrape_timeout_seconds: float = DEFAULT_SCRAPE_TIMEOUT_SECONDS
    diskstats_device_exclude: str = DEFAULT_DEVICE_EXCLUDE
    netdev_device_exclude: str = ""
    filesystem_mount_points_exclude: str = DEFAULT_MOUNT_POINTS_EXCLUDE
    filesystem_fs_types_exclude: str = DEFAULT_FS_TYPES_EXCLUDE
    process: ProcessSettings = field(default_factory=ProcessSettings)
    modules: dict[str, Module] = field(default_factory=default_modules)
    targets: dict[str, tuple[Target, str]] = field(default_factory=dict)
    probe_guard: GuardSettings = field(default_factory=GuardSettings)
    probe_scheduler: SchedulerSettings = field(default_factory=SchedulerSettings)


def load_settings(path: str | None) -> Settings:
    """Read and validate a config file; None means the embedded defaults."""
    if path is None:
        return Settings()
    try:
        with open(path, encoding="utf-8") as config_file:
            data = yaml.safe_load(config_file)
    except OSError as error:
        raise ConfigError(path, [f"cannot read file: {error.strerror}"]) from error
    except yaml.YAMLError as error:
        raise ConfigError(path, [f"not valid YAML: {error}"]) from error
    return parse_settings(data, source=path)


def parse_settings(data: Any, source: str = "config") -> Settings:
    """Validate parsed YAML into Settings, raising one ConfigError listing every problem."""
    check = Validator()
    top = check.mapping(
        data, "", {"scrape", "collectors", "modules", "targets", "probe_guard", "probe_scheduler"}
    )
    scrape = check.mapping(top.get("scrape"), "scrape", {"timeout_seconds"})
    collectors = check.mapping(
        top.get("collectors"), "collectors", {"diskstats", "filesystem", "netdev", "process"}
    )
    diskstats = check.mapping(
        collectors.get("diskstats"), "collectors.diskstats", {"device_exclude"}
    )
    netdev = check.mapping(collectors.get("netdev"), "collectors.netdev", {"device_exclude"})
    filesystem = check.mapping(
        collectors.get("filesystem"),
        "collectors.filesystem",
        {"mount_points_exclude", "fs_types_exclude"},
    )
    settings = Settings(
        scrape_timeout_seconds=check.number(
            scrape.get("timeout_seconds"), "scrape.timeout_seconds",
            DEFAULT_SCRAPE_TIMEOUT_SECONDS, lambda v: 0 < v <= 300,
            "must be a number of seconds between 0 and 300",
        ),
        diskstats_device_exclude=check.regex(
            diskstats.get("device_exclude"), "collectors.diskstats.device_exclude",
            DEFAULT_DEVICE_EXCLUDE,
        ),
        netdev_device_exclude=check.regex(
            netdev.get("device_exclude"), "collectors.netdev.device_exclude", ""
        ),
        filesystem_mount_points_exclude=check.regex(
            filesystem.get("mount_points_exclude"),
            "collectors.filesystem.mount_points_exclude", DEFAULT_MOUNT_POINTS_EXCLUDE,
        ),
        filesystem_fs_types_exclude=check.regex(
            filesystem.get("fs_types_exclude"), "collectors.filesystem.fs_types_exclude",
            DEFAULT_FS_TYPES_EXCLUDE,
        ),
        process=_process_settings(check, collectors.get("process")),
        modules=(modules := parse_modules(check, top.get("modules"))),
        targets=parse_targets(check, top.get("targets"), modules),
        probe_guard=parse_guard(check, top.get("probe_guard")),
        probe_scheduler=parse_scheduler(check, top.get("probe_scheduler")),
    )
    if check.problems:
        raise ConfigError(source, check.problems)
    return settings


def _process_settings(check: Validator, value: Any) -> ProcessSettings:
    path = "collectors.process"
    process = check.mapping(value, path, {"top_n", "max_processes", "groups"})
    defaults = ProcessSettings()
    groups_value = process.get("groups") or []
    if not isinstance(groups_value, list):
        check.problems.append(f"{path}.groups: must be a list")
        groups_value = []
    groups = [
        group
        for index, item in enumerate(groups_value)
        if (group := _process_group(check, item, f"{path}.groups[{index}]")) is not None
    ]
    seen: set[str] = set()
    for index, group in enumerate(groups):
        if group.name in seen:
            check.problems.append(f"{path}.groups[{index}].name: duplicate group {group.name!r}")
        seen.add(group.name)
    return ProcessSettings(
        top_n=check.positive_int(process.get("top_n"), f"{path}.top_n", defaults.top_n),
        max_processes=check.positive_int(
            process.get("max_processes"), f"{path}.max_processes", defaults.max_processes
        ),
        groups=tuple(groups),
    )


def _process_group(check: Validator, value: Any, path: str) -> ProcessGroup | None:
    group = check.mapping(value, path, {"name", "comm", "cmdline"})
    name = group.get("name")
    if not isinstance(name, str) or not name:
        check.problems.append(f"{path}.name: must be a non-empty string")
        return None
    comm = group.get("comm") or []
    if not isinstance(comm, list) or not all(isinstance(c, str) for c in comm):
        check.problems.append(f"{path}.comm: must be a list of process names")
        comm = []
    cmdline = check.regex(group.get("cmdline"), f"{path}.cmdline", "")
    if not comm and not cmdline:
        check.problems.append(f"{path}: needs 'comm' or 'cmdline' to match any process")
    return ProcessGroup(
        name=name, comm=frozenset(comm), cmdline=re.compile(cmdline) if cmdline else None
    )
