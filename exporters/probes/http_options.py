"""The http prober's options, blackbox_exporter's names and meanings, validated with paths."""

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from exporters.probes.options import (
    IPProtocol,
    TLSConfig,
    parse_bool,
    parse_ip_protocol,
    parse_regexes,
    parse_string,
    parse_tls_config,
    sends_client_certificate,
)
from exporters.secrets import SecretRef, breaks_a_line, parse_secret, reveal
from exporters.validation import Validator

FIELDS = {
    "valid_status_codes", "valid_http_versions", "method", "headers", "body",
    "fail_if_body_matches_regexp", "fail_if_body_not_matches_regexp", "fail_if_header_matches",
    "fail_if_header_not_matches", "no_follow_redirects", "fail_if_ssl", "fail_if_not_ssl",
    "preferred_ip_protocol", "ip_protocol_fallback", "tls_config", "body_size_limit",
    "basic_auth", "bearer_token", "bearer_token_file", "authorization", "enable_http2",
}
HTTP_VERSIONS = ("HTTP/1.0", "HTTP/1.1", "HTTP/2.0", "HTTP/3.0")  # as Go's Response.Proto
METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"}
HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
# header names whose values are credentials: these take {env}/{file} references only
CREDENTIAL_HEADER = re.compile(r"auth|cookie|token|key|secret|passw|session|signature", re.I)
DEFAULT_BODY_SIZE_LIMIT = 10 * 1024 * 1024


@dataclass(frozen=True)
class HeaderMatch:
    """A fail_if_header_(not_)matches rule."""

    header: str
    regexp: re.Pattern[str]
    allow_missing: bool = False


@dataclass(frozen=True)
class BasicAuth:
    """basic_auth: a username (plain or a reference) and a password by reference."""

    username: str | SecretRef = ""
    password: SecretRef | None = None

    def header(self, secrets: list[str]) -> str:
        """Return the Authorization value; add what it reveals to secrets (LookupError if unset)."""
        username = reveal(self.username, secrets) or ""
        password = reveal(self.password, secrets) or ""
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        secrets.append(token)
        return f"Basic {token}"


@dataclass(frozen=True)
class Authorization:
    """authorization (and bearer_token): a scheme, Bearer by default, credentials by reference."""

    credentials: SecretRef
    type: str = "Bearer"

    def header(self, secrets: list[str]) -> str:
        """Return the Authorization value; add what it reveals to secrets (LookupError if unset)."""
        return f"{self.type} {reveal(self.credentials, secrets)}"


Credentials = BasicAuth | Authorization
Header = tuple[str, str | SecretRef]


@dataclass(frozen=True)
class HTTPOptions:
    """How an http module probes: request, expectations, redirects, TLS."""

    valid_status_codes: tuple[int, ...] = ()
    valid_http_versions: tuple[str, ...] = ()
    method: str = "GET"
    headers: tuple[Header, ...] = ()
    authorization: Credentials | None = None
    body: str = ""
    fail_if_body_matches_regexp: tuple[re.Pattern[str], ...] = ()
    fail_if_body_not_matches_regexp: tuple[re.Pattern[str], ...] = ()
    fail_if_header_matches: tuple[HeaderMatch, ...] = ()
    fail_if_header_not_matches: tuple[HeaderMatch, ...] = ()
    no_follow_redirects: bool = False
    enable_http2: bool = True
    fail_if_ssl: bool = False
    fail_if_not_ssl: bool = False
    ip_protocol: IPProtocol = field(default_factory=IPProtocol)
    tls_config: TLSConfig = field(default_factory=TLSConfig)
    body_size_limit: int = DEFAULT_BODY_SIZE_LIMIT

    def status_ok(self, status: int) -> bool:
        """Tell whether a final status code counts as success (2xx unless listed)."""
        if self.valid_status_codes:
            return status in self.valid_status_codes
        return 200 <= status < 300

    def version_ok(self, version: str) -> bool:
        """Tell whether a final response's version (`HTTP/1.1`) counts as success."""
        return not self.valid_http_versions or version in self.valid_http_versions


def sends_credentials(options: HTTPOptions) -> bool:
    """Tell whether a module sends credentials: headers, an Authorization, a client certificate."""
    return (
        sends_headers(options) or options.authorization is not None
        or sends_client_certificate(options)
    )


