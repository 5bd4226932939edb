"""The exporter-toolkit web config (--web.config.file): TLS, bcrypt basic auth, response headers.

Format: https://github.com/prometheus/exporter-toolkit/blob/master/docs/web-configuration.md
Loading either succeeds completely or raises one ConfigError listing every problem, each prefixed
with its YAML path; there is no fallback to plain HTTP. No problem text ever quotes a password
hash, key material or the file's text. Relative file paths are relative to the web config file.

Where Python's ssl module cannot do what Go's crypto/tls does, this module is stricter or says so:

- the file is read once, at start-up (exporter-toolkit rereads it on every request);
- min_version/max_version accept TLS12 and TLS13 only;
- RequestClientCert does not ask for a certificate: Go never verifies the one it asks for, and
  nothing here reads an unverified certificate, so not asking is equivalent;
- RequireAnyClientCert verifies the certificate against client_ca_file, which it requires;
- TLS 1.3 names in cipher_suites are accepted and, as in Go, have no effect; a list naming only
  TLS 1.3 suites leaves TLS 1.2 no suite, so it raises the minimum version to TLS 1.3, as in Go;
- http_server_config.http2 is validated but has no effect: the server speaks HTTP/1.1 only;
- inline cert/key/client_ca, client_allowed_sans, curve_preferences and rate_limit are rejected
  with the reason, rather than silently ignored.
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

TOP_KEYS = {"tls_server_config", "http_server_config", "basic_auth_users"}
TLS_KEYS = {
    "cert_file", "key_file", "client_auth_type", "client_ca_file", "min_version", "max_version",
    "cipher_suites", "prefer_server_cipher_suites",
}
HTTP_KEYS = {"http2", "headers"}
# exporter-toolkit fields this server cannot honour, with what to do instead.
UNSUPPORTED_TOP = {"rate_limit": "not implemented; rate-limit in a reverse proxy"}
UNSUPPORTED_TLS = {
    "cert": "inline PEM is not supported; use cert_file",
    "key": "inline PEM is not supported; use key_file",
    "client_ca": "inline PEM is not supported; use client_ca_file",
    "client_allowed_sans": "Python's ssl module cannot check client certificate SANs",
    "curve_preferences": "Python's ssl module cannot set a curve list; remove it for the defaults",
}
TLS_VERSIONS = {"TLS12": ssl.TLSVersion.TLSv1_2, "TLS13": ssl.TLSVersion.TLSv1_3}
CLIENT_AUTH = {
    "NoClientCert": ssl.CERT_NONE,
    "RequestClientCert": ssl.CERT_NONE,
    "VerifyClientCertIfGiven": ssl.CERT_OPTIONAL,
    "RequireAnyClientCert": ssl.CERT_REQUIRED,
    "RequireAndVerifyClientCert": ssl.CERT_REQUIRED,
}
CLIENT_AUTH_NEEDING_CA = {"VerifyClientCertIfGiven", "RequireAnyClientCert",
                          "RequireAndVerifyClientCert"}
# Go's tls.CipherSuites() names for TLS 1.0-1.2 (what exporter-toolkit accepts) -> OpenSSL names.
CIPHER_SUITES = {
    "TLS_RSA_WITH_AES_128_CBC_SHA": "AES128-SHA",
    "TLS_RSA_WITH_AES_256_CBC_SHA": "AES256-SHA",
    "TLS_RSA_WITH_AES_128_GCM_SHA256": "AES128-GCM-SHA256",
    "TLS_RSA_WITH_AES_256_GCM_SHA384": "AES256-GCM-SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA": "ECDHE-ECDSA-AES128-SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA": "ECDHE-ECDSA-AES256-SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA": "ECDHE-RSA-AES128-SHA",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA": "ECDHE-RSA-AES256-SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256": "ECDHE-ECDSA-AES128-GCM-SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384": "ECDHE-ECDSA-AES256-GCM-SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256": "ECDHE-RSA-AES128-GCM-SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384": "ECDHE-RSA-AES256-GCM-SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256": "ECDHE-RSA-CHACHA20-POLY1305",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256": "ECDHE-ECDSA-CHACHA20-POLY1305",
}
TLS13_CIPHER_SUITES = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                       "TLS_CHACHA20_POLY1305_SHA256"}
# OpenSSL reasons for a key that parsed but does not belong to the certificate.
KEY_MISMATCH_REASONS = {"KEY_VALUES_MISMATCH", "NO_CERTIFICATE_ASSIGNED"}
# The response headers exporter-toolkit lets a config set, with their allowed values (None: any).
HEADERS: dict[str, frozenset[str] | None] = {
    "Content-Security-Policy": None,
    "Strict-Transport-Security": None,
    "X-Content-Type-Options": frozenset({"nosniff"}),
    "X-Frame-Options": frozenset({"deny", "sameorigin"}),
    "X-XSS-Protection": None,
}
# $2a$/$2b$/$2y$, cost 4-31, a 22-character salt whose last character carries no stray bits (the
# bcrypt library refuses other salts at check time), then the 31-character checksum.
BCRYPT_HASH = re.compile(
    rb"\$2[aby]\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{21}[.Oeu][./A-Za-z0-9]{31}"
)
BCRYPT_MAX_PASSWORD = 72  # bcrypt only ever used the first 72 bytes; bcrypt>=5 raises beyond
VERIFIED_CACHE_SIZE = 64


class _EncryptedKeyError(Exception):
    """Raised instead of prompting on the terminal for a private key's passphrase."""


