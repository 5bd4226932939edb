"""The `http` prober: one HTTP(S) request (plus redirects) timed phase by phase with libcurl.

libcurl's timers (NAMELOOKUP, CONNECT, APPCONNECT, STARTTRANSFER, TOTAL, in microseconds) are
taken inside the transfer at the moment each phase ends, so the phases are real: resolve,
connect, tls, processing (request sent until the first response byte) and transfer. Redirects
are followed here, not by libcurl: every hop's host is resolved here (the configured resolver or
the system's), its addresses pass the address guard, and libcurl is pinned to exactly those
addresses (CURLOPT_RESOLVE) and checks each socket's address again before opening it.
"""

import contextlib
import email.utils
import functools
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import pycurl
from prometheus_client.core import Metric

from exporters.multitarget.base import Module, Target, TransitionLog
from exporters.names import probe as names
from exporters.probes import guard
from exporters.probes.http_options import HTTPOptions
from exporters.probes.result import BUDGET_SHARE, ProbeResult
from exporters.probes.tls import Certificate, decode_certificate, record_tls
from exporters.secrets import redact, reveal

MAX_REDIRECTS = 10
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
HTTP_VERSIONS = {
    pycurl.CURL_HTTP_VERSION_1_0: 1.0, pycurl.CURL_HTTP_VERSION_1_1: 1.1,
    pycurl.CURL_HTTP_VERSION_2_0: 2.0, pycurl.CURL_HTTP_VERSION_3: 3.0,
}
TLS_DEBUG_PREFIX = "SSL connection using "
# tls_config's min_version / max_version (TLS_VERSIONS' keys) as libcurl's SSLVERSION bits:
# (as the lowest, as the highest); absent, libcurl's own bound holds
CURL_TLS = {
    "TLS10": (pycurl.SSLVERSION_TLSv1_0, pycurl.SSLVERSION_MAX_TLSv1_0),
    "TLS11": (pycurl.SSLVERSION_TLSv1_1, pycurl.SSLVERSION_MAX_TLSv1_1),
    "TLS12": (pycurl.SSLVERSION_TLSv1_2, pycurl.SSLVERSION_MAX_TLSv1_2),
    "TLS13": (pycurl.SSLVERSION_TLSv1_3, pycurl.SSLVERSION_MAX_TLSv1_3),
}


@dataclass
class Hop:
    """What one request of a probe saw."""

    phases: dict[str, float] = field(default_factory=dict)
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: BytesIO = field(default_factory=BytesIO)
    body_length: int = 0
    content_length: int = -1
    http_version: float = 0.0
    ip: str = ""
    certificates: list[Certificate] = field(default_factory=list)
    tls_version: str = ""
    refusal: str | None = None
    error: str | None = None


