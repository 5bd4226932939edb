"""The `postgres` prober kind: PostgreSQL metrics over one kept connection per target.

Each target keeps one autocommit psycopg connection, reused across probes and reopened after a
failure. `statement_timeout` is set from the probe timeout and lowered to what is left of it
before each query group, so no query outlives the scrape deadline on the server either; a
server that stops answering altogether has its socket shut down by a watchdog timer.
"""

import math
import socket
import threading
import time
from typing import Any

import psycopg
from prometheus_client.core import GaugeMetricFamily, Metric

from exporters.collectors.postgres_options import PostgresOptions, parse_address
from exporters.collectors.postgres_queries import GROUPS, QueryGroup
from exporters.multitarget.base import (
    QUERY_BUDGET,
    Module,
    Target,
    TransitionLog,
)
from exporters.multitarget.grouplog import GroupLog
from exporters.multitarget.kept import KeptClients
from exporters.names import postgres as names
from exporters.secrets import redact, reveal

# statement_timeout is reset to what is left of the budget when it is off by more than this
# share (not before every query: that would double the statements a fast probe sends)
TIMEOUT_SLACK = 0.1
# a server that stops answering altogether (frozen backend, lost network) cannot cancel its own
# query: the socket is shut down this share of the probe timeout after the probe started
SEVER_AFTER = 0.9
APPLICATION_NAME = "perfsight"


def one_line(error: BaseException, secrets: list[str]) -> str:
    """Describe an error on one line, with every secret redacted."""
    primary = error.diag.message_primary if isinstance(error, psycopg.Error) else None
    text = primary or " ".join(part.strip() for part in str(error).splitlines() if part.strip())
    return redact(f"{type(error).__name__}: {text}", secrets)


class _Session:
    """One target's connection and the statement_timeout currently set on it."""

    def __init__(self, connection: psycopg.Connection[Any], timeout_ms: int) -> None:
        self.connection = connection
        self.timeout_ms = timeout_ms
        self.in_use = threading.Lock()

    def close_unless_in_use(self) -> None:
        """Close the connection now if no probe is using it (else the probe's end drops it)."""
        if self.in_use.acquire(blocking=False):
            try:
                self.connection.close()
            finally:
                self.in_use.release()

    def fit_timeout(self, remaining_ms: int) -> None:
        """Set statement_timeout to what is left, when it is off by more than the slack."""
        if abs(self.timeout_ms - remaining_ms) > remaining_ms * TIMEOUT_SLACK:
            self.connection.execute(
                "SELECT set_config('statement_timeout', %s, false)", (str(remaining_ms),)
            )
            self.timeout_ms = remaining_ms

    def sever(self) -> None:
        """Shut the socket down, so a read blocked on a server that stopped answering returns."""
        try:
            fd = self.connection.pgconn.socket
            with socket.fromfd(fd, socket.AF_INET, socket.SOCK_STREAM) as duplicate:
                duplicate.shutdown(socket.SHUT_RDWR)
        except (OSError, psycopg.Error):
            pass  # already closed: nothing is blocked on it

    def run(self, group: QueryGroup, limit: int) -> list[Metric]:
        """Run one group's query and build its families."""
        params = {"limit": limit} if group.uses_limit else None
        rows = self.connection.execute(group.sql, params).fetchall()
        return group.build(rows)