class _Verifier:
    """Check Basic credentials: one bcrypt at a time, successes cached, misses timed alike."""

    def __init__(self, users: Mapping[str, bytes]) -> None:
        self._users = users
        # Unknown users are checked against this, at the highest configured cost, so a miss costs
        # as much as a wrong password. It matches no password: its checksum is not a real one.
        cost = max((int(hashed[4:6]) for hashed in users.values()), default=4)
        self._decoy = bcrypt.gensalt(cost) + b"." * 31
        self._verified: dict[bytes, None] = {}
        self._cache_lock = threading.Lock()
        self._bcrypt_lock = threading.Lock()

    def verify(self, user: str, password: bytes) -> bool:
        """Return whether password is user's, paying bcrypt's cost once per (user, password)."""
        password = password[:BCRYPT_MAX_PASSWORD]
        hashed = self._users.get(user)
        if hashed is None:
            self._checkpw(password, self._decoy)
            return False
        key = _cache_key(user, password, hashed)
        with self._cache_lock:
            if key in self._verified:
                return True
        if not self._checkpw(password, hashed):
            return False
        self._remember(key)
        return True

    def _checkpw(self, password: bytes, hashed: bytes) -> bool:
        """Run bcrypt serially, so a flood of bad credentials burns one core, not all."""
        with self._bcrypt_lock:
            return bcrypt.checkpw(password, hashed)

    def _remember(self, key: bytes) -> None:
        """Cache a verified credential, evicting the oldest beyond VERIFIED_CACHE_SIZE."""
        with self._cache_lock:
            if len(self._verified) >= VERIFIED_CACHE_SIZE:
                self._verified.pop(next(iter(self._verified)))
            self._verified[key] = None