class HTTPProber:
    """Probe http(s) URLs for one module."""

    def __init__(self, module: Module) -> None:
        self._options: HTTPOptions = module.options
        self._log = TransitionLog(module.kind)

    def probe(self, target: Target, timeout_seconds: float) -> list[Metric]:
        """Run the request (and its redirects); report blackbox_exporter's families."""
        started = time.monotonic()
        result = ProbeResult()
        error = self._probe(target.address, started + timeout_seconds * BUDGET_SHARE, result)
        self._log.report(target, error)
        return result.families(time.monotonic() - started)

    def close(self) -> None:
        """Release nothing: every probe opens and closes its own connection."""

    def _probe(self, address: str, deadline: float, result: ProbeResult) -> str | None:
        options = self._options
        url = address if "://" in address else f"http://{address}"
        method, body = options.method, options.body
        phases = dict.fromkeys(names.HTTP_PHASES, 0.0)
        hops: list[Hop] = []
        target_origin = guard.url_origin(url)
        # read once per probe, on the first request to the origin; what they reveal is redacted
        secrets: list[str] = []
        origin_headers = functools.cache(lambda: self._headers(secrets))
        while True:
            # configured headers and credentials (Authorization, client certificate) go to the
            # target's origin only: a redirect elsewhere is followed without them, as browsers
            # and Go's client do; tls_config.server_name is the target's too, as in blackbox
            at_origin = guard.url_origin(url) == target_origin
            hop = self._request(url, method, body, deadline, origin_headers, at_origin=at_origin)
            hops.append(hop)
            for phase, seconds in hop.phases.items():
                phases[phase] += seconds
            location = hop.headers.get("location")
            if (
                hop.error or options.no_follow_redirects or hop.status not in REDIRECT_STATUSES
                or not location
            ):
                break
            if len(hops) > MAX_REDIRECTS:
                hop.error = f"more than {MAX_REDIRECTS} redirects"
                break
            url = urljoin(url, location)
            if hop.status == 303 or (hop.status in (301, 302) and method == "POST"):
                method, body = "GET", ""
            if urlsplit(url).scheme not in guard.WEB_PORTS:
                hop.error = f"redirect to {url}: not an http(s) URL"
                break
        final = hops[-1]
        self._record(result, hops, phases, url)
        if final.error is not None:
            return redact(final.error, secrets)
        return self._verdict(result, final, url)

    def _record(
        self, result: ProbeResult, hops: list[Hop], phases: dict[str, float], url: str
    ) -> None:
        first, final = hops[0], hops[-1]
        result.set(names.PROBE_DNS_LOOKUP_TIME_SECONDS, first.phases.get("resolve", 0.0))
        result.set(names.PROBE_FAILED_DUE_TO_REGEX, 0.0)
        if first.ip:
            result.set_address(first.ip)
        for phase, seconds in phases.items():
            result.set(names.PROBE_HTTP_DURATION_SECONDS, seconds, {names.LABEL_PHASE: phase})
        result.set(names.PROBE_HTTP_STATUS_CODE, final.status)
        result.set(names.PROBE_HTTP_VERSION, final.http_version)
        result.set(names.PROBE_HTTP_CONTENT_LENGTH, final.content_length)
        result.set(names.PROBE_HTTP_UNCOMPRESSED_BODY_LENGTH, final.body_length)
        result.set(names.PROBE_HTTP_REDIRECTS, len(hops) - 1)
        result.set(names.PROBE_HTTP_SSL, float(urlsplit(url).scheme == "https" and not final.error))
        last_modified = final.headers.get("last-modified")
        if last_modified:
            try:
                stamp = email.utils.parsedate_to_datetime(last_modified).timestamp()
                result.set(names.PROBE_HTTP_LAST_MODIFIED_TIMESTAMP_SECONDS, stamp)
            except (TypeError, ValueError):
                pass
        record_tls(result, final.certificates, final.tls_version)

    def _verdict(self, result: ProbeResult, final: Hop, url: str) -> str | None:
        """Apply the module's expectations to the final response; return the failure, if any."""
        options = self._options
        text = final.body.getvalue().decode("utf-8", errors="replace")
        regex_failure = next(
            (f"body matched {p.pattern!r}" for p in options.fail_if_body_matches_regexp
             if p.search(text)), None,
        ) or next(
            (f"body did not match {p.pattern!r}" for p in options.fail_if_body_not_matches_regexp
             if not p.search(text)), None,
        )
        result.set(names.PROBE_FAILED_DUE_TO_REGEX, float(regex_failure is not None))
        https = urlsplit(url).scheme == "https"
        version = f"HTTP/{final.http_version:.1f}"
        failure = (
            (f"status {final.status} is not a valid status" if not options.status_ok(final.status)
             else None)
            or (f"{version} is not one of valid_http_versions" if not options.version_ok(version)
                else None)
            or ("TLS used and fail_if_ssl is set" if https and options.fail_if_ssl else None)
            or ("TLS not used and fail_if_not_ssl is set" if not https and options.fail_if_not_ssl
                else None)
            or _header_failure(options, final.headers)
            or regex_failure
        )
        result.success = failure is None
        return failure

    def _headers(self, secrets: list[str]) -> list[str]:
        """Return the configured headers and Authorization, read now; LookupError says which."""
        options = self._options
        with _unavailable("header value"):
            headers = [f"{name}: {reveal(item, secrets)}" for name, item in options.headers]
        if options.authorization is not None:
            with _unavailable("credentials"):
                headers.append(f"Authorization: {options.authorization.header(secrets)}")
        return headers

    def _request(
        self, url: str, method: str, body: str, deadline: float,
        origin_headers: Callable[[], list[str]], *, at_origin: bool,
    ) -> Hop:
        """Make one request with a fresh connection; never raise for the target's failures."""
        hop = Hop()
        remaining_ms = int((deadline - time.monotonic()) * 1000)
        if remaining_ms <= 0:
            hop.error = "timeout before the request started"
            return hop
        pinned = self._resolve(url, remaining_ms / 1000, hop)
        if hop.error is not None:
            return hop
        try:
            headers = origin_headers() if at_origin else []
            curl = self._curl(url, method, body, remaining_ms, hop, headers=headers,
                              at_origin=at_origin)
        except LookupError as error:
            hop.error = str(error)
            return hop
        if pinned:
            curl.setopt(pycurl.RESOLVE, [pinned])
        try:
            curl.perform()
        except pycurl.error as error:
            hop.error = hop.refusal or str(error.args[1] if len(error.args) > 1 else error)
        hop.status = int(curl.getinfo(pycurl.RESPONSE_CODE))
        resolve_seconds = hop.phases.get("resolve", 0.0)
        hop.phases = _phases(curl, responded=hop.status > 0)
        hop.phases["resolve"] += resolve_seconds
        hop.content_length = int(curl.getinfo(pycurl.CONTENT_LENGTH_DOWNLOAD_T))
        hop.http_version = HTTP_VERSIONS.get(curl.getinfo(pycurl.INFO_HTTP_VERSION), 0.0)
        hop.ip = str(curl.getinfo(pycurl.PRIMARY_IP) or hop.ip)
        if url.startswith("https"):
            hop.certificates = _certificates(curl.getinfo(pycurl.INFO_CERTINFO))
        curl.close()
        return hop

    def _resolve(self, url: str, timeout: float, hop: Hop) -> str:
        """Resolve and guard the URL's host; return libcurl's RESOLVE entry pinning the result."""
        host, port = guard.url_endpoint(url)
        started = time.monotonic()
        try:
            protocol = self._options.ip_protocol
            addresses = protocol.order(
                guard.active().resolve(host, port, timeout, protocol.versions())
            )
        except OSError as error:
            hop.error = f"resolving {host}: {error}"
            return ""
        finally:
            hop.phases["resolve"] = time.monotonic() - started
        if not addresses:
            hop.error = f"{host} has no address of the allowed IP protocol"
            return ""
        reason = guard.first_refusal(guard.active(), host, addresses, port)
        if reason is not None:
            hop.error = guard.refusal(reason)
            return ""
        hop.ip = addresses[0]
        if host in addresses:
            return ""
        return f"{host}:{port}:" + ",".join(map(_bracketed, addresses))

    def _curl(
        self, url: str, method: str, body: str, timeout_ms: int, hop: Hop, *,
        headers: list[str], at_origin: bool,
    ) -> pycurl.Curl:
        options, host = self._options, urlsplit(url).hostname or ""
        curl = pycurl.Curl()
        curl.setopt(pycurl.URL, url)
        curl.setopt(pycurl.PROTOCOLS, pycurl.PROTO_HTTP | pycurl.PROTO_HTTPS)
        curl.setopt(pycurl.NOSIGNAL, 1)
        curl.setopt(pycurl.TIMEOUT_MS, timeout_ms)
        curl.setopt(pycurl.FRESH_CONNECT, 1)
        curl.setopt(pycurl.FORBID_REUSE, 1)
        curl.setopt(pycurl.ACCEPT_ENCODING, "")
        curl.setopt(pycurl.PROXY, "")  # never through a proxy from the environment
        if not options.ip_protocol.fallback:
            curl.setopt(pycurl.IPRESOLVE, pycurl.IPRESOLVE_V4 if options.ip_protocol.preferred
                        == "ip4" else pycurl.IPRESOLVE_V6)
        if not options.enable_http2:  # else libcurl offers h2 in TLS's ALPN, as Go's client does
            curl.setopt(pycurl.HTTP_VERSION, pycurl.CURL_HTTP_VERSION_1_1)
        if method == "HEAD":
            curl.setopt(pycurl.NOBODY, 1)
        elif method != "GET":
            curl.setopt(pycurl.CUSTOMREQUEST, method)
        if body:
            curl.setopt(pycurl.POSTFIELDS, body)
        curl.setopt(pycurl.WRITEFUNCTION, lambda chunk: _keep(hop, chunk, options.body_size_limit))
        curl.setopt(pycurl.HEADERFUNCTION, lambda line: _header(hop, line))
        curl.setopt(pycurl.OPENSOCKETFUNCTION, lambda _purpose, address: _open(hop, host, address))
        if url.startswith("https"):
            named_host = self._tls(curl, url, hop, at_origin=at_origin)
            if not any(line.lower().startswith("host:") for line in headers):
                headers = headers + named_host  # a configured Host header wins, as in blackbox
        curl.setopt(pycurl.HTTPHEADER, headers)
        return curl

    def _tls(self, curl: pycurl.Curl, url: str, hop: Hop, *, at_origin: bool) -> list[str]:
        """Set the TLS options; return the headers they add (Host, when server_name is used)."""
        tls = self._options.tls_config
        curl.setopt(pycurl.OPT_CERTINFO, 1)
        lowest = CURL_TLS[tls.min_version][0] if tls.min_version else pycurl.SSLVERSION_DEFAULT
        highest = CURL_TLS[tls.max_version][1] if tls.max_version else pycurl.SSLVERSION_MAX_DEFAULT
        curl.setopt(pycurl.SSLVERSION, lowest | highest)
        curl.setopt(pycurl.SSL_VERIFYPEER, 0 if tls.insecure_skip_verify else 1)
        curl.setopt(pycurl.SSL_VERIFYHOST, 0 if tls.insecure_skip_verify else 2)
        if tls.ca_file:
            curl.setopt(pycurl.CAINFO, tls.ca_file)
        curl.setopt(pycurl.VERBOSE, 1)
        curl.setopt(pycurl.DEBUGFUNCTION, lambda kind, text: _tls_version(hop, kind, text))
        if not at_origin:
            return []
        if tls.cert_file is not None and tls.key_file is not None:
            curl.setopt(pycurl.SSLCERT, tls.cert_file)
            curl.setopt(pycurl.SSLKEY, tls.key_file)
            curl.setopt(pycurl.KEYPASSWD, "")  # an encrypted key fails, never prompts
        if tls.server_name is None:
            return []
        return _address_as(curl, url, tls.server_name)


