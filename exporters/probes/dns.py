"""The `dns` prober: one query to the target resolver with dnspython, timed per phase."""

import socket
import time
from typing import Any

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
from prometheus_client.core import Metric

from exporters.multitarget.base import Module, Target, TransitionLog
from exporters.names import probe as names
from exporters.probes import guard
from exporters.probes.dns_options import DNSOptions
from exporters.probes.result import BUDGET_SHARE, ProbeResult


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
            deadline = started + timeout_seconds * BUDGET_SHARE
            error = self._query(target.address, deadline, result, phases)
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
            return guard.refusal(reason)
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
        result.set(names.PROBE_DNS_RCODE_INFO, 1.0, {names.LABEL_RCODE: rcode})
        if rcode not in options.valid_rcodes:
            return f"rcode {rcode} is not one of {', '.join(options.valid_rcodes)}"
        return None


def _count(section: list[Any]) -> int:
    return sum(len(rrset) for rrset in section)
