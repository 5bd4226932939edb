"""The `dns` prober: one query to the target resolver with dnspython, timed per phase."""

import socket
import time
from dataclasses import dataclass, field
from typing import Any

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
from prometheus_client.core import Metric

from exporters.multitarget.base import Module, ProberKind, Target, TransitionLog
from exporters.names import probe as names
from exporters.probes import guard
from exporters.probes.options import IPProtocol, parse_bool, parse_ip_protocol, parse_string
from exporters.probes.result import ProbeResult
from exporters.validation import Validator

FIELDS = {
    "query_name", "query_type", "transport", "valid_rcodes", "recursion_desired",
    "preferred_ip_protocol", "ip_protocol_fallback",
}
TRANSPORTS = ("udp", "tcp")


@dataclass(frozen=True)
class DNSOptions:
    """How a dns module queries its target resolver."""

    query_name: str = "example.com"
    query_type: str = "A"
    transport: str = "udp"
    valid_rcodes: tuple[str, ...] = ("NOERROR",)
    recursion_desired: bool = True
    ip_protocol: IPProtocol = field(default_factory=IPProtocol)


def parse_dns_options(check: Validator, value: Any, path: str) -> DNSOptions:
    """Validate a dns module's options, recording every problem with its full path."""
    raw = check.mapping(value, path, FIELDS)
    name = parse_string(check, raw.get("query_name"), f"{path}.query_name", "")
    if not name:
        check.problems.append(f"{path}.query_name: required, the name to query")
    query_type = parse_string(check, raw.get("query_type"), f"{path}.query_type", "A").upper()
    try:
        dns.rdatatype.from_text(query_type)
    except dns.exception.DNSException:
        check.problems.append(f"{path}.query_type: unknown record type {query_type!r}")
        query_type = "A"
    transport = parse_string(check, raw.get("transport"), f"{path}.transport", "udp")
    if transport not in TRANSPORTS:
        check.problems.append(f"{path}.transport: must be udp or tcp, got {transport!r}")
        transport = "udp"
    rcodes = raw.get("valid_rcodes", ["NOERROR"])
    if not isinstance(rcodes, list) or not rcodes:
        check.problems.append(f"{path}.valid_rcodes: must be a non-empty list of rcode names")
        rcodes = ["NOERROR"]
    for index, rcode in enumerate(rcodes):
        try:
            dns.rcode.from_text(str(rcode))
        except dns.exception.DNSException:
            check.problems.append(f"{path}.valid_rcodes[{index}]: unknown rcode {rcode!r}")
    return DNSOptions(
        query_name=name or "example.com",
        query_type=query_type,
        transport=transport,
        valid_rcodes=tuple(str(rcode).upper() for rcode in rcodes),
        recursion_desired=parse_bool(
            check, raw.get("recursion_desired"), f"{path}.recursion_desired", True
        ),
        ip_protocol=parse_ip_protocol(check, raw, path),
    )


class DNSProber:
    """Query target resolvers (`host` or `host:port`) for one module."""

    def __init__(self, module: Module) -> None:
        self._options: DNSOptions = module.options
        self._log = TransitionLog(module.kind)

    def probe(self, target: Target, timeout_seconds: float) -> list[Metric]:
        """Send the query; report blackbox_exporter's dns families."""
        started = time.monotonic()
        result = ProbeResult()
        result.set(names.PROBE_DNS_QUERY_SUCCEEDED, 0.0)
        phases = dict.fromkeys(names.DNS_PHASES, 0.0)
        try:
            error = self._query(target.address, started + timeout_seconds, result, phases)
        except (OSError, ValueError, dns.exception.DNSException) as failure:
            error = str(failure) or type(failure).__name__
        for phase, seconds in phases.items():
            result.set(names.PROBE_DNS_DURATION_SECONDS, seconds, {names.LABEL_PHASE: phase})
        result.set(names.PROBE_DNS_LOOKUP_TIME_SECONDS, phases["resolve"])
        self._log.report(target, error)
        result.success = error is None
        return result.families(time.monotonic() - started)

    def close(self) -> None:
        """Release nothing: every probe opens and closes its own connection."""

    def _query(
        self, address: str, deadline: float, result: ProbeResult, phases: dict[str, float]
    ) -> str | None:
        options = self._options
        host, port = guard.dns_endpoint(address)
        mark = time.monotonic()
        addresses = options.ip_protocol.order(
            guard.active().resolve(host, port, versions=options.ip_protocol.versions())
        )
        phases["resolve"] = time.monotonic() - mark
        if not addresses:
            return f"{host} has no address of the allowed IP protocol"
        ip = addresses[0]
        reason = guard.active().check_address(host, ip, port)
        if reason is not None:
            return f"refused by the address guard: {reason}"
        result.set_address(ip)
        query = dns.message.make_query(options.query_name, options.query_type)
        if not options.recursion_desired:
            query.flags &= ~dns.flags.RD
        family = socket.AF_INET6 if ":" in ip else socket.AF_INET
        kind = socket.SOCK_STREAM if options.transport == "tcp" else socket.SOCK_DGRAM
        with socket.socket(family, kind) as sock:
            sock.settimeout(max(deadline - time.monotonic(), 0.001))
            mark = time.monotonic()
            sock.connect((ip, port))
            phases["connect"] = time.monotonic() - mark
            mark = time.monotonic()
            timeout = max(deadline - time.monotonic(), 0.001)
            if options.transport == "tcp":
                response = dns.query.tcp(query, ip, timeout=timeout, port=port, sock=sock)
            else:
                response = dns.query.udp(query, ip, timeout=timeout, port=port, sock=sock)
            phases["request"] = time.monotonic() - mark
        result.set(names.PROBE_DNS_QUERY_SUCCEEDED, 1.0)  # an answer came back, whatever rcode
        result.set(names.PROBE_DNS_ANSWER_RRS, _count(response.answer))
        result.set(names.PROBE_DNS_AUTHORITY_RRS, _count(response.authority))
        result.set(names.PROBE_DNS_ADDITIONAL_RRS, _count(response.additional))
        rcode = dns.rcode.to_text(response.rcode())
        if rcode not in options.valid_rcodes:
            return f"rcode {rcode} is not one of {', '.join(options.valid_rcodes)}"
        return None


def _count(section: list[Any]) -> int:
    return sum(len(rrset) for rrset in section)


DNS = ProberKind(
    name="dns",
    help="One DNS query timed per phase, named as blackbox_exporter's dns prober",
    up_metric=names.PROBE_SUCCESS,
    parse_options=parse_dns_options,
    build=DNSProber,
    sends_credentials=False,
    default_min_interval_seconds=0.0,
    default_modules={
        "dns_udp": {"query_name": "example.com"},
        "dns_tcp": {"query_name": "example.com", "transport": "tcp"},
    },
)
