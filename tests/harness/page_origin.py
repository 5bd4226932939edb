"""A threaded HTTP origin serving test pages with known delays, layout shifts and long tasks.

`/page?id=…` waits `ttfb_ms` before answering and embeds a 320x240 image served after
`image_ms`. Options: `shift=1` inserts a 200 px banner above the content once the page was
painted (two animation frames after its first contentful paint, so the move always counts as
a layout shift, however late a loaded host paints); `block_ms` runs one long task 20 ms after
first contentful paint; `refused=1` adds a guard-refused image. With `report=1` the page tells
the origin (`/report?id=…&tbt=…&cls=…`) once its own observers saw its first contentful paint,
its layout shift and its long task, and the origin holds the page's image until then: the load
event, which the prober waits for before it settles and reads, then comes after all of them.
With `gather=N` a document is held until N such documents arrived (in rounds of N), then
waits its `ttfb_ms`.

Every response's body length is logged with the page id, so a test can compare what the
browser counted with what was served; a page's request headers are kept too. Documents are
counted in flight from their arrival until their answer starts: a browser cannot have finished
a page, and so free its slot for another, before its document is out of that count.
"""

import json
import random
import struct
import threading
import time
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

IMAGE_SIZE = (320, 240)
BANNER_PX = 200
BLOCK_AFTER_FCP_MS = 20
REFUSED_IMAGE = "http://169.254.169.254/latest/meta-data/image.png"
GATHER_SECONDS = 20.0  # a document waits at most this long for the rest of its round
SERVED_SECONDS = 10.0  # how long served_for waits for a page's answers still being sent


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

# The page's own observers. The long task and the banner wait for the first contentful paint
# (a banner inserted before anything was painted moves nothing on screen: no layout shift);
# two animation frames after it, a frame with the content is certainly out. With `report`,
# once the page saw what it was built to show, it sends its own total blocking time (as
# perfsight counts it: each long task's time past 50 ms from FCP on) and layout shift sum.
PAGE_SCRIPT = """(() => {
  const options = %(options)s;
  const seen = {fcp: null, shifts: 0, cls: 0, longtasks: [], reported: false};
  function ready() {
    return seen.fcp !== null && (!options.shift || seen.shifts > 0)
      && (!options.block_ms || seen.longtasks.some(([, took]) => took >= options.block_ms));
  }
  function report() {
    if (!options.report || seen.reported || !ready()) return;
    seen.reported = true;
    let blocking = 0;
    for (const [start, took] of seen.longtasks) {
      blocking += Math.max(0, start + took - Math.max(start, seen.fcp) - 50);
    }
    const query = new URLSearchParams({id: options.id, tbt: blocking, cls: seen.cls});
    fetch('/report?' + query, {cache: 'no-store'});
  }
  function observe(type, handle) {
    new PerformanceObserver((list) => { list.getEntries().forEach(handle); report(); })
      .observe({type, buffered: true});
  }
  observe('paint', (entry) => {
    if (entry.name !== 'first-contentful-paint') return;
    seen.fcp = entry.startTime;
    if (options.block_ms) setTimeout(() => {
      const end = performance.now() + options.block_ms;
      while (performance.now() < end) {}
    }, %(block_after)d);
    if (options.shift) requestAnimationFrame(() => requestAnimationFrame(() => {
      const banner = document.createElement('div');
      banner.style.height = '%(banner)dpx';
      banner.textContent = 'banner';
      document.body.insertBefore(banner, document.body.firstChild);
    }));
  });
  if (options.report) {
    observe('layout-shift', (entry) => {
      if (!entry.hadRecentInput) { seen.shifts += 1; seen.cls += entry.value; }
    });
    observe('longtask', (entry) => { seen.longtasks.push([entry.startTime, entry.duration]); });
  }
})();"""


