"""What a prober kind is: its options parser, its factory, and the metric that says it is up."""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from prometheus_client.core import Metric

from exporters.multitarget.address import without_userinfo
from exporters.validation import Validator

log = logging.getLogger(__name__)
Value = TypeVar("Value")
# targets whose last outcome a log remembers; unlisted addresses beyond it evict the oldest
MAX_REMEMBERED_TARGETS = 1000


@dataclass(frozen=True)
class Target:
    """One thing to probe: a configured name (or the address itself) and where it is.

    A configured target with `interval_seconds` is also probed on that interval by the exporter.
    """

    name: str
    address: str
    location: str = ""
    interval_seconds: float | None = None


class Prober(Protocol):
    """Probe targets for one module; a failing target is a metric, never an exception."""

    def probe(self, target: Target, timeout_seconds: float) -> list[Metric]:
        """Return the target's families, including the kind's up metric (0 when it failed)."""
        ...

    def close(self) -> None:
        """Release connections and other resources."""
        ...


@dataclass(frozen=True)
class Module:
    """A named way to probe: which kind, its limits, and its kind-specific options."""

    name: str
    kind: str
    timeout_seconds: float
    min_interval_seconds: float
    allow_unlisted_targets: bool
    options: Any = None


@dataclass(frozen=True)
class ProberKind:
    """One row of the prober table.

    `parse_options` validates the module's kind-specific mapping (recording problems on the
    validator) and returns typed options; `build` makes a long-lived prober for a module;
    `up_metric` is the family reported as 0 when a probe raises or overruns; `sends_credentials`
    means targets must be listed in the config unless the module allows unlisted ones.
    """

    name: str
    help: str
    up_metric: str
    parse_options: Callable[[Validator, Any, str], Any]
    build: Callable[[Module], Prober]
    sends_credentials: bool
    default_min_interval_seconds: float = 0.0
    default_modules: dict[str, Any] = field(default_factory=dict)


class Remembered(Generic[Value]):
    """The last value per target, for the most recently reported targets only."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, Value] = {}

    def swap(self, target: str, value: Value) -> Value | None:
        """Remember the target's new value; return its previous one."""
        with self._lock:
            previous = self._values.pop(target, None)
            self._values[target] = value
            if len(self._values) > MAX_REMEMBERED_TARGETS:
                del self._values[next(iter(self._values))]
        return previous


class TransitionLog:
    """Log a target's failure once when it starts or changes, and its recovery once."""

    def __init__(self, kind: str) -> None:
        self._kind = kind
        self._last: Remembered[str | None] = Remembered()

    def report(self, target: Target, error: str | None) -> None:
        """Record this probe's outcome: None for success, else a secret-free description."""
        if error is not None:  # client libraries' errors may quote the URL they were given
            error = without_userinfo(error)
        previous = self._last.swap(target.name, error)
        if error is not None and error != previous:
            log.error("%s target %s is down: %s", self._kind, target.name, error)
        elif error is None and previous is not None:
            log.info("%s target %s recovered", self._kind, target.name)