class PostgresProber:
    """Probe PostgreSQL targets of one module; failures become pg_up 0 or absent groups."""

    def __init__(self, module: Module) -> None:
        self._options: PostgresOptions = module.options
        self._name = f"postgres module {module.name}"
        # an evicted session still in use is closed by its probe's end (or its collection)
        self._sessions: KeptClients[_Session] = KeptClients(_Session.close_unless_in_use)
        self._transitions = TransitionLog(self._name)
        self._groups = GroupLog(self._name)

    def probe(self, target: Target, timeout_seconds: float) -> list[Metric]:
        """Return the target's families: pg_up plus every group that answered in time."""
        started = time.monotonic()
        deadline = started + timeout_seconds * QUERY_BUDGET
        secrets: list[str] = []
        error = "not probed"
        for _attempt in range(2):  # a kept connection may have died while idle: retry once
            try:
                session, fresh = self._session(target, timeout_seconds, secrets)
            except (psycopg.Error, LookupError, ValueError) as failure:
                error = one_line(failure, secrets)
                break
            watchdog = threading.Timer(
                started + timeout_seconds * SEVER_AFTER - time.monotonic(), session.sever
            )
            watchdog.start()
            try:
                with session.in_use:
                    families = self._collect(target, session, deadline, secrets)
            finally:
                watchdog.cancel()
            if not isinstance(families, str):
                self._transitions.report(target, None)
                return [_up(1), *families]
            error = families
            self._sessions.drop(target.address)
            if fresh or time.monotonic() >= deadline:
                break
        self._transitions.report(target, error)
        return [_up(0)]

    def _collect(
        self, target: Target, session: _Session, deadline: float, secrets: list[str]
    ) -> list[Metric] | str:
        """Run every group in turn; return their families, or the error that broke the link."""
        families: list[Metric] = []
        errors: dict[str, str | None] = {}
        for group in GROUPS:
            remaining_ms = int((deadline - time.monotonic()) * 1000)
            try:
                if remaining_ms < 1:
                    raise TimeoutError("no time left before the scrape deadline")
                session.fit_timeout(remaining_ms)
                families.extend(session.run(group, self._options.statements_limit))
            except (psycopg.Error, TimeoutError) as failure:
                if session.connection.broken or session.connection.closed:
                    return one_line(failure, secrets)
                errors[group.name] = one_line(failure, secrets)
            else:
                errors[group.name] = None
        self._groups.report(target, errors)
        return families

    def _session(
        self, target: Target, timeout_seconds: float, secrets: list[str]
    ) -> tuple[_Session, bool]:
        """Return the target's session and whether it is new, connecting when there is none."""
        timeout_ms = max(1, int(timeout_seconds * QUERY_BUDGET * 1000))

        def connect() -> _Session:
            connection = psycopg.connect(
                **self._connect_arguments(target, timeout_seconds, secrets),
                options=f"-c statement_timeout={timeout_ms}",
                autocommit=True,
            )
            return _Session(connection, timeout_ms)

        # a kept session serves any probe timeout: statement_timeout is fitted per group
        session, fresh = self._sessions.get(target.address, connect)
        if session.connection.closed:
            self._sessions.drop(target.address)
            session, fresh = self._sessions.get(target.address, connect)
        return session, fresh

    def _connect_arguments(
        self, target: Target, timeout_seconds: float, secrets: list[str]
    ) -> dict[str, Any]:
        """Return libpq keywords; unset ones fall back to libpq's (PGUSER, .pgpass, peer)."""
        host, port = parse_address(target.address)
        options = self._options
        arguments: dict[str, Any] = {
            "host": host, "port": port, "dbname": options.database,
            "application_name": APPLICATION_NAME,
            # libpq counts whole seconds and waits at least 2
            "connect_timeout": max(2, math.ceil(timeout_seconds * QUERY_BUDGET)),
        }
        for keyword, value in (("password", options.password), ("user", options.user)):
            if (revealed := reveal(value, secrets)) is not None:
                arguments[keyword] = revealed
        if options.sslmode is not None:
            arguments["sslmode"] = options.sslmode
        return arguments

    def close(self) -> None:
        """Close every kept connection."""
        self._sessions.close()


def _up(value: int) -> Metric:
    return GaugeMetricFamily(
        names.PG_UP,
        "Whether the last scrape of metrics from PostgreSQL was able to connect to the server "
        "(1 for yes, 0 for no).",
        value=value,
    )