def _address_as(curl: pycurl.Curl, url: str, server_name: str) -> list[str]:
    """Name server_name in the URL (SNI, certificate check) but connect to the URL's own host.

    libcurl connects to the URL's host (CONNECT_TO), which the caller pinned to its guarded
    addresses, and the request keeps that host in its Host header; return that header.
    """
    parts = urlsplit(url)
    host, port = guard.url_endpoint(url)
    userinfo, at, host_port = parts.netloc.rpartition("@")
    named = f"{_bracketed(server_name)}:{port}"
    curl.setopt(pycurl.URL, urlunsplit(parts._replace(netloc=f"{userinfo}{at}{named}")))
    curl.setopt(pycurl.CONNECT_TO, [f"{named}:{_bracketed(host)}:{port}"])
    return [f"Host: {host_port}"]


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host


@contextlib.contextmanager
def _unavailable(what: str) -> Iterator[None]:
    """Reword a secret's LookupError as `<what> unavailable: <why>` (never the value)."""
    try:
        yield
    except LookupError as error:
        raise LookupError(f"{what} unavailable: {error}") from None


def _open(hop: Hop, host: str, address: Any) -> Any:
    """Open libcurl's socket only when the guard accepts the exact address it will connect to."""
    family, socktype, protocol, sockaddr = address
    reason = guard.active().check_address(host, sockaddr[0], sockaddr[1])
    if reason is not None:
        hop.refusal = guard.refusal(reason)
        return pycurl.SOCKET_BAD
    return socket.socket(family, socktype, protocol)


