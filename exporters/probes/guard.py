"""Decide which addresses probes may reach: config allow/deny lists over built-in refusals.

Always refused unless an `allow` CIDR names them explicitly: link-local (which holds the cloud
metadata address 169.254.169.254), IPv6 link-local and AWS's IPv6 metadata address. Always
refused: the exporter's own listener. Names are resolved and every address is checked before a
probe starts (the 403 of `/probe`); probers check again the exact address they connect to, so
a DNS answer that changes in between (rebinding) cannot slip past the list.
"""

import fnmatch
import ipaddress
import re
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from exporters.multitarget.base import Endpoint, Target
from exporters.validation import Validator

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
BUILT_IN_REFUSALS: tuple[tuple[IPNetwork, str], ...] = (
    (ipaddress.ip_network("169.254.169.254/32"), "the cloud metadata address"),
    (ipaddress.ip_network("fd00:ec2::254/128"), "the cloud metadata address"),
    (ipaddress.ip_network("169.254.0.0/16"), "a link-local address"),
    (ipaddress.ip_network("fe80::/10"), "a link-local address"),
)
HOST_PATTERN = re.compile(r"^[A-Za-z0-9*?._-]+$")
FAMILIES: dict[tuple[int, ...], int] = {(4,): socket.AF_INET, (6,): socket.AF_INET6}
RECORD_TYPES = {4: "A", 6: "AAAA"}
WEB_PORTS = {"http": 80, "https": 443}  # the schemes a URL target may use, default ports


@dataclass(frozen=True)
class AddressRules:
    """CIDRs and host patterns (shell-style, `*.example.com`) from one config list."""

    networks: tuple[IPNetwork, ...] = ()
    hosts: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.networks or self.hosts)

    def network_of(self, ip: IPAddress) -> IPNetwork | None:
        """Return the first listed network holding ip."""
        return next((net for net in self.networks if ip in net), None)

    def names(self, host: str) -> bool:
        """Tell whether a host name matches a listed pattern."""
        return any(fnmatch.fnmatchcase(host.lower(), pattern) for pattern in self.hosts)


@dataclass(frozen=True)
class GuardSettings:
    """The config's `probe_guard:` section: an allow-list (empty: all not refused), denials."""

    allow: AddressRules = field(default_factory=AddressRules)
    deny: AddressRules = field(default_factory=AddressRules)
    resolver: tuple[str, int] | None = None


def parse_guard(check: Validator, value: Any) -> GuardSettings:
    """Validate `probe_guard: {allow: [...], deny: [...]}`, each entry a CIDR or host pattern."""
    raw = check.mapping(value, "probe_guard", {"allow", "deny", "resolver"})
    resolver = raw.get("resolver")
    if resolver is not None:
        try:
            host, port = host_port(str(resolver), 53)
            resolver = (str(ipaddress.ip_address(host)), port)
        except ValueError:
            check.problems.append(f"probe_guard.resolver: must be IP[:port], got {resolver!r}")
            resolver = None
    return GuardSettings(
        allow=_rules(check, raw.get("allow"), "probe_guard.allow"),
        deny=_rules(check, raw.get("deny"), "probe_guard.deny"),
        resolver=resolver,
    )


def _rules(check: Validator, value: Any, path: str) -> AddressRules:
    networks: list[IPNetwork] = []
    hosts: list[str] = []
    for index, item in enumerate(check.sequence(value, path, "CIDRs and host patterns")):
        if not isinstance(item, str) or not item:
            check.problems.append(f"{path}[{index}]: must be a CIDR or host pattern, got {item!r}")
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            if HOST_PATTERN.match(item) and not item.replace(".", "").isdigit():
                hosts.append(item.lower())
            else:
                check.problems.append(f"{path}[{index}]: not a CIDR or host pattern: {item!r}")
    return AddressRules(tuple(networks), tuple(hosts))


