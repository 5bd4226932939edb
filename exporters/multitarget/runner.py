"""Answer `/probe`: resolve target and module, probe once per interval, never past the deadline.

Concurrent scrapes of one target share one probe run (single flight), and a result younger than
the module's `min_interval_seconds` is served from cache, so N Prometheus replicas scraping in
one interval cost the target one round of queries.
"""

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from http import HTTPStatus

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from exporters.multitarget.address import without_credentials
from exporters.multitarget.base import Endpoint, Module, Prober, ProberKind, Target
from exporters.multitarget.kinds import KINDS_BY_NAME
from exporters.names import multitarget as names

log = logging.getLogger(__name__)
MAX_TRACKED_TARGETS = 1000
# probes waiting for or holding a pool worker, per worker; beyond it a scrape is answered down
# at once, so hung targets cannot queue one run per address ever asked
MAX_PENDING_PER_WORKER = 4
OTHER_TARGETS = "_other"

Guard = Callable[[Endpoint, Target], str | None]


def allow_all(_endpoint: Endpoint, _target: Target) -> str | None:
    """Refuse nothing (the CLI installs the address guard)."""
    return None


@dataclass
class _Run:
    """One probe of one target: started once, awaited by every scrape that needs it."""

    started: float
    done: threading.Event = field(default_factory=threading.Event)
    families: list[Metric] = field(default_factory=list)
    duration: float = 0.0


@dataclass
class _Stats:
    duration: float = 0.0
    errors: int = 0
    runs: int = 0
    cache_hits: int = 0


@dataclass(frozen=True)
class Answer:
    """What /probe replies: a status and either metric families or a reason."""

    status: HTTPStatus
    families: list[Metric] = field(default_factory=list)
    reason: str = ""


