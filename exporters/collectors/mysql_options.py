"""The mysql kind's options: user, password reference, unix socket, TLS."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from exporters.probes.options import TLSConfig, parse_bool
from exporters.secrets import SecretRef, parse_secret
from exporters.validation import Validator

DEFAULT_PORT = 3306
OPTION_FIELDS = {"user", "password", "unix_socket", "tls"}
TLS_FIELDS = {"ca_file", "cert_file", "key_file", "insecure_skip_verify"}


@dataclass(frozen=True)
class MysqlOptions:
    """How to log in: user, password reference, optional unix socket and TLS."""

    user: str | SecretRef | None = None
    password: SecretRef | None = None
    unix_socket: str | None = None
    tls: TLSConfig | None = None


def _text(check: Validator, value: Any, path: str) -> str | None:
    if value is not None and (not isinstance(value, str) or not value):
        check.problems.append(f"{path}: must be a non-empty string, got {value!r}")
        return None
    return value


def _parse_tls(check: Validator, value: Any, path: str) -> TLSConfig | None:
    """Validate `tls:`; its files are read at each connect, so they need not exist yet."""
    if value is None:
        return None
    raw = check.mapping(value, path, TLS_FIELDS)
    files = {key: _text(check, raw.get(key), f"{path}.{key}")
             for key in ("ca_file", "cert_file", "key_file")}
    if (files["cert_file"] is None) != (files["key_file"] is None):
        check.problems.append(f"{path}: cert_file and key_file go together")
    skip = parse_bool(
        check, raw.get("insecure_skip_verify"), f"{path}.insecure_skip_verify", False
    )
    return TLSConfig(**files, insecure_skip_verify=skip)


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
