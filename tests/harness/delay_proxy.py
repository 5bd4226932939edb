"""A forwarding TCP proxy that holds every chunk it relays a known time, both directions."""

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

from tests.harness.origin import sleep_exactly
from tests.harness.servers import wait_until


@dataclass
class DelayProxy:
    """A running proxy: its port, and per connection the real holds of the first chunk each way
    added up (for a TLS 1.3 handshake: the ClientHello out plus the server's first flight back)."""

    port: int
    first_holds: list[float] = field(default_factory=list)

    def next_applied(self, known: int, timeout: float = 2.0) -> float:
        """Wait for the record after the first `known` ones; return it."""
        wait_until(lambda: len(self.first_holds) > known, timeout, "the proxy's hold record")
        return self.first_holds[known]


def _relay(
    source: socket.socket, sink: socket.socket, hold: float, on_first: Callable[[float], None]
) -> None:
    """Forward each chunk hold seconds after it arrived (order kept); close sink's write side."""
    first = True
    try:
        while chunk := source.recv(65536):
            arrived = time.perf_counter()
            sleep_exactly(max(0.0, arrived + hold - time.perf_counter()))
            if first:  # recorded before sending: the answer to this chunk may come back at once
                on_first(time.perf_counter() - arrived)
                first = False
            sink.sendall(chunk)
    except OSError:
        pass
    finally:
        with suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


@contextmanager
def running_delay_proxy(upstream_port: int, hold_seconds: float) -> Iterator[DelayProxy]:
    """Listen on 127.0.0.1 and relay to upstream_port, holding chunks; yield the proxy."""
    listener = socket.create_server(("127.0.0.1", 0))
    proxy = DelayProxy(listener.getsockname()[1])

    def connect(client: socket.socket) -> None:
        server = socket.create_connection(("127.0.0.1", upstream_port))
        for sock in (client, server):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        outward: list[float] = []
        # the server answers only after the client's first chunk went through: outward is set
        threading.Thread(
            target=_relay, args=(client, server, hold_seconds, outward.append), daemon=True
        ).start()
        threading.Thread(
            target=_relay, daemon=True,
            args=(server, client, hold_seconds, lambda h: proxy.first_holds.append(outward[0] + h)),
        ).start()

    def accept() -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            connect(client)

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield proxy
    finally:
        listener.close()