@dataclass(frozen=True)
class WebConfig:
    """TLS context (None for plain HTTP), basic-auth users and extra response headers."""

    tls: ssl.SSLContext | None = None
    users: Mapping[str, bytes] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    _verifier: _Verifier = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Refuse malformed hashes now rather than failing on a request later."""
        bad = sorted(user for user, hashed in self.users.items() if not _is_bcrypt(hashed))
        if bad:
            raise ValueError(f"users {bad}: not bcrypt hashes")
        object.__setattr__(self, "_verifier", _Verifier(self.users))

    def authorize(self, authorization_header: str | None) -> bool:
        """Return whether a request may proceed: no users configured, or valid Basic creds."""
        if not self.users:
            return True
        credentials = _basic_credentials(authorization_header)
        return credentials is not None and self._verifier.verify(*credentials)


def _cache_key(user: str, password: bytes, hashed: bytes) -> bytes:
    """Digest length-prefixed user, password and hash, so no two triples can run together."""
    digest = hashlib.sha256()
    for part in (user.encode(), password, hashed):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.digest()


def _basic_credentials(header: str | None) -> tuple[str, bytes] | None:
    """Decode 'Basic base64(user:password)'; anything malformed is None."""
    if not header:
        return None
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True)
        user, sep, password = decoded.partition(b":")
        return (user.decode(), password) if sep else None
    except (binascii.Error, ValueError):  # UnicodeDecodeError is a ValueError
        return None


def _is_bcrypt(hashed: bytes) -> bool:
    """Return whether hashed is a bcrypt hash the bcrypt library will accept."""
    return BCRYPT_HASH.fullmatch(hashed) is not None


def load_web_config(path: str) -> WebConfig:
    """Read and validate a web config file, raising one ConfigError with every problem."""
    check = Validator()
    top = check.mapping(_read_yaml(path), "", TOP_KEYS | set(UNSUPPORTED_TOP))
    _unsupported(top, "", UNSUPPORTED_TOP, check)
    tls = check.mapping(
        top.get("tls_server_config"), "tls_server_config", TLS_KEYS | set(UNSUPPORTED_TLS)
    )
    _unsupported(tls, "tls_server_config", UNSUPPORTED_TLS, check)
    context = _tls_context(tls, Path(path).parent, check.problems)
    http = check.mapping(top.get("http_server_config"), "http_server_config", HTTP_KEYS)
    headers = _http(http, check)
    users = _users(top.get("basic_auth_users"), check.problems)
    if check.problems:
        raise ConfigError(path, check.problems)
    return WebConfig(tls=context, users=users, headers=headers)


def _read_yaml(path: str) -> Any:
    """Parse the file, raising ConfigError when it cannot be read or is not YAML."""
    try:
        return yaml.safe_load(Path(path).read_bytes())
    except OSError as error:
        raise ConfigError(path, [f"cannot read file: {error.strerror}"]) from error
    except yaml.YAMLError as error:
        raise ConfigError(path, [f"not valid YAML: {_yaml_problem(error)}"]) from error


def _yaml_problem(error: yaml.YAMLError) -> str:
    """Describe a YAML error by position only: its default text quotes the offending line."""
    if isinstance(error, yaml.reader.ReaderError):
        return f"{error.reason} at byte {error.position}"
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        return f"{error.problem} at line {mark.line + 1}, column {mark.column + 1}"
    return type(error).__name__


def _unsupported(
    section: Mapping[str, Any], path: str, reasons: Mapping[str, str], check: Validator
) -> None:
    """Record each exporter-toolkit field present in section that this server cannot honour."""
    for key, reason in reasons.items():
        if key in section:
            check.problems.append(f"{f'{path}.' if path else ''}{key}: {reason}")


def _tls_context(
    tls: Mapping[str, Any], base: Path, problems: list[str]
) -> ssl.SSLContext | None:
    """Build the server SSLContext, or None when tls_server_config is absent or broken."""
    if not tls:
        return None
    before = len(problems)
    cert = _tls_file(tls, "cert_file", base, problems)
    key = _tls_file(tls, "key_file", base, problems)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    _versions(context, tls, problems)
    _client_auth(context, tls, base, problems)
    _cipher_suites(context, tls.get("cipher_suites"), problems)
    _server_preference(context, tls.get("prefer_server_cipher_suites"), problems)
    if cert is not None and key is not None:
        _certificate(context, cert, key, problems)
    return context if len(problems) == before else None


def _tls_file(tls: Mapping[str, Any], name: str, base: Path, problems: list[str]) -> Path | None:
    """Return the readable file tls[name] names, relative to base, or None after recording why."""
    value = tls.get(name)
    if value is None or value == "":
        problems.append(f"tls_server_config.{name}: required when TLS is configured")
        return None
    if not isinstance(value, str):
        problems.append(f"tls_server_config.{name}: must be a file path")
        return None
    path = base / value
    problem = _unreadable(path)
    if problem:
        problems.append(f"tls_server_config.{name}: {problem}")
        return None
    return path


def _unreadable(path: Path) -> str | None:
    """Return why path cannot be opened for reading, or None when it can."""
    try:
        with path.open("rb"):
            return None
    except FileNotFoundError:
        return f"file not found: {path}"
    except OSError as error:
        return f"cannot read {path}: {error.strerror}"


def _versions(context: ssl.SSLContext, tls: Mapping[str, Any], problems: list[str]) -> None:
    """Apply min_version and max_version (defaults TLS12 and TLS13)."""
    low = _version(tls, "min_version", "TLS12", problems)
    high = _version(tls, "max_version", "TLS13", problems)
    if low is None or high is None:
        return
    if low > high:
        problems.append("tls_server_config.min_version: is above max_version")
        return
    context.minimum_version, context.maximum_version = low, high


def _version(
    tls: Mapping[str, Any], name: str, default: str, problems: list[str]
) -> ssl.TLSVersion | None:
    """Return the TLS version tls[name] names, or None after recording why it is invalid."""
    value = tls.get(name)
    value = default if value is None else value
    if isinstance(value, str) and value in TLS_VERSIONS:
        return TLS_VERSIONS[value]
    problems.append(f"tls_server_config.{name}: must be one of {sorted(TLS_VERSIONS)}")
    return None


def _client_auth(
    context: ssl.SSLContext, tls: Mapping[str, Any], base: Path, problems: list[str]
) -> None:
    """Apply client_auth_type, loading client_ca_file where the policy needs or allows it."""
    value = tls.get("client_auth_type")
    auth_type = "NoClientCert" if value in (None, "") else value
    if not isinstance(auth_type, str) or auth_type not in CLIENT_AUTH:
        problems.append(f"tls_server_config.client_auth_type: must be one of {sorted(CLIENT_AUTH)}")
        return
    context.verify_mode = CLIENT_AUTH[auth_type]
    has_ca = tls.get("client_ca_file") not in (None, "")
    if has_ca and auth_type == "NoClientCert":
        problems.append("tls_server_config.client_ca_file: set, but client_auth_type is "
                        "NoClientCert")
    elif not has_ca and auth_type in CLIENT_AUTH_NEEDING_CA:
        problems.append(f"tls_server_config.client_ca_file: required with {auth_type}")
    elif has_ca:
        ca = _tls_file(tls, "client_ca_file", base, problems)
        if ca is not None and not _load_ca(context, ca):
            problems.append(f"tls_server_config.client_ca_file: no PEM certificate in {ca}")


def _load_ca(context: ssl.SSLContext, path: Path) -> bool:
    """Load PEM certificates from path as trust anchors; return whether any loaded."""
    try:
        context.load_verify_locations(cafile=path)
    except ssl.SSLError:
        return False
    return True


def _cipher_suites(context: ssl.SSLContext, value: Any, problems: list[str]) -> None:
    """Restrict TLS 1.2 to the named Go cipher suites, in order; empty keeps the defaults."""
    if not value:
        return
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        problems.append("tls_server_config.cipher_suites: must be a list of cipher suite names")
        return
    unknown = [name for name in value
               if name not in CIPHER_SUITES and name not in TLS13_CIPHER_SUITES]
    problems.extend(f"tls_server_config.cipher_suites: unknown cipher suite {name!r}"
                    for name in unknown)
    openssl_names = [CIPHER_SUITES[name] for name in value if name in CIPHER_SUITES]
    if unknown:
        return
    if not openssl_names:
        context.minimum_version = ssl.TLSVersion.TLSv1_3
        return
    try:
        context.set_ciphers(":".join(openssl_names))
    except ssl.SSLError:
        problems.append("tls_server_config.cipher_suites: none is available in this OpenSSL")


def _server_preference(context: ssl.SSLContext, value: Any, problems: list[str]) -> None:
    """Apply prefer_server_cipher_suites (default true): pick by our order, not the client's."""
    if value is None:
        return
    if not isinstance(value, bool):
        problems.append("tls_server_config.prefer_server_cipher_suites: must be true or false")
    elif value:
        context.options |= ssl.OP_CIPHER_SERVER_PREFERENCE
    else:
        context.options &= ~ssl.OP_CIPHER_SERVER_PREFERENCE


