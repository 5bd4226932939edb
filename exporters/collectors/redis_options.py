"""The redis kind's options: ACL user, password reference, db, TLS."""

from dataclasses import dataclass
from typing import Any

from exporters.secrets import SecretRef, parse_secret
from exporters.validation import Validator

DEFAULT_PORT = 6379
OPTION_FIELDS = {"username", "password", "db", "tls", "tls_ca_file"}


@dataclass(frozen=True)
class RedisOptions:
    """How to log in (ACL user, password reference), which db to select, TLS or not."""

    username: str | SecretRef | None = None
    password: SecretRef | None = None
    db: int = 0
    tls: bool = False
    tls_ca_file: str | None = None


def parse_options(check: Validator, value: Any, path: str) -> RedisOptions:
    """Validate a module's `redis:` mapping, recording every problem with its path."""
    raw = check.mapping(value, path, OPTION_FIELDS)
    username = raw.get("username")
    if username is not None and not (isinstance(username, str) and username):
        username = parse_secret(check, username, f"{path}.username")
    db = raw.get("db", 0)
    if isinstance(db, bool) or not isinstance(db, int) or db < 0:
        check.problems.append(f"{path}.db: must be a database number (0 or more), got {db!r}")
        db = 0
    tls = raw.get("tls", False)
    if not isinstance(tls, bool):
        check.problems.append(f"{path}.tls: must be true or false, got {tls!r}")
        tls = False
    ca_file = raw.get("tls_ca_file")
    if ca_file is not None and not (isinstance(ca_file, str) and ca_file.startswith("/")):
        check.problems.append(f"{path}.tls_ca_file: must be an absolute path, got {ca_file!r}")
        ca_file = None
    if ca_file is not None and not tls:
        check.problems.append(f"{path}.tls_ca_file: needs tls: true")
    return RedisOptions(
        username=username,
        password=parse_secret(check, raw.get("password"), f"{path}.password"),
        db=db, tls=tls, tls_ca_file=ca_file,
    )


def logs_in(options: RedisOptions) -> bool:
    """Tell whether a module's probes send a user name or password."""
    return options.password is not None or options.username is not None
