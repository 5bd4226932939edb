"""The `tcp` prober: connect (resolved and guarded here), optional TLS, optional send/expect."""

import re
import socket
import ssl
import time
from typing import Any

from prometheus_client.core import Metric

from exporters.multitarget.base import Module, Target, TransitionLog
from exporters.names import probe as names
from exporters.probes import guard
from exporters.probes.options import IPProtocol, TLSConfig
from exporters.probes.result import BUDGET_SHARE, ProbeResult
from exporters.probes.tcp_options import TCPOptions
from exporters.probes.tls import decode_certificate, record_tls

GO_GROUP = re.compile(r"\$\{(\d+)\}")
MAX_LINE = 64 * 1024


class TCPProber:
    """Probe host:port targets for one module."""

    def __init__(self, module: Module) -> None:
        self._options: TCPOptions = module.options
        self._log = TransitionLog(module.kind)

    def probe(self, target: Target, timeout_seconds: float) -> list[Metric]:
        """Connect, converse, report blackbox_exporter's tcp families."""
        started = time.monotonic()
        result = ProbeResult()
        result.set(names.PROBE_FAILED_DUE_TO_REGEX, 0.0)
        try:
            host, port = guard.tcp_endpoint(target.address)
            connection = connect(host, port, self._options.ip_protocol,
                                 started + timeout_seconds * BUDGET_SHARE, result)
            error = self._converse(connection, host, result)
        except (OSError, ValueError) as failure:
            error = str(failure) or type(failure).__name__
        self._log.report(target, error)
        result.success = error is None
        return result.families(time.monotonic() - started)

    def close(self) -> None:
        """Release nothing: every probe opens and closes its own connection."""

    def _converse(self, connection: socket.socket, host: str, result: ProbeResult) -> str | None:
        options = self._options
        with connection:
            if options.tls:
                connection = _start_tls(connection, host, options.tls_config, result)
            reader = connection.makefile("rb")
            match: re.Match[str] | None = None
            for step in options.query_response:
                if step.expect is not None:
                    match = _expect(reader, step.expect)
                    if match is None:
                        result.set(names.PROBE_FAILED_DUE_TO_REGEX, 1.0)
                        return f"no line matched {step.expect.pattern!r}"
                if step.send:
                    connection.sendall(_expand(step.send, match).encode() + b"\n")
                if step.starttls:
                    connection = _start_tls(connection, host, options.tls_config, result)
                    reader = connection.makefile("rb")
        return None


def connect(
    host: str, port: int, protocol: IPProtocol, deadline: float, result: ProbeResult
) -> socket.socket:
    """Resolve host, check each address with the guard, connect to the first that answers."""
    started = time.monotonic()
    addresses = protocol.order(guard.active().resolve(host, port, versions=protocol.versions()))
    result.set(names.PROBE_DNS_LOOKUP_TIME_SECONDS, time.monotonic() - started)
    if not addresses:
        raise OSError(f"{host} has no address of the allowed IP protocol")
    reason = guard.first_refusal(guard.active(), host, addresses, port)
    if reason is not None:
        raise OSError(guard.refusal(reason))
    result.set_address(addresses[0])
    failure: OSError = OSError(f"cannot connect to {host}")
    for ip in addresses:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"connecting to {host}:{port} timed out")
        try:
            connection = socket.create_connection((ip, port), timeout=remaining)
        except OSError as error:
            failure = error
            continue
        connection.settimeout(max(deadline - time.monotonic(), 0.001))
        return connection
    raise failure


def _start_tls(
    connection: socket.socket, host: str, config: TLSConfig, result: ProbeResult
) -> ssl.SSLSocket:
    wrapped = config.context().wrap_socket(
        connection, server_hostname=config.server_hostname(host)
    )
    der = wrapped.getpeercert(binary_form=True)
    record_tls(result, [decode_certificate(der)] if der else [], wrapped.version() or "")
    return wrapped


def _expand(template: str, match: re.Match[str] | None) -> str:
    """Replace Go-style `${1}` with the last expect match's groups."""
    return GO_GROUP.sub(lambda group: (match.group(int(group[1])) or "") if match else "", template)


def _expect(reader: Any, pattern: re.Pattern[str]) -> re.Match[str] | None:
    """Read lines until one matches; None at end of stream."""
    while True:
        line = reader.readline(MAX_LINE)
        if not line:
            return None
        match = pattern.search(line.decode("utf-8", errors="replace").rstrip("\r\n"))
        if match is not None:
            return match
