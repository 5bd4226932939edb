"""What every collector is: a named source of metric families built at scrape time."""

from collections.abc import Iterable
from typing import Protocol

from prometheus_client.core import Metric


class Collector(Protocol):
    """Anything that yields metric families when asked, as prometheus_client expects."""

    def collect(self) -> Iterable[Metric]:
        """Yield this scrape's metric families."""
        ...


def parse_key_values(lines: Iterable[str]) -> dict[str, int]:
    """Parse 'key value' lines into integers, skipping lines that are not of that form."""
    result: dict[str, int] = {}
    for line in lines:
        parts = line.split()
        if len(parts) >= 2 and parts[1].lstrip("-").isdigit():
            result[parts[0]] = int(parts[1])
    return result
