"""Probe configured targets on their own `interval_seconds` and keep histograms per phase.

One scheduler thread keeps a heap of due times; each target starts at a random offset within
its interval (jitter, so targets sharing an interval do not fire together) and then keeps its
period. Probes run on a bounded pool through the `/probe` runner, so a module has one prober
(one Chromium, one kept connection per target) and a scrape arriving during a scheduled probe
shares it; a target whose previous probe is still running skips a turn rather than piling up.
Results become histograms (buckets from 1 ms to 60 s in 1-2-5 steps, fit for heat maps; a
kind's unitless scores, such as a page's layout shift, on buckets of their own), run/failure
counters and last-result gauges labelled target, module, prober (the kind) and location. A
series cap bounds what a large target list can add to /metrics.
"""

import heapq
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

from exporters.multitarget.base import Module, Score, Target
from exporters.multitarget.runner import ProbeRunner
from exporters.names import multitarget as runner_names
from exporters.names import probe as names
from exporters.validation import Validator

log = logging.getLogger(__name__)
BUCKETS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 60.0)


def histogram_series(bounds: tuple[float, ...]) -> int:
    """Return how many series a histogram exports: its buckets, +Inf, _sum and _count."""
    return len(bounds) + 3


HISTOGRAM_SERIES = histogram_series(BUCKETS)
TARGET_SERIES = HISTOGRAM_SERIES + 4  # its duration histogram, runs, failures and two gauges
SeriesKey = tuple[str, ...]
Slot = TypeVar("Slot", "TargetState", "Histogram")


@dataclass(frozen=True)
class SchedulerSettings:
    """The config's `probe_scheduler:` section: probes at once, and the series cap."""

    max_concurrent: int = 64
    max_series: int = 200_000  # about 1,780 HTTP targets with their phases


def parse_scheduler(check: Validator, value: Any) -> SchedulerSettings:
    """Validate `probe_scheduler: {max_concurrent: N, max_series: N}`."""
    raw = check.mapping(value, "probe_scheduler", {"max_concurrent", "max_series"})
    defaults = SchedulerSettings()
    return SchedulerSettings(
        max_concurrent=check.positive_int(
            raw.get("max_concurrent"), "probe_scheduler.max_concurrent", defaults.max_concurrent
        ),
        max_series=check.positive_int(
            raw.get("max_series"), "probe_scheduler.max_series", defaults.max_series
        ),
    )


@dataclass
class Histogram:
    """Bucket counts (not cumulative), sum and count of one series."""

    bounds: tuple[float, ...] = BUCKETS
    counts: list[int] = field(init=False)
    total: float = 0.0

    def __post_init__(self) -> None:
        self.counts = [0] * (len(self.bounds) + 1)

    def observe(self, value: float) -> None:
        """Count one observation."""
        bounds = self.bounds
        index = next((i for i, bound in enumerate(bounds) if value <= bound), len(bounds))
        self.counts[index] += 1
        self.total += value

    def cumulative(self) -> list[tuple[str, float]]:
        """Return (le, cumulative count) pairs, +Inf last."""
        running, pairs = 0, []
        for bound, count in zip([*map(str, self.bounds), "+Inf"], self.counts, strict=True):
            running += count
            pairs.append((bound, float(running)))
        return pairs


@dataclass
class TargetState:
    """What the scheduler remembers of one target."""

    runs: int = 0
    failures: int = 0
    last_success: float = 0.0
    last_run: float = 0.0
    duration: Histogram = field(default_factory=Histogram)


@dataclass(frozen=True)
class Job:
    """One scheduled target and the module probing it."""

    target: Target
    module: Module
    interval: float