def _certificate(context: ssl.SSLContext, cert: Path, key: Path, problems: list[str]) -> None:
    """Load the certificate chain and key, naming the file at fault but quoting neither."""
    if not _load_ca(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT), cert):
        problems.append(f"tls_server_config.cert_file: no PEM certificate in {cert}")
        return
    try:
        context.load_cert_chain(cert, key, password=_refuse_passphrase)
    except _EncryptedKeyError:
        problems.append(f"tls_server_config.key_file: {key} is encrypted; "
                        "an unencrypted private key is needed")
    except ssl.SSLError as error:
        why = ("the private key does not match the certificate"
               if error.reason in KEY_MISMATCH_REASONS else f"no PEM private key in {key}")
        problems.append(f"tls_server_config.key_file: cannot load cert_file/key_file pair: {why}")


def _refuse_passphrase() -> bytes:
    """Fail instead of letting OpenSSL prompt on the terminal for a passphrase."""
    raise _EncryptedKeyError


def _http(http: Mapping[str, Any], check: Validator) -> dict[str, str]:
    """Validate http_server_config; return the extra response headers it sets."""
    if http.get("http2") is not None and not isinstance(http["http2"], bool):
        check.problems.append("http_server_config.http2: must be true or false")
    path = "http_server_config.headers"
    headers = check.mapping(http.get("headers"), path, set(HEADERS))
    problems = check.problems
    return {name: value for name, value in headers.items()
            if name in HEADERS and _header_ok(f"{path}.{name}", HEADERS[name], value, problems)}