def parse_http_options(check: Validator, value: Any, path: str) -> HTTPOptions:
    """Validate an http module's options, recording every problem with its full path."""
    raw = check.mapping(value, path, FIELDS)
    method = parse_string(check, raw.get("method"), f"{path}.method", "GET").upper()
    if method not in METHODS:
        check.problems.append(f"{path}.method: must be one of {', '.join(sorted(METHODS))}")
        method = "GET"
    headers = parse_headers(check, raw.get("headers"), f"{path}.headers")
    authorization = parse_authorization(check, raw, path)
    if authorization is not None and any(name.lower() == "authorization" for name, _ in headers):
        check.problems.append(
            f"{path}.headers.Authorization: conflicts with the module's"
            " basic_auth, bearer_token or authorization"
        )
    return HTTPOptions(
        valid_status_codes=_status_codes(check, raw.get("valid_status_codes"), path),
        valid_http_versions=_http_versions(
            check, raw.get("valid_http_versions"), f"{path}.valid_http_versions"
        ),
        method=method,
        headers=headers,
        authorization=authorization,
        body=parse_string(check, raw.get("body"), f"{path}.body", ""),
        fail_if_body_matches_regexp=parse_regexes(
            check, raw.get("fail_if_body_matches_regexp"), f"{path}.fail_if_body_matches_regexp"
        ),
        fail_if_body_not_matches_regexp=parse_regexes(
            check, raw.get("fail_if_body_not_matches_regexp"),
            f"{path}.fail_if_body_not_matches_regexp",
        ),
        fail_if_header_matches=_header_matches(
            check, raw.get("fail_if_header_matches"), f"{path}.fail_if_header_matches"
        ),
        fail_if_header_not_matches=_header_matches(
            check, raw.get("fail_if_header_not_matches"), f"{path}.fail_if_header_not_matches"
        ),
        no_follow_redirects=parse_bool(
            check, raw.get("no_follow_redirects"), f"{path}.no_follow_redirects", False
        ),
        enable_http2=parse_bool(check, raw.get("enable_http2"), f"{path}.enable_http2", True),
        fail_if_ssl=parse_bool(check, raw.get("fail_if_ssl"), f"{path}.fail_if_ssl", False),
        fail_if_not_ssl=parse_bool(
            check, raw.get("fail_if_not_ssl"), f"{path}.fail_if_not_ssl", False
        ),
        ip_protocol=parse_ip_protocol(check, raw, path),
        tls_config=parse_tls_config(check, raw.get("tls_config"), f"{path}.tls_config"),
        body_size_limit=check.positive_int(
            raw.get("body_size_limit"), f"{path}.body_size_limit", DEFAULT_BODY_SIZE_LIMIT
        ),
    )