class ProbeRunner:
    """Own one prober per module, the result cache, and the per-target self-metrics."""

    def __init__(
        self,
        modules: Mapping[str, Module],
        targets: Mapping[str, tuple[Target, str]],
        guard: Guard = allow_all,
        max_workers: int = 32,
        kinds: Mapping[str, ProberKind] = KINDS_BY_NAME,
    ) -> None:
        self.modules = dict(modules)
        self.targets = dict(targets)
        self._guard = guard
        self.kinds = dict(kinds)
        self._probers: dict[str, Prober] = {}
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="probe")
        self._guards = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="guard")
        self._max_pending = max_workers * MAX_PENDING_PER_WORKER
        self._pending = 0
        # address checks waiting for or holding a guard worker, capped alike
        self._check_slots = threading.BoundedSemaphore(self._max_pending)
        self._lock = threading.Lock()
        # builds import a kind's client library on first use: one at a time, outside _lock,
        # so probes of modules already built never wait for an import
        self._building = threading.Lock()
        self._runs: dict[tuple[str, str], _Run] = {}
        self._prune_above = MAX_TRACKED_TARGETS
        self._stats: dict[tuple[str, str], _Stats] = {}
        self._refused: dict[str, int] = {}

    def resolve(
        self, query: Mapping[str, list[str]], deadline_seconds: float
    ) -> tuple[Module, Target] | Answer:
        """Find the module and target a query names, or the answer explaining why not.

        The guard resolves names, which may hang: past the deadline the answer is the kind's up
        metric at 0 (status 200), as for a probe that overran.
        """
        target_name = (query.get("target") or [""])[0]
        module_name = (query.get("module") or [""])[0]
        if not target_name:
            return Answer(HTTPStatus.BAD_REQUEST, reason="the 'target' parameter is required")
        listed = self.targets.get(target_name)
        if not module_name and listed is not None:
            module_name = listed[1]
        if not module_name:
            return Answer(HTTPStatus.BAD_REQUEST, reason="the 'module' parameter is required")
        module = self.modules.get(module_name)
        if module is None:
            return Answer(HTTPStatus.BAD_REQUEST, reason=f"unknown module {module_name!r}")
        if listed is not None:
            target = listed[0]
        elif module.allow_unlisted_targets:
            # the name labels self-metrics and log lines: a URL's password and query values
            # (tokens often travel there) stay out of both
            target = Target(name=without_credentials(target_name), address=target_name)
        else:
            return self._refuse(
                module, f"target {without_credentials(target_name)!r} is not listed in the "
                f"config and module {module.name!r} only probes listed targets "
                "(allow_unlisted_targets: false)",
            )
        return self._checked(module, target, deadline_seconds)

    def _checked(
        self, module: Module, target: Target, deadline_seconds: float
    ) -> tuple[Module, Target] | Answer:
        """Return module and target if the guard allows them in time, else the answer.

        Checks waiting for or holding a guard worker are capped like probes, so names whose
        lookups hang cannot queue a check per request and starve every other target's.
        """
        endpoint = self.kinds[module.kind].endpoint
        if endpoint is None:
            return module, target
        if not self._check_slots.acquire(blocking=False):
            return Answer(HTTPStatus.OK, self._failed(
                module, target, ": too many address checks pending, answered down"))
        check = self._guards.submit(self._guard, endpoint, target)
        check.add_done_callback(lambda _done: self._check_slots.release())
        try:
            reason = check.result(deadline_seconds)
        except FutureTimeout:
            return Answer(HTTPStatus.OK, self._failed(
                module, target, ": its address was not checked within %.3fs", deadline_seconds))
        if reason is not None:
            return self._refuse(module, reason)
        return module, target

    def _failed(self, module: Module, target: Target, why: str, *args: object) -> list[Metric]:
        """Log why a scrape of target is answered down, count it an error; return the answer."""
        log.error("%s probe of %s" + why, module.kind, target.name, *args)
        self._count(module, target, error=True)
        return self._down(module)

    def _refuse(self, module: Module, reason: str) -> Answer:
        with self._lock:
            self._refused[module.name] = self._refused.get(module.name, 0) + 1
        log.warning("refused probe with module %s: %s", module.name, reason)
        return Answer(HTTPStatus.FORBIDDEN, reason=reason)

    def answer(self, query: Mapping[str, list[str]], deadline_seconds: float) -> Answer:
        """Probe what the query names (or reuse a fresh result) within the deadline."""
        started = time.monotonic()
        resolved = self.resolve(query, deadline_seconds)
        if isinstance(resolved, Answer):
            return resolved
        module, target = resolved
        remaining = deadline_seconds - (time.monotonic() - started)
        families, _duration = self.probe(module, target, remaining)
        return Answer(HTTPStatus.OK, families)

    def probe(
        self, module: Module, target: Target, deadline_seconds: float
    ) -> tuple[list[Metric], float]:
        """Return the families of a fresh, running or new run, and how long that probe took."""
        timeout = min(module.timeout_seconds, deadline_seconds)
        run, fresh = self._run_for(module, target, timeout)
        finished = run.done.wait(timeout=max(0.0, run.started + timeout - time.monotonic()))
        if finished:
            return list(run.families), run.duration
        if fresh:  # the scrapes that joined this run say nothing more
            return self._failed(module, target, " exceeded its timeout of %.3fs", timeout), timeout
        return self._down(module), timeout

    def _run_for(self, module: Module, target: Target, timeout: float) -> tuple[_Run, bool]:
        """Return the run serving this scrape and whether this scrape started it."""
        key = (module.name, target.address)
        now = time.monotonic()
        with self._lock:
            run = self._runs.get(key)
            if run is not None and (
                not run.done.is_set() or now - run.started < module.min_interval_seconds
            ):
                self._stats_for(module, target).cache_hits += 1
                return run, False
            run = _Run(started=now)
            if self._pending >= self._max_pending:
                log.error("%s probe of %s not started: %d probes already pending",
                          module.kind, target.name, self._pending)
                self._stats_for(module, target).errors += 1
                run.families = self._down(module)
                run.done.set()
                return run, False
            self._pending += 1
            self._runs[key] = run
            if len(self._runs) > self._prune_above:
                self._forget_stale_runs(now)
        self._pool.submit(self._execute, module, target, timeout, run)
        return run, True

    def _forget_stale_runs(self, now: float) -> None:
        """Drop finished runs too old to be served again (caller holds the lock)."""
        self._runs = {
            (module, address): run for (module, address), run in self._runs.items()
            if not run.done.is_set()
            or now - run.started < self.modules[module].min_interval_seconds
        }
        # runs still fresh stay; scan again only when as many more have arrived
        self._prune_above = max(MAX_TRACKED_TARGETS, 2 * len(self._runs))

    def _execute(self, module: Module, target: Target, timeout: float, run: _Run) -> None:
        """Probe once; an exception is reported as the kind's up metric at 0."""
        error = False
        try:
            run.families = self._prober(module).probe(target, timeout)
        except Exception as failure:  # a prober bug must not break the scrape
            log.error(
                "%s probe of %s failed: %s", module.kind, target.name, type(failure).__name__
            )
            run.families, error = self._down(module), True
        run.duration = time.monotonic() - run.started
        self._count(module, target, error=error, duration=run.duration)
        with self._lock:
            self._pending -= 1
        run.done.set()

    def prepare(self) -> None:
        """Build the probers of the listed targets' modules now, so no first probe pays an import.

        Modules no listed target names (the embedded defaults, unless used) are built, and their
        client libraries imported, when first asked for.
        """
        for name in sorted({module for _target, module in self.targets.values()}):
            self._prober(self.modules[name])

    def _prober(self, module: Module) -> Prober:
        with self._lock:
            prober = self._probers.get(module.name)
        if prober is not None:
            return prober
        with self._building:
            with self._lock:
                prober = self._probers.get(module.name)
            if prober is None:
                prober = self.kinds[module.kind].build(module)
                with self._lock:
                    self._probers[module.name] = prober
            return prober

    def _stats_for(self, module: Module, target: Target) -> _Stats:
        """Return the stats slot of a target (caller holds the lock); unlisted ones are capped."""
        key = (module.name, target.name)
        if key not in self._stats and len(self._stats) >= MAX_TRACKED_TARGETS:
            key = (module.name, OTHER_TARGETS)
        return self._stats.setdefault(key, _Stats())

    def _count(
        self, module: Module, target: Target, *, error: bool, duration: float | None = None
    ) -> None:
        with self._lock:
            stats = self._stats_for(module, target)
            if duration is not None:
                stats.runs += 1
                stats.duration = duration
            stats.errors += int(error)

    def collect(self) -> Iterator[Metric]:
        """Yield the per-module and per-target self-metrics for /metrics."""
        labels = [names.LABEL_MODULE, names.LABEL_TARGET]
        duration = GaugeMetricFamily(
            names.PERFSIGHT_PROBE_LAST_DURATION_SECONDS,
            "How long the last probe of a target took.", labels=labels,
        )
        runs = CounterMetricFamily(
            names.PERFSIGHT_PROBE_RUNS_TOTAL, "Probes run against a target.", labels=labels
        )
        errors = CounterMetricFamily(
            names.PERFSIGHT_PROBE_ERRORS_TOTAL,
            "Probes that raised or overran their timeout.", labels=labels,
        )
        hits = CounterMetricFamily(
            names.PERFSIGHT_PROBE_CACHE_HITS_TOTAL,
            "Scrapes answered from a running or recent probe instead of a new one.",
            labels=labels,
        )
        refused = CounterMetricFamily(
            names.PERFSIGHT_PROBE_REFUSED_TOTAL,
            "Probe requests refused before any connection was opened.",
            labels=[names.LABEL_MODULE],
        )
        with self._lock:
            for (module, target), stats in sorted(self._stats.items()):
                duration.add_metric([module, target], stats.duration)
                runs.add_metric([module, target], stats.runs)
                errors.add_metric([module, target], stats.errors)
                hits.add_metric([module, target], stats.cache_hits)
            for module, count in sorted(self._refused.items()):
                refused.add_metric([module], count)
        yield from (duration, runs, errors, hits, refused)

    def close(self) -> None:
        """Close every prober; probes still running are abandoned."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._guards.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            probers, self._probers = list(self._probers.values()), {}
        for prober in probers:
            prober.close()

    def _down(self, module: Module) -> list[Metric]:
        """Return the kind's up metric at 0, the answer for a probe that raised or overran."""
        kind = self.kinds[module.kind]
        up = GaugeMetricFamily(kind.up_metric, f"Whether the last {kind.name} probe succeeded.")
        up.add_metric([], 0.0)
        return [up]
