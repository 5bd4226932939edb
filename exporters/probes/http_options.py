"""The http prober's options, blackbox_exporter's names and meanings, validated with paths."""

import re
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
)
from exporters.secrets import SecretRef, parse_secret
from exporters.validation import Validator

FIELDS = {
    "valid_status_codes", "method", "headers", "body", "fail_if_body_matches_regexp",
    "fail_if_body_not_matches_regexp", "fail_if_header_matches", "fail_if_header_not_matches",
    "no_follow_redirects", "fail_if_ssl", "fail_if_not_ssl", "preferred_ip_protocol",
    "ip_protocol_fallback", "tls_config", "body_size_limit",
}
METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"}
HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
DEFAULT_BODY_SIZE_LIMIT = 10 * 1024 * 1024


@dataclass(frozen=True)
class HeaderMatch:
    """A fail_if_header_(not_)matches rule."""

    header: str
    regexp: re.Pattern[str]
    allow_missing: bool = False


@dataclass(frozen=True)
class HTTPOptions:
    """How an http module probes: request, expectations, redirects, TLS."""

    valid_status_codes: tuple[int, ...] = ()
    method: str = "GET"
    headers: tuple[tuple[str, SecretRef], ...] = ()
    body: str = ""
    fail_if_body_matches_regexp: tuple[re.Pattern[str], ...] = ()
    fail_if_body_not_matches_regexp: tuple[re.Pattern[str], ...] = ()
    fail_if_header_matches: tuple[HeaderMatch, ...] = ()
    fail_if_header_not_matches: tuple[HeaderMatch, ...] = ()
    no_follow_redirects: bool = False
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


def parse_http_options(check: Validator, value: Any, path: str) -> HTTPOptions:
    """Validate an http module's options, recording every problem with its full path."""
    raw = check.mapping(value, path, FIELDS)
    method = parse_string(check, raw.get("method"), f"{path}.method", "GET").upper()
    if method not in METHODS:
        check.problems.append(f"{path}.method: must be one of {', '.join(sorted(METHODS))}")
        method = "GET"
    return HTTPOptions(
        valid_status_codes=_status_codes(check, raw.get("valid_status_codes"), path),
        method=method,
        headers=parse_headers(check, raw.get("headers"), f"{path}.headers"),
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


def parse_headers(check: Validator, value: Any, path: str) -> tuple[tuple[str, SecretRef], ...]:
    """Return the headers; values must be `{env: NAME}` / `{file: PATH}` references."""
    if value is None:
        return ()
    if not isinstance(value, dict):
        check.problems.append(f"{path}: must be a mapping of header name to {{env|file}} reference")
        return ()
    headers = []
    for name, item in value.items():
        if not isinstance(name, str) or not HEADER_NAME.match(name):
            check.problems.append(f"{path}: bad header name {name!r}")
            continue
        ref = parse_secret(check, item, f"{path}.{name}")
        if ref is not None:
            headers.append((name, ref))
    return tuple(headers)


def _header_matches(check: Validator, value: Any, path: str) -> tuple[HeaderMatch, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        check.problems.append(f"{path}: must be a list of {{header, regexp, allow_missing}}")
        return ()
    rules = []
    for index, item in enumerate(value):
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
