"""The `memcached` prober kind: memcached statistics over one kept connection per target.

Each target keeps one pymemcache client, whose socket is reused across probes; pymemcache
closes it on any error and the client is rebuilt, so the next probe reconnects. A probe sends
what memcached_exporter sends: `stats` and `stats settings`, with the connect timeout from the
probe's budget and the read timeout from the module's.
"""

from collections.abc import Mapping
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from pymemcache.client.base import Client
from pymemcache.exceptions import MemcacheError

from exporters.collectors.memcached_options import DEFAULT_PORT
from exporters.multitarget.address import split_host_port
from exporters.multitarget.base import (
    QUERY_BUDGET,
    Module,
    Target,
    TransitionLog,
)
from exporters.multitarget.kept import KeptClients
from exporters.names import memcached as names

PROBE_ERRORS = (MemcacheError, OSError, ValueError)
Stats = Mapping[str, Any]


class MemcachedProber:
    """Probe memcached targets; a failure is memcached_up 0 and one log line."""

    def __init__(self, module: Module) -> None:
        # kept clients read with the module's budget, not a scrape's (see RedisProber)
        self._read_timeout = module.timeout_seconds * QUERY_BUDGET
        self._clients: KeptClients[Client] = KeptClients(lambda client: client.close())
        self._transitions = TransitionLog(f"memcached module {module.name}")

    def probe(self, target: Target, timeout_seconds: float) -> list[Metric]:
        """Return the target's families: memcached_up plus its stats."""
        budget = timeout_seconds * QUERY_BUDGET
        while True:  # a kept connection may have died while idle: then one fresh attempt
            try:
                client, fresh = self._clients.get(target.address, lambda: Client(
                    split_host_port(target.address, DEFAULT_PORT), connect_timeout=budget,
                    timeout=self._read_timeout, no_delay=True,
                ))
                stats = _decoded(client.stats())
                settings = _decoded(client.stats("settings"))
            except PROBE_ERRORS as failure:
                self._clients.drop(target.address)
                # a timeout is the server's answer; a closed kept socket earns a fresh attempt
                if isinstance(failure, ValueError | TimeoutError) or fresh:
                    text = " ".join(str(failure).split()) or "no detail"
                    self._transitions.report(target, f"{type(failure).__name__}: {text}")
                    return [_up(0)]
                continue
            self._transitions.report(target, None)
            return [_up(1), *stats_families(stats, settings)]

    def close(self) -> None:
        """Close every kept connection."""
        self._clients.close()


def _decoded(stats: Mapping[Any, Any]) -> dict[str, Any]:
    """Return stats with text keys and values (pymemcache gives bytes)."""
    return {
        _text(key): _text(value) if isinstance(value, bytes) else value
        for key, value in stats.items()
    }


def _text(value: Any) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _number(stats: Stats, field: str) -> float | None:
    try:
        return float(stats[field])
    except (KeyError, TypeError, ValueError):
        return None


def stats_families(stats: Stats, settings: Stats) -> list[Metric]:
    """Return memcached_exporter's families from `stats` and `stats settings`."""
    version = GaugeMetricFamily(
        names.MEMCACHED_VERSION, "The version of this memcached server.",
        labels=[names.LABEL_VERSION],
    )
    version.add_metric([str(stats.get("version", ""))], 1.0)
    families: list[Metric] = [version]
    uptime = _number(stats, "uptime")
    if uptime is not None:
        # a counter without `_total`, sampled under its own name as memcached_exporter's
        family = Metric(names.MEMCACHED_UPTIME_SECONDS,
                        "Number of seconds since the server started.", "counter")
        family.add_sample(family.name, {}, uptime)
        families.append(family)
    maxconns = _number(settings, "maxconns")
    if maxconns is not None:
        families.append(GaugeMetricFamily(
            names.MEMCACHED_MAX_CONNECTIONS, "Maximum number of clients allowed.", maxconns
        ))
    for field, name in names.STATS_GAUGES.items():
        value = _number(stats, field)
        if value is not None:
            families.append(GaugeMetricFamily(name, f"memcached stats field {field}.", value))
    for field, name in names.STATS_COUNTERS.items():
        value = _number(stats, field)
        if value is not None:
            families.append(CounterMetricFamily(name, f"memcached stats field {field}.", value))
    families.append(_commands(stats))
    return families


def _commands(stats: Stats) -> Metric:
    """Hits and misses per command; sets are `cmd_set` less the CAS commands, as upstream."""
    commands = CounterMetricFamily(
        names.MEMCACHED_COMMANDS_TOTAL,
        "Total number of all requests broken down by command (get, set, etc.) and status.",
        labels=[names.LABEL_COMMAND, names.LABEL_STATUS],
    )
    counts: dict[tuple[str, str], float | None] = {}
    for command in names.HIT_MISS_COMMANDS:
        counts[(command, names.STATUS_HIT)] = _number(stats, f"{command}_hits")
        counts[(command, names.STATUS_MISS)] = _number(stats, f"{command}_misses")
    counts[("cas", names.STATUS_BADVAL)] = _number(stats, "cas_badval")
    counts[("flush", names.STATUS_HIT)] = _number(stats, "cmd_flush")
    sets = _number(stats, "cmd_set")
    cas = [counts[("cas", status)]
           for status in (names.STATUS_HIT, names.STATUS_MISS, names.STATUS_BADVAL)]
    if sets is not None and None not in cas:
        counts[("set", names.STATUS_HIT)] = sets - sum(value or 0.0 for value in cas)
    for (command, status), value in counts.items():
        if value is not None:
            commands.add_metric([command, status], value)
    return commands


def _up(value: int) -> Metric:
    return GaugeMetricFamily(
        names.MEMCACHED_UP, "Could the memcached server be reached.", value=value
    )
