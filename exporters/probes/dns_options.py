"""The dns prober's options, blackbox_exporter's names and meanings, validated with paths."""

from dataclasses import dataclass, field
from typing import Any

import dns.exception
import dns.rcode
import dns.rdatatype

from exporters.probes.options import IPProtocol, parse_bool, parse_ip_protocol, parse_string
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
