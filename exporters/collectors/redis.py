"""The `redis` prober kind: Redis metrics over one kept client per target.

Each target keeps one redis-py client (one pooled connection, reconnected by redis-py when the
server closed it, rebuilt after a failure so a rotated password is read again). Every probe is
one pipelined round trip of three commands: `INFO ALL`, `CONFIG GET maxclients` and
`SLOWLOG LEN`. The connect timeout comes from the probe's budget, the read timeout from the
module's (so scrapes with varying deadlines share the client); redis-py's retries are off, so a
slow server costs one timeout, not four.
"""

from typing import Any

import redis
from prometheus_client.core import GaugeMetricFamily, Metric
from redis.backoff import NoBackoff
from redis.retry import Retry

from exporters.collectors.redis_info import info_families, number
from exporters.collectors.redis_options import DEFAULT_PORT, RedisOptions
from exporters.multitarget.address import split_host_port
from exporters.multitarget.base import (
    QUERY_BUDGET,
    Module,
    Target,
    TransitionLog,
)
from exporters.multitarget.grouplog import GroupLog
from exporters.multitarget.kept import KeptClients
from exporters.names import redis as names
from exporters.secrets import redact, reveal

CLIENT_NAME = "perfsight"
CONNECT_ERRORS = (redis.RedisError, OSError, LookupError, ValueError)


def one_line(error: BaseException, secrets: list[str]) -> str:
    """Describe an error on one line, every secret redacted."""
    text = " ".join(str(error).split()) or "no detail"
    return redact(f"{type(error).__name__}: {text}", secrets)


class RedisProber:
    """Probe Redis targets of one module; failures become redis_up 0 or absent families."""

    def __init__(self, module: Module) -> None:
        self._options: RedisOptions = module.options
        # kept clients read with the module's budget, whatever a scrape's deadline leaves: a
        # client per deadline would reconnect on every scrape (the runner answers at the
        # deadline anyway)
        self._read_timeout = module.timeout_seconds * QUERY_BUDGET
        name = f"redis module {module.name}"
        self._clients: KeptClients[redis.Redis] = KeptClients(lambda client: client.close())
        self._transitions = TransitionLog(name)
        self._groups = GroupLog(name)

    def probe(self, target: Target, timeout_seconds: float) -> list[Metric]:
        """Return the target's families: redis_up plus everything its replies hold."""
        budget = timeout_seconds * QUERY_BUDGET
        secrets: list[str] = []
        try:
            # redis-py reconnects a kept connection the server closed while it was idle
            client, _fresh = self._clients.get(
                target.address, lambda: self._connect(target, budget, secrets)
            )
            pipeline = client.pipeline(transaction=False)
            pipeline.info("all")
            pipeline.config_get("maxclients")
            pipeline.slowlog_len()
            info, config, slowlog = pipeline.execute(raise_on_error=False)
            if isinstance(info, Exception):
                raise info
        except CONNECT_ERRORS as failure:
            self._clients.drop(target.address)
            self._transitions.report(target, one_line(failure, secrets))
            return [_up(0)]
        self._transitions.report(target, None)
        families = [_up(1), *info_families(info)]
        errors: dict[str, str | None] = {}
        for group, reply, build in (
            ("config", config, _maxclients), ("slowlog", slowlog, _slowlog_length),
        ):
            if isinstance(reply, Exception):
                errors[group] = one_line(reply, secrets)
            else:
                errors[group] = None
                families.extend(build(reply))
        self._groups.report(target, errors)
        return families

    def _connect(self, target: Target, budget: float, secrets: list[str]) -> "redis.Redis":
        """Return a new client for the target (redis-py connects on the first command)."""
        host, port = split_host_port(target.address, DEFAULT_PORT)
        return redis.Redis(
            host=host, port=port, db=self._options.db, **self._login(secrets),
            socket_timeout=self._read_timeout, socket_connect_timeout=budget,
            retry=Retry(NoBackoff(), 0), client_name=CLIENT_NAME,
            driver_info=None,
        )

    def _login(self, secrets: list[str]) -> dict[str, Any]:
        """Return username, password and TLS keywords; each secret is read now and redacted."""
        options = self._options
        login: dict[str, Any] = {}
        for keyword, value in (("password", options.password), ("username", options.username)):
            if (revealed := reveal(value, secrets)) is not None:
                login[keyword] = revealed
        if options.tls:
            login["ssl"] = True
            login["ssl_ca_certs"] = options.tls_ca_file
        return login

    def close(self) -> None:
        """Close every kept client."""
        self._clients.close()


def _maxclients(reply: Any) -> list[Metric]:
    value = number(dict(reply).get("maxclients"))
    if value is None:
        return []
    return [GaugeMetricFamily(
        names.REDIS_CONFIG_MAXCLIENTS, "config_maxclients metric", value=value
    )]


def _slowlog_length(reply: Any) -> list[Metric]:
    return [GaugeMetricFamily(names.REDIS_SLOWLOG_LENGTH, "Total slowlog", value=float(reply))]


def _up(value: int) -> Metric:
    return GaugeMetricFamily(names.REDIS_UP, "Whether the Redis server is up.", value=value)
