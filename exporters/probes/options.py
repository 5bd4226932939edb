"""Option pieces several probe kinds share: IP protocol choice, TLS config, regex lists."""

import ipaddress
import os
import re
import socket
import ssl
import warnings
from dataclasses import dataclass
from typing import Any

from exporters.validation import Validator

IP_PROTOCOLS = {"ip4": socket.AF_INET, "ip6": socket.AF_INET6}
TLS_FIELDS = {
    "insecure_skip_verify", "ca_file", "cert_file", "key_file", "server_name", "min_version",
    "max_version",
}
# Prometheus' common TLS config names for min_version / max_version, oldest first
TLS_VERSIONS = {
    "TLS10": ssl.TLSVersion.TLSv1, "TLS11": ssl.TLSVersion.TLSv1_1,
    "TLS12": ssl.TLSVersion.TLSv1_2, "TLS13": ssl.TLSVersion.TLSv1_3,
}
# TLS 1.0 and 1.1 are deprecated, and a config asking for them is heard: filtered once, here,
# as catch_warnings() around each handshake would swap process-wide state under other threads
warnings.filterwarnings(
    "ignore", r"ssl\.TLSVersion\.TLSv1(_1)? is deprecated", DeprecationWarning
)
HOST_NAME = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$")


@dataclass(frozen=True)
class IPProtocol:
    """blackbox's preferred_ip_protocol (default ip6) and ip_protocol_fallback (default on)."""

    preferred: str = "ip6"
    fallback: bool = True

    def versions(self) -> tuple[int, ...]:
        """Return the IP versions to resolve: both when falling back, else the preferred one."""
        preferred = 6 if self.preferred == "ip6" else 4
        return (preferred, 10 - preferred) if self.fallback else (preferred,)

    def order(self, addresses: list[str]) -> list[str]:
        """Return the addresses to try: the preferred family first, the other only as fallback."""
        wanted = [ip for ip in addresses if (":" in ip) == (self.preferred == "ip6")]
        others = [ip for ip in addresses if ip not in wanted]
        return wanted + others if self.fallback else wanted


@dataclass(frozen=True)
class TLSConfig:
    """blackbox's tls_config: verification (CA file or none), client certificate, server name."""

    insecure_skip_verify: bool = False
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    server_name: str | None = None
    min_version: str | None = None  # a TLS_VERSIONS key; None: the TLS library's own bounds
    max_version: str | None = None

    def context(self) -> ssl.SSLContext:
        """Return a client context enforcing this config."""
        context = ssl.create_default_context(cafile=self.ca_file)
        if self.min_version is not None:
            context.minimum_version = TLS_VERSIONS[self.min_version]
        if self.max_version is not None:
            context.maximum_version = TLS_VERSIONS[self.max_version]
        if self.insecure_skip_verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        if self.cert_file is not None:
            context.load_cert_chain(self.cert_file, self.key_file, password=_no_password)
        return context

    def server_hostname(self, host: str) -> str:
        """Return the name to send (SNI) and verify the certificate against: server_name or host."""
        return self.server_name or host


def parse_bool(check: Validator, value: Any, path: str, default: bool) -> bool:
    """Return a boolean option, or the default after recording why not."""
    if value is None:
        return default
    if not isinstance(value, bool):
        check.problems.append(f"{path}: must be true or false, got {value!r}")
        return default
    return value


def parse_string(check: Validator, value: Any, path: str, default: str) -> str:
    """Return a string option, or the default after recording why not."""
    if value is None:
        return default
    if not isinstance(value, str):
        check.problems.append(f"{path}: must be a string, got {value!r}")
        return default
    return value


def parse_ip_protocol(check: Validator, raw: Any, path: str) -> IPProtocol:
    """Read preferred_ip_protocol and ip_protocol_fallback from a kind's options mapping."""
    preferred = raw.get("preferred_ip_protocol", "ip6")
    if preferred not in IP_PROTOCOLS:
        check.problems.append(
            f"{path}.preferred_ip_protocol: must be ip4 or ip6, got {preferred!r}"
        )
        preferred = "ip6"
    fallback = parse_bool(
        check, raw.get("ip_protocol_fallback"), f"{path}.ip_protocol_fallback", True
    )
    return IPProtocol(preferred, fallback)


