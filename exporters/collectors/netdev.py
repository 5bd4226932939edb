"""Network interface counters from /proc/net/dev (node_exporter's netdev collector)."""

import re
from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, Metric

from exporters import names
from exporters.host import HostPaths

DIRECTIONS = (("receive", names.NETDEV_RECEIVE_FIELDS), ("transmit", names.NETDEV_TRANSMIT_FIELDS))


class NetdevCollector:
    """Report bytes, packets, errors and drops per network device."""

    def __init__(self, paths: HostPaths, device_exclude: str = "") -> None:
        self._paths = paths
        self._exclude = re.compile(device_exclude) if device_exclude else None

    def collect(self) -> Iterator[Metric]:
        """Yield node_network_{receive,transmit}_*_total."""
        families = [
            CounterMetricFamily(
                names.netdev_metric(direction, field),
                f"Network device statistic {direction}_{field}.",
                labels=[names.LABEL_DEVICE],
            )
            for direction, fields in DIRECTIONS
            for field in fields
        ]
        for line in self._paths.read_proc("net", "dev").splitlines()[2:]:
            device, _, counters = line.partition(":")
            device = device.strip()
            if self._exclude is not None and self._exclude.search(device):
                continue
            for family, value in zip(families, counters.split(), strict=True):
                family.add_metric([device], float(value))
        yield from families
