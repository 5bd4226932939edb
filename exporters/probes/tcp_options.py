"""The `tcp` prober's options (blackbox's tcp module): what to send and expect, TLS, IP family."""

import re
from dataclasses import dataclass, field
from typing import Any

from exporters.probes.options import (
    IPProtocol,
    TLSConfig,
    parse_bool,
    parse_ip_protocol,
    parse_string,
    parse_tls_config,
)
from exporters.validation import Validator

FIELDS = {"query_response", "tls", "tls_config", "preferred_ip_protocol", "ip_protocol_fallback"}


@dataclass(frozen=True)
class Step:
    """One query_response entry: wait for a line matching expect, then send (may use ${1})."""

    expect: re.Pattern[str] | None = None
    send: str = ""
    starttls: bool = False


@dataclass(frozen=True)
class TCPOptions:
    """How a tcp module probes."""

    query_response: tuple[Step, ...] = ()
    tls: bool = False
    tls_config: TLSConfig = field(default_factory=TLSConfig)
    ip_protocol: IPProtocol = field(default_factory=IPProtocol)


def parse_tcp_options(check: Validator, value: Any, path: str) -> TCPOptions:
    """Validate a tcp module's options, recording every problem with its full path."""
    raw = check.mapping(value, path, FIELDS)
    steps = raw.get("query_response") or []
    if not isinstance(steps, list):
        check.problems.append(f"{path}.query_response: must be a list of {{expect, send}}")
        steps = []
    parsed = []
    for index, item in enumerate(steps):
        where = f"{path}.query_response[{index}]"
        step = check.mapping(item, where, {"expect", "send", "starttls"})
        expect = step.get("expect")
        if expect is not None and not isinstance(expect, str):
            check.problems.append(f"{where}.expect: must be a regular expression")
            expect = None
        pattern = check.regex(expect, f"{where}.expect", "")
        parsed.append(Step(
            expect=re.compile(pattern) if expect is not None else None,
            send=parse_string(check, step.get("send"), f"{where}.send", ""),
            starttls=parse_bool(check, step.get("starttls"), f"{where}.starttls", False),
        ))
    return TCPOptions(
        query_response=tuple(parsed),
        tls=parse_bool(check, raw.get("tls"), f"{path}.tls", False),
        tls_config=parse_tls_config(check, raw.get("tls_config"), f"{path}.tls_config"),
        ip_protocol=parse_ip_protocol(check, raw, path),
    )