def page_script(query: dict[str, str]) -> str:
    """Return the page's script for a query ('' when the page needs none)."""
    options = {"id": query.get("id", ""), "shift": query.get("shift") == "1",
               "block_ms": int(query.get("block_ms") or 0), "report": query.get("report") == "1"}
    if not (options["shift"] or options["block_ms"] or options["report"]):
        return ""
    return PAGE_SCRIPT % {"options": json.dumps(options).replace("</", "<\\/"),
                          "block_after": BLOCK_AFTER_FCP_MS, "banner": BANNER_PX}


def page_html(query: dict[str, str]) -> bytes:
    """Return the test page for a query."""
    image = {"id": query.get("id", ""), "delay_ms": query.get("image_ms", "0")}
    if query.get("report") == "1":
        image["hold"] = "1"  # sent once the page reported
    image_src = f"{query.get('image_base', '')}/image.png?{urlencode(image)}"
    if query.get("image_via"):  # the image is a redirect to this URL
        image_src = f"/redirect?{urlencode({'to': query['image_via']})}"
    refused = f'<img src="{REFUSED_IMAGE}" width="8" height="8">' if query.get("refused") else ""
    return (
        '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">'
        "<title>perfsight test page</title><style>body{margin:0;font:14px sans-serif}</style>"
        "</head><body><p>perfsight test page</p>"
        f'<img src="{image_src}" width="{IMAGE_SIZE[0]}"'
        f' height="{IMAGE_SIZE[1]}">'
        f"{refused}<script>{page_script(query)}</script></body></html>"
    ).encode()


