"""The host's clock (node_exporter's time collector), for clock-skew checks."""

import time
from collections.abc import Callable, Iterator

from prometheus_client.core import GaugeMetricFamily, Metric

from exporters import names


class TimeCollector:
    """Report the system time in seconds since the epoch."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock

    def collect(self) -> Iterator[Metric]:
        """Yield node_time_seconds."""
        yield GaugeMetricFamily(
            names.NODE_TIME_SECONDS, "System time in seconds since epoch (1970).",
            value=self._clock(),
        )