def _status_codes(check: Validator, value: Any, path: str) -> tuple[int, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(
        isinstance(code, int) and not isinstance(code, bool) and 100 <= code <= 599
        for code in value
    ):
        check.problems.append(f"{path}.valid_status_codes: must be a list of HTTP status codes")
        return ()
    return tuple(value)


def _http_versions(check: Validator, value: Any, path: str) -> tuple[str, ...]:
    versions = []
    for index, item in enumerate(check.sequence(value, path, ", ".join(HTTP_VERSIONS))):
        if item in HTTP_VERSIONS:
            versions.append(item)
        else:
            check.problems.append(
                f"{path}[{index}]: must be one of {', '.join(HTTP_VERSIONS)}, got {item!r}"
            )
    return tuple(versions)


def parse_authorization(check: Validator, raw: Mapping[str, Any], path: str) -> Credentials | None:
    """Read basic_auth, bearer_token(_file) or authorization, at most one; secrets by reference."""
    given = {
        "basic_auth": raw.get("basic_auth") is not None,
        "bearer": raw.get("bearer_token") is not None or raw.get("bearer_token_file") is not None,
        "authorization": raw.get("authorization") is not None,
    }
    if sum(given.values()) > 1:
        check.problems.append(
            f"{path}: at most one of basic_auth, bearer_token / bearer_token_file and"
            " authorization"
        )
    found: list[Credentials | None] = []
    if given["basic_auth"]:
        found.append(_basic_auth(check, raw["basic_auth"], f"{path}.basic_auth"))
    if given["bearer"]:
        token = _secret_or_file(check, raw, "bearer_token", path)
        found.append(Authorization(token) if token is not None else None)
    if given["authorization"]:
        found.append(_authorization(check, raw["authorization"], f"{path}.authorization"))
    return next((credentials for credentials in found if credentials is not None), None)


def _basic_auth(check: Validator, value: Any, path: str) -> BasicAuth:
    raw = check.mapping(value, path, {"username", "username_file", "password", "password_file"})
    password = _secret_or_file(check, raw, "password", path)
    plain = raw.get("username")
    if not isinstance(plain, str):  # a reference, username_file (a path) or none
        return BasicAuth(_secret_or_file(check, raw, "username", path) or "", password)
    if raw.get("username_file") is not None:
        check.problems.append(f"{path}: at most one of username and username_file")
    return BasicAuth(plain, password)


def _authorization(check: Validator, value: Any, path: str) -> Authorization | None:
    raw = check.mapping(value, path, {"type", "credentials", "credentials_file"})
    scheme = parse_string(check, raw.get("type"), f"{path}.type", "Bearer")
    if scheme.lower() == "basic":
        check.problems.append(f"{path}.type: Basic is not allowed here, use basic_auth")
    elif not HEADER_NAME.match(scheme):
        check.problems.append(f"{path}.type: must be an authorization scheme, got {scheme!r}")
    credentials = _secret_or_file(check, raw, "credentials", path)
    if raw.get("credentials") is None and raw.get("credentials_file") is None:
        check.problems.append(f"{path}: needs credentials or credentials_file")
    return Authorization(credentials, scheme) if credentials is not None else None


def _secret_or_file(
    check: Validator, raw: Mapping[str, Any], key: str, path: str
) -> SecretRef | None:
    """Read `key` (an {env}/{file} reference) or `key_file` (a path, as {file: PATH}), not both."""
    ref, file = parse_secret(check, raw.get(key), f"{path}.{key}"), raw.get(f"{key}_file")
    if file is None:
        return ref
    if raw.get(key) is not None:
        check.problems.append(f"{path}: at most one of {key} and {key}_file")
        return None
    if not isinstance(file, str) or not file:
        check.problems.append(f"{path}.{key}_file: must be a file path, got {file!r}")
        return None
    return SecretRef(file=file)


def parse_headers(check: Validator, value: Any, path: str) -> tuple[Header, ...]:
    """Return the headers: plain values, or `{env}`/`{file}` references for credential ones."""
    if value is None:
        return ()
    if not isinstance(value, dict):
        check.problems.append(f"{path}: must be a mapping of header name to value")
        return ()
    headers: list[Header] = []
    for name, item in value.items():
        if not isinstance(name, str) or not HEADER_NAME.match(name):
            check.problems.append(f"{path}: bad header name {name!r}")
        elif isinstance(item, str) and breaks_a_line(item):
            check.problems.append(f"{path}.{name}: a header value is one line (no CR, LF or NUL)")
        elif isinstance(item, str) and not CREDENTIAL_HEADER.search(name):
            headers.append((name, item))
        elif (ref := parse_secret(check, item, f"{path}.{name}")) is not None:
            headers.append((name, ref))
    return tuple(headers)


def sends_headers(options: Any) -> bool:
    """Tell whether a module sends a header read from a reference (a credential, maybe)."""
    return any(isinstance(item, SecretRef) for _name, item in options.headers)


def _header_matches(check: Validator, value: Any, path: str) -> tuple[HeaderMatch, ...]:
    rules = []
    for index, item in enumerate(check.sequence(value, path, "{header, regexp, allow_missing}")):
        where = f"{path}[{index}]"
        raw = check.mapping(item, where, {"header", "regexp", "allow_missing"})
        header, known = raw.get("header"), len(check.problems)
        if not isinstance(header, str) or not HEADER_NAME.match(header):
            check.problems.append(f"{where}.header: must be a header name, got {header!r}")
        if not isinstance(raw.get("regexp"), str):
            check.problems.append(f"{where}.regexp: required, a regular expression")
        pattern = check.regex(raw.get("regexp"), f"{where}.regexp", "")
        allow_missing = parse_bool(check, raw.get("allow_missing"), f"{where}.allow_missing", False)
        if len(check.problems) == known:
            rules.append(HeaderMatch(str(header), re.compile(pattern), allow_missing))
    return tuple(rules)
