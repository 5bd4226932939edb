"""The delay-injecting servers (origins, holding proxies, slow resolver) in a process of their own.

Run in the test's process, their Python threads would compete with the probe under test for
the GIL and skew the very timings being checked. `python -m tests.harness.delay_servers CERT KEY
HOLD DNS_DELAY` prints one JSON line of ports and serves each server's record of the delays it
really applied on a control port, until its stdin closes.
"""

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from tests.harness.delay_proxy import running_delay_proxy
from tests.harness.dns_responder import Zone, running_dns
from tests.harness.origin import running_origin
from tests.harness.servers import wait_until

RECORDS = {"origin.test": "127.0.0.1"}


@dataclass(frozen=True)
class DelayServers:
    """Where the servers listen, and the control URL serving their records."""

    origin: str
    tls_origin: str
    held_proxy: int
    direct_proxy: int
    slow_dns: int
    fast_dns: int
    control: str

    def recorder(self, name: str) -> "RemoteRecords":
        """Return the record of one server: origin, tls_origin, held_proxy, direct_proxy,
        slow_dns or fast_dns."""
        return RemoteRecords(self.control, name)


@dataclass(frozen=True)
class RemoteRecords:
    """One server's record of the delays it really applied, read over the control port."""

    control: str
    name: str

    def all(self) -> list[float]:
        """Return every delay recorded so far."""
        reply = requests.get(self.control, params={"name": self.name}, timeout=5)
        records: list[float] = reply.json()
        return records

    def next_applied(self, known: int, timeout: float = 2.0) -> float:
        """Wait for the record after the first `known` ones; return it."""
        wait_until(lambda: len(self.all()) > known, timeout, f"{self.name}'s delay record")
        return self.all()[known]


@contextmanager
def running_delay_servers(
    cert: tuple[Path, Path], hold_seconds: float, dns_delay_seconds: float
) -> Iterator[DelayServers]:
    """Start the servers in a child process; yield where they are; stop them."""
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.harness.delay_servers", str(cert[0]), str(cert[1]),
         str(hold_seconds), str(dns_delay_seconds)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert child.stdout is not None
        yield DelayServers(**json.loads(child.stdout.readline()))
    finally:
        assert child.stdin is not None
        child.stdin.close()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _serve(cert: tuple[Path, Path], hold: float, dns_delay: float) -> None:
    with ExitStack() as stack:
        plain = stack.enter_context(running_origin())
        tls = stack.enter_context(running_origin(cert))
        tls_port = int(tls.url.rsplit(":", 1)[1])
        held = stack.enter_context(running_delay_proxy(tls_port, hold))
        direct = stack.enter_context(running_delay_proxy(tls_port, 0.0))
        slow_zone, fast_zone = Zone(RECORDS, dns_delay), Zone(RECORDS)
        slow_dns = stack.enter_context(running_dns(slow_zone))
        fast_dns = stack.enter_context(running_dns(fast_zone))
        records: dict[str, list[float]] = {
            "origin": plain.applied, "tls_origin": tls.applied, "held_proxy": held.first_holds,
            "direct_proxy": direct.first_holds, "slow_dns": slow_zone.applied,
            "fast_dns": fast_zone.applied,
        }

        class Control(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                """Stay quiet."""

            def do_GET(self) -> None:
                name = parse_qs(urlsplit(self.path).query).get("name", [""])[0]
                body = json.dumps(list(records.get(name, []))).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        control = ThreadingHTTPServer(("127.0.0.1", 0), Control)
        stack.callback(control.server_close)
        threading.Thread(target=control.serve_forever, daemon=True).start()
        stack.callback(control.shutdown)
        print(json.dumps({
            "origin": plain.url, "tls_origin": tls.url, "held_proxy": held.port,
            "direct_proxy": direct.port, "slow_dns": slow_dns, "fast_dns": fast_dns,
            "control": f"http://127.0.0.1:{control.server_address[1]}/records",
        }), flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    _serve((Path(sys.argv[1]), Path(sys.argv[2])), float(sys.argv[3]), float(sys.argv[4]))
