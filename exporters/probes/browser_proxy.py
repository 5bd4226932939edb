"""A per-probe forward proxy that puts every connection of a page through the address guard.

Playwright's routes never see redirect hops, and Chromium resolves names itself, so a page, or
a redirect it follows, could reach a refused address. With the probe's context proxied here,
Chromium resolves nothing: each CONNECT tunnel (https, wss) and each plain-http request names
its host, which is resolved and checked here, and the connection goes to exactly a checked
address. A refused CONNECT gets 403; a refused plain request a closed connection, so the page
sees a failed request either way. Plain requests are forwarded one per connection (with
`Connection: close`), so a kept-alive proxy connection never carries a request to another host.
"""

import asyncio
import contextlib
from urllib.parse import urlsplit

from exporters.probes import guard

HEAD_LIMIT = 64 * 1024
CHUNK = 64 * 1024
HOP_HEADERS = {b"connection", b"proxy-connection", b"keep-alive", b"proxy-authorization"}


class GuardProxy:
    """One probe's proxy: listens on 127.0.0.1, records the guard's refusals."""

    def __init__(self, refused: list[str]) -> None:
        self.refused = refused  # the guard's reasons, one per refused URL or tunnel
        self._refused_targets: set[str] = set()  # Chromium retries a closed request once
        self._server: asyncio.Server | None = None

    async def start(self) -> str:
        """Listen on a random loopback port; return the proxy's URL."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, limit=HEAD_LIMIT)
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def close(self) -> None:
        """Stop listening (tunnels still open end with their page's context)."""
        if self._server is not None:
            self._server.close()

    async def _serve(self, client: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await client.readuntil(b"\r\n\r\n")
            method, target, version = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ")
            tunnel = method == "CONNECT"
            host, port = guard.host_port(target) if tunnel else guard.url_endpoint(target)
            upstream = await self._connect(host, port, target)
            if upstream is None:
                if tunnel:
                    writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                return
            up_reader, up_writer = upstream
            try:
                if tunnel:
                    writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    await asyncio.gather(_pipe(client, up_writer), _pipe(up_reader, writer))
                else:
                    up_writer.write(_origin_form(head, method, target, version))
                    await _forward_body(head, client, up_writer)
                    answer = await up_reader.readuntil(b"\r\n\r\n")
                    writer.write(_closing(answer))  # the browser must not reuse the connection
                    await _pipe(up_reader, writer)
            finally:
                up_writer.close()
        except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass  # a malformed request or a dropped connection: the page sees a failed request
        finally:
            writer.close()

    async def _connect(
        self, host: str, port: int, target: str
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        """Resolve and check host; connect to the first checked address that answers."""
        active = guard.active()
        addresses = await asyncio.to_thread(active.resolve, host, port)
        reason = guard.first_refusal(active, host, addresses, port)
        if reason is not None:
            if target not in self._refused_targets:
                self._refused_targets.add(target)
                self.refused.append(reason)
            return None
        failure: OSError = OSError(f"{host} has no address")
        for address in addresses:
            try:
                return await asyncio.open_connection(address, port)
            except OSError as error:
                failure = error
        raise failure


def _origin_form(head: bytes, method: str, target: str, version: str) -> bytes:
    """Rewrite an absolute-form request head for the origin, asking it to close after."""
    parts = urlsplit(target)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return _closing(head, f"{method} {path} {version}".encode("latin-1"))


def _closing(head: bytes, first_line: bytes | None = None) -> bytes:
    """Return a message head without hop-by-hop headers, with `Connection: close`."""
    lines = head.rstrip(b"\r\n").split(b"\r\n")
    kept = [first_line or lines[0]] + [
        line for line in lines[1:]
        if line.split(b":", 1)[0].strip().lower() not in HOP_HEADERS
    ]
    return b"\r\n".join([*kept, b"Connection: close"]) + b"\r\n\r\n"


async def _forward_body(
    head: bytes, client: asyncio.StreamReader, upstream: asyncio.StreamWriter
) -> None:
    """Forward a request body of Content-Length bytes (browsers do not chunk requests)."""
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            upstream.write(await client.readexactly(int(value.strip())))
    await upstream.drain()


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    """Copy bytes until the source ends, then end the sink's writing side."""
    with contextlib.suppress(OSError):
        while chunk := await source.read(CHUNK):
            sink.write(chunk)
            await sink.drain()
        if sink.can_write_eof():
            sink.write_eof()
