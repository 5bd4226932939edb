"""The exporter-toolkit web config (--web.config.file): TLS and bcrypt basic auth.

Format: https://github.com/prometheus/exporter-toolkit/blob/master/docs/web-configuration.md
Loading either succeeds completely or raises one ConfigError listing every problem; there is
no fallback to plain HTTP. No error text ever contains a password hash or key material.
"""

import base64
import binascii
import hashlib
import re
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bcrypt
import yaml

from exporters.errors import ConfigError
from exporters.validation import Validator

TLS_VERSIONS = {"TLS12": ssl.TLSVersion.TLSv1_2, "TLS13": ssl.TLSVersion.TLSv1_3}
CLIENT_AUTH = {
    "NoClientCert": ssl.CERT_NONE,
    "RequestClientCert": ssl.CERT_OPTIONAL,
    "RequireAnyClientCert": ssl.CERT_REQUIRED,
    "VerifyClientCertIfGiven": ssl.CERT_OPTIONAL,
    "RequireAndVerifyClientCert": ssl.CERT_REQUIRED,
}
TLS_KEYS = {
    "cert_file", "key_file", "client_auth_type", "client_ca_file", "min_version", "max_version",
    "cipher_suites", "curve_preferences", "prefer_server_cipher_suites",
}
HTTP_KEYS = {"http2", "headers"}
VERIFIED_CACHE_SIZE = 64
BCRYPT_HASH = re.compile(r"\$2[aby]?\$\d\d\$[./A-Za-z0-9]{53}")
# Checked against when the user is unknown, so a miss costs as much as a wrong password.
_DUMMY_HASH = bcrypt.hashpw(b"perfsight-no-such-user", bcrypt.gensalt(10))


@dataclass(frozen=True)
class WebConfig:
    """TLS context (None for plain HTTP), basic-auth users and extra response headers."""

    tls: ssl.SSLContext | None = None
    users: Mapping[str, bytes] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    _verified: dict[bytes, None] = field(default_factory=dict, compare=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    def authorize(self, authorization_header: str | None) -> bool:
        """Return whether a request may proceed: no users configured, or valid Basic creds."""
        if not self.users:
            return True
        credentials = _basic_credentials(authorization_header)
        if credentials is None:
            return False
        user, password = credentials
        hashed = self.users.get(user)
        key = hashlib.sha256(b"\0".join((user.encode(), password, hashed or b""))).digest()
        with self._lock:
            if hashed is not None and key in self._verified:
                return True
        ok = bcrypt.checkpw(password, hashed if hashed is not None else _DUMMY_HASH)
        if ok and hashed is not None:
            with self._lock:
                if len(self._verified) >= VERIFIED_CACHE_SIZE:
                    self._verified.pop(next(iter(self._verified)))
                self._verified[key] = None
            return True
        return False


def _basic_credentials(header: str | None) -> tuple[str, bytes] | None:
    """Decode 'Basic base64(user:password)'; anything malformed is None."""
    if not header:
        return None
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    user, sep, password = decoded.partition(b":")
    if not sep:
        return None
    try:
        return user.decode(), password
    except UnicodeDecodeError:
        return None


def load_web_config(path: str) -> WebConfig:
    """Read and validate a web config file, raising one ConfigError with every problem."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(path, [f"cannot read file: {error.strerror}"]) from error
    except yaml.YAMLError as error:
        raise ConfigError(path, [f"not valid YAML: {error}"]) from error
    check = Validator()
    problems = check.problems
    top = check.mapping(data, "", {"tls_server_config", "http_server_config", "basic_auth_users"})
    tls = _tls_context(
        check.mapping(top.get("tls_server_config"), "tls_server_config", TLS_KEYS),
        Path(path).parent, problems,
    )
    headers = _headers(
        check.mapping(top.get("http_server_config"), "http_server_config", HTTP_KEYS), problems
    )
    users = _users(top.get("basic_auth_users"), problems)
    if problems:
        raise ConfigError(path, problems)
    return WebConfig(tls=tls, users=users, headers=headers)


def _tls_context(
    tls: Mapping[str, Any], base: Path, problems: list[str]
) -> ssl.SSLContext | None:
    if not tls:
        return None
    before = len(problems)
    cert, key = tls.get("cert_file"), tls.get("key_file")
    for name, value in (("cert_file", cert), ("key_file", key)):
        if not isinstance(value, str) or not value:
            problems.append(f"tls_server_config.{name}: required when TLS is configured")
        elif not (base / value).is_file():
            problems.append(f"tls_server_config.{name}: file not found: {value}")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    for name in ("min_version", "max_version"):
        version = tls.get(name)
        if version is None:
            continue
        if version not in TLS_VERSIONS:
            problems.append(f"tls_server_config.{name}: must be one of {sorted(TLS_VERSIONS)}")
        elif name == "min_version":
            context.minimum_version = TLS_VERSIONS[version]
        else:
            context.maximum_version = TLS_VERSIONS[version]
    _client_auth(context, tls, base, problems)
    if len(problems) > before:
        return None
    try:
        context.load_cert_chain(str(base / str(cert)), str(base / str(key)))
    except (ssl.SSLError, OSError) as error:
        reason = getattr(error, "reason", None) or type(error).__name__
        problems.append(f"tls_server_config: cannot load cert_file/key_file pair: {reason}")
        return None
    return context


def _client_auth(
    context: ssl.SSLContext, tls: Mapping[str, Any], base: Path, problems: list[str]
) -> None:
    auth_type = tls.get("client_auth_type", "NoClientCert")
    if auth_type not in CLIENT_AUTH:
        problems.append(f"tls_server_config.client_auth_type: must be one of {sorted(CLIENT_AUTH)}")
        return
    context.verify_mode = CLIENT_AUTH[auth_type]
    ca = tls.get("client_ca_file")
    if auth_type in ("VerifyClientCertIfGiven", "RequireAndVerifyClientCert") and not ca:
        problems.append(f"tls_server_config.client_ca_file: required with {auth_type}")
    elif ca:
        try:
            context.load_verify_locations(str(base / str(ca)))
        except (ssl.SSLError, OSError) as error:
            reason = getattr(error, "reason", None) or type(error).__name__
            problems.append(f"tls_server_config.client_ca_file: cannot load: {reason}")


def _headers(http: Mapping[str, Any], problems: list[str]) -> dict[str, str]:
    if "http2" in http and not isinstance(http["http2"], bool):
        problems.append("http_server_config.http2: must be true or false")
    headers = http.get("headers") or {}
    if not isinstance(headers, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
    ):
        problems.append("http_server_config.headers: must map header names to strings")
        return {}
    return dict(headers)


def _users(value: Any, problems: list[str]) -> dict[str, bytes]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        problems.append("basic_auth_users: must map user names to bcrypt hashes")
        return {}
    users: dict[str, bytes] = {}
    for user, hashed in value.items():
        if not isinstance(hashed, str) or not _is_bcrypt(hashed):
            problems.append(f"basic_auth_users.{user}: not a bcrypt hash")
            continue
        users[str(user)] = hashed.encode()
    return users


def _is_bcrypt(hashed: str) -> bool:
    """Return whether hashed has the modular-crypt shape of a bcrypt hash."""
    return BCRYPT_HASH.fullmatch(hashed) is not None