def _header_ok(path: str, allowed: frozenset[str] | None, value: Any, problems: list[str]) -> bool:
    """Return whether a header value is set and valid; blank means unset."""
    if value is None or value == "":
        return False
    if not isinstance(value, str) or not (value.isascii() and value.isprintable()):
        problems.append(f"{path}: must be printable ASCII on one line")
    elif allowed is not None and value not in allowed:
        problems.append(f"{path}: must be one of {sorted(allowed)}")
    else:
        return True
    return False


def _users(value: Any, problems: list[str]) -> dict[str, bytes]:
    """Validate basic_auth_users, never echoing a hash, and return user -> hash."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        problems.append("basic_auth_users: must map user names to bcrypt hashes")
        return {}
    users: dict[str, bytes] = {}
    for user, hashed in value.items():
        problem = _user_problem(str(user), hashed)
        if problem:
            problems.append(problem)
        else:
            users[str(user)] = hashed.encode()
    return users


def _user_problem(user: str, hashed: Any) -> str | None:
    """Describe what is wrong with one basic_auth_users entry, quoting no hash."""
    if _is_bcrypt(user.encode()):
        return "basic_auth_users: a user name is a bcrypt hash (are name and hash swapped?)"
    if ":" in user:
        return f"basic_auth_users.{user}: a user name cannot contain ':' in Basic auth"
    if not isinstance(hashed, str) or not _is_bcrypt(hashed.encode()):
        return (f"basic_auth_users.{user}: not a bcrypt hash "
                "($2a$, $2b$ or $2y$, cost 04-31, as htpasswd -nB makes)")
    return None
