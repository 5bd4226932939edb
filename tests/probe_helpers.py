"""Run one in-process probe of a kind with given options and read its samples; its problems."""

from typing import Any

import pytest
from prometheus_client.core import CollectorRegistry, Metric
from prometheus_client.exposition import generate_latest

from exporters.config import parse_settings
from exporters.errors import ConfigError
from exporters.multitarget.base import Module, Target
from exporters.multitarget.kinds import KINDS_BY_NAME
from exporters.validation import Validator
from tests.harness.probe_client import Values, parse


class _Families:
    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> list[Metric]:
        return self._families


def module(kind: str, options: dict[str, Any] | None = None, timeout: float = 5.0) -> Module:
    """Build a module of kind from raw options, failing on any validation problem."""
    check = Validator()
    parsed = KINDS_BY_NAME[kind].parse_options(check, options or {}, f"modules.test.{kind}")
    assert not check.problems, check.problems
    return Module("test", kind, timeout, 0.0, True, parsed)


def probe_text(kind: str, address: str, options: dict[str, Any] | None = None) -> str:
    """Probe address once; return the exposition text."""
    prober = KINDS_BY_NAME[kind].build(module(kind, options))
    registry = CollectorRegistry()
    registry.register(_Families(prober.probe(Target(address, address), 5.0)))
    return generate_latest(registry).decode()


def probe(kind: str, address: str, options: dict[str, Any] | None = None) -> Values:
    """Probe address once; return its samples."""
    return parse(probe_text(kind, address, options))


def phase(values: Values, family: str, name: str) -> float:
    """Return one phase sample."""
    return values[family][frozenset({("phase", name)})]


def value(values: Values, family: str) -> float:
    """Return an unlabelled sample."""
    return values[family][frozenset()]


def option_problems(kind: str, options: object, **module: object) -> list[str]:
    """Return every problem the config reports for one module of kind with these options."""
    config = {"modules": {"db": {"prober": kind, kind: options, **module}}}
    with pytest.raises(ConfigError) as raised:
        parse_settings(config)
    return raised.value.problems
