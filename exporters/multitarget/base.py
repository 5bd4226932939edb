"""What a prober kind is: its options parser, its factory, and the metric that says it is up."""

import importlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from prometheus_client.core import Metric

from exporters.multitarget.address import without_credentials
from exporters.validation import Validator

log = logging.getLogger(__name__)
Value = TypeVar("Value")
# turns a target address into the (host, port) it connects to: what the address guard checks
Endpoint = Callable[[str], tuple[str, int]]
# targets whose last outcome a log remembers; unlisted addresses beyond it evict the oldest
MAX_REMEMBERED_TARGETS = 1000
# share of the probe timeout a database or cache prober's queries may use; the rest is for
# rendering and the reply
QUERY_BUDGET = 0.8


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


def always(_options: Any) -> bool:
    """Answer yes whatever the options (a kind that always logs in)."""
    return True


def never(_options: Any) -> bool:
    """Answer no whatever the options (a kind without credentials)."""
    return False


def built_by(module_path: str, factory: str) -> Callable[[Module], Prober]:
    """Return a build that imports the prober's module (and its client library) on first use."""

    def build(module: Module) -> Prober:
        built: Prober = getattr(importlib.import_module(module_path), factory)(module)
        return built

    return build


@dataclass(frozen=True)
class Score:
    """The histogram scheduled probes keep of a unitless family: its name, help and buckets."""

    histogram: str
    help: str
    buckets: tuple[float, ...]


@dataclass(frozen=True)
class ProberKind:
    """One row of the prober table.

    `parse_options` validates the module's kind-specific mapping (recording problems on the
    validator) and returns typed options; `build` makes a long-lived prober for a module;
    `up_metric` is the family reported as 0 when a probe raises or overruns; `sends_credentials`
    tells from a module's options whether its probes log in, whose targets must then be listed
    in the config unless the module allows unlisted ones;
    `timing_phases` names single-value timing families (seconds) that scheduled probes keep as
    phase histograms, besides the `phase`-labelled ones; `scores` names unitless single-value
    families (e.g. a layout shift score) kept as histograms of their own; `endpoint` splits a
    target address into the host and port it connects to, for the address guard (None: kinds
    whose targets are not network endpoints of their own, left unguarded).
    """

    name: str
    help: str
    up_metric: str
    parse_options: Callable[[Validator, Any, str], Any]
    build: Callable[[Module], Prober]
    sends_credentials: Callable[[Any], bool]
    default_min_interval_seconds: float = 0.0
    default_modules: dict[str, Any] = field(default_factory=dict)
    timing_phases: dict[str, str] = field(default_factory=dict)
    scores: dict[str, "Score"] = field(default_factory=dict)
    endpoint: Endpoint | None = None


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
            error = without_credentials(error)
        previous = self._last.swap(target.name, error)
        if error is not None and error != previous:
            log.error("%s target %s is down: %s", self._kind, target.name, error)
        elif error is None and previous is not None:
            log.info("%s target %s recovered", self._kind, target.name)
