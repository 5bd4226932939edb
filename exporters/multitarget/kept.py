"""Keep one client per target address, rebuilt after a failure (`drop`).

At most `limit` clients are kept per prober: beyond it the least recently probed address's
client is closed, so a module with `allow_unlisted_targets` cannot be made to hold a connection
per address ever asked.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

Client = TypeVar("Client")
MAX_KEPT_CLIENTS = 64


class KeptClients(Generic[Client]):
    """One client per address; `drop` closes it."""

    def __init__(self, close: Callable[[Client], None]) -> None:
        self._close = close
        self._limit = MAX_KEPT_CLIENTS
        self._lock = threading.Lock()
        self._clients: OrderedDict[str, Client] = OrderedDict()

    def get(self, address: str, build: Callable[[], Client]) -> tuple[Client, bool]:
        """Return the address's client and whether it is new (none was kept)."""
        with self._lock:
            kept = self._clients.get(address)
            if kept is not None:
                self._clients.move_to_end(address)
                return kept, False
        client = build()
        with self._lock:
            self._clients[address] = client
            evicted = [
                self._clients.popitem(last=False)[1]
                for _ in range(len(self._clients) - self._limit)
            ]
        for old in evicted:
            self._close(old)
        return client, True

    def drop(self, address: str) -> None:
        """Close and forget the address's client, so the next probe builds a new one."""
        with self._lock:
            kept = self._clients.pop(address, None)
        if kept is not None:
            self._close(kept)

    def close(self) -> None:
        """Close every kept client."""
        with self._lock:
            clients = list(self._clients.values())
            self._clients.clear()
        for client in clients:
            self._close(client)
