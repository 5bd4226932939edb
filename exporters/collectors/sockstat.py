"""Socket usage from /proc/net/sockstat{,6} (node_exporter's sockstat collector)."""

import resource
from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric

from exporters import names
from exporters.host import HostPaths

PAGE_SIZE = resource.getpagesize()
EXPORTED = frozenset(names.SOCKSTAT_FIELDS)


def parse_sockstat(text: str) -> dict[str, float]:
    """Parse 'TCP: inuse 2 orphan 0 …' lines into {'TCP_inuse': 2, …}; keep 'sockets_used'."""
    values: dict[str, float] = {}
    for line in text.splitlines():
        protocol, _, rest = line.partition(":")
        parts = rest.split()
        for key, value in zip(parts[::2], parts[1::2], strict=False):
            values[f"{protocol}_{key}"] = float(value)
    return values


class SockstatCollector:
    """Report sockets in use per protocol and the memory they hold."""

    def __init__(self, paths: HostPaths) -> None:
        self._paths = paths

    def collect(self) -> Iterator[Metric]:
        """Yield node_sockstat_* gauges."""
        values = parse_sockstat(self._paths.read_proc("net", "sockstat"))
        sockstat6 = self._paths.proc("net", "sockstat6")
        if sockstat6.exists():
            values.update(parse_sockstat(sockstat6.read_text()))
        if "sockets_used" in values:
            yield GaugeMetricFamily(
                names.NODE_SOCKSTAT_SOCKETS_USED,
                "Number of IPv4 sockets in use.",
                value=values["sockets_used"],
            )
        for field in names.SOCKSTAT_FIELDS:
            if field not in values:
                continue
            yield GaugeMetricFamily(
                names.sockstat_metric(field), f"Number of {field} sockets.", value=values[field]
            )
            if field in names.SOCKSTAT_PAGE_FIELDS:
                yield GaugeMetricFamily(
                    names.sockstat_bytes_metric(field),
                    f"Bytes held by {field.split('_')[0]} sockets.",
                    value=values[field] * PAGE_SIZE,
                )