class Scheduler:
    """Run scheduled probes in the background and expose their results as a collector."""

    def __init__(
        self,
        runner: ProbeRunner,
        settings: SchedulerSettings = SchedulerSettings(),
    ) -> None:
        self.jobs = [
            Job(target, runner.modules[module], float(target.interval_seconds or 0))
            for target, module in runner.targets.values()
            if target.interval_seconds and module in runner.modules
        ]
        self._runner = runner
        self._max_series = settings.max_series
        self._pool = ThreadPoolExecutor(
            max_workers=settings.max_concurrent, thread_name_prefix="scheduled"
        )
        self._lock = threading.Lock()
        self._running: set[int] = set()
        self._states: dict[SeriesKey, TargetState] = {}
        self._phases: dict[SeriesKey, Histogram] = {}
        self._scores: dict[str, Score] = {
            score.histogram: score for kind in runner.kinds.values()
            for score in kind.scores.values()
        }
        self._scored: dict[SeriesKey, Histogram] = {}  # keyed (histogram name, *labels)
        self._dropped = 0
        self._exported = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="scheduler", daemon=True)

    def start(self) -> None:
        """Start probing in the background (if anything is scheduled)."""
        if self.jobs:
            self._thread.start()

    def _loop(self) -> None:
        now = time.monotonic()
        due = [(now + random.uniform(0, job.interval), i) for i, job in enumerate(self.jobs)]
        heapq.heapify(due)
        while due and not self._stop.is_set():
            when, index = due[0]
            if self._stop.wait(max(0.0, when - time.monotonic())):
                break
            heapq.heapreplace(due, (when + self.jobs[index].interval, index))
            with self._lock:
                if index in self._running:
                    continue
                self._running.add(index)
            self._pool.submit(self._run, index)

    def _run(self, index: int) -> None:
        job = self.jobs[index]
        try:
            # the runner answers the kind's up metric at 0 for a raising or overrunning probe;
            # the duration is the probe's own, also when a scrape's run or cache served it
            families, duration = self._runner.probe(job.module, job.target, job.interval)
        finally:
            with self._lock:
                self._running.discard(index)
        self.record(job, families, duration)

    def record(self, job: Job, families: list[Metric], duration: float) -> None:
        """Fold one probe's families into the target's histograms, counters and gauges."""
        kind = self._runner.kinds[job.module.kind]
        success = any(
            sample.name == kind.up_metric and sample.value == 1
            for family in families for sample in family.samples
        )
        base = (job.target.name, job.module.name, job.module.kind, job.target.location)
        phases = [
            (sample.labels[names.LABEL_PHASE], sample.value)
            for family in families if family.name.endswith("_duration_seconds")
            for sample in family.samples if names.LABEL_PHASE in sample.labels
        ] + [
            (kind.timing_phases[family.name], sample.value)
            for family in families if family.name in kind.timing_phases
            for sample in family.samples
        ]
        scores = [
            (kind.scores[family.name], sample.value)
            for family in families if family.name in kind.scores
            for sample in family.samples
        ]
        with self._lock:
            state = self._series(self._states, base, TargetState, TARGET_SERIES)
            if state is None:
                return
            state.runs += 1
            state.failures += int(not success)
            state.last_success = float(success)
            state.last_run = time.time()
            state.duration.observe(duration)
            for phase, seconds in phases:
                histogram = self._series(self._phases, (*base, phase), Histogram,
                                         HISTOGRAM_SERIES)
                if histogram is not None:
                    histogram.observe(seconds)
            for score, value in scores:
                histogram = self._series(self._scored, (score.histogram, *base),
                                         partial(Histogram, score.buckets),
                                         histogram_series(score.buckets))
                if histogram is not None:
                    histogram.observe(value)

    def _series(
        self, table: dict[SeriesKey, Slot], key: SeriesKey, make: Callable[[], Slot], cost: int
    ) -> Slot | None:
        """Return a series' slot, creating it only while its `cost` series fit under the cap.

        The caller holds the lock; the cap counts exported series, not slots.
        """
        slot = table.get(key)
        if slot is None:
            if self._exported + cost > self._max_series:
                self._dropped += 1
                return None
            slot = table[key] = make()
            self._exported += cost
        return slot

    def collect(self) -> Iterator[Metric]:
        """Yield the scheduled probes' families for /metrics."""
        labels = [runner_names.LABEL_TARGET, runner_names.LABEL_MODULE, names.LABEL_PROBER,
                  names.LABEL_LOCATION]
        duration = HistogramMetricFamily(
            names.PERFSIGHT_PROBE_SCHEDULED_DURATION_SECONDS,
            "How long scheduled probes of a target took.", labels=labels,
        )
        phase = HistogramMetricFamily(
            names.PERFSIGHT_PROBE_PHASE_DURATION_SECONDS,
            "How long each phase of a target's scheduled probes took.",
            labels=[*labels, names.LABEL_PHASE],
        )
        runs = CounterMetricFamily(
            names.PERFSIGHT_PROBE_SCHEDULED_RUNS_TOTAL, "Scheduled probes run.", labels=labels
        )
        failures = CounterMetricFamily(
            names.PERFSIGHT_PROBE_SCHEDULED_FAILURES_TOTAL,
            "Scheduled probes that did not succeed.", labels=labels,
        )
        last = GaugeMetricFamily(
            names.PERFSIGHT_PROBE_SCHEDULED_LAST_SUCCESS,
            "Whether the last scheduled probe of a target succeeded.", labels=labels,
        )
        stamp = GaugeMetricFamily(
            names.PERFSIGHT_PROBE_SCHEDULED_LAST_RUN_TIMESTAMP_SECONDS,
            "When the last scheduled probe of a target finished, in unixtime.", labels=labels,
        )
        scored = {
            name: HistogramMetricFamily(name, score.help, labels=labels)
            for name, score in sorted(self._scores.items())
        }
        dropped = CounterMetricFamily(
            names.PERFSIGHT_PROBE_SCHEDULED_SERIES_DROPPED_TOTAL,
            "Scheduled probe results left out because the series cap was reached.",
        )
        with self._lock:
            for key, state in sorted(self._states.items()):
                duration.add_metric(list(key), state.duration.cumulative(), state.duration.total)
                runs.add_metric(list(key), state.runs)
                failures.add_metric(list(key), state.failures)
                last.add_metric(list(key), state.last_success)
                stamp.add_metric(list(key), state.last_run)
            for key, histogram in sorted(self._phases.items()):
                phase.add_metric(list(key), histogram.cumulative(), histogram.total)
            for (name, *labels_values), histogram in sorted(self._scored.items()):
                scored[name].add_metric(labels_values, histogram.cumulative(), histogram.total)
            dropped.add_metric([], self._dropped)
        yield from (duration, phase, runs, failures, last, stamp, *scored.values(), dropped)

    def close(self) -> None:
        """Stop scheduling and abandon running probes (the runner closes the probers)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._pool.shutdown(wait=False, cancel_futures=True)
