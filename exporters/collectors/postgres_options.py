"""The postgres kind's options: how to log in, how much of pg_stat_statements to export."""

from dataclasses import dataclass
from typing import Any

from exporters.collectors.postgres_queries import STATEMENT_FAMILIES
from exporters.secrets import SecretRef, parse_secret
from exporters.validation import Validator

DEFAULT_PORT = 5432
SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
OPTION_FIELDS = {
    "user", "password", "database", "sslmode", "statements_top_n", "statements_max_series",
}


@dataclass(frozen=True)
class PostgresOptions:
    """How to log in and how much of pg_stat_statements to export."""

    user: str | SecretRef | None = None
    password: SecretRef | None = None
    database: str = "postgres"
    sslmode: str | None = None
    statements_top_n: int = 20
    statements_max_series: int = 400

    @property
    def statements_limit(self) -> int:
        """Return how many statements to export: the top N, within the series cap."""
        return min(self.statements_top_n, self.statements_max_series // STATEMENT_FAMILIES)


def parse_options(check: Validator, value: Any, path: str) -> PostgresOptions:
    """Validate a module's `postgres:` mapping, recording every problem with its path."""
    raw = check.mapping(value, path, OPTION_FIELDS)
    defaults = PostgresOptions()
    user = raw.get("user")
    if user is not None and not (isinstance(user, str) and user):
        user = parse_secret(check, user, f"{path}.user")
    database = raw.get("database", defaults.database)
    if not isinstance(database, str) or not database:
        check.problems.append(f"{path}.database: must be a non-empty string, got {database!r}")
        database = defaults.database
    sslmode = raw.get("sslmode")
    if sslmode is not None and sslmode not in SSLMODES:
        check.problems.append(f"{path}.sslmode: must be one of {', '.join(SSLMODES)}, "
                              f"got {sslmode!r}")
        sslmode = None
    max_series = check.positive_int(
        raw.get("statements_max_series"), f"{path}.statements_max_series",
        defaults.statements_max_series,
    )
    if max_series < STATEMENT_FAMILIES:
        check.problems.append(
            f"{path}.statements_max_series: must be at least {STATEMENT_FAMILIES} (one "
            f"statement's series), got {max_series}"
        )
        max_series = defaults.statements_max_series
    return PostgresOptions(
        user=user,
        password=parse_secret(check, raw.get("password"), f"{path}.password"),
        database=database,
        sslmode=sslmode,
        statements_top_n=check.positive_int(
            raw.get("statements_top_n"), f"{path}.statements_top_n", defaults.statements_top_n
        ),
        statements_max_series=max_series,
    )


def parse_address(address: str) -> tuple[str, int]:
    """Split `host:port`, `[v6]:port`, `host` or a unix socket directory (`/dir[:port]`)."""
    host, port = address, ""
    if address.startswith("/"):
        directory, sep, tail = address.rpartition(":")
        if sep and tail.isdigit():
            host, port = directory, tail
    elif address.startswith("["):
        host, _, rest = address[1:].partition("]")
        if rest and not rest.startswith(":"):
            raise ValueError(f"invalid address {address!r}")
        port = rest[1:]
    elif address.count(":") == 1:
        host, _, port = address.partition(":")
    if port and not (port.isdigit() and 0 < int(port) < 65536):
        raise ValueError(f"invalid port in address {address!r}")
    if not host or (address.startswith("[") and not port and "]" not in address):
        raise ValueError(f"no host in address {address!r}")
    return host, int(port) if port else DEFAULT_PORT