def _keep(hop: Hop, chunk: bytes, limit: int) -> int | None:
    hop.body_length += len(chunk)
    if hop.body.tell() < limit:
        hop.body.write(chunk[: limit - hop.body.tell()])
    return None


def _header(hop: Hop, line: bytes) -> None:
    text = line.decode("iso-8859-1").rstrip("\r\n")
    if text.startswith("HTTP/"):
        hop.headers.clear()
    elif ":" in text:
        name, value = text.split(":", 1)
        hop.headers[name.strip().lower()] = value.strip()


def _tls_version(hop: Hop, kind: int, text: bytes) -> None:
    if kind == pycurl.INFOTYPE_TEXT and text.startswith(TLS_DEBUG_PREFIX.encode()):
        hop.tls_version = text[len(TLS_DEBUG_PREFIX):].split(b" ", 1)[0].decode()


def _phases(curl: pycurl.Curl, responded: bool) -> dict[str, float]:
    """Turn libcurl's cumulative timers (µs since the request started) into phase durations."""
    lookup, connect, tls_done, first_byte, total = (
        curl.getinfo(timer) / 1e6 for timer in (
            pycurl.NAMELOOKUP_TIME_T, pycurl.CONNECT_TIME_T, pycurl.APPCONNECT_TIME_T,
            pycurl.STARTTRANSFER_TIME_T, pycurl.TOTAL_TIME_T,
        )
    )
    connected = max(connect, lookup)
    ready = max(tls_done, connected)
    return {
        "resolve": lookup,
        "connect": connected - lookup,
        "tls": ready - connected if tls_done else 0.0,
        "processing": max(first_byte - ready, 0.0) if responded else 0.0,
        "transfer": max(total - first_byte, 0.0) if responded else 0.0,
    }


def _certificates(info: Any) -> list[Certificate]:
    certificates = []
    for fields in info or []:
        pem = dict(fields).get("Cert")
        if pem:
            certificates.append(decode_certificate(ssl.PEM_cert_to_DER_cert(pem)))
    return certificates


def _header_failure(options: HTTPOptions, headers: dict[str, str]) -> str | None:
    for rule in options.fail_if_header_matches:
        value = headers.get(rule.header.lower())
        if value is not None and rule.regexp.search(value):
            return f"header {rule.header} matched {rule.regexp.pattern!r}"
    for rule in options.fail_if_header_not_matches:
        value = headers.get(rule.header.lower())
        if value is None and not rule.allow_missing:
            return f"header {rule.header} is missing"
        if value is not None and not rule.regexp.search(value):
            return f"header {rule.header} did not match {rule.regexp.pattern!r}"
    return None