class AddressGuard:
    """Check hosts and the exact addresses probes connect to; answer a reason or None."""

    def __init__(
        self, settings: GuardSettings | None = None, listen: tuple[str, int] | None = None
    ) -> None:
        self.settings = settings or GuardSettings()
        self._listen = listen

    def check_address(self, host: str, ip: str, port: int) -> str | None:
        """Return why connecting to ip:port (reached as host) is refused, or None."""
        address = _address(ip)
        where = f"{host} ({address})" if host and host != str(address) else str(address)
        if self._is_own_listener(address, port):
            return f"{where} port {port} is this exporter's own listener"
        if self.settings.deny.names(host):
            return f"{where} matches a denied host pattern"
        denied = self.settings.deny.network_of(address)
        if denied is not None:
            return f"{where} is in the denied network {denied}"
        allowed = self.settings.allow.network_of(address)
        for network, what in BUILT_IN_REFUSALS:
            if address in network and not (allowed is not None and allowed.subnet_of(network)):  # type: ignore[arg-type]
                return f"{where} is {what}; list it under probe_guard.allow to probe it"
        if self.settings.allow and allowed is None and not self.settings.allow.names(host):
            return f"{where} is not in probe_guard.allow"
        return None

    def resolve(
        self, host: str, port: int, timeout: float = 5.0, versions: tuple[int, ...] = (4, 6)
    ) -> list[str]:
        """Return host's addresses of these IP versions (configured resolver, else the system's)."""
        try:
            return [str(ipaddress.ip_address(host))]
        except ValueError:
            pass
        if self.settings.resolver is None:
            family = FAMILIES.get(versions, socket.AF_UNSPEC)
            infos = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)
            return list(dict.fromkeys(str(info[4][0]) for info in infos))
        return _ask_resolver(self.settings.resolver, host, timeout, versions)

    def check_host(self, host: str, port: int) -> str | None:
        """Resolve host and check every address it has; a failed lookup is not a refusal."""
        try:
            addresses = self.resolve(host, port)
        except OSError:
            return None  # the probe itself reports the lookup failure
        return first_refusal(self, host, addresses, port)

    def check_url(self, url: str) -> str | None:
        """Check the host and port a URL points at."""
        host, port = url_endpoint(url)
        return self.check_host(host, port)

    def for_runner(self, endpoint: Endpoint, target: Target) -> str | None:
        """Guard `/probe` requests: check where a target connects before probing it."""
        try:
            host, port = endpoint(target.address)
        except ValueError as error:
            return f"target {target.address!r}: {error}"
        return self.check_host(host, port)

    def _is_own_listener(self, address: IPAddress, port: int) -> bool:
        if self._listen is None or port != self._listen[1]:
            return False
        bound = _address(self._listen[0] or "0.0.0.0")
        return address == bound or (bound.is_unspecified and _is_local(address))


def _address(ip: str) -> IPAddress:
    address = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_local(address: IPAddress) -> bool:
    if address.is_loopback or address.is_unspecified:
        return True
    try:  # an address this host can bind is one of its own
        with socket.socket(
            socket.AF_INET6 if address.version == 6 else socket.AF_INET, socket.SOCK_DGRAM
        ) as probe:
            probe.bind((str(address), 0))
        return True
    except OSError:
        return False


def _ask_resolver(
    resolver: tuple[str, int], host: str, timeout: float, versions: tuple[int, ...]
) -> list[str]:
    """Ask one DNS server for host's A and/or AAAA records over UDP, one after the other."""
    # imported here: dnspython's query machinery loads only where a resolver is configured
    import dns.exception  # noqa: PLC0415
    import dns.message  # noqa: PLC0415
    import dns.query  # noqa: PLC0415

    addresses: list[str] = []
    for record in (RECORD_TYPES[version] for version in versions):
        query = dns.message.make_query(host, record)
        try:
            answer = dns.query.udp(query, resolver[0], timeout=timeout, port=resolver[1])
        except dns.exception.DNSException as error:
            raise OSError(f"resolver {resolver[0]}:{resolver[1]}: {error}") from None
        addresses += [
            item.address for rrset in answer.answer if rrset.rdtype in (1, 28) for item in rrset
        ]
    if not addresses:
        raise OSError(f"{host}: no {' or '.join(RECORD_TYPES[v] for v in versions)} record")
    return addresses


def url_origin(url: str) -> tuple[str, str, int | None]:
    """Return a URL's origin: scheme, host and port (the scheme's default made explicit)."""
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or WEB_PORTS.get(parts.scheme)


def url_endpoint(url: str) -> tuple[str, int]:
    """Return the host and port a URL points at."""
    parts = urlsplit(url)
    if parts.scheme not in WEB_PORTS or not parts.hostname:
        raise ValueError("expected an http:// or https:// URL")
    return parts.hostname, parts.port or WEB_PORTS[parts.scheme]


def host_port(address: str, default_port: int | None = None) -> tuple[str, int]:
    """Split `host:port` or `[v6]:port` (or a bare host when there is a default port)."""
    if address.startswith("["):
        host, _, rest = address[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif address.count(":") == 1:
        host, port = address.split(":")
    else:
        host, port = address, ""
    if not host:
        raise ValueError("missing host")
    if not port:
        if default_port is None:
            raise ValueError("expected host:port")
        return host, default_port
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"bad port {port!r}")
    return host, int(port)


def dns_endpoint(address: str) -> tuple[str, int]:
    """Return a resolver's host and port (53 by default)."""
    return host_port(address, 53)


def tcp_endpoint(address: str) -> tuple[str, int]:
    """Return a TCP target's host and port."""
    return host_port(address)


_active: list[AddressGuard] = [AddressGuard()]


def install(guard: AddressGuard) -> None:
    """Make guard the one every prober checks connections with (the CLI installs it)."""
    _active[0] = guard


def active() -> AddressGuard:
    """Return the installed guard (built-in refusals only until the CLI installs one)."""
    return _active[0]


def refusal(reason: str) -> str:
    """Return the error text of a probe (or page request) the guard refused, with its reason."""
    return f"refused by the address guard: {reason}"


def first_refusal(guard: AddressGuard, host: str, ips: Sequence[str], port: int) -> str | None:
    """Return the first reason any of ips is refused, or None."""
    return next(
        (reason for ip in ips if (reason := guard.check_address(host, ip, port)) is not None), None
    )
