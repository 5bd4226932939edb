"""TCP connections by state (node_exporter's tcpstat collector).

The kernel is asked over netlink (sock_diag), as node_exporter does: reading /proc/net/tcp makes
the kernel walk and format its whole socket hash table, which measured 12 ms per scrape on an
idle host. /proc/net/tcp{,6} under the injected procfs remains the source for fixture trees and
for kernels without sock_diag.
"""

import socket
import struct
from collections import Counter
from collections.abc import Callable, Iterator

from prometheus_client.core import GaugeMetricFamily, Metric

from exporters import names
from exporters.host import HostPaths

STATES = {
    1: "established", 2: "syn_sent", 3: "syn_recv", 4: "fin_wait1", 5: "fin_wait2",
    6: "time_wait", 7: "close", 8: "close_wait", 9: "last_ack", 10: "listen", 11: "closing",
}
NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLM_F_REQUEST_DUMP = 0x1 | 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
ALL_STATES = 0xFFF
HEADER = struct.Struct("=IHHII")  # nlmsghdr: len, type, flags, seq, pid
REQUEST = struct.Struct("=BBBBI48x")  # inet_diag_req_v2: family, protocol, ext, pad, states, id
STATE_OFFSET = HEADER.size + 1  # inet_diag_msg starts with family, then state

StateCounts = Callable[[], Counter[int]]


def netlink_states() -> Counter[int]:
    """Count TCP sockets per state for IPv4 and IPv6 through sock_diag."""
    counts: Counter[int] = Counter()
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_SOCK_DIAG) as diag:
        for seq, family in enumerate((socket.AF_INET, socket.AF_INET6), start=1):
            body = REQUEST.pack(family, socket.IPPROTO_TCP, 0, 0, ALL_STATES)
            diag.send(HEADER.pack(HEADER.size + len(body), SOCK_DIAG_BY_FAMILY,
                                  NLM_F_REQUEST_DUMP, seq, 0) + body)
            _read_dump(diag, counts)
    return counts


def _read_dump(diag: socket.socket, counts: Counter[int]) -> None:
    while True:
        buffer = diag.recv(1 << 16)
        offset = 0
        while offset + HEADER.size <= len(buffer):
            length, kind = HEADER.unpack_from(buffer, offset)[:2]
            if kind == NLMSG_DONE:
                return
            if kind == NLMSG_ERROR:
                raise OSError("sock_diag dump failed")
            counts[buffer[offset + STATE_OFFSET]] += 1
            offset += (length + 3) & ~3


def procfs_states(paths: HostPaths) -> StateCounts:
    """Return a state counter reading /proc/net/tcp and tcp6 below the given procfs."""

    def count() -> Counter[int]:
        counts: Counter[int] = Counter()
        for table in ("tcp", "tcp6"):
            path = paths.proc("net", table)
            if path.exists():
                with path.open() as lines:
                    next(lines, None)
                    counts.update(int(line.split(None, 4)[3], 16) for line in lines)
        return counts

    return count


class TcpstatCollector:
    """Report how many IPv4 and IPv6 TCP sockets are in each state."""

    def __init__(self, states: StateCounts = netlink_states) -> None:
        self._states = states

    def collect(self) -> Iterator[Metric]:
        """Yield node_tcp_connection_states{state}."""
        counts = self._states()
        family = GaugeMetricFamily(
            names.NODE_TCP_CONNECTION_STATES,
            "Number of TCP connections per state.",
            labels=[names.LABEL_STATE],
        )
        for code, state in STATES.items():
            family.add_metric([state], float(counts[code]))
        yield family