@dataclass
class PageOrigin:
    """The running origin: its URL, what it served, and how many documents were in flight."""

    url: str
    stopping: threading.Event = field(default_factory=threading.Event)
    served: list[tuple[str, str, int]] = field(default_factory=list)  # (id, path, body bytes)
    requests_in_flight: dict[str, int] = field(default_factory=dict)  # by page id, not yet logged
    documents_in_flight: dict[str, int] = field(default_factory=dict)  # by page id, unanswered
    most_documents_in_flight: int = 0  # the most pages whose documents awaited answers at once
    page_headers: dict[str, dict[str, str]] = field(default_factory=dict)  # lower-case names
    image_headers: dict[str, dict[str, str]] = field(default_factory=dict)
    arrivals: list[tuple[str, str, float]] = field(default_factory=list)  # (id, path, monotonic)
    reports: dict[str, dict[str, str]] = field(default_factory=dict)  # what pages reported
    gathered: dict[int, int] = field(default_factory=dict)  # documents arrived by `gather`
    lock: threading.Condition = field(default_factory=threading.Condition)

    def page(self, page_id: str, **params: object) -> str:
        """Return the URL of a test page."""
        return f"{self.url}/page?{urlencode({'id': page_id, **params})}"

    def served_for(self, page_id: str) -> list[tuple[str, int]]:
        """Return (path, body bytes) of every response served for one page id.

        A handler logs its response after sending it: the browser may have it (and the probe
        be over) first, so this waits until every request of the page that arrived is logged.
        """
        with self.lock:
            self.lock.wait_for(lambda: not self.requests_in_flight.get(page_id), SERVED_SECONDS)
            return [(path, size) for served_id, path, size in self.served if served_id == page_id]

    def arrival(self, page_id: str, path: str) -> float:
        """Return when (time.monotonic) the first request for a page's path arrived."""
        with self.lock:
            return next(at for served_id, served_path, at in self.arrivals
                        if (served_id, served_path) == (page_id, path))

    def enter(self, page_id: str, path: str) -> None:
        """Count a request of a page as in flight and note when it arrived."""
        with self.lock:
            self.arrivals.append((page_id, path, time.monotonic()))
            self.requests_in_flight[page_id] = self.requests_in_flight.get(page_id, 0) + 1

    def leave(self, page_id: str, path: str, size: int) -> None:
        """Log a finished response."""
        with self.lock:
            self.served.append((page_id, path, size))
            self.requests_in_flight[page_id] -= 1
            self.lock.notify_all()

    @contextmanager
    def document(self, page_id: str) -> Iterator[None]:
        """Count a page's document as in flight while it waits for its answer."""
        with self.lock:
            self.documents_in_flight[page_id] = self.documents_in_flight.get(page_id, 0) + 1
            self.most_documents_in_flight = max(self.most_documents_in_flight,
                                                len(self.documents_in_flight))
        try:
            yield
        finally:
            with self.lock:
                self.documents_in_flight[page_id] -= 1
                if not self.documents_in_flight[page_id]:
                    del self.documents_in_flight[page_id]

    def gather(self, parties: int) -> None:
        """Hold a document until its round of `parties` documents arrived (or GATHER_SECONDS)."""
        with self.lock:
            arrived = self.gathered[parties] = self.gathered.get(parties, 0) + 1
            round_complete = -(-arrived // parties) * parties
            self.lock.notify_all()
            self.lock.wait_for(
                lambda: self.gathered[parties] >= round_complete or self.stopping.is_set(),
                GATHER_SECONDS,
            )

    def reported(self, page_id: str, query: dict[str, str]) -> None:
        """Keep what a page reported and release its held image."""
        with self.lock:
            self.reports[page_id] = query
            self.lock.notify_all()

    def await_report(self, page_id: str) -> None:
        """Wait until a page reported (or the origin stops)."""
        with self.lock:
            self.lock.wait_for(lambda: page_id in self.reports or self.stopping.is_set())

    def stop(self) -> None:
        """Release every request held or sleeping."""
        with self.lock:
            self.stopping.set()
            self.lock.notify_all()


def _lowercase(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Return headers keyed by lower-case name (names are case-insensitive)."""
    return {name.lower(): value for name, value in headers}


def _handler(origin: PageOrigin) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {key: values[0] for key, values in parse_qs(parts.query).items()}
            page_id = query.get("id", "")
            origin.enter(page_id, parts.path)
            size = 0
            try:
                size = self._answer(parts.path, query)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the browser closed the page (a probe's timeout) before the body was sent
            finally:
                origin.leave(page_id, parts.path, size)

        def _answer(self, path: str, query: dict[str, str]) -> int:
            page_id = query.get("id", "")
            if path == "/page":
                origin.page_headers[page_id] = _lowercase(self.headers.items())
                with origin.document(page_id):  # out of the count before any byte is sent
                    if query.get("gather"):
                        origin.gather(int(query["gather"]))
                    origin.stopping.wait(int(query.get("ttfb_ms", "0")) / 1000)
                body, kind = page_html(query), "text/html; charset=utf-8"
                status = HTTPStatus(int(query.get("status", "200")))
            elif path == "/redirect":
                self.send_response(HTTPStatus.FOUND)
                self.send_header("Location", query.get("to", "/"))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return 0
            elif path == "/image.png":
                origin.image_headers[page_id] = _lowercase(self.headers.items())
                due = time.monotonic() + int(query.get("delay_ms", "0")) / 1000
                if query.get("hold") == "1":
                    origin.await_report(page_id)
                origin.stopping.wait(max(0.0, due - time.monotonic()))
                body, kind, status = IMAGE, "image/png", HTTPStatus.OK
            elif path == "/report":  # no body: the page's byte count stays its document's
                self.send_response(HTTPStatus.NO_CONTENT)  # and image's, read or not
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                origin.reported(page_id, query)  # the page has its answer before its image
                return 0
            else:
                body, kind, status = b"not found", "text/plain", HTTPStatus.NOT_FOUND
            self._send(status, kind, body)
            return len(body)

        def _send(self, status: HTTPStatus, kind: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Keep test output quiet."""

    return Handler


@contextmanager
def running_page_origin(host: str = "127.0.0.1") -> Iterator[PageOrigin]:
    """Serve test pages on a random port of host; stop (and release sleepers) afterwards."""
    origin = PageOrigin(url="")
    server = ThreadingHTTPServer((host, 0), _handler(origin))
    server.daemon_threads = True
    origin.url = f"http://{host}:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield origin
    finally:
        origin.stop()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
