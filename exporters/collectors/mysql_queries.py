"""The MySQL/MariaDB query groups: one statement each, turned into mysqld_exporter-named families.

A group that fails (missing privilege, statement timeout) drops only its own families. Values
are read as mysqld_exporter reads them: numbers, Yes/ON as 1, No/OFF/Connecting as 0, and
anything else (NULL, text) skipped.
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from exporters.names import mysql as names

STATUS_HELP = "Generic metric from SHOW GLOBAL STATUS."
VARIABLES_HELP = "Generic gauge metric from SHOW GLOBAL VARIABLES."
SLAVE_STATUS_HELP = "Generic metric from SHOW SLAVE STATUS."
TRUE_WORDS = frozenset({"yes", "on"})
FALSE_WORDS = frozenset({"no", "off", "disabled", "connecting"})
# MariaDB announces itself as "5.5.5-10.11.19-MariaDB-..." in the handshake
VERSION = re.compile(r"^(?:5\.5\.5-)?(\d+)\.(\d+)\.(\d+)")
# MySQL 8.0.22 added SHOW REPLICA STATUS; 8.4 removed SHOW SLAVE STATUS
MYSQL_REPLICA_STATUS_SINCE = (8, 0, 22)
NEW_WORDS = {"source": "master", "replica": "slave"}


@dataclass(frozen=True)
class Flavour:
    """Which server answers: MariaDB or MySQL, and its version."""

    mariadb: bool
    version: tuple[int, int, int]

    @classmethod
    def from_handshake(cls, server_version: str) -> "Flavour":
        """Read the version string the server sent when the connection opened."""
        match = VERSION.match(server_version)
        numbers = (int(match[1]), int(match[2]), int(match[3])) if match else (0, 0, 0)
        return cls(mariadb="mariadb" in server_version.lower(), version=numbers)


@dataclass(frozen=True)
class Result:
    """One statement's column names and rows."""

    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]


@dataclass(frozen=True)
class QueryGroup:
    """One statement (chosen for the server's flavour) and how its result becomes families."""

    name: str
    statement: Callable[[Flavour], str]
    build: Callable[[Result], list[Metric]]


def parse_value(raw: Any) -> float | None:
    """Return a status value as mysqld_exporter reads it, or None when it is no number."""
    if raw is None:
        return None
    text = (raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)).strip().lower()
    if text in TRUE_WORDS:
        return 1.0
    if text in FALSE_WORDS:
        return 0.0
    try:
        return float(text)
    except ValueError:
        return None


def _untyped(name: str, documentation: str) -> Metric:
    return Metric(name, documentation, "unknown")


def _present(families: Sequence[Metric]) -> list[Metric]:
    return [family for family in families if family.samples]


def _name_values(result: Result) -> dict[str, float]:
    """Map the lower-cased names of a `Variable_name, Value` result to their numeric values."""
    values: dict[str, float] = {}
    for name, raw in result.rows:
        value = parse_value(raw)
        if value is not None:
            values[str(name).lower()] = value
    return values


# --- SHOW GLOBAL STATUS ------------------------------------------------------------------------
def build_status(result: Result) -> list[Metric]:
    """Return the listed status variables, commands by type, connection errors, pool pages."""
    values = _name_values(result)
    families: list[Metric] = []
    for variable, name in names.GLOBAL_STATUS_VARIABLES.items():
        if variable in values:
            family = _untyped(name, STATUS_HELP)
            family.add_sample(name, {}, values[variable])
            families.append(family)
    commands = CounterMetricFamily(
        names.MYSQL_GLOBAL_STATUS_COMMANDS_TOTAL, "Total number of executed MySQL commands.",
        labels=[names.LABEL_COMMAND],
    )
    errors = CounterMetricFamily(
        names.MYSQL_GLOBAL_STATUS_CONNECTION_ERRORS_TOTAL,
        "Total number of MySQL connection errors.", labels=[names.LABEL_ERROR],
    )
    pages = GaugeMetricFamily(
        names.MYSQL_GLOBAL_STATUS_BUFFER_POOL_PAGES, "Innodb buffer pool pages by state.",
        labels=[names.LABEL_STATE],
    )
    for variable, value in values.items():
        if variable.startswith(names.COMMANDS_PREFIX):
            commands.add_metric([variable.removeprefix(names.COMMANDS_PREFIX)], value)
        elif variable.startswith(names.CONNECTION_ERRORS_PREFIX):
            errors.add_metric([variable.removeprefix(names.CONNECTION_ERRORS_PREFIX)], value)
        elif variable.removeprefix(names.BUFFER_POOL_PAGES_PREFIX) in names.BUFFER_POOL_PAGE_STATES:
            pages.add_metric([variable.removeprefix(names.BUFFER_POOL_PAGES_PREFIX)], value)
    return _present([*families, commands, errors, pages])


# --- SHOW GLOBAL VARIABLES ---------------------------------------------------------------------
VARIABLES_SQL = "SHOW GLOBAL VARIABLES WHERE Variable_name IN ({})".format(
    ", ".join(f"'{variable}'" for variable in (*names.GLOBAL_VARIABLES, *names.VERSION_VARIABLES))
)


def build_variables(result: Result) -> list[Metric]:
    """Return the listed settings as gauges and the version as mysql_version_info."""
    texts = {str(name).lower(): str(value) for name, value in result.rows}
    values = _name_values(result)
    families: list[Metric] = [
        GaugeMetricFamily(name, VARIABLES_HELP, value=values[variable])
        for variable, name in names.GLOBAL_VARIABLES.items()
        if variable in values
    ]
    version = GaugeMetricFamily(
        names.MYSQL_VERSION_INFO, "MySQL version and distribution.",
        labels=[names.LABEL_INNODB_VERSION, names.LABEL_VERSION, names.LABEL_VERSION_COMMENT],
    )
    version.add_metric([texts.get(names.LABEL_INNODB_VERSION, ""), texts.get("version", ""),
                        texts.get(names.LABEL_VERSION_COMMENT, "")], 1)
    return [*families, version]


# --- replication: SHOW SLAVE/REPLICA STATUS, a row per source (none unless a replica) ----------
def replication_statement(flavour: Flavour) -> str:
    """Return the statement listing every replication channel on this server."""
    if flavour.mariadb:
        return "SHOW ALL SLAVES STATUS"
    if flavour.version >= MYSQL_REPLICA_STATUS_SINCE:
        return "SHOW REPLICA STATUS"
    return "SHOW SLAVE STATUS"


def column_name(column: str) -> str:
    """Return a status column lower-cased, with MySQL 8.4's source/replica as master/slave."""
    words = column.lower().split("_")
    return "_".join(NEW_WORDS.get(word, word) for word in words)


def build_replication(result: Result) -> list[Metric]:
    """Return the listed status columns per channel, labelled as mysqld_exporter labels them."""
    families = {
        column: _untyped(name, SLAVE_STATUS_HELP)
        for column, name in names.SLAVE_STATUS_COLUMNS.items()
    }
    columns = [column_name(column) for column in result.columns]
    for row in result.rows:
        by_column = dict(zip(columns, row, strict=True))
        labels = {label: str(by_column.get(label) or "") for label in names.SLAVE_STATUS_LABELS}
        for column, family in families.items():
            value = parse_value(by_column.get(column))
            if value is not None:
                family.add_sample(family.name, labels, value)
    return _present(list(families.values()))


GROUPS = (
    QueryGroup("status", lambda _flavour: "SHOW GLOBAL STATUS", build_status),
    QueryGroup("variables", lambda _flavour: VARIABLES_SQL, build_variables),
    QueryGroup("replication", replication_statement, build_replication),
)
