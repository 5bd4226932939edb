"""The `mysql` prober kind: MySQL/MariaDB metrics over one kept connection per target.

Each target keeps one autocommit PyMySQL connection, reused across probes and reopened after a
failure or when the probe budget changes. The client's connect and read timeouts come from that
budget; on MariaDB every statement also carries `SET STATEMENT max_statement_time=<time left>
FOR`, so the server stops it at the scrape deadline too. MySQL has no server-side limit for
SHOW statements (`max_execution_time` covers SELECT only), so there the read timeout is the limit.
"""

import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pymysql
from prometheus_client.core import GaugeMetricFamily, Metric

from exporters.collectors.mysql_queries import GROUPS, Flavour, QueryGroup, Result
from exporters.multitarget.address import split_host_port
from exporters.multitarget.base import Module, ProberKind, Target, TransitionLog
from exporters.multitarget.grouplog import GroupLog
from exporters.multitarget.kept import KeptClients
from exporters.names import mysql as names
from exporters.secrets import SecretRef, parse_secret, redact, reveal
from exporters.validation import Validator

DEFAULT_PORT = 3306
OPTION_FIELDS = {"user", "password", "unix_socket", "tls"}
TLS_FIELDS = {"ca_file", "cert_file", "key_file", "insecure_skip_verify"}
# share of the probe timeout the queries may use; the rest is for rendering and the reply
QUERY_BUDGET = 0.8
# below this, a statement is not sent: it could not finish before the deadline
MIN_STATEMENT_SECONDS = 0.005
PROGRAM_NAME = "perfsight"
CONNECT_ERRORS = (pymysql.Error, OSError, LookupError, ValueError)


@dataclass(frozen=True)
class TlsOptions:
    """TLS to the server: the CA to verify it with, a client certificate, or no verification."""

    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    insecure_skip_verify: bool = False

    def context(self) -> ssl.SSLContext:
        """Build the client context, reading the files now (they may have been rotated)."""
        context = ssl.create_default_context(cafile=self.ca_file)
        if self.cert_file is not None:
            context.load_cert_chain(self.cert_file, self.key_file)
        if self.insecure_skip_verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context


@dataclass(frozen=True)
class MysqlOptions:
    """How to log in: user, password reference, optional unix socket and TLS."""

    user: str | SecretRef | None = None
    password: SecretRef | None = None
    unix_socket: str | None = None
    tls: TlsOptions | None = None


def _text(check: Validator, value: Any, path: str) -> str | None:
    if value is not None and (not isinstance(value, str) or not value):
        check.problems.append(f"{path}: must be a non-empty string, got {value!r}")
        return None
    return value


def _parse_tls(check: Validator, value: Any, path: str) -> TlsOptions | None:
    if value is None:
        return None
    raw = check.mapping(value, path, TLS_FIELDS)
    files = {key: _text(check, raw.get(key), f"{path}.{key}")
             for key in ("ca_file", "cert_file", "key_file")}
    if (files["cert_file"] is None) != (files["key_file"] is None):
        check.problems.append(f"{path}: cert_file and key_file go together")
    skip = raw.get("insecure_skip_verify", False)
    if not isinstance(skip, bool):
        check.problems.append(f"{path}.insecure_skip_verify: must be true or false, got {skip!r}")
        skip = False
    return TlsOptions(**files, insecure_skip_verify=skip)


def parse_options(check: Validator, value: Any, path: str) -> MysqlOptions:
    """Validate a module's `mysql:` mapping, recording every problem with its path."""
    raw = check.mapping(value, path, OPTION_FIELDS)
    user = raw.get("user")
    if isinstance(user, Mapping):
        user = parse_secret(check, user, f"{path}.user")
    elif not (user is None or isinstance(user, str)):
        check.problems.append(
            f"{path}.user: must be a user name or a reference {{env: NAME}} or {{file: PATH}}, "
            f"got {user!r}"
        )
        user = None
    unix_socket = _text(check, raw.get("unix_socket"), f"{path}.unix_socket")
    if unix_socket is not None and not unix_socket.startswith("/"):
        check.problems.append(f"{path}.unix_socket: must be an absolute path, got {unix_socket!r}")
        unix_socket = None
    return MysqlOptions(
        user=_text(check, user, f"{path}.user") if isinstance(user, str) else user,
        password=parse_secret(check, raw.get("password"), f"{path}.password"),
        unix_socket=unix_socket,
        tls=_parse_tls(check, raw.get("tls"), f"{path}.tls"),
    )


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

    def __init__(self, options: MysqlOptions, module_name: str = "mysql") -> None:
        self._options = options
        name = f"mysql module {module_name}"
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
                session, fresh = self._session(target, budget, deadline, secrets)
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
        self, target: Target, budget: float, deadline: float, secrets: list[str]
    ) -> tuple[_Session, bool]:
        """Return the target's session and whether it is new (kept ones have this budget)."""

        def connect() -> _Session:
            remaining = deadline - time.monotonic()
            if remaining < MIN_STATEMENT_SECONDS:
                raise TimeoutError("no time left to connect before the scrape deadline")
            return _Session(pymysql.connect(
                **self._login(secrets), **self._where(target), connect_timeout=remaining,
                read_timeout=budget, write_timeout=budget, autocommit=True,
                program_name=PROGRAM_NAME,
            ))

        return self._sessions.get(target.address, budget, connect)

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


def build(module: Module) -> MysqlProber:
    """Return the prober for one module."""
    options: MysqlOptions = module.options
    return MysqlProber(options, module.name)


MYSQL = ProberKind(
    name="mysql",
    help="MySQL and MariaDB server statistics, named as mysqld_exporter's",
    up_metric=names.MYSQL_UP,
    parse_options=parse_options,
    build=build,
    sends_credentials=True,
    default_min_interval_seconds=5.0,
    # the environment variables mysqld_exporter's own documentation uses for the password
    default_modules={"mysql": {
        "user": {"env": "MYSQLD_EXPORTER_USER"},
        "password": {"env": "MYSQLD_EXPORTER_PASSWORD"},
    }},
)
