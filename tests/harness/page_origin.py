"""A threaded HTTP origin serving test pages with known delays, layout shifts and long tasks.

`/page?id=…` waits `ttfb_ms` before answering, embeds a 320x240 image served after
`image_ms`, and optionally inserts a 200 px banner above the content after 300 ms (`shift=1`),
runs a `block_ms` long task right after first contentful paint, or a guard-refused image
(`refused=1`). Every response's body length is logged with the page id, so a test can compare
what the browser counted with what was served; a page's request headers are kept too.
"""

import random
import struct
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

IMAGE_SIZE = (320, 240)
SHIFT_AFTER_MS = 300
BANNER_PX = 200
REFUSED_IMAGE = "http://169.254.169.254/latest/meta-data/image.png"


def noise_png(width: int, height: int, seed: int = 4) -> bytes:
    """Return a PNG of random pixels (Chrome ignores low-entropy images as LCP candidates)."""
    noise = random.Random(seed)
    rows = b"".join(b"\x00" + noise.randbytes(width * 3) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


IMAGE = noise_png(*IMAGE_SIZE)


def page_html(query: dict[str, str]) -> bytes:
    """Return the test page for a query."""
    image = urlencode({"id": query.get("id", ""), "delay_ms": query.get("image_ms", "0")})
    scripts = []
    if query.get("shift") == "1":
        scripts.append(
            f"setTimeout(() => {{ const banner = document.createElement('div');"
            f" banner.style.height = '{BANNER_PX}px'; banner.textContent = 'banner';"
            f" document.body.insertBefore(banner, document.body.firstChild); }}, {SHIFT_AFTER_MS});"
        )
    if query.get("block_ms"):
        scripts.append(
            "new PerformanceObserver(() => setTimeout(() => {"
            f" const end = performance.now() + {int(query['block_ms'])};"
            " while (performance.now() < end) {} }, 20)).observe({type: 'paint'});"
        )
    refused = f'<img src="{REFUSED_IMAGE}" width="8" height="8">' if query.get("refused") else ""
    return (
        '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">'
        "<title>perfsight test page</title><style>body{margin:0;font:14px sans-serif}</style>"
        "</head><body><p>perfsight test page</p>"
        f'<img src="/image.png?{image}" width="{IMAGE_SIZE[0]}" height="{IMAGE_SIZE[1]}">'
        f"{refused}<script>{''.join(scripts)}</script></body></html>"
    ).encode()


@dataclass
class PageOrigin:
    """The running origin: its URL, what it served, and how many pages were in flight."""

    url: str
    stopping: threading.Event = field(default_factory=threading.Event)
    served: list[tuple[str, str, int]] = field(default_factory=list)  # (id, path, body bytes)
    in_flight: dict[str, int] = field(default_factory=dict)
    most_pages_in_flight: int = 0
    page_headers: dict[str, dict[str, str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def page(self, page_id: str, **params: object) -> str:
        """Return the URL of a test page."""
        return f"{self.url}/page?{urlencode({'id': page_id, **params})}"

    def served_for(self, page_id: str) -> list[tuple[str, int]]:
        """Return (path, body bytes) of every response served for one page id."""
        with self.lock:
            return [(path, size) for served_id, path, size in self.served if served_id == page_id]

    def enter(self, page_id: str) -> None:
        """Count a request of a page as in flight."""
        with self.lock:
            self.in_flight[page_id] = self.in_flight.get(page_id, 0) + 1
            self.most_pages_in_flight = max(self.most_pages_in_flight, len(self.in_flight))

    def leave(self, page_id: str, path: str, size: int) -> None:
        """Log a finished response."""
        with self.lock:
            self.served.append((page_id, path, size))
            self.in_flight[page_id] -= 1
            if not self.in_flight[page_id]:
                del self.in_flight[page_id]


def _handler(origin: PageOrigin) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {key: values[0] for key, values in parse_qs(parts.query).items()}
            page_id = query.get("id", "")
            origin.enter(page_id)
            size = 0
            try:
                size = self._answer(parts.path, query)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the browser closed the page (a probe's timeout) before the body was sent
            finally:
                origin.leave(page_id, parts.path, size)

        def _answer(self, path: str, query: dict[str, str]) -> int:
            if path == "/page":
                origin.page_headers[query.get("id", "")] = dict(self.headers.items())
                origin.stopping.wait(int(query.get("ttfb_ms", "0")) / 1000)
                body, kind = page_html(query), "text/html; charset=utf-8"
                status = HTTPStatus(int(query.get("status", "200")))
            elif path == "/image.png":
                origin.stopping.wait(int(query.get("delay_ms", "0")) / 1000)
                body, kind, status = IMAGE, "image/png", HTTPStatus.OK
            else:
                body, kind, status = b"not found", "text/plain", HTTPStatus.NOT_FOUND
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)
            return len(body)

        def log_message(self, format: str, *args: object) -> None:
            """Keep test output quiet."""

    return Handler


@contextmanager
def running_page_origin() -> Iterator[PageOrigin]:
    """Serve test pages on a random 127.0.0.1 port; stop (and release sleepers) afterwards."""
    origin = PageOrigin(url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(origin))
    server.daemon_threads = True
    origin.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield origin
    finally:
        origin.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