def parse_tls_config(check: Validator, value: Any, path: str) -> TLSConfig:
    """Validate a tls_config mapping: readable files, a client cert with its key, a host name."""
    raw = check.mapping(value, path, TLS_FIELDS)
    cert_file, key_file = (_file(check, raw, key, path) for key in ("cert_file", "key_file"))
    if (raw.get("cert_file") is None) != (raw.get("key_file") is None):
        check.problems.append(f"{path}: cert_file and key_file go together, give both or neither")
    elif cert_file is not None and key_file is not None:
        _check_client_certificate(check, cert_file, key_file, path)
    return TLSConfig(
        insecure_skip_verify=parse_bool(
            check, raw.get("insecure_skip_verify"), f"{path}.insecure_skip_verify", False
        ),
        ca_file=_file(check, raw, "ca_file", path),
        cert_file=cert_file,
        key_file=key_file,
        server_name=_server_name(check, raw.get("server_name"), f"{path}.server_name"),
        **_version_bounds(check, raw, path),
    )


def _version_bounds(check: Validator, raw: Any, path: str) -> dict[str, str | None]:
    """Return min_version and max_version (TLS10 to TLS13), the lower not above the higher."""
    bounds: dict[str, str | None] = {}
    for key in ("min_version", "max_version"):
        value = raw.get(key)
        if value is not None and value not in TLS_VERSIONS:
            check.problems.append(
                f"{path}.{key}: must be one of {', '.join(TLS_VERSIONS)}, got {value!r}"
            )
            value = None
        bounds[key] = value
    low, high = bounds["min_version"], bounds["max_version"]
    if low is not None and high is not None and TLS_VERSIONS[low] > TLS_VERSIONS[high]:
        check.problems.append(f"{path}: min_version {low} is above max_version {high}")
    return bounds


def _file(check: Validator, raw: Any, key: str, path: str) -> str | None:
    """Return the readable file a tls_config key names, or None after recording why not."""
    value = raw.get(key)
    if value is not None and (not isinstance(value, str) or not os.path.isfile(value)):
        check.problems.append(f"{path}.{key}: must be a readable file, got {value!r}")
        return None
    return value


def _check_client_certificate(check: Validator, cert_file: str, key_file: str, path: str) -> None:
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_cert_chain(
            cert_file, key_file, password=_no_password
        )
    except OSError as error:  # ssl.SSLError included
        reason = getattr(error, "reason", None) or error.strerror or str(error)
        check.problems.append(
            f"{path}: cert_file and key_file must be a PEM certificate and its unencrypted key"
            f" ({reason})"
        )


def _no_password() -> bytes:
    """Answer an encrypted key's password prompt with nothing (never wait on a terminal)."""
    return b""


def _server_name(check: Validator, value: Any, path: str) -> str | None:
    name = parse_string(check, value, path, "")
    if not name:
        return None
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        pass
    if not HOST_NAME.match(name):
        check.problems.append(f"{path}: must be a host name or IP address, got {name!r}")
        return None
    return name


def parse_regexes(check: Validator, value: Any, path: str) -> tuple[re.Pattern[str], ...]:
    """Return a list of compiled regular expressions, recording each bad entry."""
    patterns = []
    for index, item in enumerate(check.sequence(value, path, "regular expressions")):
        if not isinstance(item, str):
            check.problems.append(f"{path}[{index}]: must be a regular expression, got {item!r}")
            continue
        known = len(check.problems)
        pattern = check.regex(item, f"{path}[{index}]", "")
        if len(check.problems) == known:
            patterns.append(re.compile(pattern))
    return tuple(patterns)


def sends_client_certificate(options: Any) -> bool:
    """Tell whether a module presents a client certificate (tls_config.cert_file)."""
    return options.tls_config.cert_file is not None
