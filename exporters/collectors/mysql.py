"""The `mysql` prober kind: MySQL/MariaDB metrics over one kept connection per target.

Each target keeps one autocommit PyMySQL connection, reused across probes and reopened after a
failure. The connect timeout is what the probe has left; the read timeout is the module's
budget (a scrape's deadline is kept by the runner). On MariaDB every statement also carries
`SET STATEMENT max_statement_time=<time left> FOR`, so the server stops it at the scrape
deadline too. MySQL has no server-side limit for SHOW statements (`max_execution_time` covers
SELECT only), so there the read timeout is the limit.
"""

import time
from typing import Any

import pymysql
from prometheus_client.core import GaugeMetricFamily, Metric

from exporters.collectors.mysql_options import DEFAULT_PORT, MysqlOptions
from exporters.collectors.mysql_queries import GROUPS, Flavour, QueryGroup, Result
from exporters.multitarget.address import split_host_port
from exporters.multitarget.base import (
    QUERY_BUDGET,
    Module,
    Target,
    TransitionLog,
)
from exporters.multitarget.grouplog import GroupLog
from exporters.multitarget.kept import KeptClients
from exporters.names import mysql as names
from exporters.secrets import redact, reveal

# below this, a statement is not sent: it could not finish before the deadline
MIN_STATEMENT_SECONDS = 0.005
PROGRAM_NAME = "perfsight"
CONNECT_ERRORS = (pymysql.Error, OSError, LookupError, ValueError)


def one_line(error: BaseException, secrets: list[str]) -> str:
    """Describe an error on one line (with the server's error code), every secret redacted."""
    if isinstance(error, pymysql.Error) and len(error.args) == 2:
        text = f"{error.args[0]} {error.args[1]}"
    else:
        text = str(error) or "no detail"
    return redact(f"{type(error).__name__}: {' '.join(text.split())}", secrets)


class _Session:
    """One target's connection and the server flavour it announced."""

    def __init__(self, connection: "pymysql.connections.Connection[Any]") -> None:
        self.connection = connection
        # the handshake's version string; the stubs leave this method untyped
        version = connection.get_server_info()  # type: ignore[no-untyped-call]
        self.flavour = Flavour.from_handshake(str(version))

    def run(self, group: QueryGroup, deadline: float) -> list[Metric]:
        """Run one group's statement, limited to the time left, and build its families."""
        remaining = deadline - time.monotonic()
        if remaining < MIN_STATEMENT_SECONDS:
            raise TimeoutError("no time left before the scrape deadline")
        statement = group.statement(self.flavour)
        if self.flavour.mariadb:
            statement = f"SET STATEMENT max_statement_time={remaining:.3f} FOR {statement}"
        with self.connection.cursor() as cursor:
            cursor.execute(statement)
            columns = [column[0] for column in cursor.description or ()]
            return group.build(Result(columns, cursor.fetchall()))

    def close(self) -> None:
        """Say goodbye to the server unless the connection is already gone."""
        if self.connection.open:
            self.connection.close()


class MysqlProber:
    """Probe MySQL/MariaDB targets of one module; failures become mysql_up 0 or absent groups."""

    def __init__(self, module: Module) -> None:
        self._options: MysqlOptions = module.options
        # kept sessions read with the module's budget, not a scrape's (see RedisProber);
        # MariaDB statements still get the probe's own max_statement_time
        self._read_timeout = module.timeout_seconds * QUERY_BUDGET
        name = f"mysql module {module.name}"
        self._sessions: KeptClients[_Session] = KeptClients(lambda session: session.close())
        self._transitions = TransitionLog(name)
        self._groups = GroupLog(name)

    def probe(self, target: Target, timeout_seconds: float) -> list[Metric]:
        """Return the target's families: mysql_up plus every group that answered in time."""
        budget = timeout_seconds * QUERY_BUDGET
        deadline = time.monotonic() + budget
        secrets: list[str] = []
        while True:  # a kept connection may have died while idle: then one fresh attempt
            try:
                session, fresh = self._session(target, deadline, secrets)
            except CONNECT_ERRORS as failure:
                error = one_line(failure, secrets)
                break
            families = self._collect(target, session, deadline, secrets)
            if not isinstance(families, str):
                self._transitions.report(target, None)
                return [_up(1), *families]
            error = families
            self._sessions.drop(target.address)
            if fresh or deadline - time.monotonic() < MIN_STATEMENT_SECONDS:
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
            try:
                families.extend(session.run(group, deadline))
            except (pymysql.Error, TimeoutError) as failure:
                if not session.connection.open:
                    return one_line(failure, secrets)
                errors[group.name] = one_line(failure, secrets)
            else:
                errors[group.name] = None
        self._groups.report(target, errors)
        return families

    def _session(
        self, target: Target, deadline: float, secrets: list[str]
    ) -> tuple[_Session, bool]:
        """Return the target's session and whether it is new."""

        def connect() -> _Session:
            remaining = deadline - time.monotonic()
            if remaining < MIN_STATEMENT_SECONDS:
                raise TimeoutError("no time left to connect before the scrape deadline")
            return _Session(pymysql.connect(
                **self._login(secrets), **self._where(target), connect_timeout=remaining,
                read_timeout=self._read_timeout, write_timeout=self._read_timeout,
                autocommit=True,
                program_name=PROGRAM_NAME,
            ))

        return self._sessions.get(target.address, connect)

    def _login(self, secrets: list[str]) -> dict[str, Any]:
        """Return user, password and TLS keywords; an unset user is PyMySQL's (the OS user)."""
        options = self._options
        login: dict[str, Any] = {}
        for keyword, value in (("password", options.password), ("user", options.user)):
            if (revealed := reveal(value, secrets)) is not None:
                login[keyword] = revealed
        if options.tls is None:
            login["ssl_disabled"] = True
        else:
            login["ssl"] = options.tls.context()
        return login

    def _where(self, target: Target) -> dict[str, Any]:
        """Return host and port, or the module's unix socket (the address then only names it)."""
        if self._options.unix_socket is not None:
            return {"unix_socket": self._options.unix_socket}
        host, port = split_host_port(target.address, DEFAULT_PORT)
        return {"host": host, "port": port}

    def close(self) -> None:
        """Close every kept connection."""
        self._sessions.close()


def _up(value: int) -> Metric:
    return GaugeMetricFamily(names.MYSQL_UP, "Whether the MySQL server is up.", value=value)
