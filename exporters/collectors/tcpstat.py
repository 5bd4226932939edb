"""TCP connections by state from /proc/net/tcp{,6} (node_exporter's tcpstat collector)."""

from collections import Counter
from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric

from exporters import names
from exporters.host import HostPaths

STATES = {
    "01": "established", "02": "syn_sent", "03": "syn_recv", "04": "fin_wait1",
    "05": "fin_wait2", "06": "time_wait", "07": "close", "08": "close_wait",
    "09": "last_ack", "0A": "listen", "0B": "closing",
}


class TcpstatCollector:
    """Report how many IPv4 and IPv6 TCP sockets are in each state."""

    def __init__(self, paths: HostPaths) -> None:
        self._paths = paths

    def collect(self) -> Iterator[Metric]:
        """Yield node_tcp_connection_states{state}."""
        counts: Counter[str] = Counter()
        for table in ("tcp", "tcp6"):
            path = self._paths.proc("net", table)
            if not path.exists():
                continue
            with path.open() as lines:
                next(lines, None)
                counts.update(line.split(None, 4)[3] for line in lines)
        family = GaugeMetricFamily(
            names.NODE_TCP_CONNECTION_STATES,
            "Number of TCP connections per state.",
            labels=[names.LABEL_STATE],
        )
        for code, state in STATES.items():
            family.add_metric([state], float(counts[code]))
        yield family
