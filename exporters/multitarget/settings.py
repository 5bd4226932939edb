"""Parse the config file's `modules:` and `targets:` sections, recording every problem."""

import re
from collections.abc import Mapping
from typing import Any

from exporters.multitarget.base import Module, Target
from exporters.multitarget.kinds import KINDS, KINDS_BY_NAME
from exporters.validation import Validator

NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
DEFAULT_TIMEOUT_SECONDS = 5.0  # a module's timeout_seconds when the config gives none
MODULE_FIELDS = {"prober", "timeout_seconds", "min_interval_seconds", "allow_unlisted_targets"}


def default_modules() -> dict[str, Module]:
    """Return the embedded modules every kind ships (e.g. blackbox's `http_2xx`)."""
    check = Validator()
    modules = {
        name: _module(check, name, {"prober": kind.name, kind.name: options}, f"default {name}")
        for kind in KINDS
        for name, options in kind.default_modules.items()
    }
    assert not check.problems, check.problems  # the embedded defaults are valid by construction
    return {name: module for name, module in modules.items() if module is not None}


def parse_modules(check: Validator, value: Any) -> dict[str, Module]:
    """Return the embedded modules overlaid with the config's `modules:` mapping."""
    modules = default_modules()
    if value is None:
        return modules
    if not isinstance(value, Mapping):
        check.problems.append("modules: must be a mapping of module name to module")
        return modules
    for name, item in value.items():
        path = f"modules.{name}"
        if not isinstance(name, str) or not NAME.match(name):
            check.problems.append(f"{path}: module names use letters, digits, '_', '.', '-'")
            continue
        module = _module(check, name, item, path)
        if module is not None:
            modules[name] = module
    return modules


def _module(check: Validator, name: str, value: Any, path: str) -> Module | None:
    raw = check.mapping(value, path, MODULE_FIELDS | set(KINDS_BY_NAME))
    kind = KINDS_BY_NAME.get(raw.get("prober"))  # type: ignore[arg-type]
    if kind is None:
        known = ", ".join(sorted(KINDS_BY_NAME)) or "none available"
        check.problems.append(f"{path}.prober: must be one of {known}, got {raw.get('prober')!r}")
        return None
    for other in set(raw) & set(KINDS_BY_NAME) - {kind.name}:
        check.problems.append(f"{path}.{other}: options for another prober than {kind.name!r}")
    options = kind.parse_options(check, raw.get(kind.name), f"{path}.{kind.name}")
    allow = raw.get("allow_unlisted_targets", not kind.sends_credentials(options))
    if not isinstance(allow, bool):
        check.problems.append(f"{path}.allow_unlisted_targets: must be true or false")
        allow = False
    return Module(
        name=name,
        kind=kind.name,
        timeout_seconds=check.number(
            raw.get("timeout_seconds"), f"{path}.timeout_seconds", DEFAULT_TIMEOUT_SECONDS,
            lambda v: 0 < v <= 120, "must be a number of seconds between 0 and 120",
        ),
        min_interval_seconds=check.number(
            raw.get("min_interval_seconds"), f"{path}.min_interval_seconds",
            kind.default_min_interval_seconds, lambda v: 0 <= v <= 3600,
            "must be a number of seconds between 0 and 3600",
        ),
        allow_unlisted_targets=allow,
        options=options,
    )


def parse_targets(
    check: Validator, value: Any, modules: Mapping[str, Module]
) -> dict[str, tuple[Target, str]]:
    """Return configured targets by name, each with its default module."""
    targets: dict[str, tuple[Target, str]] = {}
    for index, item in enumerate(check.sequence(value, "targets")):
        path = f"targets[{index}]"
        raw = check.mapping(
            item, path, {"name", "address", "module", "location", "interval_seconds"}
        )
        fields = {key: raw.get(key) for key in ("name", "address", "module", "location")}
        bad = [
            key for key, field in fields.items()
            if field is not None and (not isinstance(field, str) or not field)
        ]
        for key in bad:
            check.problems.append(f"{path}.{key}: must be a non-empty string")
        for key in ("name", "address", "module"):
            if fields[key] is None:
                check.problems.append(f"{path}.{key}: required")
        if bad or any(fields[key] is None for key in ("name", "address", "module")):
            continue
        name, module = str(fields["name"]), str(fields["module"])
        if module not in modules:
            check.problems.append(f"{path}.module: unknown module {module!r}")
        if name in targets:
            check.problems.append(f"{path}.name: duplicate target {name!r}")
        interval = check.number(
            raw.get("interval_seconds"), f"{path}.interval_seconds", 0.0,
            lambda v: 1 <= v <= 86400, "must be a number of seconds between 1 and 86400",
        )
        targets[name] = (
            Target(
                name=name, address=str(fields["address"]), location=fields["location"] or "",
                interval_seconds=interval or None,
            ),
            module,
        )
    return targets
