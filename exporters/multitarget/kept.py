"""Keep one client per target address, rebuilt when its timeout changes or after a failure."""

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

Client = TypeVar("Client")


class KeptClients(Generic[Client]):
    """One client per address with the timeout it was built with; `drop` closes it."""

    def __init__(self, close: Callable[[Client], None]) -> None:
        self._close = close
        self._lock = threading.Lock()
        self._clients: dict[str, tuple[Client, float]] = {}

    def get(
        self, address: str, timeout: float, build: Callable[[], Client]
    ) -> tuple[Client, bool]:
        """Return the address's client and whether it is new (none kept, or a new timeout)."""
        with self._lock:
            kept = self._clients.get(address)
        if kept is not None and kept[1] == timeout:
            return kept[0], False
        self.drop(address)
        client = build()
        with self._lock:
            self._clients[address] = (client, timeout)
        return client, True

    def drop(self, address: str) -> None:
        """Close and forget the address's client, so the next probe builds a new one."""
        with self._lock:
            kept = self._clients.pop(address, None)
        if kept is not None:
            self._close(kept[0])

    def close(self) -> None:
        """Close every kept client."""
        with self._lock:
            addresses = list(self._clients)
        for address in addresses:
            self.drop(address)
