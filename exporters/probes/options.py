"""Option pieces several probe kinds share: IP protocol choice, TLS config, regex lists."""

import os
import re
import socket
import ssl
from dataclasses import dataclass
from typing import Any

from exporters.validation import Validator

IP_PROTOCOLS = {"ip4": socket.AF_INET, "ip6": socket.AF_INET6}


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
    """blackbox's tls_config: skip verification, or verify against a CA file."""

    insecure_skip_verify: bool = False
    ca_file: str | None = None

    def context(self) -> ssl.SSLContext:
        """Return a client context enforcing this config."""
        context = ssl.create_default_context(cafile=self.ca_file)
        if self.insecure_skip_verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context


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
    """Validate a tls_config mapping; ca_file must be a readable file."""
    raw = check.mapping(value, path, {"insecure_skip_verify", "ca_file"})
    ca_file = raw.get("ca_file")
    if ca_file is not None and (not isinstance(ca_file, str) or not os.path.isfile(ca_file)):
        check.problems.append(f"{path}.ca_file: must be a readable file, got {ca_file!r}")
        ca_file = None
    return TLSConfig(
        insecure_skip_verify=parse_bool(
            check, raw.get("insecure_skip_verify"), f"{path}.insecure_skip_verify", False
        ),
        ca_file=ca_file,
    )


def parse_regexes(check: Validator, value: Any, path: str) -> tuple[re.Pattern[str], ...]:
    """Return a list of compiled regular expressions, recording each bad entry."""
    if value is None:
        return ()
    if not isinstance(value, list):
        check.problems.append(f"{path}: must be a list of regular expressions")
        return ()
    patterns = []
    for index, item in enumerate(value):
        if not isinstance(item, str):
            check.problems.append(f"{path}[{index}]: must be a regular expression, got {item!r}")
            continue
        known = len(check.problems)
        pattern = check.regex(item, f"{path}[{index}]", "")
        if len(check.problems) == known:
            patterns.append(re.compile(pattern))
    return tuple(patterns)
